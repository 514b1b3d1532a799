"""The scheduler sends each journal prompt and reminder once, at its London time: across
the clock changes, across a restart between due time and send, and with two bot
processes sharing one PostgreSQL database."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from domain.db import Database
from domain.models import JobStatus, NotificationStatus, ScheduledJob
from domain.ops.scheduler import (
    Job,
    Jobs,
    NewJob,
    Outcome,
    RunReport,
    Scheduler,
    SchedulerLoop,
    assessment_jobs,
    journal_prompt_jobs,
    london_times,
    plan_reminder_jobs,
)
from tests.fakes import OFFICER_AAD, teams_activity

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")
SIX_PM = time(18, 0)
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class Clock:
    """The time the scheduler sees; tests move it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Recorder:
    """A handler that notes each job it is given (key and time) and answers ``outcome``."""

    def __init__(self, clock: Clock, outcome: Outcome = Outcome.DONE) -> None:
        self.clock = clock
        self.outcome = outcome
        self.calls: list[tuple[str, datetime]] = []

    async def __call__(self, job: Job) -> Outcome:
        self.calls.append((job.dedupe_key, self.clock.now))
        return self.outcome

    @property
    def keys(self) -> list[str]:
        return [key for key, _ in self.calls]


def _job(key: str, due: datetime = T0, aad: str = OFFICER_AAD) -> NewJob:
    return NewJob("journal-prompt", aad, due, key)


def _row(db: Database, key: str) -> ScheduledJob:
    with db.session() as session:
        row = session.scalars(select(ScheduledJob).where(ScheduledJob.dedupe_key == key)).one()
        session.expunge(row)
        return row


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment)


# --- Europe/London -----------------------------------------------------------------------


def test_six_pm_in_london_is_17_utc_in_summer_and_18_utc_in_winter():
    october = london_times(date(2026, 10, 23), date(2026, 10, 27), SIX_PM)
    assert [(t.day, t.hour) for t in october] == [(23, 17), (24, 17), (25, 18), (26, 18), (27, 18)]
    march = london_times(date(2026, 3, 27), date(2026, 3, 31), SIX_PM)
    assert [(t.day, t.hour) for t in march] == [(27, 18), (28, 18), (29, 17), (30, 17), (31, 17)]
    assert all(t.tzinfo == UTC and t.astimezone(LONDON).time() == SIX_PM for t in october + march)
    # Times the clocks skip or repeat on the change days: an hour later, and the first of two.
    assert london_times(date(2026, 3, 29), date(2026, 3, 29), time(1, 30)) == [datetime(2026, 3, 29, 1, 30, tzinfo=UTC)]
    assert london_times(date(2026, 10, 25), date(2026, 10, 25), time(1, 30)) == [datetime(2026, 10, 25, 0, 30, tzinfo=UTC)]
    assert london_times(date(2026, 10, 2), date(2026, 10, 1), SIX_PM) == []


def test_journal_prompts_on_course_days_and_the_days_after_skipping_weekends():
    # Course Mon 19 - Fri 23 October 2026, then a week of prompts afterwards.
    jobs = journal_prompt_jobs("AAD-1", 7, date(2026, 10, 19), date(2026, 10, 23), 7, SIX_PM)
    days = [job.due_at.astimezone(LONDON).date().day for job in jobs]
    assert days == [19, 20, 21, 22, 23, 26, 27, 28, 29, 30]
    assert jobs[0].dedupe_key == "journal:7:aad-1:2026-10-19"
    assert jobs[0].kind == "journal-prompt" and jobs[0].aad_object_id == "aad-1"
    assert [job.due_at.hour for job in jobs] == [17] * 5 + [18] * 5
    assert jobs[0].payload == {"cohort_id": 7, "day": "2026-10-19", "after_course": False}
    assert jobs[-1].payload["after_course"] is True
    every_day = journal_prompt_jobs("aad-1", 7, date(2026, 10, 19), date(2026, 10, 23), 7, SIX_PM, weekdays_only=False)
    assert len(every_day) == 12


def test_plan_reminders_four_weeks_and_one_week_before_and_when_overdue():
    jobs = plan_reminder_jobs("aad-1", 7, date(2027, 1, 23), time(9, 0))
    assert [(job.due_at, job.payload["reminder"]) for job in jobs] == [
        (datetime(2026, 12, 26, 9, 0, tzinfo=UTC), "4-weeks"),
        (datetime(2027, 1, 16, 9, 0, tzinfo=UTC), "1-week"),
        (datetime(2027, 1, 24, 9, 0, tzinfo=UTC), "overdue"),
    ]
    assert {job.kind for job in jobs} == {"plan-reminder"}
    assert all(job.dedupe_key.startswith("plan:7:aad-1:2027-01-23:") for job in jobs)


