"""One revision of a synthetic knowledge entry, for timing an incremental index rebuild."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from pathlib import Path

from bench.synthetic_text import EDIT_FINDINGS, SECTION_SLOTS, compose, fill, long_date, wrap, yaml_quote

__all__ = ["edit_one"]

# The section edit_one rewrites, per kind.
EDITED_HEADING = {"research": "Implementation", "practice": "Outcomes"}



def _entry_path(out_dir: Path, entry_id: str | None) -> Path:
    """The file of ``entry_id``, or of the lowest-numbered entry."""
    if entry_id is None:
        # Entries are numbered from 1, so the first few numbers find one without listing
        # a folder of tens of thousands of files.
        for number in range(1, 100):
            for kind in ("research", "practice"):
                found = sorted((out_dir / kind).glob(f"syn-{number:06d}-*.md"))
                if found:
                    return found[0]
        found = sorted(out_dir.glob("*/syn-*.md"))
        if found:
            return found[0]
        raise FileNotFoundError(f"no synthetic entries under {out_dir}")
    for kind in ("research", "practice"):
        path = out_dir / kind / f"{entry_id}.md"
        if path.is_file():
            return path
    raise FileNotFoundError(f"no entry {entry_id!r} under {out_dir}")


def edit_one(out_dir: Path, entry_id: str | None = None) -> Path:
    """Revise one entry as the Hub would after a follow-up review, and return its path.

    The summary keeps its first sentence and gains a dated review finding, one section
    (Implementation for research, Outcomes for practice) is rewritten with a dated update,
    and ``published`` moves on a day. Every call produces text the base did not hold before.

    Args:
        out_dir: A base written by :func:`generate`.
        entry_id: The entry to edit; by default the lowest-numbered one.

    Raises:
        FileNotFoundError: No such entry.
        ValueError: The file is not in the layout :func:`generate` writes.
    """
    path = _entry_path(Path(out_dir), entry_id)
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n") or "\n---\n" not in text[3:]:
        raise ValueError(f"{path}: no front matter")
    end = text.index("\n---\n", 3)
    head, body = text[4:end], text[end + 5:]

    published_match = re.search(r"^published: (\d{4}-\d{2}-\d{2})$", head, re.M)
    summary_match = re.search(r"^summary: (\".*\")$", head, re.M)
    kind_match = re.search(r"^kind: (research|practice)$", head, re.M)
    if not (published_match and summary_match and kind_match):
        raise ValueError(f"{path}: not an entry written by bench.synthetic")
    kind = kind_match.group(1)
    revised = dt.date.fromisoformat(published_match.group(1)) + dt.timedelta(days=1)
    rng = random.Random(f"{path.stem}:{revised.isoformat()}")

    old_summary = json.loads(summary_match.group(1))
    first = re.split(r"(?<=\.)\s+(?=[A-Z])", old_summary, maxsplit=1)[0]
    finding = fill(rng.choice(EDIT_FINDINGS[kind]), rng)
    summary = f"{first} A follow-up review on {long_date(revised)} {finding}."
    head = head.replace(summary_match.group(0), f"summary: {yaml_quote(summary)}", 1)
    head = head.replace(published_match.group(0), f"published: {revised.isoformat()}", 1)

    heading = EDITED_HEADING[kind]
    parts = re.split(r"^## (.+)\n", body, flags=re.M)
    sections = [(parts[i], parts[i + 1].strip("\n")) for i in range(1, len(parts), 2)]
    update = f"Updated {long_date(revised)} after a follow-up review. {compose(SECTION_SLOTS[heading], rng)}"
    sections = [(h, wrap(update) if h == heading else t) for h, t in sections]
    if heading not in (h for h, _ in sections):
        sections.append((heading, wrap(update)))
    path.write_text(f"---\n{head}\n---\n" + "\n\n".join(f"## {h}\n{t}" for h, t in sections) + "\n",
                    encoding="utf-8")
    return path
