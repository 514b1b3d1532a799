"""Support, done right: only submissions still open take an officer's support; a supporter sees
what is public about a submission and their own notes, the submitter's answers only when the
submitter shares them, and never the Hub's notes or questions; supporters hear of a status
change without the Hub's note; and every read by someone other than the submitter is audited
in the same transaction. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from sqlalchemy import event, select

from domain.audit import Audit
from domain.db import Database
from domain.hub.changes import HubChanges
from domain.models import Notification, SubmissionSupporter
from domain.portal import (
    CannotShare,
    CannotSupport,
    Kind,
    NewSubmission,
    Status,
    SubmissionNotFound,
    Submissions,
    Viewer,
)
from tests.fakes import OFFICER_AAD, PlainNotices

SUPPORTER_AAD = "0b6f1b3c-5555-4a4a-9b9b-000000000005"
OTHER_AAD = "0b6f1b3c-6666-4a4a-9b9b-000000000006"
STRANGER_AAD = "0b6f1b3c-7777-4a4a-9b9b-000000000007"
HUB_AAD = "1a000000-0000-4000-8000-000000000001"

DESCRIPTION = "Sheds on three allotment sites broken into at night since September."
HUB_NOTE = "Declined: the burglary team already has this series."


def _new(title: str = "Shed burglaries on allotments", **kw: Any) -> NewSubmission:
    values: dict[str, Any] = {
        "kind": Kind.PROBLEM, "title": title, "description": DESCRIPTION, "crime_types": ["burglary-other"],
        "area": "Watford", "tried": "Extra weekend patrols.", "success": "No break-ins for three months.",
        "partners": "The council's allotments officer.", "personal_data": {},
    }
    values.update(kw)
    return NewSubmission(**values)


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


class NotedNotices(PlainNotices):
    """Messages that carry the Hub's note whenever the change they are worded from has one."""

    def status_changed(self, change: Any) -> str:
        return f"{change.reference} is now {change.to_status.value}" + (f": {change.note}" if change.note else "")


@pytest.fixture
def subs(db: Database) -> Submissions:
    return Submissions(db)


@pytest.fixture
def supported(subs: Submissions) -> str:
    """A submission by OFFICER supported by SUPPORTER and OTHER, triaged then declined with notes."""
    reference = subs.create(OFFICER_AAD, _new()).reference
    subs.add_support(reference, SUPPORTER_AAD, "Same at Oak Lane allotments.")
    subs.add_support(reference, OTHER_AAD, "Garages on the Meriden estate too.")
    subs.change_status(reference, Status.MORE_INFORMATION_NEEDED, HUB_AAD, "Which nights of the week?")
    subs.change_status(reference, Status.DECLINED, HUB_AAD, HUB_NOTE)
    return reference


def _audit(db: Database) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.record_id) for e in Audit(db).entries(None, None)]


def _supporters(db: Database) -> int:
    with db.session() as session:
        return len(session.scalars(select(SubmissionSupporter)).all())


# --- what takes support -------------------------------------------------------------------


def test_declined_closed_and_merged_submissions_are_not_offered_and_refuse_support(db, subs):
    open_one = subs.create(OTHER_AAD, _new("Shed break-ins, north"), vector=_unit(1, 0, 0, 0)).reference
    declined = subs.create(OTHER_AAD, _new("Shed break-ins, south"), vector=_unit(1, 0.1, 0, 0)).reference
    closed = subs.create(OTHER_AAD, _new("Shed break-ins, east"), vector=_unit(1, 0.2, 0, 0)).reference
    merged = subs.create(OTHER_AAD, _new("Shed break-ins, west"), vector=_unit(1, 0.3, 0, 0)).reference
    subs.change_status(declined, Status.DECLINED, HUB_AAD, "No crimes recorded since May.")
    subs.change_status(closed, Status.TRIAGED, HUB_AAD)
    subs.change_status(closed, Status.CLOSED, HUB_AAD)
    subs.change_status(merged, Status.MERGED, HUB_AAD, merged_into=open_one)
    supporters_before = _supporters(db)

    # What an officer about to submit is offered: only the one still taking support.
    offered = subs.similar(_unit(1, 0, 0, 0), supportable=True)
    assert [s.reference for s in offered] == [open_one]
    # The Hub's comparison still shows the declined and closed ones.
    assert {s.reference for s in subs.similar(_unit(1, 0, 0, 0))} == {open_one, declined, closed}

    # A choice made up, or one that was open when offered, is refused with the reason.
    for reference, reason in [
        (declined, f"{declined} was declined, so it is no longer taking support."),
        (closed, f"{closed} is closed, so it is no longer taking support."),
        (merged, f"{merged} has been merged into {open_one}; add your support there."),
    ]:
        with pytest.raises(CannotSupport) as refused:
            subs.add_support(reference, STRANGER_AAD, "Same problem here.")
        assert str(refused.value) == reason
        with pytest.raises(SubmissionNotFound):
            subs.get(reference, STRANGER_AAD, False)  # nothing was added, so they still cannot see it
    assert _supporters(db) == supporters_before
    assert subs.add_support(open_one, STRANGER_AAD, "Same problem here.").first_time


