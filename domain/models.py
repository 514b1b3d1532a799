"""SQLAlchemy models of the assistant's records.

Every table here is created by an Alembic migration in ``migrations/versions``; change
both together (``alembic revision --autogenerate`` compares them).
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    LargeBinary,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from domain.clock import utcnow

__all__ = [
    "Base",
    "Role",
    "User",
    "ConversationRef",
    "BotState",
    "Notification",
    "NotificationStatus",
    "Draft",
    "SearchQuery",
    "SearchFeedback",
    "EvidenceRequest",
    "EvidenceRequestStatus",
    "Submission",
    "SubmissionHistory",
    "SubmissionSupporter",
    "ReferenceCounter",
    "JobStatus",
    "ScheduledJob",
    "AcademyCohort",
    "AcademyEnrolment",
    "AcademyAssessment",
    "AcademyJournalEntry",
    "AcademyPlan",
    "AcademyReflection",
    "AuditLog",
    "RetentionRun",
    "utcnow",
]


class Base(DeclarativeBase):
    """Declarative base with timezone-aware datetimes."""

    type_annotation_map = {datetime: DateTime(timezone=True)}


class Role(str, enum.Enum):
    """What a user may do: everyone is an officer; hub and admin are granted."""

    OFFICER = "officer"
    HUB = "hub"
    ADMIN = "admin"


class User(Base):
    """A person who has talked to the assistant, keyed on their Azure AD object id."""

    __tablename__ = "users"

    aad_object_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16), default=Role.OFFICER.value)
    teams_user_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    tenant_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ConversationRef(Base):
    """Where to reach a user proactively: their personal chat with the bot."""

    __tablename__ = "conversation_refs"

    aad_object_id: Mapped[str] = mapped_column(
        ForeignKey("users.aad_object_id", ondelete="CASCADE"), primary_key=True
    )
    reference: Mapped[dict] = mapped_column(JSON)
    service_url: Mapped[str] = mapped_column(String(500))
    conversation_id: Mapped[str] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Set when Teams says the bot can no longer reach the user (app removed, 403/404).
    unreachable_since: Mapped[datetime | None] = mapped_column(nullable=True)


class BotState(Base):
    """Bot Framework conversation and user state, one JSON document per key."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    document: Mapped[dict] = mapped_column(JSON)
    etag: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NotificationStatus(str, enum.Enum):
    """Where a proactive message is in its delivery."""

    PENDING = "pending"
    SENT = "sent"
    RETRYING = "retrying"
    FAILED = "failed"
    UNREACHABLE = "unreachable"