def test_self_assessment_offered_on_the_first_and_last_course_day():
    before, after = assessment_jobs("aad-1", 7, date(2026, 10, 19), date(2026, 10, 30), time(9, 0))
    assert (before.kind, before.due_at) == ("assessment-before", datetime(2026, 10, 19, 8, 0, tzinfo=UTC))
    assert (after.kind, after.due_at) == ("assessment-after", datetime(2026, 10, 30, 9, 0, tzinfo=UTC))
    assert before.dedupe_key != after.dedupe_key


# --- scheduling and cancelling -----------------------------------------------------------


def test_scheduling_the_same_jobs_again_adds_nothing(db):
    jobs = Jobs(db)
    prompts = journal_prompt_jobs(OFFICER_AAD.upper(), 7, date(2026, 10, 19), date(2026, 10, 23), 7, SIX_PM)
    assert jobs.schedule(prompts) == 10
    assert jobs.schedule(prompts) == 0
    assert jobs.schedule([*prompts, _job("extra"), _job("extra")]) == 1
    assert jobs.schedule([]) == 0
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(ScheduledJob)) == 11
    row = _row(db, prompts[0].dedupe_key)
    assert (row.status, row.aad_object_id, row.attempts) == ("pending", OFFICER_AAD, 0)
    assert _utc(row.due_at) == datetime(2026, 10, 19, 17, 0, tzinfo=UTC)


async def test_cancelled_reminders_are_never_sent(db):
    clock = Clock(datetime(2026, 12, 1, tzinfo=UTC))
    handled = Recorder(clock)
    scheduler = Scheduler(db, handled, instance="a", clock=clock)
    mine = plan_reminder_jobs(OFFICER_AAD, 7, date(2027, 1, 23), time(9, 0))
    theirs = plan_reminder_jobs("someone-else", 7, date(2027, 1, 23), time(9, 0))
    prompts = [_job(f"journal:7:{OFFICER_AAD}:{n}", clock.now + timedelta(days=n)) for n in (1, 2)]
    scheduler.schedule([*mine, *theirs, *prompts])

    clock.now = datetime(2027, 1, 1, tzinfo=UTC)
    await scheduler.run_due()  # the four-week reminders have gone
    assert scheduler.cancel(f"plan:7:{OFFICER_AAD}:") == 2  # the plan was completed
    assert scheduler.cancel(keys=[prompts[1].dedupe_key]) == 0  # already sent
    assert scheduler.cancel() == 0

    clock.now = datetime(2027, 3, 1, tzinfo=UTC)
    await scheduler.run_due()
    assert sorted(handled.keys) == sorted(
        [mine[0].dedupe_key, *(job.dedupe_key for job in theirs), *(job.dedupe_key for job in prompts)]
    )
    assert _row(db, mine[1].dedupe_key).status == JobStatus.CANCELLED.value
    assert _row(db, prompts[1].dedupe_key).status == JobStatus.DONE.value


# --- on time, across the clock changes -----------------------------------------------------


@pytest.mark.parametrize(
    "starts_on, ends_on, days_after, change",
    [
        (date(2026, 10, 20), date(2026, 10, 23), 8, date(2026, 10, 25)),  # BST ends 01:00 UTC, 25 Oct
        (date(2026, 3, 24), date(2026, 3, 27), 7, date(2026, 3, 29)),  # BST starts 01:00 UTC, 29 Mar
    ],
    ids=["october", "march"],
)
async def test_prompts_fire_at_six_pm_london_hour_by_hour_across_the_clock_change(
    db, starts_on, ends_on, days_after, change
):
    clock = Clock(datetime.combine(starts_on, time(0), tzinfo=UTC))
    handled = Recorder(clock)
    scheduler = Scheduler(db, handled, instance="a", clock=clock)
    prompts = journal_prompt_jobs(OFFICER_AAD, 7, starts_on, ends_on, days_after, SIX_PM, weekdays_only=False)
    scheduler.schedule(prompts)

    last = ends_on + timedelta(days=days_after + 1)
    while clock.now.date() < last:
        await scheduler.run_due()
        clock.advance(hours=1)

    assert Counter(handled.keys) == {job.dedupe_key: 1 for job in prompts}
    when = dict(handled.calls)
    summer_hour, winter_hour = 17, 18
    for job in prompts:
        sent = when[job.dedupe_key]
        assert sent == job.due_at  # at its hour, not before and not an hour late
        assert sent.astimezone(LONDON).time() == SIX_PM
        in_summer = (sent.date() < change) == (change.month == 10)
        assert sent.hour == (summer_hour if in_summer else winter_hour)


