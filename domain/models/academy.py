"""Records of the Academy: cohorts, enrolments, self-assessments, journals, action plans and reflections."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.models.base import Base

__all__ = [
    "AcademyCohort",
    "AcademyEnrolment",
    "AcademyAssessment",
    "AcademyJournalEntry",
    "AcademyPlan",
    "AcademyReflection",
    "AcademyPromptSettings",
]


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
    scores: Mapped[dict[str, Any]] = mapped_column(JSON)
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
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
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
    stages: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
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
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("academy_plans.id", ondelete="SET NULL"), nullable=True
    )
    # As the officer gave it; not a foreign key, the reflection outlives a merged submission.
    submission_reference: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AcademyPromptSettings(Base):
    """A participant's own journal prompt settings: their prompt time (Europe/London clock
    time; null for the force's default) and a pause (no prompts from ``paused_from`` until
    ``resume_on``, when they come again)."""

    __tablename__ = "academy_prompt_settings"

    aad_object_id: Mapped[str] = mapped_column(
        ForeignKey("users.aad_object_id", ondelete="CASCADE"), primary_key=True
    )
    prompt_time: Mapped[time | None] = mapped_column(Time, nullable=True)
    paused_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    resume_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