class Notification(Base):
    """A proactive message to one user, kept so that every send is accounted for."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("dedupe_key", name="uq_notifications_dedupe_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    aad_object_id: Mapped[str] = mapped_column(
        ForeignKey("users.aad_object_id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict] = mapped_column(JSON)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=NotificationStatus.PENDING.value, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Draft(Base):
    """An unfinished guided dialog, offered back to its user next time."""

    __tablename__ = "drafts"

    aad_object_id: Mapped[str] = mapped_column(
        ForeignKey("users.aad_object_id", ondelete="CASCADE"), primary_key=True
    )
    dialog: Mapped[str] = mapped_column(String(50), primary_key=True)
    progress: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SearchQuery(Base):
    """One "what works" search by an officer and what the assistant showed them.

    Kept so the Hub can see where the evidence base has nothing good to offer. A filter
    or "more results" re-runs the search as a new row that ``refines`` the earlier one.
    """

    __tablename__ = "search_queries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    aad_object_id: Mapped[str] = mapped_column(
        ForeignKey("users.aad_object_id", ondelete="CASCADE"), index=True
    )
    asked_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    text: Mapped[str] = mapped_column(String(4000))
    crime_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    effect: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # 0 for the first page of results, 5 for the next ("more results"), and so on.
    offset: Mapped[int] = mapped_column(Integer, default=0)
    # The query this one re-runs with a filter or for the next page.
    refines_id: Mapped[int | None] = mapped_column(
        ForeignKey("search_queries.id", ondelete="SET NULL"), nullable=True
    )
    # Which build of the knowledge index answered, so results can be reproduced.
    index_version: Mapped[str] = mapped_column(String(64))
    no_good_match: Mapped[bool] = mapped_column(Boolean)
    best_similarity: Mapped[float | None] = mapped_column(Float, nullable=True)
    # [{"id": entry id, "rank": 1-based position, "score": similarity}, ...]
    shown: Mapped[list] = mapped_column(JSON, default=list)


class SearchFeedback(Base):
    """Whether the results of a search helped the officer who asked: one answer each."""

    __tablename__ = "search_feedback"

    query_id: Mapped[int] = mapped_column(
        ForeignKey("search_queries.id", ondelete="CASCADE"), primary_key=True
    )
    aad_object_id: Mapped[str] = mapped_column(
        ForeignKey("users.aad_object_id", ondelete="CASCADE"), primary_key=True
    )
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EvidenceRequestStatus(str, enum.Enum):
    """Where the Hub is with a request for evidence."""

    OPEN = "open"
    CLOSED = "closed"


class EvidenceRequest(Base):
    """An officer's request that the Hub find evidence for a search that found none."""

    __tablename__ = "evidence_requests"
    __table_args__ = (UniqueConstraint("query_id", name="uq_evidence_requests_query_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    query_id: Mapped[int | None] = mapped_column(
        ForeignKey("search_queries.id", ondelete="SET NULL"), nullable=True
    )
    aad_object_id: Mapped[str] = mapped_column(
        ForeignKey("users.aad_object_id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(String(4000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=EvidenceRequestStatus.OPEN.value)


class Submission(Base):
    """An idea, initiative, operational problem or evidence request sent to the Hub.

    ``reference`` (``PF-YYYY-NNNN``) is what officers and the Hub quote; ``source_key``
    is the Teams activity that submitted it, so a delivery repeated by Teams is stored
    once. ``vector`` is the embedding of the title and description, for finding similar
    submissions before a duplicate is made.
    """

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("reference", name="uq_submissions_reference"),
        UniqueConstraint("year", "number", name="uq_submissions_year_number"),
        UniqueConstraint("source_key", name="uq_submissions_source_key"),
        # Ids are never reused on SQLite either: the similarity index loads rows by id.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(4000))
    description: Mapped[str] = mapped_column(String(4000))
    # Taxonomy ids; empty when the submission is not crime specific.
    crime_types: Mapped[list] = mapped_column(JSON, default=list)
    area: Mapped[str] = mapped_column(String(200))
    tried: Mapped[str | None] = mapped_column(String(4000), nullable=True)
    success: Mapped[str | None] = mapped_column(String(4000), nullable=True)
    partners: Mapped[str | None] = mapped_column(String(4000), nullable=True)
    # Personal data the officer chose to keep: {field: {"found": [kinds], "reason": str}}.
    personal_data: Mapped[dict] = mapped_column(JSON, default=dict)
    owner_aad: Mapped[str] = mapped_column(ForeignKey("users.aad_object_id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    assigned_to: Mapped[str | None] = mapped_column(String(64), nullable=True)
    merged_into: Mapped[str | None] = mapped_column(
        ForeignKey("submissions.reference", ondelete="SET NULL"), nullable=True
    )
    source_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # float32, unit length.
    vector: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SubmissionHistory(Base):
    """One change of a submission's status: who made it, when, and why."""

    __tablename__ = "submission_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # Not a foreign key: the history outlives the people in it.
    by_aad: Mapped[str] = mapped_column(String(64))
    from_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_status: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(4000), nullable=True)


class SubmissionSupporter(Base):
    """An officer who backed an existing submission instead of making a duplicate."""

    __tablename__ = "submission_supporters"

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    aad_object_id: Mapped[str] = mapped_column(
        ForeignKey("users.aad_object_id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # Every note the officer added, oldest first, separated by blank lines.
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReferenceCounter(Base):
    """The last submission number given out in a year."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


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
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.PENDING.value, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # The outcome or the exception type of the last failed attempt: never free text.
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AcademyCohort(Base):
    """A course of the Academy: its module and dates; participants are its enrolments.

    ``name_key`` is the name folded to lower case, so that no two cohorts differ only in
    capitals. ``plan_due_on`` (three calendar months after the course ends) is kept so
    that action plan reminders can be found by a query.
    """

    __tablename__ = "academy_cohorts"
    __table_args__ = (UniqueConstraint("name_key", name="uq_academy_cohorts_name_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    module: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    plan_due_on: Mapped[date] = mapped_column(Date)
    # Not a foreign key: the cohort outlives the Hub staff who made it.
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AcademyEnrolment(Base):
    """A participant of a cohort, and who enrolled them."""

    __tablename__ = "academy_enrolments"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("academy_cohorts.id", ondelete="CASCADE"), primary_key=True)
    aad_object_id: Mapped[str] = mapped_column(
        ForeignKey("users.aad_object_id", ondelete="CASCADE"), primary_key=True, index=True
    )
    enrolled_by: Mapped[str] = mapped_column(String(64))
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)


class AcademyAssessment(Base):
    """A participant's self-assessment before or after their course: ``{item: 1-5}``."""

    __tablename__ = "academy_assessments"

    aad_object_id: Mapped[str] = mapped_column(
        ForeignKey("users.aad_object_id", ondelete="CASCADE"), primary_key=True
    )
    cohort_id: Mapped[int] = mapped_column(ForeignKey("academy_cohorts.id", ondelete="CASCADE"), primary_key=True)
    phase: Mapped[str] = mapped_column(String(8), primary_key=True)
    scores: Mapped[dict] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)


class AcademyJournalEntry(Base):
    """A reflective journal entry: the answers to Gibbs' cycle, for the day it is about.

    ``source_key`` is the Teams activity (or prompt) it answers, so a repeated delivery is
    stored once.
    """

    __tablename__ = "academy_journal_entries"
    __table_args__ = (
        UniqueConstraint("aad_object_id", "source_key", name="uq_academy_journal_entries_source_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    aad_object_id: Mapped[str] = mapped_column(
        ForeignKey("users.aad_object_id", ondelete="CASCADE"), index=True
    )
    written_on: Mapped[date] = mapped_column(Date)
    # {gibbs key: answer or null}
    answers: Mapped[dict] = mapped_column(JSON)
    prompted: Mapped[bool] = mapped_column(Boolean, default=False)
    source_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AcademyPlan(Base):
    """A participant's SARA action plan for a cohort: one each, completed within three months."""

    __tablename__ = "academy_plans"
    __table_args__ = (UniqueConstraint("aad_object_id", "cohort_id", name="uq_academy_plans_participant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    aad_object_id: Mapped[str] = mapped_column(ForeignKey("users.aad_object_id", ondelete="CASCADE"))
    cohort_id: Mapped[int] = mapped_column(ForeignKey("academy_cohorts.id", ondelete="CASCADE"), index=True)
    problem: Mapped[str] = mapped_column(String(4000))
    # {stage: {field: answer}} for the stages saved so far.
    stages: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class AcademyReflection(Base):
    """A six-hats reflection on a topic, maybe attached to an action plan or a submission."""

    __tablename__ = "academy_reflections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    aad_object_id: Mapped[str] = mapped_column(
        ForeignKey("users.aad_object_id", ondelete="CASCADE"), index=True
    )
    topic: Mapped[str] = mapped_column(String(4000))
    # {hat key: answer or null when skipped}
    answers: Mapped[dict] = mapped_column(JSON)
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("academy_plans.id", ondelete="SET NULL"), nullable=True
    )
    # As the officer gave it; not a foreign key, the reflection outlives a merged submission.
    submission_reference: Mapped[str | None] = mapped_column(String(40), nullable=True)
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


class SubmissionTriage(Base):
    """The Hub's hold on a submission: the version its cards carry and the last change
    made through the Hub's tools (what, who, when).

    Every Hub change raises ``version`` by one, in a compare-and-set on the version the
    card showed, so a second press of an out-of-date card changes nothing. A submission
    the Hub has not touched has no row (version 0).
    """

    __tablename__ = "submission_triage"

    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    version: Mapped[int] = mapped_column(Integer, default=0)
    # A short code ("status:triaged", "assign", "merge", "ask"): never free text.
    last_action: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Not a foreign key: like the history, it outlives the people in it.
    last_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_at: Mapped[datetime | None] = mapped_column(nullable=True)


class SubmissionQuestion(Base):
    """A Hub member's question to a submission's submitter, and the submitter's reply."""

    __tablename__ = "submission_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    # Not a foreign key: the question outlives the Hub member who asked it.
    asked_by: Mapped[str] = mapped_column(String(64))
    # The submitter when it was asked; their next plain message is the reply.
    asked_to: Mapped[str] = mapped_column(ForeignKey("users.aad_object_id", ondelete="CASCADE"), index=True)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    question: Mapped[str] = mapped_column(String(4000))
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(nullable=True)