# --- restarts --------------------------------------------------------------------------------


@pytest.mark.parametrize("crash", [SystemExit, asyncio.CancelledError])
async def test_a_restart_between_due_time_and_send_loses_nothing(db, crash):
    clock = Clock(T0)

    async def dies(job: Job) -> Outcome:
        raise crash()

    before = Scheduler(db, dies, instance="before-restart", clock=clock)
    before.schedule([_job("journal:7:x:1")])
    with pytest.raises(crash):
        await before.run_due()
    assert _row(db, "journal:7:x:1").status == JobStatus.CLAIMED.value

    handled = Recorder(clock)
    after = Scheduler(db, handled, instance="after-restart", clock=clock)
    clock.advance(minutes=1)
    assert (await after.run_due()).claimed == 0  # the claim still holds
    clock.advance(minutes=1, seconds=1)
    assert (await after.run_due()).done == 1
    clock.advance(hours=1)
    await after.run_due()
    assert handled.keys == ["journal:7:x:1"]
    row = _row(db, "journal:7:x:1")
    assert (row.status, row.claimed_by, row.attempts) == ("done", "after-restart", 2)


async def test_a_job_due_while_no_scheduler_ran_is_sent_when_one_starts(db):
    clock = Clock(T0)
    Jobs(db).schedule([_job("journal:7:x:1", T0 - timedelta(hours=15)), _job("journal:7:x:2", T0 + timedelta(hours=1))])
    handled = Recorder(clock)
    report = await Scheduler(db, handled, instance="a", clock=clock).run_due()
    assert handled.keys == ["journal:7:x:1"]
    assert (report.claimed, report.done) == (1, 1)


async def test_a_late_instance_cannot_overwrite_what_the_new_owner_recorded(db):
    clock = Clock(T0)
    started, release = asyncio.Event(), asyncio.Event()

    async def stalls(job: Job) -> Outcome:
        started.set()
        await release.wait()
        return Outcome.RETRY

    late = Scheduler(db, stalls, instance="late", clock=clock)
    late.schedule([_job("journal:7:x:1")])
    stalled = asyncio.create_task(late.run_due())
    await started.wait()

    clock.advance(minutes=3)  # the stalled process's lease has run out
    handled = Recorder(clock)
    assert (await Scheduler(db, handled, instance="new", clock=clock).run_due()).done == 1
    release.set()
    report = await stalled
    assert (report.retried, report.superseded) == (0, 1)
    row = _row(db, "journal:7:x:1")
    assert (row.status, row.claimed_by, row.next_attempt_at) == ("done", "new", None)


async def test_a_slow_batch_keeps_its_claims_unless_another_instance_takes_them(db):
    clock = Clock(T0)
    handled = Recorder(clock)

    async def slow(job: Job) -> Outcome:
        clock.advance(seconds=90)  # each send takes most of the two-minute lease
        return await handled(job)

    scheduler = Scheduler(db, slow, instance="a", clock=clock)
    scheduler.schedule([_job(f"journal:7:x:{n}") for n in range(3)])
    report = await scheduler.run_due()
    assert (report.done, report.superseded) == (3, 0)

    other = Scheduler(db, handled, instance="b", clock=clock)

    async def slower(job: Job) -> Outcome:
        if job.dedupe_key.endswith(":0"):
            clock.advance(seconds=70)  # past half the lease: the next job's claim is extended
        elif job.dedupe_key.endswith(":1"):
            clock.advance(seconds=60)  # the third job's claim runs out while this one is sent
            await other.run_due()  # and the other process takes it
        return await handled(job)

    stuck = Scheduler(db, slower, instance="c", clock=clock)
    clock.advance(hours=1)
    stuck.schedule([_job(f"journal:7:y:{n}", clock.now) for n in range(3)])
    report = await stuck.run_due()
    assert (report.claimed, report.done, report.superseded) == (3, 2, 1)
    assert _row(db, "journal:7:y:2").claimed_by == "b"
    assert Counter(handled.keys) == {f"journal:7:{who}:{n}": 1 for who in "xy" for n in range(3)}


