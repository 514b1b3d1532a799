"""Six-hats reflections: skipped hats, and attaching to one's own plan or a submission."""

from __future__ import annotations

import pytest

from domain.academy import HATS, InvalidAnswer, NotFound
from tests.domain.academy.support import OFFICER_AAD, OTHER_AAD, make_cohort


def test_six_hats_keeps_skipped_hats_and_attaches_to_my_own_plan_or_a_submission(academy):
    assert [(key, colour) for key, colour, _, _ in HATS] == [
        ("blue_focus", "Blue"), ("white", "White"), ("red", "Red"), ("black", "Black"),
        ("yellow", "Yellow"), ("green", "Green"), ("blue_decisions", "Blue"),
    ]
    cohort = make_cohort(academy, people=(OFFICER_AAD, OTHER_AAD))
    first = academy.save_reflection(OFFICER_AAD, "Knife arches", {"white": "Three seizures", "red": None})
    assert first.answers["white"] == "Three seizures"
    assert [key for key, value in first.answers.items() if value is None] == [
        "blue_focus", "red", "black", "yellow", "green", "blue_decisions"
    ]
    second = academy.save_reflection(OFFICER_AAD, "Retail park calls", {"green": "Shared radio scheme"})
    assert [r.topic for r in academy.reflections(OFFICER_AAD)] == ["Retail park calls", "Knife arches"]
    assert academy.reflections(OTHER_AAD) == []
    with pytest.raises(InvalidAnswer, match="Answer at least one hat"):
        academy.save_reflection(OFFICER_AAD, "Nothing", {"red": "  "})

    mine = academy.start_plan(OFFICER_AAD, cohort.id, "Repeat calls to the retail park")
    theirs = academy.start_plan(OTHER_AAD, cohort.id, "Shed burglaries")
    attached = academy.attach_reflection(second.id, OFFICER_AAD, plan_id=mine.id, submission_reference=" pf-2026-0042 ")
    assert (attached.plan_id, attached.submission_reference) == (mine.id, "PF-2026-0042")
    with pytest.raises(NotFound, match="You have no such action plan"):
        academy.attach_reflection(first.id, OFFICER_AAD, plan_id=theirs.id)
    with pytest.raises(NotFound, match="You have no such reflection"):
        academy.attach_reflection(first.id, OTHER_AAD, plan_id=theirs.id)
    assert academy.reflections(OFFICER_AAD)[0] == attached
    assert academy.reflections(OFFICER_AAD)[1].plan_id is None
