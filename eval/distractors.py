"""The real knowledge base with synthetic distractor entries added, for ``make eval``.

As the Hub writes entries, the no-good-match decision must not drift: a question the base
answers today must still be answered, and one it cannot answer still refused, when the base
is ten or a hundred times larger. ``make eval`` measures that by searching the real question
sets against the real entries plus 1,000 and 10,000 synthetic ones (``bench.synthetic``,
each marked as synthetic and never relevant).

Each size is kept in the work folder (``data/eval``, git-ignored): the synthetic entries are
generated once, the real ones are copied afresh on every run, and the index is rebuilt
incrementally, so only the first run embeds the distractors (a few minutes at 10,000).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bench import synthetic
from indexer.build import build, version_dir
from indexer.embedder import Embedder
from indexer.search import KnowledgeIndex

DEFAULT_WORKDIR = Path("data/eval")


def with_distractors(knowledge: Path, n: int, embedder: Embedder, workdir: Path = DEFAULT_WORKDIR) -> KnowledgeIndex:
    """The index of ``knowledge``'s entries plus ``n`` synthetic ones, built or brought up to date."""
    base = Path(workdir) / f"kb-{n}"
    generated = base / "synthetic"
    if not synthetic.is_current(generated, n):
        shutil.rmtree(generated, ignore_errors=True)  # an interrupted or different base
        synthetic.generate(generated, n, taxonomy_path=knowledge / "taxonomy.yaml")
        (generated / "taxonomy.yaml").unlink()
    real = base / "entries"
    shutil.rmtree(real, ignore_errors=True)
    shutil.copytree(knowledge / "entries", real)
    for name in ("taxonomy.yaml", "slang.yaml"):
        if (knowledge / name).is_file():
            shutil.copyfile(knowledge / name, base / name)
    index_dir = Path(workdir) / f"index-{n}"
    report = build(base, index_dir, embedder, progress=True)
    return KnowledgeIndex(version_dir(index_dir, report.version))
