"""Shift-friendly prompts, in the domain: reading a prompt time, the participant's own time,
quiet hours, snoozes and pauses across the clock changes, settings kept in the database
(SQLite and PostgreSQL) moving prompts still to come, and two schedulers sending each
prompt once while some wait for the participant's own time."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from domain.academy import Academy, PromptSettings
from domain.academy.prompt_schedule import decide, job_due_at, parse_time, snooze_until
from domain.academy.records import InvalidAnswer
from domain.db import Database
from domain.models import ScheduledJob
from domain.ops.scheduler import Job, Jobs, Later, Outcome, Scheduler, journal_prompt_jobs, plan_reminder_jobs
from domain.users import Users
from tests.domain.academy.support import OFFICER_AAD, OTHER_AAD
from tests.domain.ops.test_scheduler import Clock, two_databases  # noqa: F401 - a fixture

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")
SIX_PM = time(18, 0)


def london(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


def _prompt(day: date) -> dict[str, object]:
    return {"cohort_id": 7, "day": day.isoformat(), "after_course": False}


@pytest.mark.parametrize("typed, expected", [
    ("7:30", time(7, 30)), ("07:30", time(7, 30)), ("0730", time(7, 30)), ("7.30", time(7, 30)),
    (" 23:05 ", time(23, 5)), ("00:00", time(0, 0)), ("730", time(7, 30)),
])
def test_a_prompt_time_is_read_in_the_ways_officers_type_it(typed, expected):
    assert parse_time(typed) == expected


@pytest.mark.parametrize("typed", ["25:00", "7:60", "7", "seven thirty", "7:3", "07:30pm", "", "٠٧:٣٠", "-7:30"])
def test_anything_else_is_not_a_time(typed):
    assert parse_time(typed) is None


@pytest.mark.parametrize("day, utc_hour", [
    (date(2026, 3, 27), 7), (date(2026, 3, 29), 6), (date(2026, 3, 30), 6),  # BST starts 29 March
    (date(2026, 10, 23), 6), (date(2026, 10, 25), 7), (date(2026, 10, 26), 7),  # and ends 25 October
])
def test_an_own_time_is_kept_in_london_time_across_the_clock_changes(day, utc_hour):
    due = job_due_at("journal-prompt", _prompt(day), PromptSettings(own_time=time(7, 30)), SIX_PM)
    assert due is not None and due.astimezone(LONDON).time() == time(7, 30) and due.astimezone(LONDON).date() == day
    assert due.astimezone(UTC).hour == utc_hour


def test_quiet_hours_move_a_default_prompt_but_keep_a_time_the_officer_chose():
    day = date(2026, 10, 26)
    late_default = job_due_at("journal-prompt", _prompt(day), PromptSettings(), time(22, 30))
    early_default = job_due_at("journal-prompt", _prompt(day), PromptSettings(), time(6, 0))
    assert late_default == london(day + timedelta(days=1), time(7, 0))  # next morning
    assert early_default == london(day, time(7, 0))
    assert job_due_at("journal-prompt", _prompt(day), PromptSettings(), SIX_PM) == london(day, SIX_PM)
    night_shift = PromptSettings(own_time=time(23, 15))
    assert job_due_at("journal-prompt", _prompt(day), night_shift, SIX_PM) == london(day, time(23, 15))


def test_plan_reminders_come_at_the_own_time_and_wait_for_the_end_of_a_pause():
    payload = {"cohort_id": 7, "due_on": "2026-11-01", "reminder": "1-week"}  # due 25 October
    assert job_due_at("plan-reminder", payload, PromptSettings(), SIX_PM) == london(date(2026, 10, 25), time(9, 0))
    own = PromptSettings(own_time=time(7, 30))
    assert job_due_at("plan-reminder", payload, own, SIX_PM) == datetime(2026, 10, 25, 7, 30, tzinfo=UTC)
    paused = PromptSettings(own_time=time(7, 30), resume_on=date(2026, 10, 27))
    assert job_due_at("plan-reminder", payload, paused, SIX_PM) == datetime(2026, 10, 27, 7, 30, tzinfo=UTC)
    assert job_due_at("assessment-before", {}, own, SIX_PM) is None


def test_a_paused_prompt_is_not_sent_and_a_later_own_time_waits():
    day = date(2026, 3, 30)
    at_six = london(day, SIX_PM)
    paused = PromptSettings(resume_on=day + timedelta(days=1))
    assert decide("journal-prompt", _prompt(day), paused, SIX_PM, at_six).send is False
    assert decide("journal-snooze", _prompt(day), paused, SIX_PM, at_six).later is None
    later = decide("journal-prompt", _prompt(day), PromptSettings(own_time=time(20, 0)), SIX_PM, at_six)
    assert (later.send, later.later) == (False, london(day, time(20, 0)))
    assert decide("journal-prompt", _prompt(day), PromptSettings(own_time=time(7, 30)), SIX_PM, at_six).send


@pytest.mark.parametrize("pressed, chosen, expected", [
    (time(18, 5), None, (date(2026, 10, 25), time(20, 5))),
    (time(20, 30), None, (date(2026, 10, 25), time(22, 0))),  # not past the start of quiet hours
    (time(20, 30), time(19, 0), (date(2026, 10, 25), time(22, 0))),
    (time(23, 5), time(23, 0), (date(2026, 10, 26), time(1, 5))),  # a night-shift time: kept
    (time(0, 30), None, (date(2026, 10, 25), time(1, 30))),  # not quite: see below
])
def test_a_snooze_is_two_hours_on_but_not_into_quiet_hours(pressed, chosen, expected):
    now = london(date(2026, 10, 25), pressed)
    until = snooze_until(now, PromptSettings(own_time=chosen))
    if pressed == time(0, 30):
        assert until is None  # in quiet hours already: nothing more tonight
        return
    assert until is not None
    local = until.astimezone(LONDON)
    assert (local.date(), local.time()) == expected
    assert snooze_until(london(date(2026, 10, 25), time(22, 10)), PromptSettings()) is None


# --- kept in the database --------------------------------------------------------------------


@pytest.fixture
def academy(db: Database) -> Academy:
    users = Users(db)
    users.seen(OFFICER_AAD, "Alex Morgan")
    users.seen(OTHER_AAD, "Sam Taylor")
    return Academy(db)


def _due(db: Database, key: str) -> datetime:
    with db.session() as session:
        moment = session.scalars(select(ScheduledJob.due_at).where(ScheduledJob.dedupe_key == key)).one()
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def test_settings_are_kept_and_move_the_prompts_still_to_come(db, academy):
    days = (date(2026, 10, 22), date(2026, 10, 23))
    prompts = journal_prompt_jobs(OFFICER_AAD, 7, days[0], days[1], 0, SIX_PM)
    reminders = plan_reminder_jobs(OFFICER_AAD, 7, date(2026, 11, 1), time(9, 0))
    theirs = journal_prompt_jobs(OTHER_AAD, 7, days[0], days[1], 0, SIX_PM)
    Jobs(db).schedule([*prompts, *reminders, *theirs])
    assert academy.prompt_settings(OFFICER_AAD) == PromptSettings()

    settings = academy.set_prompt_time(OFFICER_AAD.upper(), time(7, 30), default=SIX_PM)
    assert settings == academy.prompt_settings(OFFICER_AAD) == PromptSettings(own_time=time(7, 30))
    assert [_due(db, job.dedupe_key) for job in prompts] == [london(day, time(7, 30)) for day in days]
    assert _due(db, reminders[1].dedupe_key) == datetime(2026, 10, 25, 7, 30, tzinfo=UTC)
    assert [_due(db, job.dedupe_key) for job in theirs] == [london(day, SIX_PM) for day in days]  # not theirs

    paused = academy.pause_prompts(OFFICER_AAD, 7, today=date(2026, 10, 24), default=SIX_PM)
    assert paused == PromptSettings(own_time=time(7, 30), resume_on=date(2026, 10, 31), paused_from=date(2026, 10, 24))
    assert _due(db, reminders[1].dedupe_key) == datetime(2026, 10, 31, 7, 30, tzinfo=UTC)
    assert academy.resume_prompts(OFFICER_AAD, default=SIX_PM) is True
    assert academy.resume_prompts(OFFICER_AAD, default=SIX_PM) is False
    assert _due(db, reminders[1].dedupe_key) == datetime(2026, 10, 25, 7, 30, tzinfo=UTC)

    academy.set_prompt_time(OFFICER_AAD, None, default=SIX_PM)
    assert academy.prompt_settings(OFFICER_AAD) == PromptSettings()
    assert [_due(db, job.dedupe_key) for job in prompts] == [london(day, SIX_PM) for day in days]
    assert academy.prompt_settings_of([OFFICER_AAD, OTHER_AAD]) == {OFFICER_AAD: PromptSettings()}


@pytest.mark.parametrize("days", [0, 61, -1])
def test_a_pause_out_of_range_changes_nothing(academy, days):
    with pytest.raises(InvalidAnswer):
        academy.pause_prompts(OFFICER_AAD, days, today=date(2026, 10, 24), default=SIX_PM)
    assert academy.prompt_settings(OFFICER_AAD) == PromptSettings()


# --- two schedulers ---------------------------------------------------------------------------


async def test_two_schedulers_send_each_prompt_once_at_each_officers_own_time(two_databases):
    first, second = two_databases
    people = [f"0b6f1b3c-5555-4a4a-9b9b-{n:012d}" for n in range(40)]
    for aad in people:
        Users(first).seen(aad, "Officer")
    academies = (Academy(first), Academy(second))
    own = {aad: (time(7, 30), time(23, 15), time(20, 0))[n % 3] for n, aad in enumerate(people[:21])}
    # Later times chosen before planning: the jobs are planned at the default time, and the
    # handler finds the officer's own time when they fall due (one inside quiet hours).
    for aad, at in own.items():
        if at != time(7, 30):
            academies[0].set_prompt_time(aad, at, default=SIX_PM)
    # Across the March change: Friday 27 to Monday 30 March 2026, every day.
    jobs = [job for aad in people
            for job in journal_prompt_jobs(aad, 7, date(2026, 3, 27), date(2026, 3, 30), 0, SIX_PM, weekdays_only=False)]
    Jobs(first).schedule(jobs)
    for aad, at in own.items():  # an earlier time chosen after planning moves the planned prompts
        if at == time(7, 30):
            academies[1].set_prompt_time(aad, at, default=SIX_PM)
    clock = Clock(datetime(2026, 3, 27, 0, 0, tzinfo=UTC))
    sent: list[tuple[str, datetime]] = []

    def handler_for(academy: Academy):  # type: ignore[no-untyped-def]
        async def send(job: Job) -> Outcome | Later:
            settings = await asyncio.to_thread(academy.prompt_settings, job.aad_object_id)
            timing = decide(job.kind, job.payload, settings, SIX_PM, clock())
            if timing.later is not None:
                return Later(timing.later)
            if not timing.send:
                return Outcome.SKIPPED
            sent.append((job.dedupe_key, clock()))
            return Outcome.DONE

        return send

    schedulers = [Scheduler(database, handler_for(academy), instance=name, clock=clock, batch=7)
                  for database, academy, name in ((first, academies[0], "a"), (second, academies[1], "b"))]
    while clock.now < datetime(2026, 4, 1, tzinfo=UTC):
        await asyncio.gather(*(scheduler.run_due() for scheduler in schedulers))
        clock.advance(minutes=15)

    assert Counter(key for key, _ in sent) == {job.dedupe_key: 1 for job in jobs}
    chosen = {aad: academies[0].prompt_settings(aad).own_time or SIX_PM for aad in people}
    for key, moment in sent:
        aad, day = key.split(":")[2], date.fromisoformat(key.split(":")[3])
        local = moment.astimezone(LONDON)
        assert (local.date(), local.time()) == (day, chosen[aad]), key
