"""Building and publishing a version of the knowledge index.

A build reads the knowledge folder, validates it, embeds each passage, and writes a new
version folder under ``INDEX_DIR/versions``. ``INDEX_DIR/CURRENT`` names the version the
bot serves; it is replaced in one atomic rename only after the new version is complete, so
a failed or interrupted build leaves the previous version serving.

Builds are incremental: a passage whose text (and model) is unchanged reuses its vector
from the version being served, so editing one entry re-embeds only that entry's passages.
Identical passages (boilerplate shared by many entries) are embedded and stored once.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import numpy.typing as npt
import orjson

from indexer.chunks import CHUNKER_VERSION
from indexer.decision import MODEL_FILE, PACKAGED_MODEL, ModelError, NoMatchModel
from indexer.embedder import Embedder, model_fingerprint, resolve_model
from indexer.entries import LoadResult, ParseCache, Problem, load_entries
from indexer.lexical import build_lexical
from indexer.problems import ENTRY_TEXTS
from indexer.reuse import (
    ReadThrough,
    cache_key,
    compact,
    derived_fields,
    entry_vocabulary,
    previous_parse_cache,
    previous_version,
    reuse_graph,
)
from indexer.slang import Slang, slang_path
from indexer.spelling import vocabulary
from indexer.taxonomy import Taxonomy, taxonomy_path
from indexer.versions import FORMAT, current_version, point_current_at, prune, version_dir

__all__ = [
    "BuildBusy",
    "APPROXIMATE_ABOVE",
    "HNSW_EF_CONSTRUCTION",
    "HNSW_M",
    "BuildError",
    "BuildReport",
    "build",
    "current_version",
    "ef_search_for",
    "version_dir",
]

# Above this many distinct passages the dense index is approximate (HNSW); below it every
# passage is compared with the query. `make bench` prints both at each size: at 17,751
# passages (10,000 synthetic entries) exact search took 0.81 ms p50 / 0.93 ms p95 against
# HNSW's 0.25 / 0.36 ms, and whole questions p95 7.0 ms. HNSW's recall there is 1.000 on the
# synthetic questions, but where the Hub's own entries are a small island among many others
# it misses: with the 60 real entries among 10,000 synthetic ones, HNSW (efSearch 256) found
# the closest passage for only 87% of the real questions (95% at 1,024, slower than exact),
# so refusals and ranking moved with the base's size. A base of about 2,800 entries written
# as the Hub writes them (about 17 passages each with their asked lists) stays exact.
APPROXIMATE_ABOVE = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 384
# A graph of a few tens of thousands of passages needs a shorter search for the same recall
# on the bench's questions: at 17,751 passages, passage recall@5 against exact search was
# 0.998 with 384, 0.994 with 256 and 0.989 with 128. Since the index stays exact up to
# APPROXIMATE_ABOVE, only `make bench`'s comparison graphs are this small.
HNSW_EF_SEARCH_SMALL = 256
HNSW_SMALL_UP_TO = 50_000


def ef_search_for(count: int) -> int:
    """How wide the HNSW search is for a graph of ``count`` passages."""
    return HNSW_EF_SEARCH_SMALL if count <= HNSW_SMALL_UP_TO else HNSW_EF_SEARCH


class BuildError(RuntimeError):
    """The build cannot produce an index; the version being served is untouched."""


class BuildBusy(BuildError):
    """Another build of the same index folder is running (in this process or another)."""


@dataclass
class BuildReport:
    """What a build did: the version it published (or left serving) and what it embedded."""

    version: str
    published: bool
    entries: int
    files: int
    passages: int
    distinct_passages: int
    embedded_passages: int
    reused_passages: int
    embedded_entries: int
    seconds: float
    problems: list[Problem] = field(default_factory=list)
    index_type: str = "flat"

    @property
    def summary(self) -> str:
        """The report in one line, as the command line and the Hub show it."""
        state = "published" if self.published else "unchanged, still serving"
        return (
            f"index {self.version} {state}: {self.entries} entries from {self.files} files, "
            f"{self.passages} passages ({self.embedded_passages} embedded, {self.reused_passages} reused, "
            f"{self.embedded_entries} entries re-embedded), {len(self.problems)} problems, {self.seconds:.1f} s"
        )


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BuildBusy(f"another build of {index_dir} is running; try again when it finishes") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _source_hash(result: LoadResult, taxonomy_file: Path, fingerprint: str, slang_file: Path | None,
                 no_match_file: Path) -> str:
    digest = hashlib.sha256(f"{FORMAT}:{CHUNKER_VERSION}:{fingerprint}".encode())
    digest.update(taxonomy_file.read_bytes())
    digest.update(b"\0" + (slang_file.read_bytes() if slang_file else b""))
    digest.update(b"\0" + no_match_file.read_bytes())
    for entry in sorted(result.entries, key=lambda e: e.id):
        digest.update(f"{entry.path}\0{entry.content_hash}\0".encode())
    for problem in result.problems:  # a newly broken file changes what the version reports
        digest.update(f"{problem}\0".encode())
    return digest.hexdigest()


def _dense_index(vectors: npt.NDArray[np.float32]) -> tuple[Any, str]:
    """The dense index over ``vectors`` (ids by row) and its type, "hnsw" or "flat"."""
    import faiss

    dimension = vectors.shape[1]
    if len(vectors) > APPROXIMATE_ABOVE:
        inner: Any = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        inner.hnsw.efSearch = ef_search_for(len(vectors))
        kind = "hnsw"
    else:
        inner = faiss.IndexFlatIP(dimension)
        kind = "flat"
    index = faiss.IndexIDMap2(inner)
    index.add_with_ids(vectors, np.arange(len(vectors), dtype=np.int64))
    return index, kind


def _csr(lists: list[list[int]]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    pointers = np.zeros(len(lists) + 1, dtype=np.int64)
    pointers[1:] = np.cumsum([len(items) for items in lists])
    flat = np.fromiter((i for items in lists for i in items), dtype=np.int64, count=int(pointers[-1]))
    return pointers, flat


def build(
    source: Path,
    index_dir: Path,
    embedder: Embedder,
    *,
    model: str | None = None,
    progress: bool = False,
    force: bool = False,
    fallback_taxonomy: Path = Path("knowledge/taxonomy.yaml"),
    fallback_slang: Path = Path("knowledge/slang.yaml"),
    no_match_file: Path = PACKAGED_MODEL,
) -> BuildReport:
    """Validate ``source``, embed what changed and publish a new version into ``index_dir``.

    Files with errors are left out and reported in the report and the version's metadata.
    Nothing is published when no file is valid, or when nothing changed since the version
    being served (unless ``force``).
    """
    started = time.perf_counter()
    source, index_dir = Path(source), Path(index_dir)
    if not source.is_dir():
        raise BuildError(f"the knowledge folder {source} does not exist")
    taxonomy_file = taxonomy_path(source, fallback_taxonomy)
    taxonomy = Taxonomy.load(taxonomy_file)
    slang_file = slang_path(source, fallback_slang)
    Slang.load(slang_file)  # a glossary that cannot be read fails the build, naming the reason
    try:
        reading = NoMatchModel.load(no_match_file).intent
    except ModelError as error:
        raise BuildError(str(error)) from None
    if reading and reading.dimension != embedder.dimension:
        raise BuildError(f"{no_match_file}: its intent reading is for vectors of {reading.dimension} numbers, "
                         f"and {embedder.name} makes {embedder.dimension}: refit it (python -m eval.fit --rule --write)")
    parse_cache = previous_parse_cache(index_dir)
    fresh_cache: ParseCache = {}
    result = load_entries(source, taxonomy, cache=ReadThrough(parse_cache, fresh_cache))
    if not result.entries:
        raise BuildError(f"no valid knowledge entries in {source} ({len(result.problems)} problems)")
    fingerprint = model_fingerprint(resolve_model(model))

    with _build_lock(index_dir):
        source_hash = _source_hash(result, taxonomy_file, fingerprint, slang_file, no_match_file)
        served = current_version(index_dir)
        if served and not force:
            meta = json.loads((version_dir(index_dir, served) / "meta.json").read_text())
            chosen = "hnsw" if meta["distinct_passages"] > APPROXIMATE_ABOVE else "flat"
            if meta.get("source_hash") == source_hash and meta.get("index_type") == chosen:
                return BuildReport(
                    served, False, len(result.entries), result.files, meta["passages"],
                    meta["distinct_passages"], 0, meta["distinct_passages"], 0,
                    time.perf_counter() - started, result.problems, meta["index_type"],
                )

        previous = previous_version(index_dir, fingerprint)
        cache = previous.by_hash
        distinct: dict[str, int] = {}  # passage hash -> row
        texts: list[str] = []
        entry_rows: list[list[int]] = []
        new_rows: set[int] = set()
        embedded_entries = 0
        total_passages = 0
        lexical_terms: list[list[str]] = []
        entry_keys: list[str] = []
        entry_texts: list[str] = []  # what each entry says, for the problems it names (indexer.problems)
        for entry in result.entries:
            derived = derived_fields(entry, taxonomy, fresh_cache)
            entry_keys.append(cache_key(entry, taxonomy))
            lexical_terms.append(derived["terms"].split())
            entry_texts.append("\n".join(text for text, _ in derived["passages"]).lower())
            rows = []
            fresh = False
            for text, key in derived["passages"]:
                total_passages += 1
                if key not in distinct:
                    distinct[key] = len(texts)
                    texts.append(text)
                    if key not in cache:
                        new_rows.add(distinct[key])
                if distinct[key] in new_rows:
                    fresh = True
                rows.append(distinct[key])
            entry_rows.append(list(dict.fromkeys(rows)))
            embedded_entries += fresh

        hashes = list(distinct)
        vectors = np.empty((len(texts), embedder.dimension), dtype=np.float32)
        to_embed = sorted(new_rows)
        for key, row in distinct.items():
            if row not in new_rows:
                vectors[row] = cache[key]
        if to_embed:
            vectors[to_embed] = _embed_with_progress(embedder, [texts[i] for i in to_embed], progress)

        stamp = datetime.now(timezone.utc)
        version = f"{stamp:%Y%m%dT%H%M%S}-{source_hash[:8]}"
        final = version_dir(index_dir, version)
        if final.exists():
            version = f"{version}-{os.getpid()}"
            final = version_dir(index_dir, version)
        staging = index_dir / "versions" / f".building-{version}"
        staging.mkdir(parents=True, exist_ok=False)
        try:
            import faiss

            reused = (reuse_graph(previous, hashes, vectors, ef_search_for(len(texts)))
                      if len(texts) > APPROXIMATE_ABOVE and not force else None)
            if reused is not None:
                dense, hashes, vectors, remap = reused
                index_type = "hnsw"
                entry_rows = [[int(remap[row]) for row in rows] for rows in entry_rows]
            else:
                dense, index_type = _dense_index(vectors)
            np.save(staging / "vectors.npy", vectors)
            if index_type != "flat":
                faiss.write_index(dense, str(staging / "dense.faiss"))
            (staging / "passage_hashes.json").write_bytes(orjson.dumps(hashes))
            (staging / "parse_cache.json").write_bytes(orjson.dumps(compact(fresh_cache)))
            pointers, flat = _csr(entry_rows)
            np.save(staging / "entry_passage_ptr.npy", pointers)
            np.save(staging / "entry_passage_ids.npy", flat)
            entries_json = []
            for entry in result.entries:
                fields = entry.card_fields()
                fields["settings"] = list(entry.settings)
                fields["tags"] = list(entry.tags)
                entries_json.append(fields)
            (staging / "entries.json").write_bytes(orjson.dumps(entries_json))
            (staging / ENTRY_TEXTS).write_bytes(orjson.dumps(entry_texts))
            shutil.copyfile(taxonomy_file, staging / "taxonomy.yaml")
            if slang_file is not None:
                shutil.copyfile(slang_file, staging / "slang.yaml")
            shutil.copyfile(no_match_file, staging / MODEL_FILE)
            build_lexical(lexical_terms, staging / "lexical")
            entry_words = entry_vocabulary(index_dir, entry_keys, parse_cache, fresh_cache)
            (staging / "entry_vocabulary.json").write_bytes(
                orjson.dumps({"keys": entry_keys, "counts": entry_words})
            )
            word_counts = entry_words + Counter(vocabulary([" ".join(t.names) for t in taxonomy.terms.values()]))
            (staging / "vocabulary.json").write_text(json.dumps(word_counts))
            seconds = time.perf_counter() - started
            meta = {
                "format": FORMAT,
                "version": version,
                "model": embedder.name,
                "model_fingerprint": fingerprint,
                "dimension": embedder.dimension,
                "entries": len(result.entries),
                "research": sum(e.kind == "research" for e in result.entries),
                "practice": sum(e.kind == "practice" for e in result.entries),
                "files": result.files,
                "passages": total_passages,
                "distinct_passages": len(texts),
                "rows": len(hashes),  # more than the distinct passages where an edited base kept its graph
                "graph_reused": reused is not None,
                "embedded_passages": len(to_embed),
                "embedded_entries": embedded_entries,
                "index_type": index_type,
                "hnsw": {"m": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION, "ef_search": ef_search_for(len(texts))}
                if index_type == "hnsw" else None,
                "source": str(source),
                "source_hash": source_hash,
                "chunker": CHUNKER_VERSION,
                "built_at": stamp.isoformat(timespec="seconds"),
                "build_seconds": round(seconds, 3),
                "problems": [asdict(p) for p in result.problems],
            }
            # meta.json last: a version folder without it is incomplete and never served.
            (staging / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False))
            os.replace(staging, final)
            point_current_at(index_dir, version)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        prune(index_dir, keep={version} if served is None else {version, served})
        return BuildReport(
            version, True, len(result.entries), result.files, total_passages, len(texts),
            len(to_embed), len(texts) - len(to_embed), embedded_entries, seconds, result.problems, index_type,
        )


def _embed_with_progress(embedder: Embedder, texts: list[str], progress: bool) -> npt.NDArray[np.float32]:
    batch = 64
    if not progress or len(texts) <= batch * 4:
        return embedder.embed(texts, batch_size=batch)
    from tqdm import tqdm

    out = np.empty((len(texts), embedder.dimension), dtype=np.float32)
    # Similar lengths together: less padding, faster batches.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with tqdm(total=len(texts), unit="passage", desc="embedding") as bar:
        for start in range(0, len(order), batch * 8):
            rows = order[start : start + batch * 8]
            out[rows] = embedder.embed([texts[i] for i in rows], batch_size=batch)
            bar.update(len(rows))
    return out