# --- what a supporter sees ----------------------------------------------------------------


def test_a_supporter_sees_the_public_part_and_their_own_notes_not_the_answers_or_the_hubs_notes(subs, supported):
    view = subs.read(supported, SUPPORTER_AAD, False)
    assert view.viewer is Viewer.SUPPORTER
    assert (view.reference, view.title, view.status, view.kind, view.area, view.crime_types) == (
        supported, "Shed burglaries on allotments", Status.DECLINED, Kind.PROBLEM, "Watford", ("burglary-other",))
    assert [(h.from_status, h.to_status) for h in view.history] == [
        (None, Status.RECEIVED), (Status.RECEIVED, Status.MORE_INFORMATION_NEEDED),
        (Status.MORE_INFORMATION_NEEDED, Status.DECLINED)]
    # Not the submitter's answers, not the Hub's notes or question, nor who made each change.
    assert (view.description, view.tried, view.success, view.partners) == ("", None, None, None)
    assert [(h.note, h.by) for h in view.history] == [(None, "")] * 3
    assert (view.owner_aad, view.assigned_to, view.personal_data) == ("", None, {})
    # Their own notes, not the other supporter's; the count of supporters is public.
    assert [(s.aad_object_id, s.notes) for s in view.supporters] == [(SUPPORTER_AAD, "Same at Oak Lane allotments.")]
    assert view.supporter_count == 2
    # The unaudited read used inside the Hub's use cases builds the same view: no caller gets more.
    assert subs.get(supported, SUPPORTER_AAD, False) == view

    # The submitter and the Hub see all of it.
    for viewer, is_hub, seen in ((OFFICER_AAD, False, Viewer.SUBMITTER), (HUB_AAD, True, Viewer.HUB)):
        full = subs.get(supported, viewer, is_hub)
        assert full.viewer is seen
        assert (full.description, full.tried, full.owner_aad) == (DESCRIPTION, "Extra weekend patrols.", OFFICER_AAD)
        assert [h.note for h in full.history] == [None, "Which nights of the week?", HUB_NOTE]
        assert {s.aad_object_id for s in full.supporters} == {SUPPORTER_AAD, OTHER_AAD}


def test_sharing_shows_supporters_the_submitters_answers_but_never_the_hubs_notes(subs, supported):
    assert not subs.get(supported, OFFICER_AAD, False).shared
    # Only the submitter chooses; to anyone else it is not theirs to share.
    for someone in (SUPPORTER_AAD, HUB_AAD, STRANGER_AAD):
        with pytest.raises(SubmissionNotFound):
            subs.share(supported, someone, True)
    assert subs.get(supported, SUPPORTER_AAD, False).description == ""

    assert subs.share(supported, OFFICER_AAD.upper(), True) is True
    assert subs.share(supported, OFFICER_AAD, True) is False  # already shared
    view = subs.read(supported, SUPPORTER_AAD, False)
    assert (view.shared, view.description, view.tried, view.success, view.partners) == (
        True, DESCRIPTION, "Extra weekend patrols.", "No break-ins for three months.",
        "The council's allotments officer.")
    assert [h.note for h in view.history] == [None, None, None]
    assert [s.aad_object_id for s in view.supporters] == [SUPPORTER_AAD]

    assert subs.share(supported, OFFICER_AAD, False) is True
    assert subs.read(supported, SUPPORTER_AAD, False).description == ""


