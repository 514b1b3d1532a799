"""Each Hub change is one use case in one transaction: the change, its history row, its audit
row and the messages about it (outbox rows) commit together, or none of them is kept. A
message Teams cannot take after the commit stays pending and is sent once by the sweep.
On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Callable, Iterator

import pytest
from sqlalchemy import event, select

from bot.notifications import NotificationService, RetryPolicy
from domain.audit import Audit
from domain.db import Database
from domain.hub.changes import HubChanges
from domain.hub.roles import Roles
from domain.hub import Triage
from domain.models import Notification, NotificationStatus, Role, Submission, SubmissionQuestion, utcnow
from domain.ops.outbox import Outbox
from domain.portal.records import Kind, NewSubmission, Status
from domain.portal import Submissions
from domain.users import Users
from tests.fakes import FakeAdapter, PlainNotices

OFFICER = "0b6f1b3c-1111-4a4a-9b9b-000000000001"
SUPPORTER = "0b6f1b3c-1111-4a4a-9b9b-000000000005"
OTHER = "0b6f1b3c-1111-4a4a-9b9b-000000000006"
HUB = "1a000000-0000-4000-8000-000000000001"


class Fault(Exception):
    """Raised by the database in place of one insert."""


class World:
    """Two submissions (one with a supporter), Hub staff, and the use cases under test."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.users = Users(db)
        for aad, name in ((OFFICER, "Alex Morgan"), (SUPPORTER, "Pat Lee"), (OTHER, "Robin Shaw"), (HUB, "Sam Patel")):
            self.users.seen(aad, name)
            self.users.save_reference(aad, {
                "channelId": "msteams", "serviceUrl": "https://smba.example/", "conversation": {"id": f"a:{aad}"},
                "user": {"id": f"29:{aad}", "aadObjectId": aad}, "bot": {"id": "28:bot"},
            })
        self.users.set_role(HUB, Role.HUB)
        self.submissions = Submissions(db)
        self.audit = Audit(db)
        self.triage = Triage(db, self.submissions, self.audit)
        self.changes = HubChanges(db, self.submissions, self.audit, notices=PlainNotices())
        self.reference = self.submissions.create(
            OFFICER, NewSubmission(Kind.PROBLEM, "Shed burglaries", "At night.", ["burglary"], "Watford")
        ).reference
        self.original = self.submissions.create(
            OTHER, NewSubmission(Kind.PROBLEM, "Allotment break-ins", "Since May.", ["burglary"], "Watford")
        ).reference
        self.submissions.add_support(self.reference, SUPPORTER, "Same at Oak Lane.")

    def status(self) -> str:
        with self.db.session() as session:
            return session.scalars(select(Submission.status).where(Submission.reference == self.reference)).one()

    def history(self, reference: str | None = None) -> list[str]:
        view = self.submissions.get(reference or self.reference, HUB, True)
        return [h.to_status.value for h in view.history]

    def audited(self) -> list[tuple[str, str]]:
        return [(e.action, e.record_id) for e in self.audit.entries(None, None)]

    def messages(self) -> list[tuple[str, str, str]]:
        with self.db.session() as session:
            rows = session.scalars(select(Notification).order_by(Notification.id)).all()
            return [(row.aad_object_id, row.payload["text"], row.status) for row in rows]

    def questions(self) -> int:
        with self.db.session() as session:
            return len(session.scalars(select(SubmissionQuestion)).all())


@pytest.fixture
def world(db: Database) -> World:
    return World(db)


@pytest.fixture
def commits(db: Database) -> Iterator[list[int]]:
    """Counts the transactions committed while a test runs."""
    counted: list[int] = []

    def count(_: Any) -> None:
        counted.append(1)

    event.listen(db.engine, "commit", count)
    yield counted
    event.remove(db.engine, "commit", count)


