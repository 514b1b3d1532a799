"""Portal submissions: officers' ideas, initiatives, operational problems and evidence
requests to the Prevention Hub, with their status, history and supporters.

Every submission gets a reference ``PF-YYYY-NNNN``, numbered in order within its year
with no gaps, even when two bot processes save at the same moment; the Teams activity
that submitted it is kept so that a delivery Teams repeats is stored once.

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
A decline needs a reason for the submitter; a merge names the submission it joins, and
the merged submission's officers become supporters of that one so they can follow it.
Every change is kept in the history with who, when and a note.

Only the submitter, officers who added their support, and Hub staff may see a submission;
to anyone else it does not exist. Before saving, the bot looks for similar submissions
(cosine similarity of title and description embeddings) so an officer can add their notes
and support to existing work instead of starting it twice.
"""

from __future__ import annotations

import enum
import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Sequence

import numpy as np
from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.db import Database
from domain.models import (
    ReferenceCounter,
    Submission,
    SubmissionHistory,
    SubmissionSupporter,
    User,
    utcnow,
)

__all__ = [
    "Kind",
    "Status",
    "TRANSITIONS",
    "SIMILAR_ABOVE",
    "NewSubmission",
    "Created",
    "HistoryEntry",
    "Supporter",
    "SubmissionView",
    "SubmissionSummary",
    "StatusChange",
    "SupportAdded",
    "SimilarSubmission",
    "Submissions",
    "SubmissionNotFound",
    "InvalidTransition",
    "CannotSupport",
    "normalise_reference",
    "mentions_reference",
    "embedding_text",
]

log = logging.getLogger(__name__)

# Cosine similarity above which an existing submission is offered as possibly the same
# work. With all-MiniLM-L6-v2, an officer's rewording of a saved submission scored
# 0.55-0.81 against it (always the closest); related but different problems (knives at a
# station and knife arches in schools) 0.45-0.64, which are worth seeing too; and
# submissions about something else 0.44 at most.
SIMILAR_ABOVE = 0.5
# Candidates looked at beyond ``k``, in case some of them have been merged meanwhile.
_SPARE = 20


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
    personal_data: dict = field(default_factory=dict)


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
    """A submission as its submitter, supporters and the Hub see it."""

    reference: str
    kind: Kind
    title: str
    description: str
    crime_types: tuple[str, ...]
    area: str
    tried: str | None
    success: str | None
    partners: str | None
    personal_data: dict
    owner_aad: str
    status: Status
    assigned_to: str | None
    merged_into: str | None
    created_at: datetime
    updated_at: datetime
    history: tuple[HistoryEntry, ...]
    supporters: tuple[Supporter, ...]


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
    """A status change as made: what the proactive messages to the people involved need."""

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


@dataclass(frozen=True)
class SupportAdded:
    """An officer's support for a submission; ``first_time`` is False when notes were added."""

    reference: str
    title: str
    owner_aad: str
    supporter_aad: str
    first_time: bool


@dataclass(frozen=True)
class SimilarSubmission:
    """An existing submission that may be the same work, with its cosine similarity."""

    reference: str
    title: str
    status: Status
    score: float


_REFERENCE = re.compile(r"PF[\s\-_–—]*(\d{4})[\s\-_–—]*(\d{1,6})")


def mentions_reference(text: str) -> bool:
    """Whether ``text`` names a submission reference anywhere in it."""
    return _REFERENCE.search(text.upper()) is not None


def normalise_reference(text: str) -> str | None:
    """``PF-YYYY-NNNN`` from what an officer typed ("pf-2026-0042", "PF 2026 42"), or None."""
    match = _REFERENCE.fullmatch(text.strip().upper())
    if match is None or int(match.group(2)) == 0:
        return None
    return _format(int(match.group(1)), int(match.group(2)))


