"""Records of the assistant's own running: scheduled jobs, the audit log and retention runs."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.models.base import Base

__all__ = [
    "JobStatus",
    "ScheduledJob",
    "AuditLog",
    "RetentionRun",
]


class JobStatus(str, enum.Enum):
    """Where a scheduled job is: waiting, being handled by one bot process, or settled."""

    PENDING = "pending"
    CLAIMED = "claimed"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ScheduledJob(Base):
    """A prompt or reminder due at a moment: handled once, by whichever process claims it.

    ``dedupe_key`` names the job for good ("journal:<cohort>:<aad>:2026-10-26"): scheduling
    it again adds nothing, and the proactive message it sends carries the same key.
    ``claimed_by`` and ``claimed_until`` are the lease of the process handling it;
    ``attempts`` counts claims.
    """

    __tablename__ = "scheduled_jobs"
    __table_args__ = (UniqueConstraint("dedupe_key", name="uq_scheduled_jobs_dedupe_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(50))
    aad_object_id: Mapped[str] = mapped_column(
        ForeignKey("users.aad_object_id", ondelete="CASCADE"), index=True
    )
    due_at: Mapped[datetime] = mapped_column(index=True)
    dedupe_key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.PENDING.value, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # The outcome or the exception type of the last failed attempt: never free text.
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditLog(Base):
    """Who read or changed whose record, and when: ids and short codes, never free text.

    Append-only: the database refuses ``UPDATE`` and ``DELETE`` (triggers of migration
    0006). ``actor`` and ``record_id`` are not foreign keys: the log outlives the people and
    records in it.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    # "submission.read", "user.erase"...
    action: Mapped[str] = mapped_column(String(40))
    # "submission", "participant", "user", "audit"
    record_type: Mapped[str] = mapped_column(String(32))
    # A reference (PF-2026-0042), an Azure AD object id, or a date range for an export.
    record_id: Mapped[str] = mapped_column(String(64), index=True)


class RetentionRun(Base):
    """One run of the retention job: the limits it applied and how many records it changed."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    submission_days: Mapped[int] = mapped_column(Integer)
    journal_days: Mapped[int] = mapped_column(Integer)
    query_days: Mapped[int] = mapped_column(Integer)
    submissions: Mapped[int] = mapped_column(Integer, default=0)
    journal_entries: Mapped[int] = mapped_column(Integer, default=0)
    reflections: Mapped[int] = mapped_column(Integer, default=0)
    search_queries: Mapped[int] = mapped_column(Integer, default=0)
    evidence_requests: Mapped[int] = mapped_column(Integer, default=0)
    # Migration 0008: the limits for the copies (empty for runs before it) and what they changed.
    notification_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    draft_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    notifications: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    drafts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    bot_states: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
