"""Validation of the Hub's knowledge files: each problem named with path, field and reason."""

from __future__ import annotations

import io
from pathlib import Path

from indexer.__main__ import main
from indexer.entries import load_entries
from indexer.taxonomy import Taxonomy

from tests.conftest import KNOWLEDGE

TAXONOMY = Taxonomy.load(KNOWLEDGE.parent / "taxonomy.yaml")

GOOD = """---
id: {id}
title: Street lighting upgrade
kind: research
summary: Better street lighting is followed by less crime at night and by day.
crime_types: [burglary]
evidence:
  effect: reduced
  quality: moderate
source: "A systematic review of street lighting, 2008"
published: {published}
---
## Effect
Crime fell in the lit areas compared with similar areas.
"""


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def _cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(args), env={}, out=out), out.getvalue()


def test_the_shipped_base_passes_strict_validation() -> None:
    status, output = _cli("validate", "--source", str(KNOWLEDGE), "--strict")
    assert status == 0, output
    assert "0 errors, 0 warnings" in output
    result = load_entries(KNOWLEDGE, TAXONOMY)
    kinds = [e.kind for e in result.entries]
    assert kinds.count("research") >= 25 and kinds.count("practice") >= 15


def test_each_planted_fault_is_reported_with_path_field_and_reason(tmp_path: Path) -> None:
    _write(tmp_path, "good.md", GOOD.format(id="street-lighting", published="2024-01-05"))
    _write(tmp_path, "bad-yaml.md", "---\nid: broken\ntitle: [unclosed\n---\n## Effect\ntext\n")
    _write(tmp_path, "missing.md", GOOD.format(id="no-source", published="2024-01-05").replace(
        'source: "A systematic review of street lighting, 2008"\n', ""))
    _write(tmp_path, "unknown-crime.md", GOOD.format(id="unknown-crime", published="2024-01-05").replace(
        "[burglary]", "[burglary, jaywalking]"))
    _write(tmp_path, "street-lighting-copy.md", GOOD.format(id="street-lighting", published="2024-01-05"))
    _write(tmp_path, "bad-date.md", GOOD.format(id="bad-date", published="2024-02-30"))

    result = load_entries(tmp_path, TAXONOMY)
    problems = {(p.path, p.field): p.reason for p in result.problems}

    assert problems[("bad-yaml.md", "front matter")].startswith("bad YAML at line")
    assert problems[("missing.md", "source")] == "is required"
    assert problems[("unknown-crime.md", "crime_types")] == "'jaywalking' is not a term in the taxonomy"
    assert problems[("street-lighting-copy.md", "id")] == "'street-lighting' is already used by good.md"
    assert problems[("bad-date.md", "published")] == "'2024-02-30' is not a date written as YYYY-MM-DD"
    assert len(result.problems) == 5
    # The good file still validates; none of the bad ones drops out silently.
    assert [e.id for e in result.entries] == ["street-lighting"]

    status, output = _cli("validate", "--source", str(tmp_path))
    assert status == 0
    assert "6 files: 1 valid entries, 5 errors" in output
    assert "unknown-crime.md: crime_types: 'jaywalking' is not a term in the taxonomy" in output
    status, _ = _cli("validate", "--source", str(tmp_path), "--strict")
    assert status == 1


def test_kind_specific_fields_and_formats_are_checked(tmp_path: Path) -> None:
    practice = GOOD.format(id="lighting-practice", published="2024-01-05").replace("kind: research", "kind: practice")
    _write(tmp_path, "practice.md", practice)
    _write(tmp_path, "no-evidence.md", GOOD.format(id="no-evidence", published="2024-01-05").replace(
        "evidence:\n  effect: reduced\n  quality: moderate\n", ""))
    _write(tmp_path, "bad-effect.md", GOOD.format(id="bad-effect", published="2024-01-05").replace(
        "effect: reduced", "effect: halved"))
    _write(tmp_path, "Bad_Id.md", GOOD.format(id="Bad_Id", published="2024-01-05"))
    _write(tmp_path, "review.md", GOOD.format(id="review-before", published="2024-01-05").replace(
        "published: 2024-01-05", "published: 2024-01-05\nreview_by: 2023-01-01"))
    _write(tmp_path, "no-front.md", "## Effect\nNo front matter at all.\n")

    problems = {(p.path, p.field): p.reason for p in load_entries(tmp_path, TAXONOMY).problems}
    assert problems[("practice.md", "force")] == "is required for practice entries"
    assert problems[("no-evidence.md", "evidence")] == "is required for research entries"
    assert problems[("bad-effect.md", "evidence.effect")].startswith("'halved' is not one of: reduced")
    assert problems[("Bad_Id.md", "id")] == "'Bad_Id' must be lowercase letters, digits and '-'"
    assert problems[("review.md", "review_by")] == "2023-01-01 is before published (2024-01-05)"
    assert problems[("no-front.md", "front matter")].startswith("missing")


def test_the_taxonomy_expands_what_officers_type() -> None:
    assert TAXONOMY.mentions("what works for CL") == ["county-lines"]
    assert TAXONOMY.expand("cuckooing in flats") == "cuckooing in flats (County lines)"
    assert TAXONOMY.mentions("asb on the estate") == ["anti-social-behaviour"]
    # The longer name wins: "serious youth violence" is one mention, not also "violence".
    assert TAXONOMY.mentions("serious youth violence near schools") == ["serious-violence"]
    assert TAXONOMY.expand("burglary of sheds") == "burglary of sheds"


def test_how_officers_ask_for_an_entry_is_a_list_of_short_questions(tmp_path: Path) -> None:
    asked = 'asked:\n  - "lads in the alley behind the terrace"\n  - "does  lighting\n    help"\n'
    _write(tmp_path, "asked.md", GOOD.format(id="asked", published="2024-01-05").replace("kind:", asked + "kind:"))
    _write(tmp_path, "not-a-list.md", GOOD.format(id="not-a-list", published="2024-01-05").replace(
        "kind:", "asked: does lighting help\nkind:"))
    _write(tmp_path, "empty-item.md", GOOD.format(id="empty-item", published="2024-01-05").replace(
        "kind:", 'asked: ["ok", " "]\nkind:'))
    _write(tmp_path, "too-long.md", GOOD.format(id="too-long", published="2024-01-05").replace(
        "kind:", f'asked: ["{"why " * 80}"]\nkind:'))

    result = load_entries(tmp_path, TAXONOMY)
    problems = {(p.path, p.field): p.reason for p in result.problems}
    assert problems[("not-a-list.md", "asked")] == "must be a list, not str"
    assert ("empty-item.md", "asked.1") in problems and ("too-long.md", "asked.0") in problems
    (entry,) = result.entries
    assert entry.asked == ("lads in the alley behind the terrace", "does lighting help")
