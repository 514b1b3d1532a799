"""The Portal's submission dialog, driven through the whole bot with botbuilder's TestAdapter:
the real handler, dialogs, database, knowledge index and model."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount
from sqlalchemy import select

from bot.app import SERVICES, Services, create_app
from bot.hub.messages import HubMessages
from domain.audit import Audit
from domain.hub.changes import HubChanges
from domain.settings import Settings
from domain.models import Draft, Submission
from domain.portal import NewSubmission, Kind, Status, embedding_text
from tests.conftest import MODEL_CACHE
from tests.fakes import BOT_ID, OFFICER_AAD, TENANT_ID, card_of
from tests.nodetools import validate_cards

pytestmark = pytest.mark.model
YEAR = date.today().year
OTHER_AAD = "0f1e2d3c-0000-4000-8000-00000000beef"

DESCRIPTION = (
    "Since September sheds on three allotment sites in Hatfield have been broken into at night, "
    "mostly at weekends; power tools are taken."
)


@pytest.fixture
async def services(aiohttp_client, tmp_path: Path, shipped_index: Path, connector) -> Services:  # type: ignore[no-untyped-def]
    shutil.copytree(shipped_index, tmp_path / "index")
    settings = Settings.from_env({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "INDEX_DIR": str(tmp_path / "index"),
        "MODEL_CACHE_DIR": str(MODEL_CACHE),
        "DISTRICTS": "Watford,Stevenage,Dacorum",
        "HUB_CHANNEL_ID": "19:hub-channel@thread.tacv2",
        "HUB_SERVICE_URL": connector.service_url,
    })
    client = await aiohttp_client(create_app(settings))
    return client.app[SERVICES]


class Chat:
    """One officer's personal chat with the bot, through TestAdapter (``cards`` keeps every
    Adaptive Card it was sent)."""

    def __init__(self, services: Services, service_url: str, aad: str = OFFICER_AAD, name: str = "Alex Morgan") -> None:
        template = Activity(
            channel_id="msteams", service_url=service_url, locale="en-GB",
            from_property=ChannelAccount(id=f"29:{aad}", name=name, aad_object_id=aad),
            recipient=ChannelAccount(id=BOT_ID, name="Prevention First"),
            conversation=ConversationAccount(id=f"a:personal-{aad}", conversation_type="personal", tenant_id=TENANT_ID),
        )
        self.adapter = TestAdapter(services.bot.on_turn, template_or_conversation=template)
        for each in services.middleware:
            self.adapter.use(each)
        self.cards: list[dict[str, Any]] = []

    async def say(self, text: str | None = None, *, value: dict | None = None, activity_id: str | None = None) -> list[str]:
        """Send a message; return the text of each reply, followed by its card's fallback text."""
        await self.adapter.receive_activity(Activity(type="message", text=text, value=value, id=activity_id))
        replies = []
        while (reply := self.adapter.get_next_activity()) is not None:
            if reply.type == "message":
                card = card_of(reply.serialize())
                self.cards.extend([card] if card else [])
                fallback = (card or {}).get("fallbackText", "")
                replies.append("\n\n".join(part for part in (reply.text, fallback) if part))
        return replies

    async def last_card(self, text: str) -> dict[str, Any]:
        await self.adapter.receive_activity(Activity(type="message", text=text))
        cards = []
        while (reply := self.adapter.get_next_activity()) is not None:
            if reply.type == "message" and card_of(reply.serialize()):
                cards.append(card_of(reply.serialize()))
        assert cards
        return cards[-1]


@pytest.fixture
def chat(services: Services, connector) -> Chat:  # type: ignore[no-untyped-def]
    return Chat(services, connector.service_url)


async def answer_up_to_the_offer(chat: Chat, title: str = "Shed burglaries on allotments") -> list[str]:
    assert (await chat.say("submit"))[0].startswith("What are you sending the Hub?")
    assert (await chat.say("Operational problem"))[0].startswith("Give it a short title.")
    assert (await chat.say(title))[0].startswith("Describe it:")
    assert (await chat.say(DESCRIPTION))[0].startswith("Which crime types")
    assert (await chat.say("burglary, ASB"))[0].startswith("Which district is it in?")
    assert (await chat.say("Watford"))[0].startswith("What has been tried already")
    assert (await chat.say("skip"))[0].startswith("What would success look like?")
    assert (await chat.say("No shed break-ins for three months"))[0].startswith("Which partners")
    return await chat.say("skip")


