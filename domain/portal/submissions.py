"""Portal submissions: officers' ideas, initiatives, operational problems and evidence
requests to the Prevention Hub, with their status, history and supporters.

Every submission gets a reference ``PF-YYYY-NNNN``, numbered in order within its year
with no gaps, even when two bot processes save at the same moment; the Teams activity
that submitted it is kept so that a delivery Teams repeats is stored once.

The lifecycle is in :mod:`domain.portal.records` (``TRANSITIONS``). A decline needs a
reason for the submitter; a merge names the submission it joins, and the merged
submission's officers become supporters of that one so they can follow it. Every change is
kept in the history with who, when and a note; the messages telling the submitter and
supporters are written to the outbox in the same transaction (:mod:`domain.ops.outbox`).

Only the submitter, officers who added their support, and Hub staff may see a submission;
to anyone else it does not exist. Each sees the view built for them here
(:class:`~domain.portal.records.Viewer`): a supporter sees what is public about it and
their own notes, the submitter's answers only when the submitter shares them (:meth:`share`),
and never the Hub's notes or questions; a supporter's message about a status change has
no note either. Every read by someone other than the submitter is audited in the same
transaction (:meth:`Submissions.read`).

Before saving, the bot looks for similar submissions (:mod:`domain.portal.similar`) so an
officer can add their notes and support to existing work instead of starting it twice;
closed, declined and merged submissions take no more support.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Callable

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.audit import Action, Audit
from domain.clock import aware, utcnow
from domain.db import Database
from domain.models import ReferenceCounter, Submission, SubmissionHistory, SubmissionSupporter
from domain.ops.outbox import Outbox
from domain.portal.changes import append_notes, change_status, ensure_user, find
from domain.portal.follows import NEW, TOLD_STATUSES, Follows
from domain.portal.notices import PortalNotices
from domain.portal.records import (
    CLOSED_TO_SUPPORT,
    CannotSupport,
    Created,
    Kind,
    NewSubmission,
    SimilarSubmission,
    Status,
    StatusChange,
    SubmissionSummary,
    SubmissionView,
    SupportAdded,
    format_reference,
    normalise_reference,
)
from domain.portal.similar import SimilarIndex, Vector, unit
from domain.portal.views import set_shared, view_for

__all__ = ["Submissions"]


class Submissions:
    """The Portal's submissions: saving, status changes, support and similarity.

    Args:
        database: the assistant's database.
        clock: the current time (aware, UTC); the reference year comes from it.
        outbox: where the messages about changes are written (the database's own by default).
        audit: the audit log reads by anyone but the submitter are written to (the
            database's own by default).
        follows: who follows which topics; a new submission and a move to response or
            closed are noted for them in the same transaction (:mod:`domain.portal.follows`).

    The changes take ``notices``, the words of the messages to the people involved (the chat
    layer's); without it a change is made and no message is written.
    """

    def __init__(
        self,
        database: Database,
        *,
        clock: Callable[[], datetime] = utcnow,
        outbox: Outbox | None = None,
        audit: Audit | None = None,
        follows: Follows | None = None,
    ) -> None:
        self._db = database
        self.follows = follows
        self._clock = clock
        self._outbox = outbox or Outbox(database)
        self._audit = audit or Audit(database, clock=clock)
        self._index = SimilarIndex()

    # --- saving --------------------------------------------------------------------------

    def create(
        self,
        owner_aad: str,
        new: NewSubmission,
        *,
        source_key: str | None = None,
        vector: Vector | None = None,
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
        stored = unit(vector).tobytes() if vector is not None else None
        try:
            with self._db.session() as session:
                # A write first: on SQLite this takes the write lock before anything is read.
                ensure_user(self._db, session, owner)
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
                    reference=format_reference(year, number),
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
                if self.follows is not None:
                    self.follows.record(session, row, NEW)
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

    def read(self, reference: str, viewer_aad: str, viewer_is_hub: bool) -> SubmissionView:
        """The submission as this viewer may see it (see :meth:`get`), the read audited: one
        ``submission.read`` row in the same transaction, unless the viewer is its submitter.

        Raises:
            SubmissionNotFound: as for :meth:`get` (nothing is audited then).
        """
        with self._db.session() as session:
            view, owner = view_for(session, reference, viewer_aad, viewer_is_hub)
            self._audit.record(viewer_aad, Action.SUBMISSION_READ, "submission", view.reference,
                               owner=owner, session=session)
            return view

    def get(self, reference: str, viewer_aad: str, viewer_is_hub: bool) -> SubmissionView:
        """The submission with its history (oldest first) and supporters, as this viewer may
        see it: all of it for its submitter and Hub staff; for a supporter, what is public and
        their own notes (the submitter's answers only when shared, never the Hub's notes).

        Not audited: for a use case that writes its own audit row for the read (the Hub's
        ``open``) or shows nothing of it. What is shown to a person is read with :meth:`read`.

        Raises:
            SubmissionNotFound: there is no such submission, or the viewer is not its
                submitter, one of its supporters or Hub staff.
        """
        with self._db.session() as session:
            return view_for(session, reference, viewer_aad, viewer_is_hub)[0]

    def share(self, reference: str, owner_aad: str, shared: bool) -> bool:
        """Let the submission's supporters see the submitter's answers (description, what
        was tried, what success would be, partners), or stop them. The Hub's notes and
        questions are never shown to supporters, shared or not.

        Returns:
            Whether anything changed (False when it was already so).

        Raises:
            SubmissionNotFound: there is no such submission, or it is not the officer's own.
            CannotShare: the answers hold personal data the officer kept for the Hub.
        """
        with self._db.session() as session:
            return set_shared(session, reference, owner_aad, shared)

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
                last_update=aware(row.updated_at),
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
        notices: PortalNotices | None = None,
    ) -> StatusChange:
        """Move a submission to ``status``, keep the change in its history and write the
        messages to its submitter (with the note) and supporters (without it), in one transaction.

        The caller checks that ``by_aad`` is Hub staff. A decline needs ``note`` as the
        reason; a merge needs ``merged_into``, another submission that is not itself
        merged, and makes this one's submitter and supporters supporters of that one.

        Raises:
            SubmissionNotFound: there is no such submission (or no ``merged_into`` one).
            InvalidTransition: the lifecycle does not allow it; the message says why.

        The change's audit row (``submission.status`` or ``.merge``) is written in the same
        transaction.
        """
        with self._db.session() as session:
            change = self.change_in(session, reference, status, by_aad, note, merged_into=merged_into, notices=notices)
            action = Action.SUBMISSION_MERGE if change.to_status is Status.MERGED else Action.SUBMISSION_STATUS
            self._audit.record(by_aad, action, "submission", change.reference, owner=change.submitter_aad,
                               session=session)
            return change

    def change_in(
        self,
        session: Session,
        reference: str,
        status: Status | str,
        by_aad: str,
        note: str | None = None,
        *,
        merged_into: str | None = None,
        notices: PortalNotices | None = None,
    ) -> StatusChange:
        """:meth:`change_status` in the caller's transaction; without ``notices`` the messages
        are left to the caller (a question to the submitter says more than a new status)."""
        wanted = Status(status)
        note = (note or "").strip() or None
        change = change_status(
            self._db, session, reference, wanted, by_aad.lower(), note, merged_into, self._clock()
        )
        if self.follows is not None and wanted in TOLD_STATUSES:
            self.follows.record(session, find(session, change.reference), wanted.value)
        if notices is None:
            return change
        # The Hub's note is for the submitter; supporters hear of the new status only.
        texts = {change.submitter_aad: notices.status_changed(change)}
        if change.supporters:
            told = notices.status_changed(change.to_supporters())
            texts.update((supporter, told) for supporter in change.supporters if supporter != change.submitter_aad)
        added = [
            self._outbox.add(session, recipient, "status-change", text, f"status:{change.history_id}:{recipient}")
            for recipient, text in texts.items()
        ]
        return replace(change, notifications=tuple(i for i in added if i is not None))

    def add_support(
        self, reference: str, supporter_aad: str, notes: str, *, notices: PortalNotices | None = None
    ) -> SupportAdded:
        """Add an officer's support and notes to an existing submission instead of a duplicate,
        and write the message telling its submitter, in one transaction.

        Supporting again appends the new notes to the officer's earlier ones. The officer
        can then see the submission and hears about its status changes.

        Raises:
            SubmissionNotFound: there is no such submission.
            CannotSupport: it is the officer's own, or it is closed, declined or merged into
                another (``CLOSED_TO_SUPPORT``).
        """
        key = supporter_aad.lower()
        with self._db.session() as session:
            ensure_user(self._db, session, key)
            # Locked, so a decline or a merge made meanwhile is seen before the support is added.
            row = find(session, reference, lock=True)
            if row.owner_aad == key:
                raise CannotSupport(f"You submitted {row.reference}, so your support is already counted.")
            if row.status == Status.MERGED.value:
                raise CannotSupport(
                    f"{row.reference} has been merged into {row.merged_into}; add your support there."
                )
            if Status(row.status) in CLOSED_TO_SUPPORT:
                ended = "was declined" if row.status == Status.DECLINED.value else "is closed"
                raise CannotSupport(f"{row.reference} {ended}, so it is no longer taking support.")
            first_time = session.get(SubmissionSupporter, (row.id, key)) is None
            append_notes(self._db, session, row.id, key, notes.strip(), self._clock())
            added = SupportAdded(row.reference, row.title, row.owner_aad, key, first_time)
            if notices is None:
                return added
            notification = self._outbox.add(
                session, row.owner_aad, "submission-support", notices.support_added(added),
                f"support:{row.reference}:{key}:{len(notes)}",
            )
            return replace(added, notifications=(notification,) if notification is not None else ())

    # --- similarity ----------------------------------------------------------------------

    def similar(
        self, vector: Vector, k: int = 3, *, exclude_reference: str | None = None, supportable: bool = False
    ) -> list[SimilarSubmission]:
        """The ``k`` saved submissions most like ``vector`` (best first), above ``SIMILAR_ABOVE``.

        Merged submissions are left out (their work continues in the one they joined);
        with ``supportable``, so are closed and declined ones: only those an officer can
        still add their support to (what an officer is offered before submitting).
        The in-memory index takes in submissions saved since the last call, by this or
        any other process; titles and statuses are read fresh for the ones returned.
        """
        excluded = normalise_reference(exclude_reference) if exclude_reference else None
        leave_out = CLOSED_TO_SUPPORT if supportable else frozenset({Status.MERGED})
        with self._index.lock, self._db.session() as session:
            return self._index.search(session, vector, k, excluded, leave_out)
