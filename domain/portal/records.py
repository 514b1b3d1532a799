"""The Portal's records: kinds, statuses and their lifecycle, references, and what a
submission looks like to the people who may see it.

Lifecycle (``TRANSITIONS``)::

    received                 -> triaged, more-information-needed, merged, declined
    more-information-needed  -> received, triaged, merged, declined
    triaged                  -> scanning, more-information-needed, merged, declined, closed
    scanning                 -> analysis, more-information-needed, closed
    analysis                 -> response, more-information-needed, closed
    response                 -> assessment, more-information-needed, closed
    assessment               -> closed, more-information-needed
    closed                   -> scanning (reopened)
    merged, declined         -> nothing: they are final

Scanning, analysis, response and assessment are the SARA stages the Hub works through.
A reference is ``PF-YYYY-NNNN``: the year, then the submission's number within it.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

__all__ = [
    "Kind",
    "Status",
    "TRANSITIONS",
    "CLOSED_TO_SUPPORT",
    "Viewer",
    "NewSubmission",
    "Created",
    "HistoryEntry",
    "Supporter",
    "SubmissionView",
    "SubmissionSummary",
    "StatusChange",
    "SupportAdded",
    "SimilarSubmission",
    "SubmissionNotFound",
    "InvalidTransition",
    "CannotSupport",
    "CannotShare",
    "normalise_reference",
    "mentions_reference",
    "embedding_text",
    "format_reference",
    "refusal",
]


class Kind(str, enum.Enum):
    """What the officer is sending the Hub."""

    IDEA = "idea"
    INITIATIVE = "initiative"
    PROBLEM = "problem"
    EVIDENCE_REQUEST = "evidence-request"

    @property
    def label(self) -> str:
        """How the kind is shown to officers."""
        return _KIND_LABELS[self]


_KIND_LABELS = {
    Kind.IDEA: "Idea",
    Kind.INITIATIVE: "Initiative already running",
    Kind.PROBLEM: "Operational problem",
    Kind.EVIDENCE_REQUEST: "Evidence request",
}


class Status(str, enum.Enum):
    """Where a submission is in the Hub's hands."""

    RECEIVED = "received"
    TRIAGED = "triaged"
    MORE_INFORMATION_NEEDED = "more-information-needed"
    SCANNING = "scanning"
    ANALYSIS = "analysis"
    RESPONSE = "response"
    ASSESSMENT = "assessment"
    CLOSED = "closed"
    MERGED = "merged"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        """How the status is shown to officers: "Received", "More information needed"..."""
        return self.value.replace("-", " ").capitalize()


_S = Status
TRANSITIONS: dict[Status, frozenset[Status]] = {
    _S.RECEIVED: frozenset({_S.TRIAGED, _S.MORE_INFORMATION_NEEDED, _S.MERGED, _S.DECLINED}),
    _S.MORE_INFORMATION_NEEDED: frozenset({_S.RECEIVED, _S.TRIAGED, _S.MERGED, _S.DECLINED}),
    _S.TRIAGED: frozenset({_S.SCANNING, _S.MORE_INFORMATION_NEEDED, _S.MERGED, _S.DECLINED, _S.CLOSED}),
    _S.SCANNING: frozenset({_S.ANALYSIS, _S.MORE_INFORMATION_NEEDED, _S.CLOSED}),
    _S.ANALYSIS: frozenset({_S.RESPONSE, _S.MORE_INFORMATION_NEEDED, _S.CLOSED}),
    _S.RESPONSE: frozenset({_S.ASSESSMENT, _S.MORE_INFORMATION_NEEDED, _S.CLOSED}),
    _S.ASSESSMENT: frozenset({_S.CLOSED, _S.MORE_INFORMATION_NEEDED}),
    _S.CLOSED: frozenset({_S.SCANNING}),
    _S.MERGED: frozenset(),
    _S.DECLINED: frozenset(),
}

# Submissions no officer can add their support to: their work has ended, or goes on elsewhere.
CLOSED_TO_SUPPORT = frozenset({_S.CLOSED, _S.MERGED, _S.DECLINED})


class Viewer(str, enum.Enum):
    """Who is looking at a submission, which decides what they see.

    The submitter and the Hub see all of it. A supporter sees what is public about it (its
    title, kind, crime types, area, dates, status and the dates of its changes) and their own
    notes; the submitter's answers only when the submitter shares them, and never the Hub's
    notes, its questions or other supporters' notes.
    """

    SUBMITTER = "submitter"
    SUPPORTER = "supporter"
    HUB = "hub"


# "PF-2026-0001 is ..." for each status, in plain English.
_IS = {
    _S.RECEIVED: "received",
    _S.TRIAGED: "triaged",
    _S.MORE_INFORMATION_NEEDED: "waiting for more information",
    _S.SCANNING: "at scanning",
    _S.ANALYSIS: "at analysis",
    _S.RESPONSE: "at response",
    _S.ASSESSMENT: "at assessment",
    _S.CLOSED: "closed",
    _S.MERGED: "merged",
    _S.DECLINED: "declined",
}


class SubmissionNotFound(LookupError):
    """No such submission, or not one this person may see (the two are not told apart)."""


class InvalidTransition(ValueError):
    """The status change is not allowed; the message says why, for the Hub."""


class CannotSupport(ValueError):
    """The officer cannot add support to this submission; the message says why."""


class CannotShare(ValueError):
    """The submitter's answers cannot be shared with supporters as asked; the message says why."""