async def test_a_job_the_process_dies_on_every_time_is_failed_not_retried_forever(db):
    clock = Clock(T0)
    calls = 0

    async def dies(job: Job) -> Outcome:
        nonlocal calls
        calls += 1
        raise SystemExit

    scheduler = Scheduler(db, dies, instance="a", clock=clock, max_attempts=2)
    scheduler.schedule([_job("journal:7:x:1")])
    for _ in range(2):
        with pytest.raises(SystemExit):
            await scheduler.run_due()
        clock.advance(minutes=3)
    report = await scheduler.run_due()
    assert (calls, report.failed) == (2, 1)
    assert (_row(db, "journal:7:x:1").status, _row(db, "journal:7:x:1").last_error) == ("failed", "LeaseExpired")


# --- failures --------------------------------------------------------------------------------


@pytest.mark.parametrize("max_attempts", [6, 9])
async def test_failed_sends_are_retried_with_growing_backoff_then_failed(db, max_attempts):
    clock = Clock(T0)
    calls: list[datetime] = []

    async def fails(job: Job) -> Outcome:
        calls.append(clock.now)
        raise RuntimeError(f"could not reach {job.aad_object_id}")

    scheduler = Scheduler(db, fails, instance="a", clock=clock, max_attempts=max_attempts)
    scheduler.schedule([_job("journal:7:x:1")])
    gaps = []
    while True:
        await scheduler.run_due()
        row = _row(db, "journal:7:x:1")
        if row.status != JobStatus.PENDING.value:
            break
        retry_at = _utc(row.next_attempt_at)
        assert row.last_error == "RuntimeError"  # the type only: no names, no free text
        gaps.append(retry_at - clock.now)
        clock.now = retry_at - timedelta(seconds=1)
        assert (await scheduler.run_due()).claimed == 0  # not before its time
        clock.now = retry_at
    assert gaps == [timedelta(minutes=min(2**n, 60)) for n in range(max_attempts - 1)]
    assert (row.status, row.attempts, row.last_error) == ("failed", max_attempts, "RuntimeError")
    clock.advance(days=30)
    await scheduler.run_due()
    assert len(calls) == max_attempts


async def test_an_uninstalled_app_is_given_up_at_once_and_a_skipped_job_recorded(db):
    clock = Clock(T0)
    outcomes = {"journal:7:x:1": Outcome.GIVE_UP, "plan:7:x:done": Outcome.SKIPPED, "journal:7:x:2": Outcome.RETRY}
    calls: list[str] = []

    async def handler(job: Job) -> Outcome:
        calls.append(job.dedupe_key)
        return outcomes[job.dedupe_key]

    scheduler = Scheduler(db, handler, instance="a", clock=clock)
    scheduler.schedule([_job(key) for key in outcomes])
    report = await scheduler.run_due()
    assert (report.claimed, report.failed, report.skipped, report.retried) == (3, 1, 1, 1)
    for _ in range(48):
        clock.advance(hours=1)
        await scheduler.run_due()
    assert Counter(calls) == {"journal:7:x:1": 1, "plan:7:x:done": 1, "journal:7:x:2": 6}
    given_up, skipped = _row(db, "journal:7:x:1"), _row(db, "plan:7:x:done")
    assert (given_up.status, given_up.last_error, given_up.attempts) == ("failed", "give-up", 1)
    assert (skipped.status, skipped.last_error) == ("skipped", None)
    assert skipped.done_at is not None


# --- two bot processes ---------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    """Two ``Database`` objects on one database, as two bot processes would have."""
    url = f"sqlite:///{tmp_path / 'shared.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    first, second = Database(url), Database(url)
    first.migrate()
    yield first, second
    first.dispose()
    second.dispose()


async def test_two_schedulers_send_each_of_1000_due_prompts_exactly_once(two_databases):
    first, second = two_databases
    clock = Clock(T0)
    prompts = [_job(f"journal:7:user-{n % 50}:{n}", T0 - timedelta(seconds=n), f"user-{n % 50}") for n in range(1000)]
    assert Jobs(first).schedule(prompts) == 1000
    sent: list[tuple[str, str]] = []  # list.append is atomic, so threads may share it

    def handler_for(instance: str):  # type: ignore[no-untyped-def]
        async def send(job: Job) -> Outcome:
            sent.append((job.dedupe_key, instance))
            await asyncio.sleep(0)
            return Outcome.DONE

        return send

    schedulers = [
        Scheduler(database, handler_for(name), instance=name, clock=clock, batch=25)
        for database, name in ((first, "a"), (second, "b"), (first, "c"), (second, "d"))
    ]

    async def keep_running(scheduler: Scheduler) -> None:
        while (await scheduler.run_due()).claimed:
            pass

    in_threads = [asyncio.to_thread(asyncio.run, keep_running(s)) for s in schedulers[2:]]
    await asyncio.gather(*(keep_running(s) for s in schedulers[:2]), *in_threads)

    counts = Counter(key for key, _ in sent)
    duplicates = {key: n for key, n in counts.items() if n > 1}
    missing = {job.dedupe_key for job in prompts} - set(counts)
    assert (len(duplicates), len(missing), len(sent)) == (0, 0, 1000)
    by_instance = Counter(instance for _, instance in sent)
    assert len(by_instance) >= 2, by_instance  # the work really was shared
    with first.session() as session:
        rows = session.execute(select(ScheduledJob.status, ScheduledJob.claimed_by, ScheduledJob.attempts)).all()
    assert Counter(row.status for row in rows) == {"done": 1000}
    assert Counter(row.claimed_by for row in rows) == by_instance
    assert {row.attempts for row in rows} == {1}


