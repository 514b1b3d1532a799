"""What each person may see of a submission, built inside the caller's transaction.

The submitter and Hub staff see all of it. A supporter sees what is public about it (title,
kind, crime types, area, dates, status and the dates of its changes) and their own notes;
the submitter's answers (description, what was tried, what success would be, partners) only
when the submitter shares them; and never the Hub's notes or questions, who made each change,
other supporters' notes, the submitter's id or the personal data record. The hidden parts
are left empty in the view itself, so no caller can show them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.clock import aware
from domain.models import SubmissionHistory
from domain.portal.changes import find, supporters
from domain.portal.records import (
    CannotShare,
    HistoryEntry,
    Kind,
    Status,
    SubmissionNotFound,
    SubmissionView,
    Supporter,
    Viewer,
)

__all__ = ["view_for", "set_shared"]

# The submitter's answers a supporter sees only when the submitter shares them, as the
# submitter is told about them.
_ANSWERS = {"description": "your description", "tried": "what you tried", "success": "what success would be",
            "partners": "the partners"}


def view_for(session: Session, reference: str, viewer_aad: str, viewer_is_hub: bool) -> tuple[SubmissionView, str]:
    """The submission as ``viewer_aad`` may see it, and its submitter (for the audit).

    Raises:
        SubmissionNotFound: there is no such submission, or the viewer is not its submitter,
            one of its supporters or Hub staff.
    """
    viewer = viewer_aad.lower()
    row = find(session, reference)
    backers = supporters(session, row.id)
    if viewer == row.owner_aad:
        seen = Viewer.SUBMITTER
    elif viewer_is_hub:
        seen = Viewer.HUB
    elif any(s.aad_object_id == viewer for s in backers):
        seen = Viewer.SUPPORTER
    else:
        raise SubmissionNotFound(reference)
    history = session.scalars(
        select(SubmissionHistory)
        .where(SubmissionHistory.submission_id == row.id)
        .order_by(SubmissionHistory.at, SubmissionHistory.id)
    ).all()
    full = seen is not Viewer.SUPPORTER
    answers = full or row.shared_with_supporters
    view = SubmissionView(
        reference=row.reference,
        kind=Kind(row.kind),
        title=row.title,
        description=row.description if answers else "",
        crime_types=tuple(row.crime_types or ()),
        area=row.area,
        tried=row.tried if answers else None,
        success=row.success if answers else None,
        partners=row.partners if answers else None,
        personal_data=dict(row.personal_data or {}) if full else {},
        owner_aad=row.owner_aad if full else "",
        status=Status(row.status),
        assigned_to=row.assigned_to if full else None,
        merged_into=row.merged_into,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
        history=tuple(
            HistoryEntry(
                at=aware(h.at),
                by=h.by_aad if full else "",
                from_status=Status(h.from_status) if h.from_status else None,
                to_status=Status(h.to_status),
                note=h.note if full else None,
            )
            for h in history
        ),
        supporters=tuple(
            Supporter(s.aad_object_id, s.notes, aware(s.created_at), aware(s.updated_at))
            for s in backers
            if full or s.aad_object_id == viewer
        ),
        viewer=seen,
        shared=bool(row.shared_with_supporters),
        supporter_count=len(backers),
    )
    return view, row.owner_aad


def set_shared(session: Session, reference: str, owner_aad: str, shared: bool) -> bool:
    """Whether supporters see the submitter's answers, as the submitter chose; returns
    whether anything changed.

    Raises:
        SubmissionNotFound: there is no such submission, or it is not ``owner_aad``'s.
        CannotShare: the answers hold personal data the submitter kept for the Hub.
    """
    row = find(session, reference, lock=True)
    if row.owner_aad != owner_aad.lower():
        raise SubmissionNotFound(reference)
    held = [label for name, label in _ANSWERS.items() if name in (row.personal_data or {})]
    if shared and held:
        listed = " and ".join([", ".join(held[:-1]), held[-1]] if len(held) > 1 else held)
        raise CannotShare(
            f"Your answers on {row.reference} include personal data you kept for the Hub (in {listed}), "
            "so I won't show them to other officers. Supporters still see its title, status and dates."
        )
    if bool(row.shared_with_supporters) == shared:
        return False
    row.shared_with_supporters = shared
    return True