@dataclass(frozen=True)
class NewSubmission:
    """The officer's answers, checked and ready to save.

    ``crime_types`` are taxonomy ids (empty when not crime specific); ``personal_data``
    records what the personal data check found and the officer chose to keep, as
    ``{field: {"found": [kinds], "reason": str}}``.
    """

    kind: Kind
    title: str
    description: str
    crime_types: list[str]
    area: str
    tried: str | None = None
    success: str | None = None
    partners: str | None = None
    personal_data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Created:
    """The reference given to a submission; ``created`` is False for a repeated delivery."""

    reference: str
    created: bool


@dataclass(frozen=True)
class HistoryEntry:
    """One status change: who, when, from what to what, and the note they left."""

    at: datetime
    by: str
    from_status: Status | None
    to_status: Status
    note: str | None


@dataclass(frozen=True)
class Supporter:
    """An officer backing a submission, with every note they added."""

    aad_object_id: str
    notes: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SubmissionView:
    """A submission as one viewer may see it (``viewer``; see :class:`Viewer`).

    For a supporter the parts that are not theirs to see are empty: ``description`` is ""
    and ``tried``, ``success``, ``partners`` None unless the submitter shares their answers
    (``shared``); ``personal_data`` is empty, ``owner_aad`` "", ``assigned_to`` None; the
    history keeps statuses and dates without who made each change or their note; and
    ``supporters`` holds only the viewer's own entry. ``supporter_count`` counts them all.
    """

    reference: str
    kind: Kind
    title: str
    description: str
    crime_types: tuple[str, ...]
    area: str
    tried: str | None
    success: str | None
    partners: str | None
    personal_data: dict[str, Any]
    owner_aad: str
    status: Status
    assigned_to: str | None
    merged_into: str | None
    created_at: datetime
    updated_at: datetime
    history: tuple[HistoryEntry, ...]
    supporters: tuple[Supporter, ...]
    viewer: Viewer
    shared: bool
    supporter_count: int


@dataclass(frozen=True)
class SubmissionSummary:
    """A line of ``my submissions``; ``role`` is ``"submitter"`` or ``"supporter"``."""

    reference: str
    title: str
    kind: Kind
    status: Status
    last_update: datetime
    role: str


@dataclass(frozen=True)
class StatusChange:
    """A status change as made: what the proactive messages to the people involved need.
    ``notifications`` are the messages written with it, for the sender to deliver.
    ``for_supporter`` marks the copy a supporter's message is worded from (:meth:`to_supporters`)."""

    reference: str
    title: str
    from_status: Status
    to_status: Status
    by: str
    note: str | None
    at: datetime
    submitter_aad: str
    supporters: tuple[str, ...]
    history_id: int
    merged_into: str | None = None
    notifications: tuple[int, ...] = ()
    for_supporter: bool = False

    def to_supporters(self) -> StatusChange:
        """The change as supporters hear of it: the new status, without the Hub's note
        (meant for the submitter) or who made it."""
        return replace(self, note=None, by="", for_supporter=True, notifications=())


@dataclass(frozen=True)
class SupportAdded:
    """An officer's support for a submission; ``first_time`` is False when notes were added.
    ``notifications`` are the messages written with it, for the sender to deliver."""

    reference: str
    title: str
    owner_aad: str
    supporter_aad: str
    first_time: bool
    notifications: tuple[int, ...] = ()


@dataclass(frozen=True)
class SimilarSubmission:
    """An existing submission that may be the same work, with its cosine similarity."""

    reference: str
    title: str
    status: Status
    score: float


# Up to five spaces or dashes between the parts, so a long run of them is passed over in one look.
_REFERENCE = re.compile(r"PF[\s\-_–—]{0,5}(\d{4})[\s\-_–—]{0,5}(\d{1,6})")


def mentions_reference(text: str) -> bool:
    """Whether ``text`` names a submission reference anywhere in it."""
    return _REFERENCE.search(text.upper()) is not None


def normalise_reference(text: str) -> str | None:
    """``PF-YYYY-NNNN`` from what an officer typed ("pf-2026-0042", "PF 2026 42"), or None."""
    match = _REFERENCE.fullmatch(text.strip().upper())
    if match is None or int(match.group(2)) == 0:
        return None
    return format_reference(int(match.group(1)), int(match.group(2)))


def embedding_text(title: str, description: str) -> str:
    """The text embedded to compare submissions: the title as a sentence, then the description."""
    title, description = title.strip(), description.strip()
    if title and title[-1] not in ".!?:;":
        title += "."
    return f"{title} {description}".strip()


def format_reference(year: int, number: int) -> str:
    return f"PF-{year}-{number:04d}"



def refusal(reference: str, current: Status, wanted: Status, merged_into: str | None) -> str:
    """Why ``current`` cannot go to ``wanted``, in plain English."""
    if current is wanted:
        return f"{reference} is already {_IS[current]}."
    if current is Status.MERGED:
        into = f" into {merged_into}" if merged_into else ""
        return f"{reference} has been merged{into}; a merged submission cannot change."
    if current is Status.DECLINED:
        return f"{reference} was declined; a declined submission cannot change. The officer can submit it again."
    if current is Status.CLOSED:
        return f"{reference} is closed; it can only be reopened for scanning."
    allowed = sorted(TRANSITIONS[current], key=list(Status).index)
    names = [status.label.lower() for status in allowed]
    listed = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
    return f"{reference} is {_IS[current]}; from there it can go to {listed}, not {wanted.label.lower()}."