async def past_the_offer(chat: Chat, replies: list[str]) -> list[str]:
    """The summary, after carrying on past the similar work, where any was shown."""
    if replies[0].startswith("Before you submit"):
        replies = await chat.say("Carry on with a new submission")
    assert replies[0].startswith("Here is your submission:"), replies
    return replies


def saved(services: Services) -> list[Submission]:
    with services.database.session() as session:
        return list(session.scalars(select(Submission).order_by(Submission.id)))


async def test_the_whole_happy_path_saves_and_tells_the_reference_after_the_commit(services, chat, connector):
    offer = await answer_up_to_the_offer(chat)
    # No submissions exist yet, but the knowledge base has evidence on burglary of sheds.
    assert offer[0].startswith("Before you submit, have a look at these.")
    summary = await chat.say("Carry on with a new submission")
    assert "1. Kind: Operational problem" in summary[0]
    assert "4. Crime types: Burglary, Anti-social behaviour" in summary[0]
    assert "5. Area: Watford" in summary[0]
    assert "6. Tried so far: (not answered)" in summary[0]
    done = await chat.say("submit")
    assert done[0].startswith(f"Submitted. Your reference is PF-{YEAR}-0001.")
    [row] = saved(services)
    assert (row.reference, row.kind, row.title, row.area) == (f"PF-{YEAR}-0001", "problem", "Shed burglaries on allotments", "Watford")
    assert row.crime_types == ["burglary", "anti-social-behaviour"] and row.tried is None
    assert row.success == "No shed break-ins for three months" and row.status == "received"
    # The Hub's channel is told about the new submission.
    hub_posts = [a for a in connector.sent if "New submission" in (card_of(a) or {}).get("fallbackText", "")]
    assert len(hub_posts) == 1 and f"PF-{YEAR}-0001" in card_of(hub_posts[0])["fallbackText"]
    # The draft is gone and `my submissions` lists it.
    with services.database.session() as session:
        assert session.scalars(select(Draft)).all() == []
    mine = await chat.say("my submissions")
    assert f"PF-{YEAR}-0001: Shed burglaries on allotments. Received, updated" in mine[0]


@pytest.mark.parametrize("start", ["I have an idea", "new problem", "Submit to the Hub"])
async def test_the_dialog_starts_from_every_way_in(chat, start):
    if start == "Submit to the Hub":  # the welcome card's button sends "submit"
        card = await chat.last_card("help")
        start = next(a["data"]["msteams"]["value"] for a in card["actions"] if a["title"] == start)
    assert (await chat.say(start))[0].startswith("What are you sending the Hub?")


async def test_back_at_three_different_steps(services, chat):
    await chat.say("submit")
    await chat.say("idea")
    back = await chat.say("back")  # from the title back to the kind
    assert back[0].startswith("What are you sending the Hub?") and "Your earlier answer: Idea" in back[0]
    await chat.say("2")
    await chat.say("Knife bins at stations")
    await chat.say("Put surrender bins at the three main stations.")
    back = await chat.say("back")  # from crime types back to the description
    assert back[0].startswith("Describe it:") and "Your earlier answer: Put surrender bins" in back[0]
    await chat.say("Put weapon surrender bins at the three main railway stations.")
    await chat.say("knife crime")
    await chat.say("Stevenage")
    back = await chat.say("back")  # from "tried" back to the area
    assert back[0].startswith("Which district is it in?") and "Your earlier answer: Stevenage" in back[0]
    await chat.say("Force-wide")
    for _ in range(2):
        await chat.say("skip")
    await past_the_offer(chat, await chat.say("skip"))
    await chat.say("submit")
    [row] = saved(services)
    assert (row.kind, row.area) == ("initiative", "Force-wide")
    assert row.description == "Put weapon surrender bins at the three main railway stations."


