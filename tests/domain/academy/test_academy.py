"""The Academy: cohorts and enrolment (by command and CSV, reported line by line), the
self-assessment change, the daily journal and its streak, six-hats reflections, the SARA
action plan over separate sittings, the export, and each participant seeing only their own."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from domain.academy import (
    GIBBS,
    HATS,
    ITEMS,
    SCALE,
    Academy,
    CohortExists,
    CsvError,
    Due,
    InvalidAnswer,
    Module,
    NotEnrolled,
    NotFound,
    PlanExists,
    PlanIncomplete,
    UnknownUser,
    plan_due_date,
)
from domain.db import MIGRATIONS_DIR, Database
from domain.models import Base
from domain.users import Users
from tests.fakes import OFFICER_AAD

OTHER_AAD = "0b6f1b3c-2222-4a4a-9b9b-000000000002"
HUB_AAD = "0b6f1b3c-4444-4a4a-9b9b-000000000004"
UNKNOWN_AAD = "0b6f1b3c-9999-4a4a-9b9b-000000000009"
ACADEMY_TABLES = {
    "academy_cohorts", "academy_enrolments", "academy_assessments",
    "academy_journal_entries", "academy_plans", "academy_reflections",
}
MARCH = (date(2026, 3, 2), date(2026, 3, 13))


@pytest.fixture
def academy(db: Database) -> Academy:
    users = Users(db)
    users.seen(OFFICER_AAD, "Alex Morgan")
    users.seen(OTHER_AAD, "Sam Taylor")
    users.seen(HUB_AAD, "Hub Lead")
    return Academy(db)


def _cohort(academy: Academy, name: str = "Leaders 7", *, people: tuple[str, ...] = (OFFICER_AAD,)):
    cohort = academy.create_cohort(name, Module.LEADERSHIP, *MARCH, created_by=HUB_AAD)
    for aad in people:
        academy.enrol(cohort, aad, by=HUB_AAD)
    return academy.cohort(cohort.id)


def _gibbs(what: str, **more: str) -> dict[str, str | None]:
    return {"description": what, **more}


# --- cohorts and enrolment -----------------------------------------------------------


def test_a_cohort_is_created_with_its_dates_and_a_name_is_used_once(academy):
    cohort = academy.create_cohort("Leaders 7", "Leadership", *MARCH, created_by=HUB_AAD)
    assert (cohort.name, cohort.module, cohort.module.label) == ("Leaders 7", Module.LEADERSHIP, "Leadership")
    assert (cohort.starts_on, cohort.ends_on, cohort.plan_due_on) == (*MARCH, date(2026, 6, 13))
    assert cohort.participants == ()
    assert academy.cohort("leaders 7") == academy.cohort(cohort.id) == academy.cohort(str(cohort.id)) == cohort

    with pytest.raises(CohortExists, match="There is already a cohort called 'LEADERS 7'"):
        academy.create_cohort("LEADERS  7", Module.SPECIALIST, *MARCH, created_by=HUB_AAD)
    with pytest.raises(InvalidAnswer, match=r"can't end \(1 March 2026\) before it starts \(2 March 2026\)"):
        academy.create_cohort("Leaders 8", Module.LEADERSHIP, date(2026, 3, 2), date(2026, 3, 1), created_by=HUB_AAD)
    with pytest.raises(InvalidAnswer, match="There is no module 'advanced'"):
        academy.create_cohort("Leaders 8", "advanced", *MARCH, created_by=HUB_AAD)
    one_day = academy.create_cohort("Foundation 1", Module.FOUNDATION, date(2026, 4, 1), date(2026, 4, 1), created_by=HUB_AAD)
    assert [c.name for c in academy.cohorts()] == [one_day.name, cohort.name]


@pytest.mark.parametrize(
    ("ends_on", "due_on"),
    [
        (date(2026, 11, 30), date(2027, 2, 28)),
        (date(2027, 11, 30), date(2028, 2, 29)),
        (date(2026, 8, 31), date(2026, 11, 30)),
        (date(2026, 10, 31), date(2027, 1, 31)),
        (date(2026, 3, 13), date(2026, 6, 13)),
    ],
)
def test_the_action_plan_is_due_three_calendar_months_after_the_course_ends(ends_on, due_on):
    assert plan_due_date(ends_on) == due_on


def test_only_people_who_have_used_the_assistant_can_be_enrolled_and_only_once(academy):
    cohort = _cohort(academy, people=())
    assert academy.enrol(cohort.name, OFFICER_AAD.upper(), by=HUB_AAD) is True
    assert academy.enrol(cohort.id, OFFICER_AAD, by=HUB_AAD) is False
    with pytest.raises(UnknownUser, match="they need to message it once first"):
        academy.enrol(cohort, UNKNOWN_AAD, by=HUB_AAD)
    with pytest.raises(NotFound, match="There is no cohort 'Leaders 99'"):
        academy.enrol("Leaders 99", OFFICER_AAD, by=HUB_AAD)
    assert academy.cohort(cohort.id).participants == (OFFICER_AAD,)


def test_a_user_is_found_by_their_id_or_by_a_name_only_they_have(academy, db):
    Users(db).seen("0b6f1b3c-5555-4a4a-9b9b-000000000005", "Sam Taylor")
    assert academy.find_user(OFFICER_AAD.upper()) == OFFICER_AAD
    assert academy.find_user("  alex   MORGAN ") == OFFICER_AAD
    assert academy.find_user("Sam Taylor") is None  # two people have that name
    assert academy.find_user(UNKNOWN_AAD) is None
    assert academy.find_user("Jo Bloggs") is None


CSV = """user,cohort,module,starts_on,ends_on
Alex Morgan,Leaders 7,leadership,2026-03-02,2026-03-13
{other},leaders 7,Leadership,02/03/2026,13/03/2026
Jo Bloggs,Leaders 7,leadership,2026-03-02,2026-03-13
Sam Taylor,Specialists 3,specialist,31/02/2026,2026-03-20

