"""The Hub's view of submissions: versions and last actions, the queue, questions to
submitters, role changes, and the refusals a Hub change can meet."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.clock import aware
from domain.models import Role, SubmissionQuestion, SubmissionTriage
from domain.portal.records import Kind, SimilarSubmission, Status, StatusChange, SubmissionView
from domain.users import UserInfo

__all__ = [
    "QUEUE_STATUSES",
    "REPLY_WINDOW",
    "MAX_TEXT",
    "StaleCard",
    "NotHubStaff",
    "AmbiguousUser",
    "LastAdmin",
    "LastAction",
    "QueueItem",
    "Question",
    "Record",
    "Assigned",
    "Asked",
    "Merged",
    "Reply",
    "RoleChange",
    "is_object_id",
    "question_of",
    "last_of",
]

QUEUE_STATUSES = (Status.RECEIVED, Status.MORE_INFORMATION_NEEDED)
# A submitter's plain message is taken as the reply to a question asked this recently.
REPLY_WINDOW = timedelta(days=14)
# Free text (notes, questions, replies) is refused above this, never silently cut.
MAX_TEXT = 4000

_OBJECT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def is_object_id(text: str) -> bool:
    """Whether ``text`` is shaped like an Azure AD object id."""
    return bool(_OBJECT_ID.fullmatch(text.strip()))


@dataclass(frozen=True)
class LastAction:
    """A submission's version and the last change made through the Hub's tools (if any)."""

    version: int
    action: str | None = None
    by: str | None = None
    at: datetime | None = None


class StaleCard(Exception):
    """The card showed an older version: someone acted on the record since. Nothing changed."""

    def __init__(self, reference: str, last: LastAction) -> None:
        super().__init__(f"{reference} has changed since the card was shown")
        self.reference = reference
        self.last = last


class NotHubStaff(ValueError):
    """The person named is not Hub staff (the message says so)."""


class AmbiguousUser(LookupError):
    """More than one user has that display name; ``candidates`` lists them."""

    def __init__(self, text: str, candidates: list[UserInfo]) -> None:
        super().__init__(text)
        self.candidates = candidates


class LastAdmin(ValueError):
    """The change would leave the assistant with no admin."""


@dataclass(frozen=True)
class QueueItem:
    """A line of the triage queue. ``question`` is ``"waiting"`` while the submitter has not
    replied to the latest question, ``"replied"`` once they have, otherwise None; ``area`` and
    ``crime_types`` (codes) are for filtering."""

    reference: str
    title: str
    kind: Kind
    status: Status
    received_at: datetime
    age_days: int
    assigned_to: str | None
    similar: tuple[SimilarSubmission, ...]
    question: str | None
    area: str = ""
    crime_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """A question to a submitter and their reply, once given."""

    id: int
    reference: str
    asked_by: str
    asked_to: str
    asked_at: datetime
    question: str
    answer: str | None
    answered_at: datetime | None


@dataclass(frozen=True)
class Record:
    """A submission as the Hub opens it: the record, its version and its questions."""

    view: SubmissionView
    last: LastAction
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Assigned:
    """A submission assigned (``assignee`` None: to nobody), at its new ``version``;
    ``notifications`` are the messages written with it, for the sender to deliver."""

    reference: str
    assignee: str | None
    version: int
    notifications: tuple[int, ...] = ()


@dataclass(frozen=True)
class Merged:
    """A submission merged into ``original``, whose submitter is ``original_owner``."""

    change: StatusChange
    original: str
    original_title: str
    original_owner: str
    notifications: tuple[int, ...] = ()


@dataclass(frozen=True)
class Asked:
    """A question put to a submitter; ``change`` is the status change it made, if any;
    ``question_notification`` is the message carrying the question (None if already sent)."""

    question: Question
    title: str
    change: StatusChange | None
    question_notification: int | None = None
    notifications: tuple[int, ...] = ()


@dataclass(frozen=True)
class Reply:
    """A submitter's reply stored on their submission, and their next open question if any."""

    question: Question
    title: str
    waiting: Question | None
    notifications: tuple[int, ...] = ()


@dataclass(frozen=True)
class RoleChange:
    """A user's role before and after an admin changed it."""

    user: UserInfo
    before: Role
    notifications: tuple[int, ...] = ()


def question_of(row: SubmissionQuestion, reference: str) -> Question:
    """A stored question as the Hub and the submitter see it."""
    return Question(
        row.id, reference, row.asked_by, row.asked_to, aware(row.asked_at), row.question,
        row.answer, aware(row.answered_at),
    )


def last_of(row: SubmissionTriage | None) -> LastAction:
    """The version and last action kept for a submission (version 0 before any)."""
    if row is None:
        return LastAction(0)
    return LastAction(row.version, row.last_action, row.last_by, aware(row.last_at))
