"""The Academy's records as callers see them, its enums and its errors.

Every record is a frozen dataclass made from the database rows; nothing here touches the
database.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.academy.questions import STAGE_KEYS, STAGES

__all__ = [
    "Module",
    "Phase",
    "Due",
    "AcademyError",
    "NotFound",
    "UnknownUser",
    "CohortExists",
    "NotEnrolled",
    "InvalidAnswer",
    "PlanExists",
    "PlanIncomplete",
    "CsvError",
    "Cohort",
    "CsvLine",
    "CsvReport",
    "Assessment",
    "ItemChange",
    "JournalEntry",
    "JournalPage",
    "Reflection",
    "Plan",
    "ParticipantView",
]


class Module(str, enum.Enum):
    """The Academy's courses."""

    LEADERSHIP = "leadership"
    SPECIALIST = "specialist"
    FOUNDATION = "foundation"
    PRACTITIONER = "practitioner"

    @property
    def label(self) -> str:
        """How the module is shown: "Leadership", "Foundation"..."""
        return self.value.capitalize()


class Phase(str, enum.Enum):
    """When a self-assessment is answered: before the course or after it."""

    BEFORE = "before"
    AFTER = "after"


class Due(str, enum.Enum):
    """Where a participant is with something the course asks of them."""

    NOT_YET = "not yet due"
    DUE = "due"
    DONE = "done"


# --- errors ------------------------------------------------------------------------------


class AcademyError(ValueError):
    """Something the Academy cannot do; the message says why, in plain English."""


class NotFound(AcademyError, LookupError):
    """No such cohort, plan or reflection, or not one of the asker's own."""


class UnknownUser(NotFound):
    """Nobody with that id or name has talked to the assistant."""


class CohortExists(AcademyError):
    """A cohort already has that name (capitals aside)."""


class NotEnrolled(AcademyError):
    """The person is not a participant of that cohort."""


class InvalidAnswer(AcademyError):
    """An answer is missing, too long or out of range."""


class PlanExists(AcademyError):
    """The participant already has an action plan for that cohort."""


class PlanIncomplete(AcademyError):
    """The action plan cannot be completed yet: stages are missing."""


class CsvError(AcademyError):
    """The CSV file as a whole cannot be read (no header, or a column missing)."""


# --- records -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cohort:
    """A course with its dates and participants (Azure AD object ids, sorted)."""

    id: int
    name: str
    module: Module
    starts_on: date
    ends_on: date
    plan_due_on: date
    participants: tuple[str, ...]


@dataclass(frozen=True)
class CsvLine:
    """One line of an enrolment file and what became of it.

    ``outcome`` is "enrolled", "already enrolled" or "error"; ``reason`` says why for an
    error and is empty otherwise. ``line`` counts the header as line 1.
    """

    line: int
    user: str
    outcome: str
    reason: str
    cohort: str = ""


@dataclass(frozen=True)
class CsvReport:
    """Every line of an enrolment file, in order, and the cohorts it created."""

    lines: tuple[CsvLine, ...]
    cohorts_created: tuple[str, ...] = ()

    @property
    def errors(self) -> tuple[CsvLine, ...]:
        """The lines whose person was not enrolled."""
        return tuple(line for line in self.lines if line.outcome == "error")

    def summary(self) -> str:
        """E.g. "3 enrolled, 1 already enrolled, 2 not enrolled (lines 4, 6)"."""
        enrolled = sum(line.outcome == "enrolled" for line in self.lines)
        already = sum(line.outcome == "already enrolled" for line in self.lines)
        text = f"{enrolled} enrolled, {already} already enrolled, {len(self.errors)} not enrolled"
        if self.errors:
            numbers = ", ".join(str(line.line) for line in self.errors)
            text += f" ({'lines' if len(self.errors) > 1 else 'line'} {numbers})"
        return text


@dataclass(frozen=True)
class Assessment:
    """A self-assessment as saved: ``{item key: 1-5}``."""

    cohort_id: int
    phase: Phase
    scores: dict[str, int]
    saved_at: datetime


@dataclass(frozen=True)
class ItemChange:
    """How a participant's score on one statement moved over the course."""

    key: str
    statement: str
    before: int
    after: int
    change: int


@dataclass(frozen=True)
class JournalEntry:
    """A journal entry: ``answers`` has every Gibbs key, None where left blank."""

    id: int
    written_on: date
    answers: dict[str, str | None]
    prompted: bool
    created_at: datetime


@dataclass(frozen=True)
class JournalPage:
    """One page of ``my journal``, latest entries first."""

    entries: tuple[JournalEntry, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class Reflection:
    """A six-hats reflection: ``answers`` has every hat key, None where skipped."""

    id: int
    topic: str
    answers: dict[str, str | None]
    created_at: datetime
    plan_id: int | None
    submission_reference: str | None


@dataclass(frozen=True)
class Plan:
    """A SARA action plan: ``stages`` holds the answers of each stage saved so far."""

    id: int
    cohort_id: int
    cohort_name: str
    problem: str
    stages: dict[str, dict[str, Any]]
    due_on: date
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None

    @property
    def stages_done(self) -> tuple[str, ...]:
        """The stages saved so far, in SARA order."""
        return tuple(key for key in STAGE_KEYS if key in self.stages)

    @property
    def next_stage(self) -> str | None:
        """The first stage not yet saved, or None when all four are."""
        return next((key for key in STAGE_KEYS if key not in self.stages), None)

    @property
    def is_complete(self) -> bool:
        """Whether the participant has marked the plan complete."""
        return self.completed_at is not None

    def is_overdue(self, today: date) -> bool:
        """Not completed and past its due date."""
        return self.completed_at is None and today > self.due_on


@dataclass(frozen=True)
class ParticipantView:
    """A participant's progress in one cohort: what is done and what is due."""

    cohort: Cohort
    before: Due
    after: Due
    journal_entries: int
    streak: int
    plan: Plan | None
    plan_due_on: date
    plan_overdue: bool

    @property
    def plan_stages_done(self) -> int:
        """How many of the four SARA stages are saved."""
        return len(self.plan.stages_done) if self.plan else 0

    @property
    def plan_state(self) -> str:
        """"not started", "2 of 4 stages done" or "complete"."""
        if self.plan is None:
            return "not started"
        if self.plan.is_complete:
            return "complete"
        return f"{self.plan_stages_done} of {len(STAGES)} stages done"
