"""The Hub's changes to a submission, each one use case in one transaction.

A status change, a merge, an assignment and a question each:

1. raise the submission's version (``submission_triage``) if it is still the one the Hub
   member's card showed (``expected``; None for a typed command), holding that row locked
   (``FOR UPDATE`` on PostgreSQL, the write lock on SQLite) until commit, so when two people
   act on one card the second gets :class:`StaleCard` and nothing changes;
2. make the change, with its history row;
3. add its one audit row (``submission.status``, ``.merge``, ``.assign``, ``.ask``);
4. write the messages to the people involved to the outbox (:mod:`domain.ops.outbox`);

and commit once. Any failure leaves none of it behind. The messages are sent after the
commit; one that cannot be sent stays pending for the sender's next sweep.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.audit import Action, Audit
from domain.clock import utcnow
from domain.db import Database
from domain.hub.notices import HubNotices
from domain.hub.records import (
    REPLY_WINDOW,
    Asked,
    Assigned,
    Merged,
    NotHubStaff,
    Reply,
    StaleCard,
    last_of,
    question_of,
)
from domain.models import Role, Submission, SubmissionQuestion, SubmissionSupporter, SubmissionTriage, User
from domain.ops.outbox import Outbox
from domain.portal.changes import find
from domain.portal.records import TRANSITIONS, InvalidTransition, Status, StatusChange
from domain.portal import Submissions

__all__ = ["HubChanges", "open_questions"]


def open_questions(session: Session, aad: str, now: datetime) -> list[tuple[SubmissionQuestion, Submission]]:
    """The questions to ``aad`` not yet replied to, asked within ``REPLY_WINDOW``, oldest first."""
    since = now - REPLY_WINDOW
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


class HubChanges:
    """Status changes, merges, assignments, questions and replies, each one transaction.

    Args:
        database: the assistant's database.
        submissions: the Portal's records (their status changes and history).
        audit: the audit log every change is written to.
        notices: the words of the messages to the people involved (none without it).
        outbox: where those messages are written (the database's own by default).
        clock: the current time (aware, UTC).
    """

    def __init__(
        self,
        database: Database,
        submissions: Submissions,
        audit: Audit,
        *,
        notices: HubNotices | None = None,
        outbox: Outbox | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self._submissions = submissions
        self._audit = audit
        self._notices = notices
        self._outbox = outbox or Outbox(database)
        self._clock = clock

    def _claim(self, session: Session, reference: str, by: str, action: str, expected: int | None) -> tuple[Submission, int]:
        """Raise the submission's version if it is still ``expected`` (any, when None).

        Raises:
            SubmissionNotFound: there is no such submission.
            StaleCard: the version is no longer ``expected``.
        """
        row = find(session, reference)
        # A write first: on SQLite this takes the write lock before the version is read.
        session.execute(
            self._db.insert(SubmissionTriage)
            .values(submission_id=row.id, version=0)
            .on_conflict_do_nothing(index_elements=[SubmissionTriage.submission_id])
        )
        state = session.get(SubmissionTriage, row.id, with_for_update=True, populate_existing=True)
        assert state is not None  # inserted just above if it was missing
        if expected is not None and state.version != expected:
            raise StaleCard(row.reference, last_of(state))
        state.version += 1
        state.last_action, state.last_by, state.last_at = action, by.lower(), self._clock()
        return row, state.version

    def _tell(self, session: Session, aad: str, kind: str, text: str | None, dedupe_key: str | None) -> int | None:
        return self._outbox.add(session, aad, kind, text, dedupe_key) if text is not None else None

    def _name(self, session: Session, aad: str) -> str | None:
        user = session.get(User, aad.lower())
        return user.name if user is not None else None

    def change_status(
        self, reference: str, status: Status | str, by_aad: str, note: str | None, expected: int | None
    ) -> StatusChange:
        """Change the status with a note; the submitter and supporters are told.

        Raises:
            SubmissionNotFound, StaleCard: as for the version check.
            InvalidTransition: the lifecycle does not allow it (a merge goes through :meth:`merge`).
        """
        wanted = Status(status)
        if wanted is Status.MERGED:
            raise InvalidTransition(f"To merge {reference}, name the submission it joins.")
        with self._db.session() as session:
            row, _ = self._claim(session, reference, by_aad, f"status:{wanted.value}", expected)
            change = self._submissions.change_in(session, row.reference, wanted, by_aad, note, notices=self._notices)
            self._audit.record(by_aad, Action.SUBMISSION_STATUS, "submission", row.reference,
                               owner=row.owner_aad, session=session)
            return change

    def merge(self, reference: str, into: str, by_aad: str, note: str | None, expected: int | None) -> Merged:
        """Merge a duplicate into the original: its submitter and supporters (with their
        notes) become supporters of the original; both submitters and the supporters are told.

        Raises:
            SubmissionNotFound, StaleCard: as for the version check.
            InvalidTransition: no such original, the submission itself, or one merged already.
        """
        with self._db.session() as session:
            row, _ = self._claim(session, reference, by_aad, "merge", expected)
            change = self._submissions.change_in(session, row.reference, Status.MERGED, by_aad, note, merged_into=into,
                                                 notices=self._notices)
            original = find(session, change.merged_into or into)
            now = self._clock()
            for supporter in session.scalars(
                select(SubmissionSupporter).where(SubmissionSupporter.submission_id == row.id)
            ).all():
                joined = session.get(SubmissionSupporter, (original.id, supporter.aad_object_id))
                if joined is not None and supporter.notes.strip():
                    joined.notes = (joined.notes + "\n\n" if joined.notes else "") + supporter.notes
                    joined.updated_at = now
            self._audit.record(by_aad, Action.SUBMISSION_MERGE, "submission", row.reference,
                               owner=row.owner_aad, session=session)
            told = list(change.notifications)
            if self._notices is not None and original.owner_aad != change.submitter_aad:
                added = self._tell(session, original.owner_aad, "submission-merged",
                                   self._notices.merged_into_yours(change, original.reference, original.title),
                                   f"merged:{change.history_id}")
                told += [added] if added is not None else []
            return Merged(change, original.reference, original.title, original.owner_aad, tuple(told))

    def assign(self, reference: str, assignee_aad: str | None, by_aad: str, expected: int | None) -> Assigned:
        """Assign the submission to a Hub member (None: to nobody), audited; they are told
        unless they assigned it to themselves.

        Raises:
            SubmissionNotFound, StaleCard: as for the version check.
            NotHubStaff: the assignee is not Hub staff.
        """
        assignee = assignee_aad.lower() if assignee_aad else None
        with self._db.session() as session:
            if assignee is not None:
                find(session, reference)  # an unknown reference is reported before the assignee
                person = session.get(User, assignee)
                if person is None or person.role not in (Role.HUB.value, Role.ADMIN.value):
                    raise NotHubStaff(f"{person.name if person and person.name else 'That person'} is not Hub staff, "
                                      "so cannot be assigned a submission.")
            row, version = self._claim(session, reference, by_aad, "assign", expected)
            row.assigned_to = assignee
            self._audit.record(by_aad, Action.SUBMISSION_ASSIGN, "submission", row.reference,
                               owner=row.owner_aad, session=session)
            assigned = Assigned(row.reference, assignee, version)
            if assignee is None or assignee == by_aad.lower() or self._notices is None:
                return assigned
            added = self._tell(session, assignee, "submission-assigned",
                               self._notices.assigned(row.reference, self._name(session, by_aad)),
                               f"assign:{row.reference}:{version}")
            return replace(assigned, notifications=(added,) if added is not None else ())

    def ask(self, reference: str, question: str, by_aad: str, expected: int | None) -> Asked:
        """Ask the submitter a question, audited; the submission goes to more information
        needed where its lifecycle allows (the question is that change's note), and its
        supporters are told.

        Raises:
            SubmissionNotFound, StaleCard: as for the version check.
            InvalidTransition: it is merged or declined, so there is nothing to ask about.
        """
        text = question.strip()
        with self._db.session() as session:
            row, _ = self._claim(session, reference, by_aad, "ask", expected)
            current = Status(row.status)
            if current in (Status.MERGED, Status.DECLINED):
                raise InvalidTransition(
                    f"{row.reference} is {current.label.lower()}, so there is nothing to ask its submitter about."
                )
            change = None
            if Status.MORE_INFORMATION_NEEDED in TRANSITIONS[current]:
                change = self._submissions.change_in(
                    session, row.reference, Status.MORE_INFORMATION_NEEDED, by_aad, text
                )
            stored = SubmissionQuestion(
                submission_id=row.id, asked_by=by_aad.lower(), asked_to=row.owner_aad, asked_at=self._clock(),
                question=text,
            )
            session.add(stored)
            session.flush()
            self._audit.record(by_aad, Action.SUBMISSION_ASK, "submission", row.reference,
                               owner=row.owner_aad, session=session)
            asked = Asked(question_of(stored, row.reference), row.title, change)
            if self._notices is None:
                return asked
            first = self._tell(session, row.owner_aad, "submission-question",
                               self._notices.question(row.reference, row.title, text), f"question:{stored.id}")
            told = [first]
            for supporter in change.supporters if change is not None else ():
                told.append(self._tell(session, supporter, "status-change",
                                       self._notices.asked_supporter(row.reference, row.title),
                                       f"status:{change.history_id}:{supporter}" if change else None))
            return replace(asked, question_notification=first,
                           notifications=tuple(i for i in told if i is not None))

    def reply(self, aad: str, text: str) -> Reply | None:
        """Store ``text`` as the reply to this person's oldest open question (None if none),
        and tell the Hub member who asked it."""
        with self._db.session() as session:
            waiting = open_questions(session, aad, self._clock())
            if not waiting:
                return None
            (row, submission), rest = waiting[0], waiting[1:]
            row.answer, row.answered_at = text.strip(), self._clock()
            session.flush()
            following = question_of(rest[0][0], rest[0][1].reference) if rest else None
            reply = Reply(question_of(row, submission.reference), submission.title, following)
            if self._notices is None:
                return reply
            added = self._tell(session, row.asked_by, "submission-reply",
                               self._notices.replied(reply.question, submission.title, row.answer),
                               f"reply:{row.id}")
            return replace(reply, notifications=(added,) if added is not None else ())
