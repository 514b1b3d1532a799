"""What a participant has done and what is due, and that they see only their own."""

from __future__ import annotations

from datetime import date

from domain.academy import ITEMS, Due
from tests.domain.academy.support import OFFICER_AAD, OTHER_AAD, gibbs, make_cohort


def test_a_participant_sees_each_cohort_and_what_is_done_and_due(academy):
    cohort = make_cohort(academy)
    before_course = academy.participant_status(OFFICER_AAD, date(2026, 3, 1))
    assert [(v.cohort.name, v.before, v.after, v.plan_state, v.plan_overdue) for v in before_course] == [
        ("Leaders 7", Due.NOT_YET, Due.NOT_YET, "not started", False)
    ]
    assert before_course[0].plan_due_on == date(2026, 6, 13)

    on_day_one = academy.participant_status(OFFICER_AAD, date(2026, 3, 2))[0]
    assert (on_day_one.before, on_day_one.after) == (Due.DUE, Due.NOT_YET)

    academy.save_assessment(OFFICER_AAD, cohort.id, "before", {key: 3 for key, _ in ITEMS})
    academy.add_journal_entry(OFFICER_AAD, gibbs("Before the course"), written_on=date(2026, 3, 1))
    for day in (2, 3):
        academy.add_journal_entry(OFFICER_AAD, gibbs(f"Day {day}"), written_on=date(2026, 3, day))
    plan = academy.start_plan(OFFICER_AAD, cohort.id, "Repeat calls to the retail park")
    academy.save_stage(plan.id, OFFICER_AAD, "scanning", {"description": "40 calls since May."})

    last_day = academy.participant_status(OFFICER_AAD, date(2026, 3, 13))[0]
    assert (last_day.before, last_day.after) == (Due.DONE, Due.DUE)
    assert (last_day.journal_entries, last_day.streak) == (2, 0)
    assert (last_day.plan_state, last_day.plan_stages_done, last_day.plan.next_stage) == (
        "1 of 4 stages done", 1, "analysis"
    )
    late = academy.participant_status(OFFICER_AAD, date(2026, 6, 14))[0]
    assert late.plan_overdue and not academy.participant_status(OFFICER_AAD, date(2026, 6, 13))[0].plan_overdue
    assert academy.participant_status(OTHER_AAD, date(2026, 3, 13)) == []


def test_a_participant_sees_only_their_own_records_and_not_who_else_is_enrolled(academy):
    cohort = make_cohort(academy, people=(OFFICER_AAD, OTHER_AAD))
    scores = {key: 3 for key, _ in ITEMS}
    for aad, word in ((OFFICER_AAD, "mine"), (OTHER_AAD, "theirs")):
        academy.save_assessment(aad, cohort.id, "before", scores)
        academy.add_journal_entry(aad, gibbs(f"Journal {word}"), written_on=date(2026, 3, 2))
        academy.save_reflection(aad, f"Reflection {word}", {"red": word})
        academy.start_plan(aad, cohort.id, f"Plan {word}")

    view = academy.participant_status(OFFICER_AAD, date(2026, 3, 2))[0]
    assert (view.cohort.name, view.cohort.participants, view.before, view.journal_entries) == (
        "Leaders 7", (), Due.DONE, 1
    )
    assert [e.answers["description"] for e in academy.journal_page(OFFICER_AAD).entries] == ["Journal mine"]
    assert [r.topic for r in academy.reflections(OFFICER_AAD)] == ["Reflection mine"]
    assert academy.plan(OFFICER_AAD).problem == "Plan mine"
    assert "theirs" not in academy.export_markdown(OFFICER_AAD)
