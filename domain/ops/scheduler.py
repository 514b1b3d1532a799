"""Scheduled prompts and reminders: journal prompts, action plan reminders and the
self-assessment offers, each sent exactly once at its Europe/London time.

Every job is a row of ``scheduled_jobs`` with a ``dedupe_key`` that names it for good
(``journal:<cohort>:<aad>:2026-10-26``), so scheduling it again adds nothing. Due work
lives in the database, not in memory: a job that fell due while no bot was running is
handled by the first :meth:`Scheduler.run_due` after one starts.

Exactly once, end to end, rests on three things:

1. **Claim.** :meth:`Scheduler.run_due` takes due jobs in one statement that marks them
   ``claimed`` by this process. On PostgreSQL the rows are chosen ``FOR UPDATE SKIP
   LOCKED``, so two bot processes sharing the database never take the same job; on SQLite
   the single ``UPDATE ... RETURNING`` runs under the database's one write lock.
2. **Lease.** A claim lasts ``lease``. A process that dies holding jobs (a restart, a
   crash mid-send) records nothing; once the lease runs out another process claims them
   again, so nothing is lost. An outcome is recorded only while the claim is still this
   process's (``claimed_by`` and the claim's attempt number), so a process that comes back
   late cannot overwrite what the new owner did.
3. **The notification's key.** A re-claimed job may have been sent just before the crash.
   The bot's handler sends through ``NotificationService.notify`` with the job's
   ``dedupe_key``; the ``notifications`` table holds that key once, so the second call
   sends nothing and the user sees the message once.

What the handler answers decides what happens next: ``DONE``; ``SKIPPED`` (no longer
relevant, e.g. the action plan is complete); ``RETRY`` (tried again after 1, 2, 4...
minutes, at most an hour apart, and failed after ``max_attempts`` claims); ``GIVE_UP``
(the user has removed the app: failed, never retried). An exception counts as ``RETRY``
and only its type is kept. A handler built on ``notify`` answers ``DONE`` for ``sent`` and
``retrying`` (the notification service's ``deliver_due`` sweep carries those retries) and
``GIVE_UP`` for ``unreachable`` and ``failed``. A handler may also answer :class:`Later`
(not yet: a participant chose a later time, or a reminder waits for the end of a pause):
the job goes back to pending with its new due time, recorded under the claim like any
outcome, so it is still sent once.

Times are computed in Europe/London and stored in UTC: a prompt at 18:00 is due at 17:00
UTC in summer and 18:00 UTC in winter. Processes are assumed to keep their clocks in step
(NTP); the lease is far longer than any drift. Each process needs its own ``instance``
name, and a new one after a restart.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, Iterable

from sqlalchemy import ColumnElement, Update, or_, select, update
from sqlalchemy.orm import Session

from domain.clock import LONDON, aware, utcnow
from domain.db import Database, rows_changed
from domain.models import JobStatus, ScheduledJob, User
from domain.ops.timetable import NewJob, assessment_jobs, journal_prompt_jobs, london_times, plan_reminder_jobs

__all__ = [
    "LONDON",
    "NewJob",
    "Job",
    "Outcome",
    "Later",
    "RunReport",
    "Jobs",
    "Scheduler",
    "SchedulerLoop",
    "stop_task",
    "london_times",
    "journal_prompt_jobs",
    "plan_reminder_jobs",
    "assessment_jobs",
]

log = logging.getLogger(__name__)

_MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True)
class Job:
    """A claimed job, as the handler sees it; ``attempt`` is 1 on the first claim."""

    id: int
    kind: str
    aad_object_id: str
    due_at: datetime
    dedupe_key: str
    payload: dict[str, Any]
    attempt: int
    claimed_until: datetime


class Outcome(str, enum.Enum):
    """What the handler made of a job."""

    DONE = "done"
    SKIPPED = "skipped"
    RETRY = "retry"
    GIVE_UP = "give-up"


@dataclass(frozen=True)
class Later:
    """A handler's answer: not yet, the job is due again at ``at`` (aware)."""

    at: datetime


@dataclass
class RunReport:
    """Counts from one :meth:`Scheduler.run_due`; ``superseded`` are jobs another process
    took over before this one could record them."""

    claimed: int = 0
    done: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    superseded: int = 0
    deferred: int = 0


Handler = Callable[[Job], Awaitable["Outcome | Later"]]