def embedding_text(title: str, description: str) -> str:
    """The text embedded to compare submissions: the title as a sentence, then the description."""
    title, description = title.strip(), description.strip()
    if title and title[-1] not in ".!?:;":
        title += "."
    return f"{title} {description}".strip()


def _format(year: int, number: int) -> str:
    return f"PF-{year}-{number:04d}"


def _aware(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (SQLite hands back naive UTC values)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _unit(vector: Sequence[float] | np.ndarray) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(array))
    return array / norm if norm > 0 else array


def _refusal(reference: str, current: Status, wanted: Status, merged_into: str | None) -> str:
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


class _Index:
    """Unit vectors of the saved submissions in memory, caught up with the database on use.

    Rows are added in id order. A submission's id is given out after its year's counter
    row is locked, and that lock is held until commit, so submissions become visible in id
    order and loading "ids above the last one loaded" never skips one saved meanwhile.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._reset(0)

    def _reset(self, dimension: int) -> None:
        self.dimension = dimension
        self.last_id = 0
        self.ids = np.zeros(0, dtype=np.int64)
        self.matrix = np.zeros((0, dimension), dtype=np.float32)

    def catch_up(self, session: Session, dimension: int) -> None:
        """Load the vectors saved since the last call (all of them if ``dimension`` changed)."""
        if dimension != self.dimension:  # first use, or the embedding model changed
            self._reset(dimension)
        rows = session.execute(
            select(Submission.id, Submission.vector)
            .where(Submission.id > self.last_id, Submission.vector.is_not(None))
            .order_by(Submission.id)
        ).all()
        if not rows:
            return
        self.last_id = rows[-1].id
        fitting = [row for row in rows if len(row.vector) == 4 * dimension]
        if len(fitting) < len(rows):
            log.warning("%d submission vectors have another dimension; not compared", len(rows) - len(fitting))
        if fitting:
            vectors = np.frombuffer(b"".join(row.vector for row in fitting), dtype=np.float32)
            self.matrix = np.vstack([self.matrix, vectors.reshape(len(fitting), dimension)])
            self.ids = np.concatenate([self.ids, np.array([row.id for row in fitting], dtype=np.int64)])


class Submissions:
    """The Portal's submissions: saving, status changes, support and similarity.

    Args:
        database: the assistant's database.
        clock: the current time (aware, UTC); the reference year comes from it.
    """

    def __init__(self, database: Database, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = database
        self._clock = clock
        self._index = _Index()

    # --- helpers -----------------------------------------------------------------------

    def _ensure_user(self, session: Session, aad_object_id: str) -> None:
        session.execute(
            self._db.insert(User)
            .values(aad_object_id=aad_object_id, created_at=utcnow(), updated_at=utcnow())
            .on_conflict_do_nothing(index_elements=[User.aad_object_id])
        )

    def _find(self, session: Session, reference: str, *, lock: bool = False) -> Submission:
        canonical = normalise_reference(reference)
        if canonical is None:
            raise SubmissionNotFound(reference)
        query = select(Submission).where(Submission.reference == canonical)
        row = session.scalars(query.with_for_update() if lock else query).one_or_none()
        if row is None:
            raise SubmissionNotFound(reference)
        return row

    @staticmethod
    def _supporters(session: Session, submission_id: int) -> list[SubmissionSupporter]:
        return list(
            session.scalars(
                select(SubmissionSupporter)
                .where(SubmissionSupporter.submission_id == submission_id)
                .order_by(SubmissionSupporter.created_at, SubmissionSupporter.aad_object_id)
            )
        )

    def _append_notes(self, session: Session, submission_id: int, aad_object_id: str, notes: str) -> None:
        """Add the officer as a supporter, or append ``notes`` to theirs (safe when racing)."""
        now = self._clock()
        statement = self._db.insert(SubmissionSupporter).values(
            submission_id=submission_id, aad_object_id=aad_object_id, notes=notes, created_at=now, updated_at=now
        )
        old, new = SubmissionSupporter.notes, statement.excluded.notes
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[SubmissionSupporter.submission_id, SubmissionSupporter.aad_object_id],
                set_={
                    "notes": case((old == "", new), (new == "", old), else_=old + "\n\n" + new),
                    "updated_at": now,
                },
            )
        )

    # --- saving --------------------------------------------------------------------------

    def create(
        self,
        owner_aad: str,
        new: NewSubmission,
        *,
        source_key: str | None = None,
        vector: Sequence[float] | np.ndarray | None = None,
    ) -> Created:
        """Save a submission as received and give it the next reference of the year.

        Args:
            owner_aad: the submitting officer (created as an officer if not yet known).
            new: the officer's answers.
            source_key: the Teams activity that submitted it; the same key again returns
                the submission already saved, with ``created`` False.
            vector: the embedding of ``embedding_text(title, description)``, so that later
                submissions can find this one.

        The number is taken in the same transaction as the insert, so a failed save gives
        no number out and references stay consecutive.
        """
        owner = owner_aad.lower()
        stored = _unit(vector).tobytes() if vector is not None else None
        try:
            with self._db.session() as session:
                # A write first: on SQLite this takes the write lock before anything is read.
                self._ensure_user(session, owner)
                if source_key is not None:
                    existing = self._by_source(session, source_key)
                    if existing is not None:
                        return Created(existing, False)
                now = self._clock()
                year = now.year
                session.execute(
                    self._db.insert(ReferenceCounter)
                    .values(year=year, last=0)
                    .on_conflict_do_nothing(index_elements=[ReferenceCounter.year])
                )
                number = session.execute(
                    update(ReferenceCounter)
                    .where(ReferenceCounter.year == year)
                    .values(last=ReferenceCounter.last + 1)
                    .returning(ReferenceCounter.last)
                ).scalar_one()
                row = Submission(
                    reference=_format(year, number),
                    year=year,
                    number=number,
                    kind=Kind(new.kind).value,
                    title=new.title,
                    description=new.description,
                    crime_types=list(new.crime_types),
                    area=new.area,
                    tried=new.tried,
                    success=new.success,
                    partners=new.partners,
                    personal_data=dict(new.personal_data),
                    owner_aad=owner,
                    status=Status.RECEIVED.value,
                    source_key=source_key,
                    vector=stored,
                    created_at=now,
                    updated_at=now,
                )
                session.add(row)
                session.flush()
                session.add(
                    SubmissionHistory(
                        submission_id=row.id, at=now, by_aad=owner, from_status=None,
                        to_status=Status.RECEIVED.value,
                    )
                )
                return Created(row.reference, True)
        except IntegrityError:
            # Another process saved the same activity between our look-up and our insert.
            if source_key is not None:
                with self._db.session() as session:
                    existing = self._by_source(session, source_key)
                if existing is not None:
                    return Created(existing, False)
            raise

    @staticmethod
    def _by_source(session: Session, source_key: str) -> str | None:
        return session.scalar(select(Submission.reference).where(Submission.source_key == source_key))

    # --- reading -------------------------------------------------------------------------

    def get(self, reference: str, viewer_aad: str, viewer_is_hub: bool) -> SubmissionView:
        """The submission with its history (oldest first) and supporters.

        Raises:
            SubmissionNotFound: there is no such submission, or the viewer is not its
                submitter, one of its supporters or Hub staff.
        """
        viewer = viewer_aad.lower()
        with self._db.session() as session:
            row = self._find(session, reference)
            supporters = self._supporters(session, row.id)
            allowed = viewer_is_hub or viewer in {row.owner_aad, *(s.aad_object_id for s in supporters)}
            if not allowed:
                raise SubmissionNotFound(reference)
            history = session.scalars(
                select(SubmissionHistory)
                .where(SubmissionHistory.submission_id == row.id)
                .order_by(SubmissionHistory.at, SubmissionHistory.id)
            ).all()
            return SubmissionView(
                reference=row.reference,
                kind=Kind(row.kind),
                title=row.title,
                description=row.description,
                crime_types=tuple(row.crime_types or ()),
                area=row.area,
                tried=row.tried,
                success=row.success,
                partners=row.partners,
                personal_data=dict(row.personal_data or {}),
                owner_aad=row.owner_aad,
                status=Status(row.status),
                assigned_to=row.assigned_to,
                merged_into=row.merged_into,
                created_at=_aware(row.created_at),
                updated_at=_aware(row.updated_at),
                history=tuple(
                    HistoryEntry(
                        at=_aware(h.at),
                        by=h.by_aad,
                        from_status=Status(h.from_status) if h.from_status else None,
                        to_status=Status(h.to_status),
                        note=h.note,
                    )
                    for h in history
                ),
                supporters=tuple(
                    Supporter(s.aad_object_id, s.notes, _aware(s.created_at), _aware(s.updated_at))
                    for s in supporters
                ),
            )

    def list_for(self, aad_object_id: str) -> list[SubmissionSummary]:
        """The officer's submissions and those they support, newest first.

        ``last_update`` is when the status last changed (or when it was received).
        """
        key = aad_object_id.lower()
        support = and_(
            SubmissionSupporter.submission_id == Submission.id, SubmissionSupporter.aad_object_id == key
        )
        with self._db.session() as session:
            rows = session.execute(
                select(
                    Submission.reference,
                    Submission.title,
                    Submission.kind,
                    Submission.status,
                    Submission.updated_at,
                    Submission.owner_aad,
                )
                .outerjoin(SubmissionSupporter, support)
                .where(or_(Submission.owner_aad == key, SubmissionSupporter.aad_object_id.is_not(None)))
                .order_by(Submission.created_at.desc(), Submission.id.desc())
            ).all()
        return [
            SubmissionSummary(
                reference=row.reference,
                title=row.title,
                kind=Kind(row.kind),
                status=Status(row.status),
                last_update=_aware(row.updated_at),
                role="submitter" if row.owner_aad == key else "supporter",
            )
            for row in rows
        ]

    # --- changing ------------------------------------------------------------------------

    def change_status(
        self,
        reference: str,
        status: Status | str,
        by_aad: str,
        note: str | None = None,
        *,
        merged_into: str | None = None,
    ) -> StatusChange:
        """Move a submission to ``status`` and keep the change in its history.

        The caller checks that ``by_aad`` is Hub staff. A decline needs ``note`` as the
        reason; a merge needs ``merged_into``, another submission that is not itself
        merged, and makes this one's submitter and supporters supporters of that one.

        Raises:
            SubmissionNotFound: there is no such submission (or no ``merged_into`` one).
            InvalidTransition: the lifecycle does not allow it; the message says why.
        """
        wanted = Status(status)
        by = by_aad.lower()
        note = (note or "").strip() or None
        if merged_into is not None and wanted is not Status.MERGED:
            raise InvalidTransition("Only a merge names another submission.")
        with self._db.session() as session:
            # A write first: on SQLite this takes the write lock before anything is read.
            self._ensure_user(session, by)
            row = self._find(session, reference, lock=True)
            current = Status(row.status)
            if wanted not in TRANSITIONS[current]:
                raise InvalidTransition(_refusal(row.reference, current, wanted, row.merged_into))
            if wanted is Status.DECLINED and note is None:
                raise InvalidTransition(
                    f"Declining {row.reference} needs a reason for the officer who submitted it."
                )
            supporters = self._supporters(session, row.id)
            target: Submission | None = None
            if wanted is Status.MERGED:
                target = self._merge_target(session, row, merged_into)
                for aad in [row.owner_aad, *(s.aad_object_id for s in supporters)]:
                    if aad != target.owner_aad:
                        self._append_notes(session, target.id, aad, f"Merged from {row.reference}: {row.title}")
                row.merged_into = target.reference
            now = self._clock()
            row.status = wanted.value
            row.updated_at = now
            entry = SubmissionHistory(
                submission_id=row.id, at=now, by_aad=by, from_status=current.value, to_status=wanted.value,
                note=note,
            )
            session.add(entry)
            session.flush()
            return StatusChange(
                reference=row.reference,
                title=row.title,
                from_status=current,
                to_status=wanted,
                by=by,
                note=note,
                at=now,
                submitter_aad=row.owner_aad,
                supporters=tuple(s.aad_object_id for s in supporters),
                history_id=entry.id,
                merged_into=target.reference if target is not None else None,
            )

    def _merge_target(self, session: Session, row: Submission, merged_into: str | None) -> Submission:
        if not merged_into or not merged_into.strip():
            raise InvalidTransition(f"Merging {row.reference} needs the reference of the submission it joins.")
        try:
            target = self._find(session, merged_into)
        except SubmissionNotFound:
            raise InvalidTransition(
                f"There is no submission {merged_into.strip()} to merge {row.reference} into."
            ) from None
        if target.id == row.id:
            raise InvalidTransition(f"{row.reference} cannot be merged into itself.")
        if target.status == Status.MERGED.value:
            raise InvalidTransition(
                f"{target.reference} has itself been merged into {target.merged_into}; "
                f"merge {row.reference} into that instead."
            )
        return target

    def add_support(self, reference: str, supporter_aad: str, notes: str) -> SupportAdded:
        """Add an officer's support and notes to an existing submission instead of a duplicate.

        Supporting again appends the new notes to the officer's earlier ones. The officer
        can then see the submission and hears about its status changes.

        Raises:
            SubmissionNotFound: there is no such submission.
            CannotSupport: it is the officer's own, or it has been merged into another.
        """
        key = supporter_aad.lower()
        with self._db.session() as session:
            self._ensure_user(session, key)
            row = self._find(session, reference)
            if row.owner_aad == key:
                raise CannotSupport(f"You submitted {row.reference}, so your support is already counted.")
            if row.status == Status.MERGED.value:
                raise CannotSupport(
                    f"{row.reference} has been merged into {row.merged_into}; add your support there."
                )
            first_time = session.get(SubmissionSupporter, (row.id, key)) is None
            self._append_notes(session, row.id, key, notes.strip())
            return SupportAdded(row.reference, row.title, row.owner_aad, key, first_time)

    # --- similarity ----------------------------------------------------------------------

    def similar(
        self, vector: Sequence[float] | np.ndarray, k: int = 3, *, exclude_reference: str | None = None
    ) -> list[SimilarSubmission]:
        """The ``k`` saved submissions most like ``vector`` (best first), above ``SIMILAR_ABOVE``.

        Merged submissions are left out (their work continues in the one they joined).
        The in-memory index takes in submissions saved since the last call, by this or
        any other process; titles and statuses are read fresh for the ones returned.
        """
        query = _unit(vector)
        excluded = normalise_reference(exclude_reference) if exclude_reference else None
        with self._index.lock, self._db.session() as session:
            self._index.catch_up(session, query.shape[0])
            if not len(self._index.ids):
                return []
            scores = self._index.matrix @ query
            above = np.flatnonzero(scores > SIMILAR_ABOVE)
            ranked = above[np.argsort(-scores[above], kind="stable")][: k + _SPARE]
            candidates = {int(self._index.ids[i]): float(scores[i]) for i in ranked}
            if not candidates:
                return []
            rows = session.execute(
                select(Submission.id, Submission.reference, Submission.title, Submission.status).where(
                    Submission.id.in_(list(candidates)), Submission.status != Status.MERGED.value
                )
            ).all()
        found = [
            SimilarSubmission(row.reference, row.title, Status(row.status), candidates[row.id])
            for row in rows
            if row.reference != excluded
        ]
        found.sort(key=lambda item: -item.score)
        return found[:k]
