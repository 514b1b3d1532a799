"""The self-assessment before and after the course, and its change item by item."""

from __future__ import annotations

import pytest

from domain.academy import ITEMS, SCALE, InvalidAnswer, NotEnrolled
from tests.domain.academy.support import OFFICER_AAD, OTHER_AAD, make_cohort


def test_the_self_assessment_change_is_shown_item_by_item_after_the_second(academy):
    cohort = make_cohort(academy)
    assert len(ITEMS) == 7 and SCALE[1] == "Strongly disagree" and SCALE[5] == "Strongly agree"
    before = {key: 2 for key, _ in ITEMS}
    academy.save_assessment(OFFICER_AAD, cohort.id, "before", before)
    assert academy.assessment_change(OFFICER_AAD, cohort.id) == []

    academy.save_assessment(OFFICER_AAD, cohort.id, "after", {key: 5 for key, _ in ITEMS})
    # Saving again replaces the earlier answers.
    after = {**{key: 4 for key, _ in ITEMS}, "sara": "5", "coaching": 1}
    academy.save_assessment(OFFICER_AAD, cohort.id, "after", after)
    changes = academy.assessment_change(OFFICER_AAD, cohort.id)
    assert [(c.key, c.before, c.after, c.change) for c in changes] == [
        ("sara", 2, 5, 3),
        ("evidence", 2, 4, 2),
        ("partnership", 2, 4, 2),
        ("new_approaches", 2, 4, 2),
        ("reflection", 2, 4, 2),
        ("coaching", 2, 1, -1),
        ("ndm", 2, 4, 2),
    ]
    assert "SARA" in changes[0].statement and "National Decision Model" in changes[-1].statement
    assert academy.assessment(OFFICER_AAD, cohort.id, "after").scores["sara"] == 5
    assert academy.assessment(OTHER_AAD, cohort.id, "after") is None

    with pytest.raises(InvalidAnswer, match="Please score every statement"):
        academy.save_assessment(OFFICER_AAD, cohort.id, "after", {"sara": 3})
    with pytest.raises(InvalidAnswer, match=r"from 1 \(Strongly disagree\) to 5 \(Strongly agree\)"):
        academy.save_assessment(OFFICER_AAD, cohort.id, "after", {**before, "ndm": 6})
    with pytest.raises(NotEnrolled, match="You are not enrolled in the cohort 'Leaders 7'"):
        academy.save_assessment(OTHER_AAD, cohort.id, "before", before)
