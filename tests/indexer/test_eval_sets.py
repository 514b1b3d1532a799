"""The question sets ``make eval`` measures with: each parses, has unique ids, grades only
entries that exist (a renamed or retired entry would otherwise silently lower the figures),
and holds unanswerable questions as well as answerable ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.__main__ import load_questions
from indexer.entries import load_entries
from indexer.taxonomy import Taxonomy
from tests.conftest import KNOWLEDGE

SETS = sorted((Path(__file__).resolve().parents[2] / "eval").glob("*.yaml"))


@pytest.fixture(scope="module")
def entry_ids() -> set[str]:
    result = load_entries(KNOWLEDGE, Taxonomy.load(KNOWLEDGE.parent / "taxonomy.yaml"))
    return {entry.id for entry in result.entries}


@pytest.mark.parametrize("path", SETS, ids=[p.name for p in SETS])
def test_each_question_set_grades_only_entries_that_exist(path: Path, entry_ids: set[str]) -> None:
    questions = load_questions(path)
    ids = [q.id for q in questions]
    assert len(ids) == len(set(ids)), "question ids repeat"
    unknown = {(q.id, entry) for q in questions for entry in q.relevant if entry not in entry_ids}
    assert unknown == set()
    assert all(grade in (1, 2, 3) for q in questions for grade in q.relevant.values())
    assert any(q.relevant for q in questions) and any(not q.relevant for q in questions)
    assert all(q.text.strip() for q in questions)

