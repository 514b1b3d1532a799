"""The audit log: who read or changed whose record, and when.

Every read or change of a submission or a participant's record by someone other than its
owner, every export and every erasure adds one row to ``audit_log``: when (UTC), the actor's
Azure AD object id, a short action code (``submission.read``), the kind of record
(``submission``) and its id (``PF-2026-0042`` or an Azure AD object id). Never free text:
every value is checked against a pattern of short codes and ids, so a note, a title or a
name cannot reach the log (and no exported cell can start a spreadsheet formula).

The log is append-only. This module has no way to change or remove a row, and the database
refuses to: migration 0006 adds triggers that raise on ``UPDATE`` or ``DELETE`` of
``audit_log`` rows (and on ``TRUNCATE`` on PostgreSQL). Erasing a person
(:func:`domain.ops.erasure.erase_user`) therefore leaves their id in the rows about them
and by them: an id is not free text, and the log is how the force shows who saw the record
and that the erasure happened. Erasure only adds its own ``user.erase`` row. Should a
rectification ever be ordered, it is done by a database administrator with the triggers
switched off, outside the assistant, and is itself a matter for the force's records.

Pass ``session=`` to :meth:`Audit.record` to write the row in the caller's transaction, so
that a change and its audit row commit, or roll back, together.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from domain.clock import aware, utcnow
from domain.db import Database
from domain.models import AuditLog

__all__ = ["Action", "AuditEntry", "Audit", "CSV_COLUMNS", "day_range"]

_ACTION = re.compile(r"[a-z]+(?:\.[a-z][a-z-]*)+")
_RECORD_TYPE = re.compile(r"[a-z][a-z-]*")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/-]*")
CSV_COLUMNS = ("id", "at", "actor", "action", "record_type", "record_id")


class Action(str, enum.Enum):
    """The actions the assistant audits; any other ``area.verb`` code is accepted too."""

    SUBMISSION_READ = "submission.read"
    SUBMISSION_LIST = "submission.list"
    SUBMISSION_STATUS = "submission.status"
    SUBMISSION_ASSIGN = "submission.assign"
    SUBMISSION_MERGE = "submission.merge"
    SUBMISSION_ASK = "submission.ask"
    PARTICIPANT_READ = "participant.read"
    AUDIT_EXPORT = "audit.export"
    USER_EXPORT = "user.export"
    USER_ERASE = "user.erase"
    ROLES_READ = "user.roles"
    GAPS_READ = "searchlog.gaps"
    KNOWLEDGE_STATUS = "knowledge.status"
    KNOWLEDGE_REINDEX = "knowledge.reindex"
    REPORT_READ = "report.read"
    REPORT_EXPORT = "report.export"
    COHORT_LIST = "cohort.list"
    COHORT_CREATE = "cohort.create"


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log."""

    id: int
    at: datetime
    actor: str
    action: str
    record_type: str
    record_id: str


def _checked(value: str, pattern: re.Pattern[str], limit: int, what: str) -> str:
    if not isinstance(value, str) or len(value) > limit or not pattern.fullmatch(value):
        raise ValueError(f"audit {what} must be a short code or id of at most {limit} characters, not {value!r}")
    return value


def _entry(row: AuditLog) -> AuditEntry:
    return AuditEntry(row.id, aware(row.at), row.actor, row.action, row.record_type, row.record_id)


def day_range(start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC moments from the start of ``start`` to the end of ``end`` (half-open)."""
    if end < start:
        raise ValueError(f"the range ends ({end}) before it starts ({start})")
    return (
        datetime.combine(start, time(), timezone.utc),
        datetime.combine(end + timedelta(days=1), time(), timezone.utc),
    )


class Audit:
    """The append-only audit log.

    Args:
        database: the assistant's database.
        clock: the current time (aware, UTC).
    """

    def __init__(self, database: Database, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = database
        self._clock = clock

    def record(
        self,
        actor: str,
        action: Action | str,
        record_type: str,
        record_id: str,
        *,
        owner: str | None = None,
        session: Session | None = None,
    ) -> bool:
        """Add one row: ``actor`` did ``action`` to the ``record_type`` record ``record_id``.

        Args:
            owner: the record's owner, when known: an owner looking at their own record is
                not audited, so callers can pass it and call ``record`` unconditionally.
            session: the caller's session; the row is then part of its transaction.

        Returns:
            Whether a row was written (False only for the owner's own access).

        Raises:
            ValueError: a value is not a short code or id (free text is never stored).
        """
        actor = _checked(actor, _ID, 64, "actor").lower()
        if owner is not None and owner.lower() == actor:
            return False
        row = AuditLog(
            at=self._clock(),
            actor=actor,
            action=_checked(Action(action).value if isinstance(action, Action) else action, _ACTION, 40, "action"),
            record_type=_checked(record_type, _RECORD_TYPE, 32, "record type"),
            record_id=_checked(record_id, _ID, 64, "record id"),
        )
        if session is not None:
            session.add(row)
        else:
            with self._db.session() as own:
                own.add(row)
        return True

    def entries(
        self,
        start: datetime | None,
        end: datetime | None,
        *,
        actor: str | None = None,
        record: str | None = None,
    ) -> list[AuditEntry]:
        """Rows from ``start`` (inclusive) to ``end`` (exclusive), oldest first; either bound
        may be None. ``actor`` keeps the rows by that person, ``record`` the rows about that
        record id (a reference, or an Azure AD object id)."""
        query = select(AuditLog).order_by(AuditLog.at, AuditLog.id)
        if start is not None:
            query = query.where(AuditLog.at >= aware(start))
        if end is not None:
            query = query.where(AuditLog.at < aware(end))
        if actor is not None:
            query = query.where(AuditLog.actor == actor.lower())
        if record is not None:
            query = query.where(or_(AuditLog.record_id == record, AuditLog.record_id == record.lower()))
        with self._db.session() as session:
            return [_entry(row) for row in session.scalars(query)]

    def export_csv(self, start: date, end: date, *, by: str) -> str:
        """The rows from the first moment of ``start`` to the last of ``end`` (UTC days,
        both included) as CSV with a header line, for an admin.

        The export is itself audited (``audit.export``, the record id naming the range), in
        the same transaction as the read; that row is not part of the file it produces.
        """
        since, until = day_range(start, end)
        with self._db.session() as session:
            rows = session.scalars(
                select(AuditLog).where(AuditLog.at >= since, AuditLog.at < until).order_by(AuditLog.at, AuditLog.id)
            ).all()
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(CSV_COLUMNS)
            for entry in map(_entry, rows):
                writer.writerow(
                    (entry.id, entry.at.isoformat(), entry.actor, entry.action, entry.record_type, entry.record_id)
                )
            self.record(by, Action.AUDIT_EXPORT, "audit", f"{start.isoformat()}..{end.isoformat()}", session=session)
        return out.getvalue()
