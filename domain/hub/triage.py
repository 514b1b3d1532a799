"""Triage: the Hub's work on submissions, beyond their records and lifecycle.

:mod:`domain.portal.submissions` keeps the records, their statuses and history. This module adds
what the Hub needs to work through them together:

- the **queue**: submissions awaiting triage (received, or waiting for more information),
  oldest first, with their age in days and the similar submissions that may be the same work;
- a **version** per submission (``submission_triage``): every change made through the Hub's
  tools is a *claim* that raises it by one, compared with the version the Hub member's card
  showed, so when two people act on one card the second is told who got there first and
  nothing changes;
- **assignment** to a Hub member;
- **questions** to the submitter (``submission_questions``) and their replies;
- **roles**: who is Hub staff or admin, changed only by an admin, never leaving no admin.

Every Hub read and change of a submission adds exactly one row to the audit log
(:mod:`domain.audit`): ``open`` is one ``submission.read``; a change is one row of its kind
(``submission.status``, ``.assign``, ``.merge``, ``.ask``) and covers the card shown after it.
The queue is a list of references, titles and ages and is not audited; opening one is.
No Bot Framework here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from domain.audit import Action, Audit
from domain.db import Database
from domain.models import (
    Role,
    Submission,
    SubmissionQuestion,
    SubmissionSupporter,
    SubmissionTriage,
    User,
    utcnow,
)
from domain.portal.submissions import (
    TRANSITIONS,
    Kind,
    SimilarSubmission,
    InvalidTransition,
    Status,
    StatusChange,
    SubmissionNotFound,
    Submissions,
    SubmissionView,
    normalise_reference,
)
from domain.users import UnknownUserError, UserInfo

__all__ = [
    "QUEUE_STATUSES",
    "REPLY_WINDOW",
    "MAX_TEXT",
    "StaleCard",
    "NotHubStaff",
    "AmbiguousUser",
    "LastAdmin",
    "LastAction",
    "Claim",
    "QueueItem",
    "Question",
    "Record",
    "Asked",
    "Reply",
    "RoleChange",
    "Triage",
    "Roles",
    "is_object_id",
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


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


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
class Claim:
    """A Hub change under way: the submission's new version and what it replaced."""

    reference: str
    submission_id: int
    owner_aad: str
    version: int
    previous: LastAction


@dataclass(frozen=True)
class QueueItem:
    """A line of the triage queue. ``question`` is ``"waiting"`` while the submitter has not
    replied to the latest question, ``"replied"`` once they have, otherwise None."""

    reference: str
    title: str
    kind: Kind
    status: Status
    received_at: datetime
    age_days: int
    assigned_to: str | None
    similar: tuple[SimilarSubmission, ...]
    question: str | None


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
class Asked:
    """A question put to a submitter; ``change`` is the status change it made, if any."""

    question: Question
    title: str
    change: StatusChange | None
    claim: Claim


@dataclass(frozen=True)
class Reply:
    """A submitter's reply stored on their submission, and their next open question if any."""

    question: Question
    title: str
    waiting: Question | None


@dataclass(frozen=True)
class RoleChange:
    """A user's role before and after an admin changed it."""

    user: UserInfo
    before: Role


def _question(row: SubmissionQuestion, reference: str) -> Question:
    return Question(
        row.id, reference, row.asked_by, row.asked_to, _aware(row.asked_at), row.question,  # type: ignore[arg-type]
        row.answer, _aware(row.answered_at),
    )


def _last(row: SubmissionTriage | None) -> LastAction:
    if row is None:
        return LastAction(0)
    return LastAction(row.version, row.last_action, row.last_by, _aware(row.last_at))


