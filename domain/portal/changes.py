"""Changing a submission inside the caller's transaction: its status with a history row,
merging it into another, and its supporters.

These functions take the session of the use case that calls them, so that a change, its
history, its audit row and the messages about it commit, or roll back, together.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from domain.clock import utcnow
from domain.db import Database
from domain.models import Submission, SubmissionHistory, SubmissionSupporter, User
from domain.portal.records import (
    TRANSITIONS,
    InvalidTransition,
    Status,
    StatusChange,
    SubmissionNotFound,
    normalise_reference,
    refusal,
)

__all__ = ["ensure_user", "find", "supporters", "append_notes", "change_status"]


def ensure_user(database: Database, session: Session, aad_object_id: str) -> None:
    """Record ``aad_object_id`` as a user if not yet known (an officer)."""
    now = utcnow()
    session.execute(
        database.insert(User)
        .values(aad_object_id=aad_object_id, created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=[User.aad_object_id])
    )


def find(session: Session, reference: str, *, lock: bool = False) -> Submission:
    """The submission ``reference`` names (locked for update when ``lock``).

    Raises:
        SubmissionNotFound: the reference is malformed or names no submission.
    """
    canonical = normalise_reference(reference)
    if canonical is None:
        raise SubmissionNotFound(reference)
    query = select(Submission).where(Submission.reference == canonical)
    row = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise SubmissionNotFound(reference)
    return row


def supporters(session: Session, submission_id: int) -> list[SubmissionSupporter]:
    """A submission's supporters, first to support first."""
    return list(
        session.scalars(
            select(SubmissionSupporter)
            .where(SubmissionSupporter.submission_id == submission_id)
            .order_by(SubmissionSupporter.created_at, SubmissionSupporter.aad_object_id)
        )
    )


def append_notes(
    database: Database, session: Session, submission_id: int, aad_object_id: str, notes: str, now: datetime
) -> None:
    """Add the officer as a supporter, or append ``notes`` to theirs (safe when racing)."""
    statement = database.insert(SubmissionSupporter).values(
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


def _merge_target(session: Session, row: Submission, merged_into: str | None) -> Submission:
    if not merged_into or not merged_into.strip():
        raise InvalidTransition(f"Merging {row.reference} needs the reference of the submission it joins.")
    try:
        target = find(session, merged_into)
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


def change_status(
    database: Database,
    session: Session,
    reference: str,
    wanted: Status,
    by: str,
    note: str | None,
    merged_into: str | None,
    now: datetime,
) -> StatusChange:
    """Move a submission to ``wanted`` in ``session`` and add the change to its history.

    A decline needs ``note``; a merge needs ``merged_into`` (not itself merged) and makes
    this one's submitter and supporters supporters of that one. The submission's row is
    locked until the caller's transaction ends.

    Raises:
        SubmissionNotFound: there is no such submission.
        InvalidTransition: the lifecycle does not allow it; the message says why.
    """
    if merged_into is not None and wanted is not Status.MERGED:
        raise InvalidTransition("Only a merge names another submission.")
    # A write first: on SQLite this takes the write lock before anything is read.
    ensure_user(database, session, by)
    row = find(session, reference, lock=True)
    current = Status(row.status)
    if wanted not in TRANSITIONS[current]:
        raise InvalidTransition(refusal(row.reference, current, wanted, row.merged_into))
    if wanted is Status.DECLINED and note is None:
        raise InvalidTransition(f"Declining {row.reference} needs a reason for the officer who submitted it.")
    backers = supporters(session, row.id)
    target: Submission | None = None
    if wanted is Status.MERGED:
        target = _merge_target(session, row, merged_into)
        for aad in [row.owner_aad, *(s.aad_object_id for s in backers)]:
            if aad != target.owner_aad:
                append_notes(database, session, target.id, aad, f"Merged from {row.reference}: {row.title}", now)
        row.merged_into = target.reference
    row.status = wanted.value
    row.updated_at = now
    entry = SubmissionHistory(
        submission_id=row.id, at=now, by_aad=by, from_status=current.value, to_status=wanted.value, note=note,
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
        supporters=tuple(s.aad_object_id for s in backers),
        history_id=entry.id,
        merged_into=target.reference if target is not None else None,
    )
