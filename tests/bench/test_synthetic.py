"""The synthetic knowledge bases the search benchmark builds and queries."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import frontmatter
import pytest
import yaml

from bench.synthetic import DEFAULT_TAXONOMY, MARKER, edit_one, generate, is_current, main, queries

REQUIRED = ("id", "title", "kind", "summary", "crime_types", "source", "published")
HEADINGS = {
    "research": ["Effect", "Mechanism", "Moderators", "Implementation", "Economic cost"],
    "practice": ["Problem", "Response", "Outcomes", "Contact", "Lessons"],
}
EFFECTS = {"reduced", "mixed", "no-effect", "increased", "unknown"}
QUALITIES = {"strong", "moderate", "limited", "very-limited"}
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def sections(content: str) -> dict[str, str]:
    """The body's ``## `` sections by heading."""
    parts = re.split(r"^## (.+)\n", content, flags=re.M)
    return {parts[i]: parts[i + 1].strip() for i in range(1, len(parts), 2)}


def test_generate_writes_valid_entries_with_shared_section_text(tmp_path: Path) -> None:
    out = tmp_path / "kb"
    ids = generate(out, 200)

    terms = set(yaml.safe_load(DEFAULT_TAXONOMY.read_text(encoding="utf-8"))["terms"])
    assert (out / "taxonomy.yaml").read_text(encoding="utf-8") == DEFAULT_TAXONOMY.read_text(encoding="utf-8")
    files = sorted(out.rglob("*.md"))
    assert len(files) == 200
    assert len(ids) == len(set(ids)) == 200

    seen_ids: set[str] = set()
    heads: set[str] = set()
    paragraphs: set[str] = set()
    kinds: dict[str, int] = {"research": 0, "practice": 0}
    for path in files:
        post = frontmatter.load(path)
        meta = post.metadata
        for field in REQUIRED:
            assert meta.get(field), f"{path.name}: {field}"
        assert SLUG.fullmatch(meta["id"]) and meta["id"] == path.stem
        assert meta["kind"] == path.parent.name
        assert isinstance(meta["published"], dt.date)
        if "review_by" in meta:
            assert isinstance(meta["review_by"], dt.date) and meta["review_by"] > meta["published"]
        assert set(meta["crime_types"]) <= terms
        assert isinstance(meta["settings"], list) and isinstance(meta["tags"], list)
        if meta["kind"] == "research":
            assert meta["evidence"]["effect"] in EFFECTS
            assert meta["evidence"]["quality"] in QUALITIES
        else:
            assert meta["force"]
        assert list(sections(post.content)) == HEADINGS[meta["kind"]]
        assert 30 <= len(meta["summary"].split()) <= 45
        kinds[meta["kind"]] += 1
        seen_ids.add(meta["id"])
        heads.add(f"{meta['title']}\n{meta['summary']}")
        paragraphs.update(sections(post.content).values())

    assert seen_ids == set(ids)
    assert 90 <= kinds["research"] <= 150  # about 60%
    assert len(heads) == 200
    assert len(paragraphs) < 200 * 5 // 3


def test_every_entry_lists_how_officers_ask_for_it_as_real_entries_do(tmp_path: Path) -> None:
    from indexer.entries import load_entries
    from indexer.taxonomy import Taxonomy

    generate(tmp_path / "kb", 300)
    loaded = load_entries(tmp_path / "kb", Taxonomy.load(DEFAULT_TAXONOMY))
    assert not loaded.problems and len(loaded.entries) == 300  # valid in the knowledge format
    asked = [entry.asked for entry in loaded.entries]
    assert all(2 <= len(questions) <= 4 for questions in asked)
    distinct = {q for questions in asked for q in questions}
    assert len(distinct) < sum(map(len, asked))  # entries on one tactic share questions, as officers' wording does
    assert all(len(q.split()) <= 16 for q in distinct)  # typed questions, not prose


def test_a_base_written_by_an_older_generator_or_left_incomplete_is_not_reused(tmp_path: Path) -> None:
    out = tmp_path / "kb"
    generate(out, 10)
    assert is_current(out, 10) and not is_current(out, 11)
    (out / MARKER).write_text("1", encoding="utf-8")
    assert not is_current(out, 10)
    (out / MARKER).unlink()
    assert not is_current(out, 10) and not is_current(tmp_path / "missing", 10)


def test_generate_is_deterministic_and_refuses_a_used_folder(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", 40, seed=3)
    second = generate(tmp_path / "b", 40, seed=3)
    assert first == second
    for path in (tmp_path / "a").rglob("*.md"):
        twin = tmp_path / "b" / path.relative_to(tmp_path / "a")
        assert twin.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    with pytest.raises(FileExistsError):
        generate(tmp_path / "a", 5)


@pytest.mark.parametrize("kind", ["research", "practice"])
def test_edit_one_changes_the_summary_and_one_section(tmp_path: Path, kind: str) -> None:
    out = tmp_path / "kb"
    generate(out, 30)
    entry_id = sorted((out / kind).glob("*.md"))[0].stem
    before = frontmatter.load(out / kind / f"{entry_id}.md")

    path = edit_one(out, entry_id)

    assert path == out / kind / f"{entry_id}.md"
    after = frontmatter.load(path)
    assert after["summary"] != before["summary"]
    assert after["id"] == entry_id and after["published"] > before["published"]
    old, new = sections(before.content), sections(after.content)
    assert list(old) == list(new)
    assert sum(old[h] != new[h] for h in old) == 1
    assert frontmatter.load(edit_one(out, entry_id))["summary"] != after["summary"]


def test_edit_one_defaults_to_an_entry_and_rejects_unknown_ids(tmp_path: Path) -> None:
    generate(tmp_path, 10)
    assert edit_one(tmp_path).is_file()
    with pytest.raises(FileNotFoundError):
        edit_one(tmp_path, "no-such-entry")


def test_queries_are_deterministic_short_questions() -> None:
    asked = queries(300)
    assert asked == queries(300)
    assert len(set(asked)) == 300
    assert all(2 <= len(q.split()) <= 20 for q in asked)
    assert any(re.search(r"\b(ASB|CL|DA|NTE|VAWG|TFMV)\b", q) for q in asked)


def test_command_line_reports_files_and_time(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "kb"), "25"]) == 0
    printed = capsys.readouterr().out
    assert re.fullmatch(r"wrote 25 entries \(\d+ research, \d+ practice\) to .+ in \d+\.\d s\n", printed)
    assert len(list((tmp_path / "kb").rglob("*.md"))) == 25