class Triage:
    """The Hub's queue, claims, assignment and questions.

    Args:
        database: the assistant's database.
        submissions: the Portal's records (reads, status changes, similarity).
        audit: the audit log every Hub read and change is written to.
        clock: the current time (aware, UTC).
    """

    def __init__(
        self, database: Database, submissions: Submissions, audit: Audit, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._db = database
        self._submissions = submissions
        self._audit = audit
        self._clock = clock

    # --- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _submission(session: Session, reference: str) -> Submission:
        canonical = normalise_reference(reference)
        row = session.scalars(select(Submission).where(Submission.reference == canonical)).one_or_none() \
            if canonical else None
        if row is None:
            raise SubmissionNotFound(reference)
        return row

    def _claim(self, session: Session, row: Submission, by: str, action: str, expected: int | None) -> Claim:
        """Raise the version of ``row`` if it is still ``expected`` (any, when None)."""
        # A write first: on SQLite this takes the write lock before the version is read.
        session.execute(
            self._db.insert(SubmissionTriage)
            .values(submission_id=row.id, version=0)
            .on_conflict_do_nothing(index_elements=[SubmissionTriage.submission_id])
        )
        state = session.get(SubmissionTriage, row.id, with_for_update=True, populate_existing=True)
        assert state is not None
        previous = _last(state)
        if expected is not None and state.version != expected:
            raise StaleCard(row.reference, previous)
        state.version += 1
        state.last_action, state.last_by, state.last_at = action, by.lower(), self._clock()
        return Claim(row.reference, row.id, row.owner_aad, state.version, previous)

    def names(self, aads: Iterable[str | None]) -> dict[str, str]:
        """Display names by Azure AD object id (the id itself where no name is known)."""
        wanted = {a.lower() for a in aads if a}
        if not wanted:
            return {}
        with self._db.session() as session:
            rows = session.execute(select(User.aad_object_id, User.name).where(User.aad_object_id.in_(wanted))).all()
        found = {row.aad_object_id: row.name for row in rows if row.name}
        return {aad: found.get(aad, aad) for aad in wanted}

    # --- reading ---------------------------------------------------------------------------

    def queue(self) -> list[QueueItem]:
        """Submissions awaiting triage, oldest first, each with its similar submissions."""
        now = self._clock()
        with self._db.session() as session:
            rows = session.execute(
                select(
                    Submission.id, Submission.reference, Submission.title, Submission.kind, Submission.status,
                    Submission.created_at, Submission.assigned_to, Submission.vector,
                )
                .where(Submission.status.in_([s.value for s in QUEUE_STATUSES]))
                .order_by(Submission.created_at, Submission.id)
            ).all()
            latest: dict[int, str] = {}
            if rows:
                questions = session.execute(
                    select(SubmissionQuestion.submission_id, SubmissionQuestion.answered_at)
                    .where(SubmissionQuestion.submission_id.in_([row.id for row in rows]))
                    .order_by(SubmissionQuestion.asked_at, SubmissionQuestion.id)
                ).all()
                latest = {q.submission_id: "waiting" if q.answered_at is None else "replied" for q in questions}
        items = []
        for row in rows:
            similar: list[SimilarSubmission] = []
            if row.vector:
                vector = np.frombuffer(row.vector, dtype=np.float32)
                similar = self._submissions.similar(vector, 3, exclude_reference=row.reference)
            received = _aware(row.created_at)
            assert received is not None
            items.append(QueueItem(
                row.reference, row.title, Kind(row.kind), Status(row.status), received,
                max(0, (now - received).days), row.assigned_to, tuple(similar), latest.get(row.id),
            ))
        return items

    def vector(self, reference: str) -> np.ndarray | None:
        """The stored embedding of a submission, for finding similar ones."""
        with self._db.session() as session:
            stored = self._submission(session, reference).vector
        return np.frombuffer(stored, dtype=np.float32) if stored else None

    def open(self, reference: str, viewer_aad: str, *, audited: bool = True) -> Record:
        """The submission with its version and questions, for Hub staff.

        ``audited`` is False only for the card shown after a change, which that change's
        audit row already covers; otherwise the read adds one ``submission.read`` row.

        Raises:
            SubmissionNotFound: there is no such submission.
        """
        view = self._submissions.get(reference, viewer_aad, True)
        with self._db.session() as session:
            row = self._submission(session, view.reference)
            last = _last(session.get(SubmissionTriage, row.id))
            questions = session.scalars(
                select(SubmissionQuestion)
                .where(SubmissionQuestion.submission_id == row.id)
                .order_by(SubmissionQuestion.asked_at, SubmissionQuestion.id)
            ).all()
            if audited:
                self._audit.record(viewer_aad, Action.SUBMISSION_READ, "submission", view.reference,
                                   owner=view.owner_aad, session=session)
            return Record(view, last, tuple(_question(q, view.reference) for q in questions))

    def last_action(self, reference: str) -> LastAction:
        """The submission's version and last Hub change."""
        with self._db.session() as session:
            row = self._submission(session, reference)
            return _last(session.get(SubmissionTriage, row.id))

    # --- changing --------------------------------------------------------------------------

    def claim(self, reference: str, by_aad: str, action: str, expected: int | None) -> Claim:
        """Take the submission for a change made elsewhere (a status change through the
        Portal), before making it; then :meth:`settle` it, or :meth:`release` it on failure.

        Args:
            action: a short code for the card ("status:triaged", "merge").
            expected: the version on the card; None for a typed command.

        Raises:
            SubmissionNotFound: there is no such submission.
            StaleCard: the version is no longer ``expected``.
        """
        with self._db.session() as session:
            return self._claim(session, self._submission(session, reference), by_aad, action, expected)

    def release(self, claim: Claim) -> None:
        """Undo a claim whose change failed, unless someone has claimed the record since."""
        previous = claim.previous
        with self._db.session() as session:
            session.execute(
                update(SubmissionTriage)
                .where(SubmissionTriage.submission_id == claim.submission_id, SubmissionTriage.version == claim.version)
                .values(version=previous.version, last_action=previous.action, last_by=previous.by,
                        last_at=previous.at)
            )

    def settle(self, claim: Claim, by_aad: str, action: Action, *, merged_into: str | None = None) -> None:
        """Audit the change made under ``claim``. For a merge, the merged submission's
        supporters' notes are added to theirs on ``merged_into`` (the merge itself carried
        the supporters over), in the same transaction."""
        with self._db.session() as session:
            if merged_into is not None:
                target = self._submission(session, merged_into)
                source = session.scalars(
                    select(SubmissionSupporter).where(SubmissionSupporter.submission_id == claim.submission_id)
                ).all()
                for supporter in source:
                    joined = session.get(SubmissionSupporter, (target.id, supporter.aad_object_id))
                    if joined is not None and supporter.notes.strip():
                        joined.notes = (joined.notes + "\n\n" if joined.notes else "") + supporter.notes
                        joined.updated_at = self._clock()
            self._audit.record(by_aad, action, "submission", claim.reference, owner=claim.owner_aad, session=session)

    def assign(self, reference: str, assignee_aad: str | None, by_aad: str, expected: int | None) -> Claim:
        """Assign the submission to a Hub member (None: to nobody), audited.

        Raises:
            SubmissionNotFound, StaleCard: as for :meth:`claim`.
            NotHubStaff: the assignee is not Hub staff.
        """
        assignee = assignee_aad.lower() if assignee_aad else None
        with self._db.session() as session:
            row = self._submission(session, reference)
            if assignee is not None:
                person = session.get(User, assignee)
                if person is None or person.role not in (Role.HUB.value, Role.ADMIN.value):
                    raise NotHubStaff(f"{person.name if person and person.name else 'That person'} is not Hub staff, "
                                      "so cannot be assigned a submission.")
            claim = self._claim(session, row, by_aad, "assign", expected)
            row.assigned_to = assignee
            self._audit.record(by_aad, Action.SUBMISSION_ASSIGN, "submission", row.reference,
                               owner=row.owner_aad, session=session)
            return claim

    def ask(self, reference: str, question: str, by_aad: str, expected: int | None) -> Asked:
        """Ask the submitter a question, audited; the submission goes to more information
        needed where its lifecycle allows (the question is that change's note).

        Raises:
            SubmissionNotFound, StaleCard: as for :meth:`claim`.
            InvalidTransition: it is merged or declined, so there is nothing to ask about.
        """
        text = question.strip()
        claim = self.claim(reference, by_aad, "ask", expected)
        try:
            with self._db.session() as session:
                current = Status(session.scalars(
                    select(Submission.status).where(Submission.id == claim.submission_id)
                ).one())
            if current in (Status.MERGED, Status.DECLINED):
                raise InvalidTransition(
                    f"{claim.reference} is {current.label.lower()}, so there is nothing to ask its submitter about."
                )
            change = None
            if Status.MORE_INFORMATION_NEEDED in TRANSITIONS[current]:
                change = self._submissions.change_status(
                    claim.reference, Status.MORE_INFORMATION_NEEDED, by_aad, text
                )
        except Exception:
            self.release(claim)
            raise
        with self._db.session() as session:
            row = session.get(Submission, claim.submission_id)
            assert row is not None
            stored = SubmissionQuestion(
                submission_id=row.id, asked_by=by_aad.lower(), asked_to=row.owner_aad, asked_at=self._clock(),
                question=text,
            )
            session.add(stored)
            session.flush()
            self._audit.record(by_aad, Action.SUBMISSION_ASK, "submission", row.reference,
                               owner=row.owner_aad, session=session)
            return Asked(_question(stored, row.reference), row.title, change, claim)

    # --- replies ---------------------------------------------------------------------------

    def _open_questions(self, session: Session, aad: str) -> list[tuple[SubmissionQuestion, Submission]]:
        since = self._clock() - REPLY_WINDOW
        return [
            (row[0], row[1]) for row in session.execute(
                select(SubmissionQuestion, Submission)
                .join(Submission, Submission.id == SubmissionQuestion.submission_id)
                .where(
                    SubmissionQuestion.asked_to == aad.lower(),
                    SubmissionQuestion.answered_at.is_(None),
                    SubmissionQuestion.asked_at >= since,
                )
                .order_by(SubmissionQuestion.asked_at, SubmissionQuestion.id)
            )
        ]

    def pending(self, aad: str) -> Question | None:
        """The oldest question (asked within ``REPLY_WINDOW``) this person has not replied to."""
        with self._db.session() as session:
            waiting = self._open_questions(session, aad)
            return _question(waiting[0][0], waiting[0][1].reference) if waiting else None

    def reply(self, aad: str, text: str) -> Reply | None:
        """Store ``text`` as the reply to this person's oldest open question (None if none)."""
        with self._db.session() as session:
            waiting = self._open_questions(session, aad)
            if not waiting:
                return None
            (row, submission), rest = waiting[0], waiting[1:]
            row.answer, row.answered_at = text.strip(), self._clock()
            session.flush()
            following = _question(rest[0][0], rest[0][1].reference) if rest else None
            return Reply(_question(row, submission.reference), submission.title, following)


class Roles:
    """Who is Hub staff and who is an admin. Only an admin changes roles; the checks that
    the person asking *is* an admin are the caller's, made on the user read from the database.

    Args:
        database: the assistant's database.
        audit: role changes are audited as ``user.role`` on the person changed.
    """

    def __init__(self, database: Database, audit: Audit) -> None:
        self._db = database
        self._audit = audit

    def staff(self) -> list[UserInfo]:
        """Hub staff and admins, admins first, then by name."""
        with self._db.session() as session:
            rows = session.scalars(
                select(User).where(User.role.in_([Role.HUB.value, Role.ADMIN.value])).order_by(User.name, User.aad_object_id)
            ).all()
            people = [UserInfo(row.aad_object_id, row.name, Role(row.role)) for row in rows]
        return sorted(people, key=lambda p: p.role is not Role.ADMIN)

    def find(self, text: str) -> UserInfo:
        """A user by Azure AD object id or by display name (any case), which must be unique.

        Raises:
            UnknownUserError: nobody has that id or name.
            AmbiguousUser: more than one person has that name.
        """
        wanted = " ".join(text.split())
        with self._db.session() as session:
            if is_object_id(wanted):
                rows = [session.get(User, wanted.lower())]
            else:
                rows = list(session.scalars(
                    select(User).where(func.lower(User.name) == wanted.lower()).order_by(User.aad_object_id)
                ))
            people = [UserInfo(row.aad_object_id, row.name, Role(row.role)) for row in rows if row is not None]
        if not people:
            raise UnknownUserError(wanted)
        if len(people) > 1:
            raise AmbiguousUser(wanted, people)
        return people[0]

    def change(self, by_aad: str, target_aad: str, role: Role) -> RoleChange:
        """Give a user ``role``, audited; never leaves the assistant without an admin.

        Raises:
            UnknownUserError: nobody has that id.
            LastAdmin: the user is the only admin and would stop being one.
        """
        key = target_aad.lower()
        with self._db.session() as session:
            # A write first (on SQLite it takes the write lock before anything is read), then
            # every admin row locked: two admins demoting each other cannot both succeed.
            session.execute(update(User).where(User.aad_object_id == key).values(role=User.role))
            admins = list(session.scalars(
                select(User).where(User.role == Role.ADMIN.value).with_for_update()
            ))
            user = session.get(User, key)
            if user is None:
                raise UnknownUserError(target_aad)
            before = Role(user.role)
            if before is Role.ADMIN and role is not Role.ADMIN and len(admins) <= 1:
                raise LastAdmin(f"{user.name or user.aad_object_id} is the only admin; grant admin to someone else first.")
            if before is not role:
                user.role = role.value
                user.updated_at = utcnow()
                self._audit.record(by_aad, "user.role", "user", user.aad_object_id, session=session)
            return RoleChange(UserInfo(user.aad_object_id, user.name, role), before)