async def test_one_answer_is_changed_from_the_summary(services, chat):
    await past_the_offer(chat, await answer_up_to_the_offer(chat))
    change = await chat.say("5")
    assert change[0].startswith("Which district is it in?")
    summary = await chat.say("Dacorum")
    assert "5. Area: Dacorum" in summary[0] and "2. Title: Shed burglaries on allotments" in summary[0]
    await chat.say("Submit")
    assert saved(services)[0].area == "Dacorum"


async def test_cancel_saves_nothing(services, chat):
    await chat.say("submit")
    await chat.say("idea")
    assert await chat.say("cancel") == ["Cancelled. Your submission was not saved."]
    assert saved(services) == []
    assert (await chat.say("submit"))[0].startswith("What are you sending the Hub?")  # no draft offered


async def test_a_what_works_question_mid_dialog_is_answered_then_the_dialog_resumes(chat):
    await chat.say("submit")
    await chat.say("Operational problem")
    replies = await chat.say("what works for burglary")
    assert replies[-2].startswith("What works: burglary")  # the answer card's fallback
    assert replies[-1].startswith("Give it a short title.")  # then the same question again
    assert (await chat.say("Shed burglaries"))[0].startswith("Describe it:")


async def test_an_abandoned_dialog_is_offered_back_as_a_draft(services, chat, connector):
    await chat.say("submit")
    await chat.say("idea")
    await chat.say("Knife bins at stations")
    # A new conversation (lost state), same officer, same database.
    again = Chat(services, connector.service_url)
    again.adapter.template.conversation = ConversationAccount(id="a:another-chat", conversation_type="personal",
                                                              tenant_id=TENANT_ID)
    offer = await again.say("submit")
    assert "You have an unfinished submission from" in offer[0] and "(2 of 8 answered)" in offer[0]
    resumed = await again.say("Continue")
    assert resumed[0].startswith("Describe it:")


async def test_every_choice_can_be_typed(services, chat):
    await chat.say("submit")
    assert (await chat.say("EVIDENCE"))[0].startswith("Give it a short title.")  # unique start of a kind
    await chat.say("Does alley-gating work")
    await chat.say("Residents on the Oxhey estate want gates on the back alleys; does it cut burglary?")
    await chat.say("not crime specific")
    await chat.say("2")  # district by number: Stevenage
    for _ in range(2):
        await chat.say("skip")
    offer = await chat.say("skip")
    assert offer[0].startswith("Before you submit") and "1. Carry on with a new submission" in offer[0]
    assert (await chat.say("1"))[0].startswith("Here is your submission:")  # the offer's choice by number
    await chat.say("Submit")
    [row] = saved(services)
    assert (row.kind, row.area, row.crime_types) == ("evidence-request", "Stevenage", [])


async def test_an_unknown_crime_type_is_re_asked_with_suggestions(chat):
    await chat.say("submit")
    await chat.say("idea")
    await chat.say("Bins")
    await chat.say("Surrender bins at stations")
    replies = await chat.say("knif crime, burglery")
    assert replies[0].startswith("I don't know the crime type knif crime. Did you mean: Knife crime")
    assert replies[1].startswith("Which crime types")
    assert (await chat.say("knives, CL"))[0].startswith("Which district")


@pytest.mark.parametrize("typed, found", [
    ("Call the shop manager on 07700 900123 about it.", "a phone number (07700 900123)"),
    ("Email j.smith@example.com for the CCTV.", "an e-mail address (j.smith@example.com)"),
    ("The lead offender, DOB 12/03/1998, lives nearby.", "a date of birth"),
    ("A silver van AB12 CDE is seen at every break-in.", "a vehicle registration (AB12 CDE)"),
])
async def test_personal_data_is_found_and_the_officer_edits_it_out(services, chat, typed, found):
    await chat.say("submit")
    await chat.say("idea")
    await chat.say("Shed burglaries")
    check = await chat.say(typed)
    assert check[0].startswith("Your answer seems to include personal data:") and found in check[0]
    with services.database.session() as session:
        draft = session.get(Draft, (OFFICER_AAD, "submission"))
        assert typed not in str(draft.progress)  # nothing kept before the officer chooses
    edit = await chat.say("edit")
    assert edit[0].startswith("Describe it:")
    assert (await chat.say("A van is seen at every break-in."))[0].startswith("Which crime types")


