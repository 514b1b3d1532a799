"""Retention covers every copy of what people typed: a run dated past every limit leaves
none of it in any text or JSON column of any table (the proactive messages that quoted it,
drafts, saved chat state with an answer still awaiting the officer's decision, search
refinements and evidence requests included), while each copy is kept until its own limit
and the records' skeletons stay for the figures. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.hub.messages import HubMessages
from domain.audit import Audit
from domain.academy import Academy
from domain.clock import utcnow
from domain.db import Database
from domain.drafts import IDLE_CLOSED
from domain.hub import HubChanges, Roles
from domain.models import (
    BotState,
    Draft,
    EvidenceRequest,
    Notification,
    RetentionRun,
    Role,
    Submission,
    SubmissionSupporter,
    User,
)
from domain.ops.retention import ENV_DEFAULTS, Retention, RetentionConfigError, removed_marker
from domain.portal import Kind, NewSubmission, Status, Submissions
from domain.settings import Settings
from domain.users import Users
from domain.whatworks.searchlog import SearchLog
from tests.domain.ops.copies import Chat, bot_on, found

OFFICER = "0b6f1b3c-1111-4a4a-9b9b-000000000001"
SUPPORTER = "0b6f1b3c-1111-4a4a-9b9b-000000000002"
OTHER = "0b6f1b3c-1111-4a4a-9b9b-000000000003"
HUB = "0b6f1b3c-1111-4a4a-9b9b-000000000004"
ADMIN = "0b6f1b3c-1111-4a4a-9b9b-000000000005"

# Every text seeded below carries one of these; none may survive a run past every limit.
SEEDED = [
    "zq-title", "zq-description", "zq-tried", "zq-success", "zq-partners", "zq-support-note",
    "zq-hub-question", "zq-reply", "Acacia Avenue", "zq-status-note", "zq-closing-note",
    "zq-merged-title", "zq-merged-description", "zq-merge-note", "zq-journal", "zq-reflection-topic",
    "zq-reflection-hat", "zq-query", "zq-refined-query", "zq-draft-answer", "Jane Doe", "07700 900123",
]


async def seed(db: Database, tmp_path: Path) -> None:
    """Seed through the use cases and the chat, as officers and the Hub would."""
    users = Users(db)
    for aad, name in ((OFFICER, "Alex Morgan"), (SUPPORTER, "Pat Lee"), (OTHER, "Robin Shaw"),
                      (HUB, "Sam Patel"), (ADMIN, "Jo Admin")):
        users.seen(aad, name)
    users.set_role(HUB, Role.HUB)
    users.set_role(ADMIN, Role.ADMIN)
    notices, audit = HubMessages(), Audit(db)
    submissions = Submissions(db)
    changes = HubChanges(db, submissions, audit, notices=notices)

    first = submissions.create(OFFICER, NewSubmission(
        Kind.PROBLEM, "zq-title Sheds forced on Meadow Lane", "zq-description Sheds forced at night, tools taken",
        ["burglary"], "Watford", tried="zq-tried Leaflets to plot holders", success="zq-success No break-ins",
        partners="zq-partners The allotment society")).reference
    submissions.add_support(first, SUPPORTER, "zq-support-note Same on Oak Lane", notices=notices)
    changes.assign(first, HUB, ADMIN, None)
    changes.ask(first, "zq-hub-question Which nights does it happen?", HUB, None)
    assert changes.reply(OFFICER, "zq-reply Fridays; the plot holder lives at 12 Acacia Avenue") is not None
    changes.change_status(first, Status.TRIAGED, HUB, "zq-status-note Passed to the rural team", None)
    changes.change_status(first, Status.CLOSED, HUB, "zq-closing-note Patrols added", None)
    Roles(db, audit, notices=notices).change(ADMIN, OTHER, Role.HUB)
    # The merged submission's title is quoted in the supporter notes of the one it joined.
    # That one is still open, so its own text is kept while the Hub works on it: it is
    # written without seeded text.
    joined = submissions.create(OTHER, NewSubmission(Kind.PROBLEM, "Allotment thefts", "Tools taken.",
                                                     ["burglary"], "Watford")).reference
    merged = submissions.create(OFFICER, NewSubmission(
        Kind.IDEA, "zq-merged-title Tool marking", "zq-merged-description Mark tools with postcodes",
        ["burglary"], "Watford")).reference
    changes.merge(merged, joined, HUB, "zq-merge-note The same work", None)

    # Action plans and self-assessments are kept by retention on purpose (they are the
    # Academy's completion and self-assessment figures), so none is seeded here.
    academy = Academy(db)
    academy.add_journal_entry(OFFICER, {"description": "zq-journal A long night shift"}, written_on=date.today())
    academy.save_reflection(OFFICER, "zq-reflection-topic Repeat calls", {"white": "zq-reflection-hat 40 calls"})

    log = SearchLog(db)
    asked = log.record_query(OFFICER, "zq-query shed alarms that work", index_version="v1", no_good_match=True,
                             best_similarity=None, shown=[])
    log.record_query(OFFICER, "zq-refined-query shed alarms that work", index_version="v1", no_good_match=True,
                     best_similarity=None, shown=[], crime_type="burglary", refines_id=asked)
    assert log.request_evidence(asked, OFFICER) is not None

    # A journal entry left unfinished in the chat: the first answer is in the draft, the
    # second waits in the dialog's saved state for the officer to keep or edit it.
    services = bot_on(db, tmp_path)
    try:
        chat = Chat(services, OFFICER, "Alex Morgan")
        await chat.say("journal")
        await chat.say("zq-draft-answer A quiet shift in Watford")
        replies = await chat.say("Victim Jane Doe rang me on 07700 900123")
        assert "personal data" in replies[0]
    finally:
        services.database.dispose()


async def test_a_run_past_every_limit_leaves_no_seeded_text_in_any_column(db, tmp_path):
    await seed(db, tmp_path)
    # Every seeded text is somewhere before the run, and the copies the issue found exist.
    before = found(db, SEEDED)
    assert {needle for _, _, needle in before} == set(SEEDED)
    assert {(table, needle) for table, _, needle in before} >= {
        ("notifications", "zq-title"), ("notifications", "zq-hub-question"), ("notifications", "Acacia Avenue"),
        ("drafts", "zq-draft-answer"), ("bot_state", "Jane Doe"), ("bot_state", "07700 900123"),
        ("evidence_requests", "zq-query"), ("submission_supporters", "zq-merged-title"),
    }
    with db.session() as s:
        statuses = sorted(s.scalars(select(Submission.status)))
        messages = s.scalar(select(func.count()).select_from(Notification))

    report = Retention.from_env({}).run(db, utcnow() + timedelta(days=max(ENV_DEFAULTS.values()) + 2))

    assert found(db, SEEDED) == []
    # The skeletons stay: the submissions with their statuses, every message (without text).
    with db.session() as s:
        assert sorted(s.scalars(select(Submission.status))) == statuses == ["closed", "merged", "received"]
        rows = s.scalars(select(Notification)).all()
        assert len(rows) == messages and all(row.payload == {} for row in rows)
        assert {row.status for row in rows} == {"failed"}  # never sent here: given up, not sent late
        assert s.scalars(select(SubmissionSupporter.notes).where(SubmissionSupporter.aad_object_id == OFFICER)).one() \
            .startswith("Merged from PF-")
    assert report.notifications == messages and report.drafts == 1 and report.bot_states == 1


def _notification(s, aad: str, created: datetime, status: str = "sent") -> int:  # type: ignore[no-untyped-def]
    row = Notification(aad_object_id=aad, kind="status-change", payload={"type": "message", "text": f"at {created}"},
                       status=status, created_at=created, next_attempt_at=created if status == "pending" else None)
    s.add(row)
    s.flush()
    return row.id


NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
LIMITS = Retention(days_closed_submissions=30, days_journals=60, days_query_logs=10,
                   days_notifications=5, days_drafts=3, days_state=2)
DIALOG = {"py/object": "botbuilder.dialogs.dialog_state.DialogState",
          "_dialog_stack": [{"id": "journal", "state": {"pending": {"text": "Victim Jane Doe"}}}]}


@pytest.fixture
def copies(db: Database) -> Database:
    """Messages, drafts and chat state on either side of their limits (5, 3 and 2 days)."""
    with db.session() as s:
        s.add_all([User(aad_object_id=OFFICER, name="Alex"), User(aad_object_id=OTHER, name="Robin")])
        s.flush()
        for days, status in ((6, "sent"), (6, "unreachable"), (6, "pending"), (6, "retrying"), (5, "sent"),
                             (5, "pending")):
            _notification(s, OFFICER, NOW - timedelta(days=days), status)
        s.add(Draft(aad_object_id=OFFICER, dialog="journal", progress={"answers": {"description": "old"}},
                    updated_at=NOW - timedelta(days=4)))
        s.add(Draft(aad_object_id=OTHER, dialog="journal", progress={"answers": {"description": "recent"}},
                    updated_at=NOW - timedelta(days=3)))
        s.add_all([
            BotState(key="msteams/conversations/a:old", document={"welcomed": True, "dialog_state": DIALOG,
                                                                  "last_seen": "2026-05-28T10:00:00+00:00"},
                     etag=4, updated_at=NOW - timedelta(days=3)),
            BotState(key="msteams/users/29:old", document={"profile": "Alex"}, updated_at=NOW - timedelta(days=3)),
            BotState(key="msteams/conversations/a:welcomed", document={"welcomed": True},
                     updated_at=NOW - timedelta(days=30)),
            BotState(key="msteams/conversations/a:recent", document={"dialog_state": DIALOG},
                     updated_at=NOW - timedelta(days=2)),
        ])
    return db


def test_each_copy_is_kept_until_its_own_limit_and_a_second_run_changes_nothing(copies):
    report = LIMITS.run(copies, NOW)

    assert (report.notifications, report.drafts, report.bot_states) == (4, 1, 2)
    with copies.session() as s:
        rows = s.scalars(select(Notification).order_by(Notification.id)).all()
        assert [(row.status, row.payload == {}, row.last_error) for row in rows] == [
            ("sent", True, None), ("unreachable", True, None), ("failed", True, "expired"),
            ("failed", True, "expired"), ("sent", False, None), ("pending", False, None),
        ]
        assert rows[2].next_attempt_at is None  # the sender no longer picks it up
        assert [d.progress["answers"]["description"] for d in s.scalars(select(Draft))] == ["recent"]
        states = {row.key: (row.document, row.etag) for row in s.scalars(select(BotState))}
        # Only what is not personal stays, and the next message is told the dialog closed.
        assert states == {
            "msteams/conversations/a:old": ({"welcomed": True, IDLE_CLOSED: True}, 5),
            "msteams/conversations/a:welcomed": ({"welcomed": True}, 1),
            "msteams/conversations/a:recent": ({"dialog_state": DIALOG}, 1),
        }
        run = s.scalars(select(RetentionRun)).one()
        assert (run.notification_days, run.draft_days, run.state_days) == (5, 3, 2)
        assert (run.notifications, run.drafts, run.bot_states) == (4, 1, 2)

    again = LIMITS.run(copies, NOW + timedelta(hours=11))
    assert again.total == 0
    with copies.session() as s:
        runs = s.scalars(select(RetentionRun).order_by(RetentionRun.id)).all()
        assert [run.notifications + run.drafts + run.bot_states for run in runs] == [7, 0]


def test_an_open_evidence_request_loses_its_text_after_the_submission_limit(db):
    with db.session() as s:
        s.add(User(aad_object_id=OFFICER, name="Alex"))
        s.flush()
        for days in (31, 30):
            s.add(EvidenceRequest(aad_object_id=OFFICER, text=f"open for {days} days", status="open",
                                  created_at=NOW - timedelta(days=days)))
    assert LIMITS.run(db, NOW).evidence_requests == 1
    with db.session() as s:
        assert sorted(s.scalars(select(EvidenceRequest.text))) == [removed_marker(30), "open for 30 days"]
    assert LIMITS.run(db, NOW).evidence_requests == 0


def test_the_limits_of_the_copies_come_from_the_environment():
    assert Retention.from_env({}) == Retention(730, 1095, 365, 30, 30, 7)
    limits = Retention.from_env({"RETENTION_NOTIFICATION_DAYS": "14", "RETENTION_DRAFT_DAYS": " 10 ",
                                 "RETENTION_STATE_DAYS": "2"})
    assert (limits.days_notifications, limits.days_drafts, limits.days_state) == (14, 10, 2)
    settings = Settings.from_env({"RETENTION_STATE_DAYS": "3", "RETENTION_DRAFT_DAYS": "21"})
    assert Retention.of(settings.retention) == Retention(730, 1095, 365, 30, 21, 3)


@pytest.mark.parametrize("name", ["RETENTION_NOTIFICATION_DAYS", "RETENTION_DRAFT_DAYS", "RETENTION_STATE_DAYS"])
@pytest.mark.parametrize("value", ["abc", "0", "-5", "1.5", "99999"])
def test_a_bad_limit_of_a_copy_is_refused_naming_the_variable(name, value):
    with pytest.raises(RetentionConfigError, match=f"^{name} must be a whole number of days from 1 to 36500"):
        Retention.from_env({name: value})