Sam Taylor,Specialists 3,advanced,2026-03-02,2026-03-20
Sam Taylor,Leaders 7,leadership,2026-03-02,2026-03-20
Alex Morgan,Leaders 7,,,
"Taylor, Sam",Practitioners 1,practitioner,2026-05-01,2026-05-08
Sam Taylor,Practitioners 1,practitioner,2026-05-01,2026-05-08
"""


def test_csv_import_enrols_the_good_rows_and_reports_each_bad_line_with_its_number(academy):
    report = academy.import_csv(CSV.format(other=OTHER_AAD.upper()), by=HUB_AAD)
    assert [(line.line, line.user, line.outcome, line.reason) for line in report.lines] == [
        (2, "Alex Morgan", "enrolled", ""),
        (3, OTHER_AAD.upper(), "enrolled", ""),
        (4, "Jo Bloggs", "error", "unknown user 'Jo Bloggs': they need to message the assistant once first"),
        (5, "Sam Taylor", "error", "bad date '31/02/2026' in starts_on (use YYYY-MM-DD)"),
        (7, "Sam Taylor", "error", "unknown module 'advanced' (leadership, specialist, foundation or practitioner)"),
        (8, "Sam Taylor", "error", "cohort 'Leaders 7' exists with different dates (2026-03-02 to 2026-03-13)"),
        (9, "Alex Morgan", "already enrolled", ""),
        (10, "Taylor, Sam", "error", "unknown user 'Taylor, Sam': they need to message the assistant once first"),
        (11, "Sam Taylor", "enrolled", ""),
    ]
    assert report.summary() == "3 enrolled, 1 already enrolled, 5 not enrolled (lines 4, 5, 7, 8, 10)"
    assert report.cohorts_created == ("Leaders 7", "Practitioners 1")
    assert academy.cohort("Leaders 7").participants == tuple(sorted([OFFICER_AAD, OTHER_AAD]))
    assert academy.cohort("Practitioners 1").module is Module.PRACTITIONER
    assert academy.cohort("Specialists 3") is None

    # The same file again changes nothing and says so.
    again = academy.import_csv(CSV.format(other=OTHER_AAD), by=HUB_AAD)
    assert again.summary() == "0 enrolled, 4 already enrolled, 5 not enrolled (lines 4, 5, 7, 8, 10)"


def test_a_csv_row_must_agree_with_an_existing_cohort_and_a_file_must_have_every_column(academy):
    _cohort(academy, people=())
    report = academy.import_csv(
        "User, Cohort, Module, Starts_On, Ends_On, Notes\n"
        "Sam Taylor,Leaders 7,specialist,2026-03-02,2026-03-13,x\n"
        "Sam Taylor,New cohort,,,\n",
        by=HUB_AAD,
    )
    assert [line.reason for line in report.lines] == [
        "cohort 'Leaders 7' exists with a different module (leadership)",
        "cohort 'New cohort' does not exist yet: give its module, starts_on and ends_on",
    ]
    assert report.summary() == "0 enrolled, 0 already enrolled, 2 not enrolled (lines 2, 3)"

    with pytest.raises(CsvError, match="missing column 'module'"):
        academy.import_csv("user,cohort,starts_on,ends_on\nAlex Morgan,Leaders 7,2026-03-02,2026-03-13\n", by=HUB_AAD)
    with pytest.raises(CsvError, match="The file is empty"):
        academy.import_csv("\n\n", by=HUB_AAD)
    assert academy.cohort("Leaders 7").participants == ()


# --- what is due ---------------------------------------------------------------------


def test_a_participant_sees_each_cohort_and_what_is_done_and_due(academy):
    cohort = _cohort(academy)
    before_course = academy.participant_status(OFFICER_AAD, date(2026, 3, 1))
    assert [(v.cohort.name, v.before, v.after, v.plan_state, v.plan_overdue) for v in before_course] == [
        ("Leaders 7", Due.NOT_YET, Due.NOT_YET, "not started", False)
    ]
    assert before_course[0].plan_due_on == date(2026, 6, 13)

    on_day_one = academy.participant_status(OFFICER_AAD, date(2026, 3, 2))[0]
    assert (on_day_one.before, on_day_one.after) == (Due.DUE, Due.NOT_YET)

    academy.save_assessment(OFFICER_AAD, cohort.id, "before", {key: 3 for key, _ in ITEMS})
    academy.add_journal_entry(OFFICER_AAD, _gibbs("Before the course"), written_on=date(2026, 3, 1))
    for day in (2, 3):
        academy.add_journal_entry(OFFICER_AAD, _gibbs(f"Day {day}"), written_on=date(2026, 3, day))
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
    cohort = _cohort(academy, people=(OFFICER_AAD, OTHER_AAD))
    scores = {key: 3 for key, _ in ITEMS}
    for aad, word in ((OFFICER_AAD, "mine"), (OTHER_AAD, "theirs")):
        academy.save_assessment(aad, cohort.id, "before", scores)
        academy.add_journal_entry(aad, _gibbs(f"Journal {word}"), written_on=date(2026, 3, 2))
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


# --- self-assessment -----------------------------------------------------------------


def test_the_self_assessment_change_is_shown_item_by_item_after_the_second(academy):
    cohort = _cohort(academy)
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


# --- journal -------------------------------------------------------------------------


def test_my_journal_reads_back_latest_first_a_page_at_a_time(academy):
    first = date(2026, 3, 2)
    for n in range(7):
        academy.add_journal_entry(OFFICER_AAD, _gibbs(f"Day {n + 1}"), written_on=first + timedelta(days=n))
    academy.add_journal_entry(OTHER_AAD, _gibbs("Someone else's day"), written_on=first + timedelta(days=9))

    page = academy.journal_page(OFFICER_AAD)
    assert (page.page, page.pages, page.total) == (1, 2, 7)
    assert [e.answers["description"] for e in page.entries] == ["Day 7", "Day 6", "Day 5", "Day 4", "Day 3"]
    second = academy.journal_page(OFFICER_AAD, page=2)
    assert [e.answers["description"] for e in second.entries] == ["Day 2", "Day 1"]
    assert academy.journal_page(OFFICER_AAD, page=9).page == 2
    assert academy.journal_page(UNKNOWN_AAD) == academy.journal_page(UNKNOWN_AAD, page=3)
    assert academy.journal_page(UNKNOWN_AAD).total == 0
    entry = second.entries[-1]
    assert entry.written_on == first and entry.answers["feelings"] is None and entry.created_at.tzinfo


def test_the_streak_counts_consecutive_days_up_to_today_or_yesterday(academy):
    today = date(2026, 3, 10)
    for days_ago in (1, 2, 3, 5):
        academy.add_journal_entry(OFFICER_AAD, _gibbs("x"), written_on=today - timedelta(days=days_ago))
    assert academy.streak(OFFICER_AAD, today) == 3  # none yet today: the run up to yesterday counts
    academy.add_journal_entry(OFFICER_AAD, _gibbs("y"), written_on=today)
    academy.add_journal_entry(OFFICER_AAD, _gibbs("z"), written_on=today)
    assert academy.streak(OFFICER_AAD, today) == 4
    assert academy.streak(OFFICER_AAD, today + timedelta(days=2)) == 0
    assert academy.streak(OTHER_AAD, today) == 0
    assert academy.journal_days(OFFICER_AAD) == {today - timedelta(days=d) for d in (0, 1, 2, 3, 5)}


def test_a_journal_entry_is_kept_once_per_prompt_and_needs_what_happened(academy):
    day = date(2026, 3, 2)
    first = academy.add_journal_entry(
        OFFICER_AAD, _gibbs("Skate park call", feelings="  ", action="Speak to the youth club"),
        written_on=day, prompted=True, source_key="journal:7:2026-03-02",
    )
    again = academy.add_journal_entry(OFFICER_AAD, _gibbs("Changed"), written_on=day, source_key="journal:7:2026-03-02")
    assert again == first and first.prompted
    assert first.answers == {
        "description": "Skate park call", "feelings": None, "evaluation": None, "analysis": None,
        "action": "Speak to the youth club",
    }
    # The same key from another person is their own entry.
    theirs = academy.add_journal_entry(OTHER_AAD, _gibbs("Mine"), written_on=day, source_key="journal:7:2026-03-02")
    assert theirs.id != first.id
    assert academy.journal_page(OFFICER_AAD).total == 1

    with pytest.raises(InvalidAnswer, match=r"Your answer to 'What happened\?' can't be empty"):
        academy.add_journal_entry(OFFICER_AAD, {"feelings": "Tired"}, written_on=day)
    with pytest.raises(InvalidAnswer, match="is 4,001 characters long; the limit is 4,000"):
        academy.add_journal_entry(OFFICER_AAD, _gibbs("x" * 4001), written_on=day)
    assert [key for key, _, _ in GIBBS] == ["description", "feelings", "evaluation", "analysis", "action"]


# --- six hats ------------------------------------------------------------------------


def test_six_hats_keeps_skipped_hats_and_attaches_to_my_own_plan_or_a_submission(academy):
    assert [(key, colour) for key, colour, _, _ in HATS] == [
        ("blue_focus", "Blue"), ("white", "White"), ("red", "Red"), ("black", "Black"),
        ("yellow", "Yellow"), ("green", "Green"), ("blue_decisions", "Blue"),
    ]
    cohort = _cohort(academy, people=(OFFICER_AAD, OTHER_AAD))
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


# --- action plan ---------------------------------------------------------------------


def test_an_action_plan_is_written_over_three_sittings_and_then_completed(academy, db):
    cohort = _cohort(academy)
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
    cohort = _cohort(academy, people=(OFFICER_AAD, OTHER_AAD))
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
    cohort = _cohort(academy)
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


# --- export --------------------------------------------------------------------------


def test_the_export_holds_my_journal_reflections_and_plan_and_my_text_cannot_break_it(academy):
    cohort = _cohort(academy)
    academy.add_journal_entry(OFFICER_AAD, _gibbs("Second day"), written_on=date(2026, 3, 3))
    academy.add_journal_entry(
        OFFICER_AAD, _gibbs("# Not a heading\n- not a list\n1. not numbered\n> not a quote", feelings="Fine"),
        written_on=date(2026, 3, 2),
    )
    academy.add_journal_entry(OTHER_AAD, _gibbs("Sam's private day"), written_on=date(2026, 3, 2))
    plan = academy.start_plan(OFFICER_AAD, cohort.id, "Repeat calls to the retail park\n# at night")
    reflection = academy.save_reflection(OFFICER_AAD, "Knife arches", {"white": "Three seizures"})
    academy.attach_reflection(reflection.id, OFFICER_AAD, plan_id=plan.id)
    academy.save_stage(plan.id, OFFICER_AAD, "response", {"response": "Radios", "cited_entries": ["prac-shopwatch"]})

    text = academy.export_markdown(OFFICER_AAD)
    assert text.startswith("# Reflective practice: Alex Morgan\n")
    assert text.index("### Monday 2 March 2026") < text.index("### Tuesday 3 March 2026")
    assert "\\# Not a heading\n\\- not a list\n1\\. not numbered\n\\> not a quote" in text
    assert "**What were you thinking and feeling?**\n\nFine" in text
    assert "### Knife arches" in text and "**White hat: Facts**\n\nThree seizures" in text
    assert "**Red hat: Feelings**\n\n*Skipped*" in text
    assert "Attached to the action plan for Leaders 7" in text
    assert "Due 13 June 2026; not yet complete.\n\n**The problem**\n\nRepeat calls to the retail park\n\\# at night" in text
    assert "#### Response" in text and "- prac-shopwatch" in text and "Radios" in text
    assert "Sam's private day" not in text
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == [
        "# Reflective practice: Alex Morgan", "## Journal", "### Monday 2 March 2026", "### Tuesday 3 March 2026",
        "## Six hats reflections", "### Knife arches", "## Action plans",
        "### Action plan for Leaders 7",
        "#### Scanning", "#### Analysis", "#### Response", "#### Assessment",
    ]
    assert "No journal entries yet." in academy.export_markdown(UNKNOWN_AAD)


# --- schema --------------------------------------------------------------------------


def test_the_academy_tables_match_their_models(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    # Other features' tables are checked by their own tests.
    assert [diff for diff in diffs if "academy_" in str(diff)] == []


def _alembic_config(connection) -> Config:  # type: ignore[no-untyped-def]
    config = Config(str(MIGRATIONS_DIR.parent / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if not config.get_main_option("path_separator"):
        config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


def test_the_academy_migration_downgrades_and_upgrades_again(academy, db):
    _cohort(academy)
    assert ACADEMY_TABLES <= set(inspect(db.engine).get_table_names())
    with db.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0003")
    assert not ACADEMY_TABLES & set(inspect(db.engine).get_table_names())
    with db.engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")
    assert ACADEMY_TABLES <= set(inspect(db.engine).get_table_names())
    assert academy.cohorts() == []