def test_answers_holding_personal_data_kept_for_the_hub_are_not_shared(subs):
    kept = {"tried": {"found": ["phone"], "reason": "The Hub needs the allotment secretary's number."},
            "description": {"found": ["vehicle registration"], "reason": "The van seen each time."}}
    reference = subs.create(OFFICER_AAD, _new(personal_data=kept)).reference
    subs.add_support(reference, SUPPORTER_AAD, "Same at Oak Lane.")
    with pytest.raises(CannotShare) as refused:
        subs.share(reference, OFFICER_AAD, True)
    assert str(refused.value) == (
        f"Your answers on {reference} include personal data you kept for the Hub (in your description and what you "
        "tried), so I won't show them to other officers. Supporters still see its title, status and dates.")
    view = subs.get(reference, SUPPORTER_AAD, False)
    assert (view.shared, view.description, view.tried) == (False, "", None)


# --- what supporters are told -------------------------------------------------------------


def _messages(db: Database) -> dict[str, str]:
    with db.session() as session:
        return {row.aad_object_id: row.payload["text"] for row in session.scalars(select(Notification))}


def test_a_status_change_tells_supporters_the_new_status_without_the_hubs_note(db, subs):
    reference = subs.create(OFFICER_AAD, _new()).reference
    subs.add_support(reference, SUPPORTER_AAD, "Same at Oak Lane.")
    changes = HubChanges(db, subs, Audit(db), notices=NotedNotices())
    change = changes.change_status(reference, Status.DECLINED, HUB_AAD, HUB_NOTE, None)
    assert change.note == HUB_NOTE and len(change.notifications) == 2
    assert _messages(db) == {
        OFFICER_AAD: f"{reference} is now declined: {HUB_NOTE}",
        SUPPORTER_AAD: f"{reference} is now declined",
    }


def test_a_merge_tells_the_duplicates_supporters_without_the_hubs_note(db, subs):
    original = subs.create(OTHER_AAD, _new("Allotment break-ins")).reference
    duplicate = subs.create(OFFICER_AAD, _new()).reference
    subs.add_support(duplicate, SUPPORTER_AAD, "Same at Oak Lane.")
    HubChanges(db, subs, Audit(db), notices=NotedNotices()).merge(duplicate, original, HUB_AAD, "Same sites.", None)
    told = _messages(db)
    assert told[OFFICER_AAD] == f"{duplicate} is now merged: Same sites."
    assert told[SUPPORTER_AAD] == f"{duplicate} is now merged"
    # Merged in, the duplicate's submitter sees the original as a supporter: with their own notes only.
    view = subs.read(original, OFFICER_AAD, False)
    assert view.viewer is Viewer.SUPPORTER and view.description == ""
    assert [(s.aad_object_id, s.notes) for s in view.supporters] == [
        (OFFICER_AAD, f"Merged from {duplicate}: Shed burglaries on allotments")]


# --- reads are audited --------------------------------------------------------------------


def test_a_read_by_the_hub_or_a_supporter_is_audited_and_the_submitters_own_is_not(db, subs, supported):
    before = _audit(db)
    subs.read(supported, OFFICER_AAD, False)
    assert _audit(db) == before
    subs.read(supported, HUB_AAD, True)
    assert _audit(db)[len(before):] == [(HUB_AAD, "submission.read", supported)]
    subs.read(supported.lower(), SUPPORTER_AAD.upper(), False)
    assert _audit(db)[len(before):] == [
        (HUB_AAD, "submission.read", supported), (SUPPORTER_AAD, "submission.read", supported)]
    with pytest.raises(SubmissionNotFound):
        subs.read(supported, STRANGER_AAD, False)
    assert len(_audit(db)) == len(before) + 2


def test_a_read_that_cannot_be_audited_shows_nothing(db, subs, supported):
    pattern = re.compile(r"\s*INSERT INTO audit_log\b", re.IGNORECASE)

    def refuse(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if pattern.match(statement):
            raise RuntimeError("the audit log is unavailable")

    event.listen(db.engine, "before_cursor_execute", refuse)
    try:
        with pytest.raises(RuntimeError):
            subs.read(supported, HUB_AAD, True)
        assert subs.read(supported, OFFICER_AAD, False).description == DESCRIPTION  # the owner's own: no row
    finally:
        event.remove(db.engine, "before_cursor_execute", refuse)
    assert [row for row in _audit(db) if "submission.read" in row] == []
