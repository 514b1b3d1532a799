"""Erasing a person scrubs their name and their words wherever they were copied: messages to
other people that name them ("... has made you Hub staff", "... has assigned ... to you")
or quote what they wrote, however the message escaped it; other people's saved chat state
that shows their submission; their own state with an answer awaiting their decision. Other
people's words stay, and so do the figures. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.testing import DialogTestClient
from sqlalchemy import select

from bot.hub.messages import HubMessages
from bot.storage import SqlAlchemyStorage, TurnConversationState
from bot.text import plain
from dialogs.base import GuidedDialog, Offer, Question
from dialogs.questions import choice_activity
from domain.academy import Academy
from domain.audit import Audit
from domain.db import Database
from domain.drafts import Drafts
from domain.hub import HubChanges, Roles
from domain.models import BotState, Notification, Role, Submission, SubmissionHistory
from domain.ops.subject_access import ERASED, erase_user
from domain.portal import Kind, NewSubmission, Status, Submissions
from domain.users import Users
from domain.whatworks.searchlog import SearchLog
from tests.domain.ops.copies import Chat, bot_on, found

PERSON = "0b6f1b3c-aaaa-4a4a-9b9b-00000000000a"
NAME = "Quinn Holt [PC 4471]"  # Markdown characters: messages show it escaped
HUB = "0b6f1b3c-bbbb-4a4a-9b9b-00000000000b"
OFFICER = "0b6f1b3c-cccc-4a4a-9b9b-00000000000c"
NEW_STAFF = "0b6f1b3c-dddd-4a4a-9b9b-00000000000d"
SUPPORTER = "0b6f1b3c-eeee-4a4a-9b9b-00000000000e"
ADMIN = "0b6f1b3c-ffff-4a4a-9b9b-00000000000f"

# The person's name and everything they typed; none may survive the erasure.
THEIRS = [
    "Quinn Holt", "PC 4471", "zq-x-title", "zq-x-description", "zq-x-tried", "zq-x-reply", "Acacia Avenue",
    "zq-x-merged-title", "zq-x-hub-note", "zq-x-hub-question", "zq-x-support", "zq-x-journal",
    "zq-x-reflection", "zq-x-plan", "zq-x-query", "zq-x-draft", "Jane Doe", "07700 900123",
]
# What other people typed, which stays.
OTHERS = ["zq-keep-support", "zq-keep-hub-note", "zq-keep-title", "zq-keep-offer"]


class OfferingDialog(GuidedDialog):
    """One question, then similar work offered as the submission dialog offers it."""

    def __init__(self, drafts: Drafts, similar: list[tuple[str, str]]) -> None:
        super().__init__("offering", "submission", [Question("title", "Title", "What would you call it?", "Bins")],
                         drafts)
        self.similar = similar

    async def before_summary(self, turn_context: TurnContext, answers: dict[str, Any]) -> Offer | None:
        choices = tuple(f"Support {reference}" for reference, _ in self.similar) + ("Carry on",)
        lines = [f"- {reference}: {plain(title, limit=120)} (Received)" for reference, title in self.similar]
        text = "These submissions to the Hub look similar to yours:\n" + "\n".join(lines)
        return Offer(choice_activity(text, choices), choices)

    async def on_complete(self, turn_context: TurnContext, answers: dict[str, Any]) -> Any:
        return answers


async def seed(db: Database, tmp_path: Any) -> dict[str, str]:
    users = Users(db)
    for aad, name in ((PERSON, NAME), (HUB, "Sam Patel"), (OFFICER, "Robin Shaw"), (NEW_STAFF, "Pat Lee"),
                      (SUPPORTER, "Kim Ward"), (ADMIN, "Jo Admin")):
        users.seen(aad, name)
    users.set_role(PERSON, Role.ADMIN)
    users.set_role(ADMIN, Role.ADMIN)
    users.set_role(HUB, Role.HUB)
    notices, audit = HubMessages(), Audit(db)
    submissions = Submissions(db)
    changes = HubChanges(db, submissions, audit, notices=notices)

    # Their own submission: supported by another officer, asked about by the Hub, replied to.
    theirs = submissions.create(PERSON, NewSubmission(
        Kind.PROBLEM, "zq-x-title Sheds on Meadow Lane", "zq-x-description Sheds forced at night", ["burglary"],
        "Watford", tried="zq-x-tried Leaflets")).reference
    submissions.add_support(theirs, OFFICER, "zq-keep-support Same at Oak Lane", notices=notices)
    changes.ask(theirs, "Which nights?", HUB, None)
    changes.reply(PERSON, "zq-x-reply Fridays; I live at 12 Acacia Avenue")
    # The other officer's submission, with a supporter; theirs merged into it.
    other = submissions.create(OFFICER, NewSubmission(Kind.PROBLEM, "zq-keep-title Allotment thefts", "Tools.",
                                                      ["burglary"], "Watford")).reference
    submissions.add_support(other, SUPPORTER, "Seen it too", notices=notices)
    merged = submissions.create(PERSON, NewSubmission(Kind.IDEA, "zq-x-merged-title Tool marking", "Mark tools.",
                                                      ["burglary"], "Watford")).reference
    changes.merge(merged, other, HUB, None, None)
    # Acting for the Hub and as an admin on other people's work.
    changes.change_status(other, Status.TRIAGED, PERSON, "zq-x-hub-note Passed to the rural team", None)
    changes.ask(other, "zq-x-hub-question Which plots?", PERSON, None)
    changes.assign(other, HUB, PERSON, None)
    Roles(db, audit, notices=notices).change(PERSON, NEW_STAFF, Role.HUB)
    submissions.add_support(theirs, SUPPORTER, "More of the same", notices=notices)
    # Someone else's change, which must be left as it is.
    unrelated = submissions.create(OFFICER, NewSubmission(Kind.IDEA, "Bike marking", "Mark bikes.", ["burglary"],
                                                          "Watford")).reference
    changes.change_status(unrelated, Status.TRIAGED, HUB, "zq-keep-hub-note Good idea", None)
    submissions.add_support(other, PERSON, "zq-x-support Same on my beat", notices=notices)

    academy = Academy(db)
    today = date.today()
    cohort = academy.create_cohort("Leaders", "leadership", today, today + timedelta(days=4), created_by=HUB)
    academy.enrol(cohort, PERSON, by=HUB)
    academy.save_assessment(PERSON, cohort.id, "before", {key: 3 for key in
                                                           ("sara", "evidence", "partnership", "new_approaches",
                                                            "reflection", "coaching", "ndm")})
    academy.start_plan(PERSON, cohort.id, "zq-x-plan Repeat calls to the retail park")
    academy.add_journal_entry(PERSON, {"description": "zq-x-journal A long shift"}, written_on=today)
    academy.save_reflection(PERSON, "zq-x-reflection Repeat calls", {"white": "zq-x-reflection 40 calls"})
    log = SearchLog(db)
    asked = log.record_query(PERSON, "zq-x-query shed alarms", index_version="v1", no_good_match=True,
                             best_similarity=None, shown=[])
    log.request_evidence(asked, PERSON)

    # Their chat: a journal entry in progress, an answer awaiting their decision.
    services = bot_on(db, tmp_path)
    try:
        chat = Chat(services, PERSON, NAME)
        await chat.say("journal")
        await chat.say("zq-x-draft A quiet shift")
        assert "personal data" in (await chat.say("Victim Jane Doe rang me on 07700 900123"))[0]
    finally:
        services.database.dispose()
    # A Hub member's chat offering their submission (and the other officer's) as similar work.
    with db.session() as s:
        titles = dict(s.execute(select(Submission.reference, Submission.title)).all())
    offering = OfferingDialog(Drafts(db), [(theirs, titles[theirs]), (other, titles[other])])
    client = DialogTestClient("msteams", offering, conversation_state=TurnConversationState(SqlAlchemyStorage(db)))
    await client.send_activity("start")
    await client.send_activity("zq-keep-offer Shed alarms")
    return {"theirs": theirs, "other": other, "unrelated": unrelated, "offer_key": "msteams/conversations/Convo1"}


def _figures(db: Database) -> tuple[Counter[tuple[str, str]], list[tuple[int, str | None, str]]]:
    with db.session() as s:
        kinds = Counter(tuple(row) for row in s.execute(select(Submission.kind, Submission.status)))
        history = [tuple(row) for row in s.execute(
            select(SubmissionHistory.submission_id, SubmissionHistory.from_status, SubmissionHistory.to_status)
            .order_by(SubmissionHistory.id))]
    return kinds, history  # type: ignore[return-value]


async def test_erasure_leaves_none_of_their_name_or_words_in_any_column(db, tmp_path):
    seeded = await seed(db, tmp_path)
    before = found(db, THEIRS + OTHERS)
    assert {needle for _, _, needle in before} == set(THEIRS + OTHERS)
    # The copies the issue found: their name in other people's messages, their state.
    assert {(table, needle) for table, _, needle in before} >= {
        ("notifications", "Quinn Holt"), ("notifications", "zq-x-hub-note"), ("notifications", "zq-x-hub-question"),
        ("notifications", "Acacia Avenue"), ("bot_state", "zq-x-title"), ("bot_state", "Jane Doe"),
    }
    figures = _figures(db)
    with db.session() as s:
        others_messages = len(s.scalars(select(Notification).where(Notification.aad_object_id != PERSON)).all())

    report = erase_user(db, PERSON, by=ADMIN)

    assert found(db, THEIRS) == []
    left = found(db, OTHERS)
    assert {needle for _, _, needle in left} == set(OTHERS)
    assert [table for table, _, needle in left if needle == "zq-keep-offer"] == ["drafts"]  # no longer in its state
    assert _figures(db) == figures
    with db.session() as s:
        rows = s.scalars(select(Notification).order_by(Notification.id)).all()
        assert len(rows) == others_messages  # every message is still accounted for
        erased = [row for row in rows if ERASED in str(row.payload)]
        assert {row.aad_object_id for row in erased} == {OFFICER, HUB, NEW_STAFF}
        assert {(row.status, row.last_error) for row in erased} == {("failed", "erased")}  # not sent now
        kept = [row for row in rows if "zq-keep-hub-note" in row.payload["text"]]
        assert [(row.aad_object_id, row.status) for row in kept] == [(OFFICER, "pending")]
        # The Hub member's chat no longer offers their submission; its answers are in the draft.
        offer = s.get(BotState, seeded["offer_key"])
        assert offer is not None and offer.document == {"idle_closed": True}
    assert report.counts["bot_state"] == 2