def fail_insert(db: Database, table: str) -> Callable[[], None]:
    """Make the database refuse the next insert into ``table``; returns the undo."""
    pattern = re.compile(rf"\s*INSERT INTO {table}\b", re.IGNORECASE)

    def refuse(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if pattern.match(statement):
            raise Fault(f"no insert into {table}")

    event.listen(db.engine, "before_cursor_execute", refuse)
    return lambda: event.remove(db.engine, "before_cursor_execute", refuse)


def test_a_status_change_its_history_audit_row_and_messages_are_one_commit(world, commits):
    change = world.changes.change_status(world.reference, Status.TRIAGED, HUB, "Passed on.", 0)
    assert len(commits) == 1
    assert world.status() == "triaged"
    assert world.history() == ["received", "triaged"]
    assert world.audited() == [("submission.status", world.reference)]
    assert world.messages() == [
        (OFFICER, f"{world.reference} is now triaged", "pending"),
        (SUPPORTER, f"{world.reference} is now triaged", "pending"),
    ]
    assert len(change.notifications) == 2
    assert world.triage.last_action(world.reference).version == 1


def test_a_merge_and_a_question_are_one_commit_each(world, commits):
    merged = world.changes.merge(world.reference, world.original, HUB, "Same sites.", None)
    assert len(commits) == 1
    assert world.history() == ["received", "merged"]
    assert world.audited() == [("submission.merge", world.reference)]
    assert [aad for aad, _, _ in world.messages()] == [OFFICER, SUPPORTER, OTHER]
    assert len(merged.notifications) == 3
    commits.clear()
    asked = world.changes.ask(world.original, "Which nights?", HUB, None)
    assert len(commits) == 1
    assert world.history(world.original) == ["received", "more-information-needed"]
    assert world.audited()[-1] == ("submission.ask", world.original)
    # The question to its submitter, and word to its supporters (the merged one's officers).
    assert world.messages()[3] == (OTHER, f"question on {world.original}: Which nights?", "pending")
    assert sorted(world.messages()[4:]) == sorted(
        (aad, f"question asked on {world.original}", "pending") for aad in (OFFICER, SUPPORTER))
    assert asked.question_notification == asked.notifications[0] and len(asked.notifications) == 3


CHANGES = {
    "status": lambda w: w.changes.change_status(w.reference, Status.TRIAGED, HUB, "Passed on.", 0),
    "merge": lambda w: w.changes.merge(w.reference, w.original, HUB, "Same sites.", 0),
    "ask": lambda w: w.changes.ask(w.reference, "Which nights?", HUB, 0),
}


@pytest.mark.parametrize("change, table", [
    *((change, table) for change in CHANGES for table in ("submission_history", "audit_log", "notifications")),
    ("ask", "submission_questions"),
])
def test_a_failure_in_any_part_of_a_change_leaves_none_of_it(world, change, table):
    undo = fail_insert(world.db, table)
    try:
        with pytest.raises(Fault):
            CHANGES[change](world)
    finally:
        undo()
    assert world.status() == "received"
    assert world.history() == ["received"]
    assert world.audited() == []
    assert world.messages() == []
    assert world.questions() == 0
    assert world.triage.last_action(world.reference).version == 0
    # Nothing was half done: the same change now goes through, on the same card.
    CHANGES[change](world)
    assert world.triage.last_action(world.reference).version == 1


def test_a_failure_in_the_message_to_a_changed_user_leaves_their_role(world):
    roles = Roles(world.db, world.audit, notices=PlainNotices())
    undo = fail_insert(world.db, "notifications")
    try:
        with pytest.raises(Fault):
            roles.change(HUB, OTHER, Role.HUB)
    finally:
        undo()
    assert world.users.role_of(OTHER) is Role.OFFICER and world.audited() == []
    change = roles.change(HUB, OTHER, Role.HUB)
    assert world.users.role_of(OTHER) is Role.HUB and world.audited() == [("user.role", OTHER)]
    assert world.messages() == [(OTHER, "now hub", "pending")] and len(change.notifications) == 1


async def test_a_send_that_fails_after_the_commit_keeps_the_change_and_is_sent_once_later(world):
    change = world.changes.change_status(world.reference, Status.TRIAGED, HUB, "Passed on.", 0)
    adapter = FakeAdapter(failing=True)

    async def no_wait(_: float) -> None:
        return None

    sender = NotificationService(adapter, world.db, world.users, policy=RetryPolicy(quick_attempts=2), sleep=no_wait)
    statuses = await sender.deliver(change.notifications)
    assert set(statuses.values()) == {NotificationStatus.RETRYING}
    assert adapter.attempts == 4 and adapter.sent == []
    # The change, its history and its audit row stand; the messages wait for the sweep.
    assert world.status() == "triaged" and world.history() == ["received", "triaged"]
    assert world.audited() == [("submission.status", world.reference)]
    assert [status for _, _, status in world.messages()] == ["retrying", "retrying"]
    assert await sender.deliver_due() == 0  # not due yet
    adapter.failing = False
    assert await sender.deliver_due(now=utcnow() + timedelta(hours=1)) == 2
    assert adapter.texts() == [f"{world.reference} is now triaged"] * 2
    assert sorted(conversation for conversation, _ in adapter.sent) == sorted([f"a:{OFFICER}", f"a:{SUPPORTER}"])
    assert [status for _, _, status in world.messages()] == ["sent", "sent"]
    assert await sender.deliver_due(now=utcnow() + timedelta(hours=2)) == 0
    assert len(adapter.sent) == 2


async def test_messages_written_with_a_change_are_sent_right_after_it_once(world):
    change = world.changes.change_status(world.reference, Status.TRIAGED, HUB, None, None)
    adapter = FakeAdapter()
    sender = NotificationService(adapter, world.db, world.users)
    assert set((await sender.deliver(change.notifications)).values()) == {NotificationStatus.SENT}
    assert await sender.deliver(change.notifications) == {}  # already sent: not claimed again
    assert await sender.deliver_due(now=utcnow() + timedelta(hours=1)) == 0
    assert len(adapter.sent) == 2


def test_a_repeated_dedupe_key_adds_nothing_and_leaves_the_transaction_usable(db):
    Users(db).seen(OFFICER, "Alex Morgan")
    outbox = Outbox(db)
    with db.session() as session:
        first = outbox.add(session, OFFICER, "status-change", "Hello", "status:1:x")
        assert outbox.add(session, OFFICER, "status-change", "Hello again", "status:1:x") is None
        third = outbox.add(session, OFFICER, "status-change", "Another", None)
    assert first is not None and third is not None
    with db.session() as session:
        rows = session.scalars(select(Notification).order_by(Notification.id)).all()
        assert [(r.payload["text"], r.status, r.attempts) for r in rows] == [
            ("Hello", "pending", 0), ("Another", "pending", 0)]
