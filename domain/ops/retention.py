"""Retention: what is past its time is purged or anonymised by a daily job, and a dialog
left idle loses its saved state within minutes of the idle limit.

Six limits, in days, read by the bot from its environment (:meth:`Retention.from_env`):

``RETENTION_SUBMISSION_DAYS`` (730)
    Closed, declined and merged submissions whose last status change is older than this
    keep their reference, kind, crime types, status, dates and history skeleton for the
    Hub's statistics; every free-text field, the history notes, the supporters' notes and
    the Hub's questions with the replies become ``"[removed after N days]"``, and the
    personal data record, embedding and Teams activity key are cleared. Where a merge
    quoted the submission's title in another submission's supporter notes ("Merged from
    PF-...: <title>"), the title there becomes the marker too. A submission reopened later
    shows the marker. An evidence request still open this long after it was made (nobody
    at the Hub closed it) loses its text as well.
``RETENTION_JOURNAL_DAYS`` (1095)
    Academy journal entries and six-hats reflections written (stored) longer ago than this
    are deleted. Action plans and self-assessments are kept: they are the Academy's
    completion and self-assessment figures.
``RETENTION_QUERY_DAYS`` (365)
    "What works" searches asked longer ago than this lose their text, refinements (a filter,
    "more results") included, each by the day it was asked (the filters, the results shown,
    "no good match" and the helpful / not helpful answers stay, so the knowledge figures
    still count them); so do closed evidence requests made longer ago. Open evidence
    requests keep their text until the Hub closes them, for ``RETENTION_SUBMISSION_DAYS``
    at most.
``RETENTION_NOTIFICATION_DAYS`` (30)
    Proactive messages (the ``notifications`` outbox) written longer ago than this lose
    their text: the payload becomes ``{}``, while the kind, status, attempts, dates and the
    message's key stay, so every send is still accounted for and a repeated change still
    does not message twice. One still waiting to be sent by then is given up (``failed``,
    ``expired``) rather than sent late.
``RETENTION_DRAFT_DAYS`` (30)
    Drafts (the answers of a guided dialog left unfinished, offered back next time) not
    touched for longer than this are deleted.
``RETENTION_STATE_DAYS`` (7)
    Saved chat state (``bot_state``: the dialog in progress, where an answer that holds
    likely personal data waits for the officer to keep or edit it, and the ids of recent
    messages) not written for longer than this keeps only what is not personal
    (:data:`~domain.drafts.STATE_KEPT`: whether the chat was welcomed, and that its dialog
    was closed); a document left empty is deleted.

Limits count whole UTC days: a record is past a limit of N days once the day it belongs to
is more than N days before the day of the run, so every run on one day draws the same line.
Each run is one transaction and adds a ``retention_runs`` row with the limits it applied
and how many records it changed of each kind: never content. Text already removed (or
erased on request) is recognised and left alone, so a second run the same day changes
nothing and records zeros.

Besides the daily run, :class:`IdleDialogSweep` runs every few minutes (:data:`SWEEP_EVERY`)
in each bot process, in a worker thread: the state of a conversation not written for
longer than the chat's idle limit (12 hours) loses its dialog, as the idle limit would
close it on the officer's next message. An answer awaiting the officer's decision is held
only there (never in the draft), so it is gone within the idle limit and one sweep; the
draft, with every answer already given, is not touched. Each change is conditional on the
state's eTag and age, so a conversation written meanwhile (by this or another process) is
left alone, and it raises the eTag, so a turn that read the state before the sweep cannot
write the old dialog back. Two processes sweeping at once change each conversation once.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, fields
from datetime import datetime, time, timedelta, timezone
from typing import Callable

from sqlalchemy import ColumnElement, Text, cast, delete, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from domain.clock import utcnow
from domain.db import Database, rows_changed
from domain.drafts import close_dialogs
from domain.settings import RETENTION_DEFAULTS as ENV_DEFAULTS
from domain.settings import RetentionConfigError, RetentionDays
from domain.models import (
    AcademyJournalEntry,
    AcademyReflection,
    BotState,
    Draft,
    EvidenceRequest,
    EvidenceRequestStatus,
    Notification,
    NotificationStatus,
    RetentionRun,
    SearchQuery,
    Submission,
    SubmissionHistory,
    SubmissionQuestion,
    SubmissionSupporter,
)
from domain.ops.scheduler import stop_task
from domain.ops.subject_access import ERASED, blank_submission

__all__ = ["Retention", "RetentionReport", "RetentionConfigError", "FINAL_STATUSES", "ENV_DEFAULTS", "removed_marker",
           "IdleDialogSweep", "SWEEP_EVERY"]

log = logging.getLogger(__name__)

# How often each bot process looks for conversations idle past the idle limit.
SWEEP_EVERY = timedelta(minutes=5)
# What a proactive message's payload becomes once its text is removed.
_NO_PAYLOAD = "{}"

# Statuses after which the Hub has finished with a submission.
FINAL_STATUSES = ("closed", "declined", "merged")


def removed_marker(days: int) -> str:
    """What replaces text removed by retention: ``"[removed after 730 days]"``."""
    return f"[removed after {days} days]"


def _cutoff(now: datetime, days: int) -> datetime:
    """The first moment that is not past a limit of ``days`` on the UTC day of ``now``."""
    return datetime.combine(now.date() - timedelta(days=days), time(), timezone.utc)


def _not_removed(column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None]) -> ColumnElement[bool]:
    """A condition: the text column holds neither a retention marker nor the erasure one."""
    return (column != ERASED) & ~column.startswith("[removed after ")


@dataclass(frozen=True)
class RetentionReport:
    """What one run changed: records of each kind (no content)."""

    at: datetime
    submissions: int
    journal_entries: int
    reflections: int
    search_queries: int
    evidence_requests: int
    notifications: int = 0
    drafts: int = 0
    bot_states: int = 0

    @property
    def total(self) -> int:
        """Records changed or deleted in all."""
        return (self.submissions + self.journal_entries + self.reflections + self.search_queries
                + self.evidence_requests + self.notifications + self.drafts + self.bot_states)


@dataclass(frozen=True)
class Retention(RetentionDays):
    """The retention limits (:class:`~domain.settings.RetentionDays`) and the run that applies them."""

    @classmethod
    def of(cls, days: RetentionDays) -> Retention:
        """The run for limits read from the settings."""
        return cls(**{limit.name: getattr(days, limit.name) for limit in fields(RetentionDays)})

    def run(self, database: Database, now: datetime) -> RetentionReport:
        """Purge or anonymise everything past its limit at ``now`` (aware; naive is read as
        UTC), in one transaction, and record the run."""
        now = now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now.astimezone(timezone.utc)
        with database.session() as session:
            report = RetentionReport(
                at=now,
                submissions=self._submissions(session, now),
                journal_entries=_deleted(session, AcademyJournalEntry, _cutoff(now, self.days_journals)),
                reflections=_deleted(session, AcademyReflection, _cutoff(now, self.days_journals)),
                **self._queries(session, now),
                notifications=self._notifications(session, now),
                drafts=rows_changed(session.execute(
                    delete(Draft).where(Draft.updated_at < _cutoff(now, self.days_drafts))
                    .execution_options(synchronize_session=False)
                )),
                bot_states=close_dialogs(session, untouched_since=_cutoff(now, self.days_state)),
            )
            session.add(RetentionRun(
                at=now,
                submission_days=self.days_closed_submissions,
                journal_days=self.days_journals,
                query_days=self.days_query_logs,
                notification_days=self.days_notifications,
                draft_days=self.days_drafts,
                state_days=self.days_state,
                submissions=report.submissions,
                journal_entries=report.journal_entries,
                reflections=report.reflections,
                search_queries=report.search_queries,
                evidence_requests=report.evidence_requests,
                notifications=report.notifications,
                drafts=report.drafts,
                bot_states=report.bot_states,
            ))
        return report

    def _notifications(self, session: Session, now: datetime) -> int:
        """Old messages lose their text; one still waiting is given up rather than sent late."""
        old = (Notification.created_at < _cutoff(now, self.days_notifications)) & (
            cast(Notification.payload, Text) != _NO_PAYLOAD)
        waiting = Notification.status.in_([NotificationStatus.PENDING.value, NotificationStatus.RETRYING.value])
        given_up = session.execute(
            update(Notification).where(old, waiting)
            .values(payload={}, status=NotificationStatus.FAILED.value, last_error="expired", next_attempt_at=None)
            .execution_options(synchronize_session=False)
        )
        blanked = session.execute(
            update(Notification).where(old, ~waiting).values(payload={}).execution_options(synchronize_session=False)
        )
        return rows_changed(given_up) + rows_changed(blanked)

    def _submissions(self, session: Session, now: datetime) -> int:
        cutoff = _cutoff(now, self.days_closed_submissions)
        marker = removed_marker(self.days_closed_submissions)
        last_change = (
            select(func.max(SubmissionHistory.at))
            .where(SubmissionHistory.submission_id == Submission.id)
            .scalar_subquery()
        )
        rows = session.scalars(
            select(Submission)
            .where(Submission.status.in_(FINAL_STATUSES), func.coalesce(last_change, Submission.updated_at) < cutoff)
            .order_by(Submission.id)
        ).all()
        ids = [row.id for row in rows]
        # What a merge copied into other submissions' supporter notes, replaced as erasure does.
        quoted = [(f"Merged from {row.reference}: {row.title}", f"Merged from {row.reference}: {marker}")
                  for row in rows if row.title and not _is_removed(row.title)]
        changed = {row.id for row in rows if blank_submission(row, marker)}
        notes = (
            (SubmissionHistory, SubmissionHistory.note), (SubmissionSupporter, SubmissionSupporter.notes),
            (SubmissionQuestion, SubmissionQuestion.question), (SubmissionQuestion, SubmissionQuestion.answer),
        )
        for model, column in notes:
            result = session.execute(
                update(model)
                .where(model.submission_id.in_(ids), column.is_not(None), column != "", _not_removed(column))
                .values({column.key: marker})
                .returning(model.submission_id)
                .execution_options(synchronize_session=False)
            )
            changed.update(result.scalars())
        for copied, removed in quoted:
            quoting = SubmissionSupporter.notes.contains(copied, autoescape=True)
            for supporter in session.scalars(select(SubmissionSupporter).where(quoting)):
                supporter.notes = supporter.notes.replace(copied, removed)
                changed.add(supporter.submission_id)
        return len(changed)

    def _queries(self, session: Session, now: datetime) -> dict[str, int]:
        cutoff = _cutoff(now, self.days_query_logs)
        marker = removed_marker(self.days_query_logs)
        queries = session.execute(
            update(SearchQuery)
            .where(SearchQuery.asked_at < cutoff, _not_removed(SearchQuery.text))
            .values(text=marker)
            .execution_options(synchronize_session=False)
        )
        requests = session.execute(
            update(EvidenceRequest)
            .where(
                EvidenceRequest.created_at < cutoff,
                EvidenceRequest.status != EvidenceRequestStatus.OPEN.value,
                _not_removed(EvidenceRequest.text),
            )
            .values(text=marker)
            .execution_options(synchronize_session=False)
        )
        # An open request nobody closed is kept as long as a finished submission, no longer.
        unanswered = session.execute(
            update(EvidenceRequest)
            .where(
                EvidenceRequest.created_at < _cutoff(now, self.days_closed_submissions),
                EvidenceRequest.status == EvidenceRequestStatus.OPEN.value,
                _not_removed(EvidenceRequest.text),
            )
            .values(text=removed_marker(self.days_closed_submissions))
            .execution_options(synchronize_session=False)
        )
        return {"search_queries": rows_changed(queries),
                "evidence_requests": rows_changed(requests) + rows_changed(unanswered)}


def _deleted(session: Session, model: type[AcademyJournalEntry] | type[AcademyReflection], cutoff: datetime) -> int:
    result = session.execute(
        delete(model).where(model.created_at < cutoff).execution_options(synchronize_session=False)
    )
    return rows_changed(result)


def _is_removed(text: str) -> bool:
    return text == ERASED or (text.startswith("[removed after ") and text.endswith(" days]"))


class IdleDialogSweep:
    """Clears the dialog from the saved state of conversations idle longer than ``idle``,
    every ``every``, in a worker thread (see the module's description).

    Args:
        database: the assistant's database.
        idle: how long a conversation goes unwritten before its dialog is closed (the chat's
            idle limit).
        every: how often to look (:data:`SWEEP_EVERY` unless given).
        clock: the current time (aware, UTC).
    """

    def __init__(self, database: Database, idle: timedelta, *, every: timedelta | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._db = database
        self._idle = idle
        self._every = every or SWEEP_EVERY
        self._clock = clock
        self._task: asyncio.Task[None] | None = None

    def run(self, now: datetime | None = None) -> int:
        """Close the dialogs idle at ``now`` (default: the clock's time); returns how many
        conversations were changed. Blocks: the bot calls it in a worker thread."""
        cutoff = (now or self._clock()) - self._idle
        with self._db.session() as session:
            # Only documents that hold a dialog stack are read (the rest have nothing to clear).
            return close_dialogs(session, cast(BotState.document, Text).contains("_dialog_stack", autoescape=True),
                                 untouched_since=cutoff)

    def start(self) -> None:
        """Sweep every ``every`` (the first after one interval) on the running event loop."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._loop(), name="idle-dialog-sweep")

    async def stop(self) -> None:
        """Stop sweeping (a sweep already in its worker thread finishes there)."""
        task, self._task = self._task, None
        await stop_task(task)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._every.total_seconds())
            try:
                changed = await asyncio.to_thread(self.run)
                if changed:
                    log.info("idle dialogs closed", extra={"conversations": changed})
            except Exception as error:  # noqa: BLE001 - the loop must outlive a bad sweep
                log.error("idle dialog sweep failed", extra={"reason": type(error).__name__})
