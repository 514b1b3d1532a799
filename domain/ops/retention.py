"""Retention: what is past its time is purged or anonymised by a daily job.

Three limits, in days, read by the bot from its environment (:meth:`Retention.from_env`):

``RETENTION_SUBMISSION_DAYS`` (730)
    Closed, declined and merged submissions whose last status change is older than this
    keep their reference, kind, crime types, status, dates and history skeleton for the
    Hub's statistics; every free-text field, the history notes and the supporters' notes
    become ``"[removed after N days]"``, and the personal data record, embedding and Teams
    activity key are cleared. A submission reopened later shows the marker.
``RETENTION_JOURNAL_DAYS`` (1095)
    Academy journal entries and six-hats reflections written (stored) longer ago than this
    are deleted. Action plans and self-assessments are kept: they are the Academy's
    completion and self-assessment figures.
``RETENTION_QUERY_DAYS`` (365)
    "What works" searches asked longer ago than this lose their text (the filters, the
    results shown, "no good match" and the helpful / not helpful answers stay, so the
    knowledge figures still count them); so do closed evidence requests made longer ago.
    Open evidence requests keep their text until the Hub closes them.

Limits count whole UTC days: a record is past a limit of N days once the day it belongs to
is more than N days before the day of the run, so every run on one day draws the same line.
Each run is one transaction and adds a ``retention_runs`` row with the limits it applied
and how many records it changed of each kind: never content. Text already removed (or
erased on request) is recognised and left alone, so a second run the same day changes
nothing and records zeros.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from domain.db import Database, rows_changed
from domain.settings import RETENTION_DEFAULTS as ENV_DEFAULTS
from domain.settings import RetentionConfigError, RetentionDays
from domain.models import (
    AcademyJournalEntry,
    AcademyReflection,
    EvidenceRequest,
    EvidenceRequestStatus,
    RetentionRun,
    SearchQuery,
    Submission,
    SubmissionHistory,
    SubmissionQuestion,
    SubmissionSupporter,
)
from domain.ops.subject_access import ERASED, blank_submission

__all__ = ["Retention", "RetentionReport", "RetentionConfigError", "FINAL_STATUSES", "ENV_DEFAULTS", "removed_marker"]

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

    @property
    def total(self) -> int:
        """Records changed or deleted in all."""
        return self.submissions + self.journal_entries + self.reflections + self.search_queries + self.evidence_requests


@dataclass(frozen=True)
class Retention(RetentionDays):
    """The retention limits (:class:`~domain.settings.RetentionDays`) and the run that applies them."""

    @classmethod
    def of(cls, days: RetentionDays) -> Retention:
        """The run for limits read from the settings."""
        return cls(days.days_closed_submissions, days.days_journals, days.days_query_logs)

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
            )
            session.add(RetentionRun(
                at=now,
                submission_days=self.days_closed_submissions,
                journal_days=self.days_journals,
                query_days=self.days_query_logs,
                submissions=report.submissions,
                journal_entries=report.journal_entries,
                reflections=report.reflections,
                search_queries=report.search_queries,
                evidence_requests=report.evidence_requests,
            ))
        return report

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
        return {"search_queries": rows_changed(queries), "evidence_requests": rows_changed(requests)}


def _deleted(session: Session, model: type[AcademyJournalEntry] | type[AcademyReflection], cutoff: datetime) -> int:
    result = session.execute(
        delete(model).where(model.created_at < cutoff).execution_options(synchronize_session=False)
    )
    return rows_changed(result)