class Jobs:
    """Scheduling and cancelling jobs; no handler needed, so dialogs can hold one.

    Args:
        database: the assistant's database.
    """

    def __init__(self, database: Database) -> None:
        self._db = database

    def schedule(self, jobs: Iterable[NewJob]) -> int:
        """Add the jobs not already scheduled under their ``dedupe_key``; returns how many were new.

        A key seen before, whatever became of its job (done, cancelled), adds nothing.
        Users not yet known are recorded as officers.
        """
        with self._db.session() as session:
            return self.schedule_in(session, jobs)

    def schedule_in(self, session: Session, jobs: Iterable[NewJob]) -> int:
        """:meth:`schedule` in the caller's transaction, so the jobs come with the change
        that calls for them, or not at all."""
        now = utcnow()
        rows: list[dict[str, Any]] = [
            {
                "kind": job.kind,
                "aad_object_id": job.aad_object_id.lower(),
                "due_at": aware(job.due_at),
                "dedupe_key": job.dedupe_key,
                "payload": dict(job.payload),
                "status": JobStatus.PENDING.value,
                "attempts": 0,
                "created_at": now,
            }
            for job in jobs
        ]
        if not rows:
            return 0
        users = [{"aad_object_id": aad, "created_at": now, "updated_at": now}
                 for aad in sorted({row["aad_object_id"] for row in rows})]
        session.execute(self._db.insert(User).on_conflict_do_nothing(index_elements=[User.aad_object_id]), users)
        added = session.execute(
            self._db.insert(ScheduledJob)
            .on_conflict_do_nothing(index_elements=[ScheduledJob.dedupe_key])
            .returning(ScheduledJob.id),
            rows,
        ).all()
        return len(added)

    def cancel(self, prefix: str | None = None, *, keys: Iterable[str] = ()) -> int:
        """Cancel the unsettled jobs whose key starts with ``prefix`` or is one of ``keys``.

        E.g. ``cancel("plan:12:<aad>:")`` when the action plan is completed. A job being
        handled right now may still go out; its outcome is then not recorded. Returns how
        many were cancelled.
        """
        keys = list(keys)
        matches: list[ColumnElement[bool]] = [ScheduledJob.dedupe_key.in_(keys)] if keys else []
        if prefix:
            matches.append(ScheduledJob.dedupe_key.startswith(prefix, autoescape=True))
        if not matches:
            return 0
        with self._db.session() as session:
            result = session.execute(
                update(ScheduledJob)
                .where(
                    or_(*matches),
                    ScheduledJob.status.in_([JobStatus.PENDING.value, JobStatus.CLAIMED.value]),
                )
                .values(status=JobStatus.CANCELLED.value, claimed_until=None, done_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            return rows_changed(result)


class Scheduler(Jobs):
    """Claims due jobs and hands each to ``handler``, recording what it answers.

    Args:
        database: the assistant's database.
        handler: sends one job (the bot's calls ``NotificationService.notify``).
        instance: this process's name, unique among running processes and new on restart.
        clock: the current time (aware, UTC).
        lease: how long a claim lasts before another process may take the job.
        batch: jobs claimed at a time.
        max_attempts: claims a job gets before a ``RETRY`` (or a lost claim) fails it.
    """

    def __init__(
        self,
        database: Database,
        handler: Handler,
        *,
        instance: str,
        clock: Callable[[], datetime] = utcnow,
        lease: timedelta = timedelta(minutes=2),
        batch: int = 100,
        max_attempts: int = 6,
    ) -> None:
        super().__init__(database)
        self._handler = handler
        self.instance = instance
        self._clock = clock
        self._lease = lease
        self._batch = batch
        self._max_attempts = max_attempts

    async def run_due(self) -> RunReport:
        """Handle every job due now, a batch at a time, and say what became of them."""
        report = RunReport()
        while True:
            claimed = await asyncio.to_thread(self._claim, aware(self._clock()))
            report.claimed += len(claimed)
            for job in claimed:
                await self._handle(job, report)
            if len(claimed) < self._batch:
                return report

    def _claim(self, now: datetime) -> list[Job]:
        J = ScheduledJob
        due = (
            select(J.id)
            .where(
                or_(
                    J.status == JobStatus.PENDING.value,
                    (J.status == JobStatus.CLAIMED.value) & (J.claimed_until < now),
                ),
                J.due_at <= now,
                or_(J.next_attempt_at.is_(None), J.next_attempt_at <= now),
            )
            .order_by(J.due_at, J.id)
            .limit(self._batch)
        )
        if self._db.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        with self._db.session() as session:
            rows = session.execute(
                update(J)
                .where(J.id.in_(due.scalar_subquery()))
                .values(
                    status=JobStatus.CLAIMED.value,
                    claimed_by=self.instance,
                    claimed_until=now + self._lease,
                    attempts=J.attempts + 1,
                )
                .returning(J.id, J.kind, J.aad_object_id, J.due_at, J.dedupe_key, J.payload, J.attempts)
                .execution_options(synchronize_session=False)
            ).all()
        jobs = [
            Job(r.id, r.kind, r.aad_object_id, aware(r.due_at), r.dedupe_key, dict(r.payload or {}), r.attempts,
                now + self._lease)
            for r in rows
        ]
        return sorted(jobs, key=lambda job: (job.due_at, job.id))

    async def _handle(self, job: Job, report: RunReport) -> None:
        if job.attempt > self._max_attempts:
            # Claimed and never settled that many times: the process died on it each time.
            await self._record(job, report, Outcome.GIVE_UP, "LeaseExpired")
            return
        if self._clock() >= job.claimed_until - self._lease / 2:
            # Earlier jobs of the batch were slow: extend the claim, or leave the job to
            # the process that has taken it over.
            renewed = await asyncio.to_thread(self._renew, job)
            if renewed is None:
                report.superseded += 1
                return
            job = renewed
        later: Later | None = None
        try:
            answer = await self._handler(job)
            later = answer if isinstance(answer, Later) else None
            outcome, reason = (Outcome.DONE if later else Outcome(answer)), None
        except Exception as error:  # noqa: BLE001 - any failure of a send is retried
            outcome, reason = Outcome.RETRY, type(error).__name__
            log.warning("scheduled job failed", extra={"job": job.id, "reason": reason})
        await self._record(job, report, outcome, reason, later)

    def _owned(self, job: Job) -> Update:
        """An update of ``job`` that changes nothing unless this claim of it still holds."""
        J = ScheduledJob
        return update(J).where(
            J.id == job.id,
            J.status == JobStatus.CLAIMED.value,
            J.claimed_by == self.instance,
            J.attempts == job.attempt,
        ).execution_options(synchronize_session=False)

    def _renew(self, job: Job) -> Job | None:
        until = aware(self._clock()) + self._lease
        with self._db.session() as session:
            renewed = rows_changed(session.execute(self._owned(job).values(claimed_until=until)))
        return replace(job, claimed_until=until) if renewed else None

    async def _record(self, job: Job, report: RunReport, outcome: Outcome, reason: str | None,
                      later: Later | None = None) -> None:
        now = aware(self._clock())
        values: dict[str, object] = {"claimed_until": None, "last_error": reason}
        if later is not None:  # due again later: a fresh job, with no attempts spent
            values.update(status=JobStatus.PENDING.value, due_at=aware(later.at), next_attempt_at=None, attempts=0)
            counter = "deferred"
        elif outcome is Outcome.RETRY and job.attempt < self._max_attempts:
            backoff = min(timedelta(minutes=2 ** min(job.attempt - 1, 6)), _MAX_BACKOFF)
            values.update(status=JobStatus.PENDING.value, next_attempt_at=now + backoff,
                          last_error=reason or outcome.value)
            counter = "retried"
        else:
            status = {Outcome.DONE: JobStatus.DONE, Outcome.SKIPPED: JobStatus.SKIPPED}.get(outcome, JobStatus.FAILED)
            values.update(status=status.value, done_at=now)
            if status is JobStatus.FAILED:
                values["last_error"] = reason or outcome.value
            counter = {JobStatus.DONE: "done", JobStatus.SKIPPED: "skipped"}.get(status, "failed")

        def write() -> int:
            with self._db.session() as session:
                return rows_changed(session.execute(self._owned(job).values(**values)))

        if await asyncio.to_thread(write):
            setattr(report, counter, getattr(report, counter) + 1)
        else:
            report.superseded += 1


async def stop_task(task: asyncio.Task[Any] | None) -> None:
    """Cancel a background task and wait until it has ended."""
    if task is not None:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass


class SchedulerLoop:
    """Runs :meth:`Scheduler.run_due` every ``interval`` seconds until stopped.

    Only counts are logged. A failed run is logged by its exception type and the loop
    carries on; the jobs it held are claimed again when their lease runs out.
    """

    def __init__(self, scheduler: Scheduler, interval: float = 60.0) -> None:
        self._scheduler = scheduler
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the loop in a task on the running event loop (once)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="scheduler")

    async def stop(self) -> None:
        """Stop the loop and wait for it to end."""
        task, self._task = self._task, None
        await stop_task(task)

    async def _run(self) -> None:
        while True:
            try:
                report = await self._scheduler.run_due()
                if report.claimed:
                    log.info("scheduled jobs handled", extra=vars(report))
            except Exception as error:  # noqa: BLE001 - the loop must outlive a bad run
                log.error("scheduler run failed", extra={"reason": type(error).__name__})
            await asyncio.sleep(self._interval)