async def test_personal_data_kept_with_a_reason(services, chat):
    await chat.say("submit")
    await chat.say("Operational problem")
    await chat.say("Van thefts")
    await chat.say("A silver van AB12 CDE is seen at every break-in.")
    ask = await chat.say("keep")
    assert ask[0].startswith("Why does the Hub need it?")
    assert (await chat.say("The van is the problem, not a person."))[0].startswith("Which crime types")
    for answer in ("vehicle crime", "Watford", "skip", "skip"):
        await chat.say(answer)
    await past_the_offer(chat, await chat.say("skip"))
    await chat.say("submit")
    [row] = saved(services)
    assert row.description == "A silver van AB12 CDE is seen at every break-in."
    assert row.personal_data == {"description": {"found": ["vehicle registration"],
                                                 "reason": "The van is the problem, not a person."}}


async def test_4001_characters_are_refused_with_the_count(chat):
    await chat.say("submit")
    await chat.say("idea")
    await chat.say("Long one")
    replies = await chat.say("x" * 4001)
    assert replies[0].startswith("That is 4,001 characters; the limit is 4,000.")
    assert replies[1].startswith("Describe it:")


async def test_the_same_activity_delivered_twice_creates_one_submission(services, chat):
    await past_the_offer(chat, await answer_up_to_the_offer(chat))
    first = await chat.say("submit", activity_id="teams-activity-42")
    again = await chat.say("submit", activity_id="teams-activity-42")
    assert first[0].startswith(f"Submitted. Your reference is PF-{YEAR}-0001.")
    assert again == []  # a repeat delivery is not acted on twice
    assert len(saved(services)) == 1


async def test_a_similar_submission_is_offered_and_joining_adds_the_notes(services, chat, connector):
    portal = services.portal
    vector = (await portal.knowledge.embed([embedding_text("Allotment shed break-ins", DESCRIPTION)]))[0]
    other = NewSubmission(Kind.PROBLEM, "Allotment shed break-ins", DESCRIPTION, ["burglary"], "Watford")
    original = services.portal.submissions.create(OTHER_AAD, other, vector=vector).reference
    services.users.save_reference(OTHER_AAD, {
        "channelId": "msteams", "serviceUrl": connector.service_url, "conversation": {"id": "a:other"},
        "user": {"id": "29:other", "aadObjectId": OTHER_AAD}, "bot": {"id": BOT_ID},
    })
    offer = await answer_up_to_the_offer(chat, title="Sheds on allotments being broken into")
    assert f"- {original}: Allotment shed break-ins (Received)" in offer[0]
    assert f"1. Add my support to {original}\n2. Carry on with a new submission" in offer[0]
    joined = await chat.say(f"Add my support to {original}")
    assert joined[0].startswith(f"Thank you. Your notes and support are added to {original}")
    assert len(saved(services)) == 1  # nothing new was created
    view = services.portal.submissions.get(original, OTHER_AAD, False)
    assert [s.aad_object_id for s in view.supporters] == [OFFICER_AAD]
    assert "Sheds on allotments being broken into" in view.supporters[0].notes
    await services.notifications.drain()  # the submitter's message goes beside the conversation
    assert any("Another officer has added their support" in t for t in connector.texts())
    hub = [card_of(a)["fallbackText"] for a in connector.sent if card_of(a)]
    assert hub == [f"Support added to {original}"]  # the Hub's channel is told too
    # The supporter can now follow it; a stranger cannot see it.
    assert (await chat.say(f"status {original}"))[0].startswith(f"{original}: Allotment shed break-ins. Status: Received.")