# --- with the notification service -----------------------------------------------------------


async def _register(client, connector):  # type: ignore[no-untyped-def]
    from bot.app import SERVICES

    await client.post(
        "/api/messages", json=teams_activity("help", service_url=connector.service_url, expect_replies=False)
    )
    connector.sent.clear()
    connector.attempts = 0
    return client.app[SERVICES]


def _sending(services, clock: Clock, crash_after_send: bool = False):  # type: ignore[no-untyped-def]
    """The bot's handler: one proactive message per job, under the job's key."""

    async def send(job: Job) -> Outcome:
        status = await services.notifications.notify(
            job.aad_object_id, "Time for today's journal entry.", kind=job.kind, dedupe_key=job.dedupe_key
        )
        if crash_after_send:
            raise SystemExit
        if status in (NotificationStatus.SENT, NotificationStatus.RETRYING):
            return Outcome.DONE
        return Outcome.GIVE_UP

    return send


async def test_a_prompt_sent_just_before_a_crash_reaches_the_user_once(client, connector):
    services = await _register(client, connector)
    clock = Clock(T0)
    crashed = Scheduler(services.database, _sending(services, clock, crash_after_send=True), instance="a", clock=clock)
    crashed.schedule([_job(f"journal:7:{OFFICER_AAD}:2026-11-02")])
    with pytest.raises(SystemExit):
        await crashed.run_due()
    assert connector.texts() == ["Time for today's journal entry."]

    clock.advance(minutes=5)
    restarted = Scheduler(services.database, _sending(services, clock), instance="b", clock=clock)
    assert (await restarted.run_due()).done == 1
    assert connector.texts() == ["Time for today's journal entry."]


async def test_a_user_who_removed_the_app_is_not_retried(client, connector):
    services = await _register(client, connector)
    clock = Clock(T0)
    scheduler = Scheduler(services.database, _sending(services, clock), instance="a", clock=clock)
    scheduler.schedule([_job(f"journal:7:{OFFICER_AAD}:{day}", T0 + timedelta(days=day)) for day in range(3)])
    connector.fail_next(403)
    assert (await scheduler.run_due()).failed == 1
    for _ in range(3):
        clock.advance(days=1)
        await scheduler.run_due()
    assert connector.attempts == 1  # later prompts are not tried until they talk to the bot again
    with services.database.session() as session:
        assert set(session.scalars(select(ScheduledJob.status))) == {"failed"}


# --- the loop --------------------------------------------------------------------------------


async def test_the_loop_keeps_running_after_a_failed_run_and_logs_counts_only(caplog):
    runs = 0

    class Flaky:
        async def run_due(self) -> RunReport:
            nonlocal runs
            runs += 1
            if runs == 1:
                raise RuntimeError("alex.morgan@police.example could not be reached")
            return RunReport(claimed=2, done=2)

    loop = SchedulerLoop(Flaky(), interval=0.001)  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO, logger="domain.ops.scheduler"):
        loop.start()
        loop.start()  # a second start does not run a second loop
        for _ in range(1000):
            if runs >= 3:
                break
            await asyncio.sleep(0.001)
        await loop.stop()
    assert runs >= 3
    failed = [r for r in caplog.records if r.getMessage() == "scheduler run failed"]
    assert len(failed) == 1 and failed[0].reason == "RuntimeError"
    handled = [r for r in caplog.records if r.getMessage() == "scheduled jobs handled"]
    assert handled and (handled[0].claimed, handled[0].done) == (2, 2)
    assert "alex.morgan" not in caplog.text and all("alex.morgan" not in str(vars(r)) for r in caplog.records)
    await loop.stop()  # stopping twice is harmless
