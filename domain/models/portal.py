"""Records of the submissions portal: submissions, their history, supporters, references and the Hub's triage."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.models.base import Base

__all__ = [
    "Submission",
    "SubmissionHistory",
    "SubmissionSupporter",
    "ReferenceCounter",
    "SubmissionTriage",
    "SubmissionQuestion",
]


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
    crime_types: Mapped[list[Any]] = mapped_column(JSON, default=list)
    area: Mapped[str] = mapped_column(String(200))
    tried: Mapped[str | None] = mapped_column(String(4000), nullable=True)
    success: Mapped[str | None] = mapped_column(String(4000), nullable=True)
    partners: Mapped[str | None] = mapped_column(String(4000), nullable=True)
    # Personal data the officer chose to keep: {field: {"found": [kinds], "reason": str}}.
    personal_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Whether the submitter lets supporters see their answers (description, tried, success,
    # partners); never the Hub's notes or questions.
    shared_with_supporters: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
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
