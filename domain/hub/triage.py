"""Triage: the Hub's work on submissions, beyond their records and lifecycle.

:mod:`domain.portal` keeps the records, their statuses and history. The Hub adds what it
needs to work through them together:

- the **queue**: submissions awaiting triage (received, or waiting for more information),
  oldest first, with their age in days and the similar submissions that may be the same work
  (:class:`Triage`, here);
- a **version** per submission (``submission_triage``), raised by every change made through
  the Hub's tools and compared with the version the Hub member's card showed, so when two
  people act on one card the second is told who got there first and nothing changes;
- the **changes**: status, merge, assignment and questions to the submitter, each one
  transaction with its history, audit row and messages (:mod:`domain.hub.changes`);
- **roles**: who is Hub staff or admin, changed only by an admin, never leaving no admin
  (:mod:`domain.hub.roles`).

Every Hub read and change of a submission adds exactly one row to the audit log
(:mod:`domain.audit`): ``open`` is one ``submission.read``; a change is one row of its kind
(``submission.status``, ``.assign``, ``.merge``, ``.ask``) and covers the card shown after it.
The queue lists references, titles and ages: reading it is one ``submission.list`` row.
No Bot Framework here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Iterable

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.audit import Action, Audit
from domain.clock import aware, utcnow
from domain.db import Database
from domain.hub.changes import open_questions
from domain.hub.records import (
    QUEUE_STATUSES,
    LastAction,
    Question,
    QueueItem,
    Record,
    last_of,
    question_of,
)
from domain.models import Submission, SubmissionQuestion, SubmissionTriage, User
from domain.portal import Kind, SimilarSubmission, Status, SubmissionNotFound, normalise_reference
from domain.portal import Submissions
from domain.portal.views import view_for

__all__ = ["Triage"]


class Triage:
    """The Hub's queue and its reads of submissions.

    Args:
        database: the assistant's database.
        submissions: the Portal's records (reads and similarity).
        audit: the audit log every Hub read is written to.
        clock: the current time (aware, UTC).
    """

    def __init__(
        self, database: Database, submissions: Submissions, audit: Audit, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._db = database
        self._submissions = submissions
        self._audit = audit
        self._clock = clock

    @staticmethod
    def _submission(session: Session, reference: str) -> Submission:
        canonical = normalise_reference(reference)
        row = session.scalars(select(Submission).where(Submission.reference == canonical)).one_or_none() \
            if canonical else None
        if row is None:
            raise SubmissionNotFound(reference)
        return row

    def names(self, aads: Iterable[str | None]) -> dict[str, str]:
        """Display names by Azure AD object id (the id itself where no name is known)."""
        wanted = {a.lower() for a in aads if a}
        if not wanted:
            return {}
        with self._db.session() as session:
            rows = session.execute(select(User.aad_object_id, User.name).where(User.aad_object_id.in_(wanted))).all()
        found = {row.aad_object_id: row.name for row in rows if row.name}
        return {aad: found.get(aad, aad) for aad in wanted}

    def queue(
        self, viewer_aad: str | None = None, *, statuses: Iterable[Status] = QUEUE_STATUSES, similar: bool = True
    ) -> list[QueueItem]:
        """Submissions in ``statuses`` (by default those awaiting triage), oldest first, each
        with its similar submissions unless ``similar`` is False.

        The list shows officers' titles, so a Hub member's read of it (``viewer_aad``) adds
        one ``submission.list`` row to the audit log in the same transaction.
        """
        now = self._clock()
        with self._db.session() as session:
            if viewer_aad is not None:
                self._audit.record(viewer_aad, Action.SUBMISSION_LIST, "queue", "triage", session=session)
            rows = session.execute(
                select(
                    Submission.id, Submission.reference, Submission.title, Submission.kind, Submission.status,
                    Submission.created_at, Submission.assigned_to, Submission.vector, Submission.area,
                    Submission.crime_types,
                )
                .where(Submission.status.in_([s.value for s in statuses]))
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
            alike: list[SimilarSubmission] = []
            if similar and row.vector:
                vector = np.frombuffer(row.vector, dtype=np.float32)
                alike = self._submissions.similar(vector, 3, exclude_reference=row.reference)
            received = aware(row.created_at)
            items.append(QueueItem(
                row.reference, row.title, Kind(row.kind), Status(row.status), received,
                max(0, (now - received).days), row.assigned_to, tuple(alike), latest.get(row.id),
                row.area, tuple(row.crime_types or ()),
            ))
        return items

    def vector(self, reference: str) -> npt.NDArray[np.float32] | None:
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
        with self._db.session() as session:
            view, _ = view_for(session, reference, viewer_aad, True)
            row = self._submission(session, view.reference)
            last = last_of(session.get(SubmissionTriage, row.id))
            questions = session.scalars(
                select(SubmissionQuestion)
                .where(SubmissionQuestion.submission_id == row.id)
                .order_by(SubmissionQuestion.asked_at, SubmissionQuestion.id)
            ).all()
            if audited:
                self._audit.record(viewer_aad, Action.SUBMISSION_READ, "submission", view.reference,
                                   owner=view.owner_aad, session=session)
            return Record(view, last, tuple(question_of(q, view.reference) for q in questions))

    def last_action(self, reference: str) -> LastAction:
        """The submission's version and last Hub change."""
        with self._db.session() as session:
            row = self._submission(session, reference)
            return last_of(session.get(SubmissionTriage, row.id))

    def pending(self, aad: str) -> Question | None:
        """The oldest question (asked within ``REPLY_WINDOW``) this person has not replied to."""
        with self._db.session() as session:
            waiting = open_questions(session, aad, self._clock())
            return question_of(waiting[0][0], waiting[0][1].reference) if waiting else None
