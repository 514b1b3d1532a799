"""The SARA action plan over separate sittings, completion, and sittings at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone

import pytest

from domain.academy import Academy, InvalidAnswer, NotEnrolled, NotFound, PlanExists, PlanIncomplete
from domain.db import Database
from tests.domain.academy.support import HUB_AAD, OFFICER_AAD, OTHER_AAD, make_cohort


def test_an_action_plan_is_written_over_three_sittings_and_then_completed(academy, db):
    cohort = make_cohort(academy)
    plan = academy.start_plan(OFFICER_AAD, cohort.id, "Repeat calls to the retail park")
    assert (plan.due_on, plan.next_stage, plan.stages, plan.completed_at) == (date(2026, 6, 13), "scanning", {}, None)
    with pytest.raises(PlanExists):
        academy.start_plan(OFFICER_AAD, cohort.id, "Another problem")

    moments = iter(datetime(2026, 3, day, 10, tzinfo=timezone.utc) for day in (16, 23, 30))

    def sitting() -> tuple[Academy, Database]:
        """A later sitting: a fresh bot process with its own connection to the database."""
        database, moment = Database(db.url), next(moments)
        return Academy(database, clock=lambda: moment), database

    first, database = sitting()
    try:
        saved = first.save_stage(plan.id, OFFICER_AAD, "analysis", {
            "victim": "Small shops", "offender": "Local youths", "location": "Retail park, after 3pm",
        })
        saved = first.save_stage(plan.id, OFFICER_AAD, "scanning", {"description": "40 calls since May."})
    finally:
        database.dispose()
    assert saved.next_stage == "response" and saved.updated_at == datetime(2026, 3, 16, 10, tzinfo=timezone.utc)

    second, database = sitting()
    try:
        second.save_stage(plan.id, OFFICER_AAD, "response", {
            "response": "Shared radio scheme", "cited_entries": ["prac-shopwatch", " ", "prac-shopwatch"],
        })
        saved = second.save_stage(plan.id, OFFICER_AAD, "scanning", {"description": "42 calls since May."})
    finally:
        database.dispose()
    assert saved.stages["response"] == {"response": "Shared radio scheme", "cited_entries": ["prac-shopwatch"]}
    assert saved.stages["scanning"] == {"description": "42 calls since May."}
    assert saved.next_stage == "assessment"

    third, database = sitting()
    try:
        third.save_stage(plan.id, OFFICER_AAD, "assessment", {"measures": "Calls per month, from the log"})
        done = third.complete_plan(plan.id, OFFICER_AAD)
    finally:
        database.dispose()
    assert done.completed_at == datetime(2026, 3, 30, 10, tzinfo=timezone.utc)
    assert done.next_stage is None and not done.is_overdue(date(2026, 7, 1))
    assert academy.plan(OFFICER_AAD) == academy.plan(OFFICER_AAD, cohort.id) == done
    assert academy.participant_status(OFFICER_AAD, date(2026, 7, 1))[0].plan_state == "complete"
    with pytest.raises(InvalidAnswer, match="complete, so it can no longer be changed"):
        academy.save_stage(plan.id, OFFICER_AAD, "assessment", {"measures": "Something else"})


def test_a_plan_cannot_be_completed_until_every_stage_is_written(academy):
    cohort = make_cohort(academy, people=(OFFICER_AAD, OTHER_AAD))
    plan = academy.start_plan(OFFICER_AAD, cohort.id, "Repeat calls to the retail park")
    academy.save_stage(plan.id, OFFICER_AAD, "analysis", {"victim": "Shops", "offender": "Youths", "location": "Park"})
    with pytest.raises(PlanIncomplete, match="still needs the scanning, response and assessment stages"):
        academy.complete_plan(plan.id, OFFICER_AAD)
    academy.save_stage(plan.id, OFFICER_AAD, "scanning", {"description": "Calls"})
    academy.save_stage(plan.id, OFFICER_AAD, "response", {"response": "Radios"})
    with pytest.raises(PlanIncomplete, match="still needs the assessment stage before"):
        academy.complete_plan(plan.id, OFFICER_AAD)
    with pytest.raises(InvalidAnswer, match=r"Your answer to 'Offender: .*' can't be empty"):
        academy.save_stage(plan.id, OFFICER_AAD, "analysis", {"victim": "Shops", "location": "Park"})
    with pytest.raises(InvalidAnswer, match="There is no stage 'evaluation'"):
        academy.save_stage(plan.id, OFFICER_AAD, "evaluation", {})
    # Another participant cannot see, change or complete it.
    with pytest.raises(NotFound):
        academy.save_stage(plan.id, OTHER_AAD, "assessment", {"measures": "Mine now"})
    with pytest.raises(NotFound):
        academy.complete_plan(plan.id, OTHER_AAD)
    assert academy.plan(OTHER_AAD) is None
    assert academy.plan(OFFICER_AAD).completed_at is None
    with pytest.raises(NotEnrolled):
        academy.start_plan(HUB_AAD, cohort.id, "Not my course")


def test_two_sittings_at_once_on_two_app_instances_lose_no_stage(academy, db):
    cohort = make_cohort(academy)
    plan = academy.start_plan(OFFICER_AAD, cohort.id, "Repeat calls to the retail park")
    answers = {
        "scanning": {"description": "Calls"},
        "analysis": {"victim": "Shops", "offender": "Youths", "location": "Park"},
        "response": {"response": "Radios"},
        "assessment": {"measures": "Calls per month"},
    }
    databases = [Database(db.url) for _ in range(2)]
    start = threading.Barrier(4)

    def save(i_stage: tuple[int, str]) -> None:
        i, stage = i_stage
        start.wait()
        Academy(databases[i % 2]).save_stage(plan.id, OFFICER_AAD, stage, answers[stage])

    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(save, enumerate(answers)))
    finally:
        for database in databases:
            database.dispose()
    assert academy.plan(OFFICER_AAD).stages_done == ("scanning", "analysis", "response", "assessment")