async def test_a_status_change_tells_the_submitter(services, chat, connector):
    await past_the_offer(chat, await answer_up_to_the_offer(chat))
    await chat.say("submit")
    reference = f"PF-{YEAR}-0001"
    changes = HubChanges(services.database, services.portal.submissions, Audit(services.database),
                         notices=HubMessages())
    change = changes.change_status(reference, Status.TRIAGED, "hub-member", "Passed to the burglary team.", None)
    await services.notifications.deliver(change.notifications)
    told = [t for t in connector.texts() if t.startswith(f"Update on your submission {reference}")]
    assert told == [f"Update on your submission {reference} (Shed burglaries on allotments): it is now triaged."
                    f"\n\nNote from the Hub: Passed to the burglary team.\n\nType status {reference} to see its history."]
    status = await chat.say(f"status {reference.lower()}")
    assert "Status: Triaged" in status[0] and "Passed to the burglary team" in status[0]


async def test_nobody_else_can_see_a_submission(services, chat, connector):
    await past_the_offer(chat, await answer_up_to_the_offer(chat))
    await chat.say("submit")
    stranger = Chat(services, connector.service_url, aad=OTHER_AAD, name="Sam Other")
    replies = await stranger.say(f"status PF-{YEAR}-0001")
    assert replies == [f"I can't find a submission PF-{YEAR}-0001 that you can see. Type my submissions to see yours."]


async def test_markdown_html_mentions_and_links_are_shown_as_literal_text(services, chat, connector):
    await chat.say("submit")
    await chat.say("idea")
    await chat.say("**Bold** <at>Chief Constable</at> [click](https://evil.example)")
    await chat.say("<script>alert(1)</script> # Heading and _italic_ http://evil.example/x")
    for answer in ("burglary", "Watford", "skip", "skip"):
        await chat.say(answer)
    text = (await past_the_offer(chat, await chat.say("skip")))[0]
    assert "\\*\\*Bold\\*\\* \\<at\\>Chief Constable\\</at\\> \\[click\\](https\u200b://evil.example)" in text
    await chat.say("submit")
    status = await chat.say(f"status PF-{YEAR}-0001")
    assert "<at>" not in status[0] and "\\<at\\>" in status[0] and "https://" not in status[0]
    hub = [card_of(a) for a in connector.sent if card_of(a)]
    shown = " ".join(b.get("text", "") for b in hub[-1]["body"])
    assert "<script>" not in shown and "\\<script\\>" in shown and "http://" not in shown


async def test_every_card_of_a_submission_is_valid_for_teams(services, chat, connector):
    portal = services.portal
    vector = (await portal.knowledge.embed([embedding_text("Allotment shed break-ins", DESCRIPTION)]))[0]
    other = NewSubmission(Kind.PROBLEM, "Allotment shed break-ins", DESCRIPTION, ["burglary"], "Watford")
    portal.submissions.create(OTHER_AAD, other, vector=vector)
    offer = await answer_up_to_the_offer(chat)  # similar submissions and evidence
    assert f"- PF-{YEAR}-0001: Allotment shed break-ins (Received)" in offer[0]
    assert "The Hub's evidence may already answer it:" in offer[0]
    await past_the_offer(chat, offer)
    await chat.say("submit")
    await chat.say(f"status PF-{YEAR}-0002")
    cards = chat.cards + [card_of(a) for a in connector.sent if card_of(a)]
    assert len(cards) == 6  # kind and area choices, the offer, the summary, the status, the Hub's announcement
    assert validate_cards(cards) == []


async def test_an_answer_that_begins_like_a_command_is_taken_as_the_answer(services, chat):
    await chat.say("submit")
    await chat.say("Operational problem")
    await chat.say("Dealing on the fields")
    # "open" and "ask" are Hub commands, but here they begin an answer.
    assert (await chat.say("Open fields behind the school are used for dealing after 9pm."))[0].startswith(
        "Which crime types")
    back = await chat.say("back")
    assert "Your earlier answer: Open fields behind the school are used for dealing after 9pm." in back[0]
    # A command about a submission is still answered, and the question asked again.
    replies = await chat.say("status PF-2026-9999")
    assert replies[0].startswith("I can't find a submission PF-2026-9999") and replies[1].startswith("Describe it:")
