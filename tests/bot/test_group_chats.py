"""Group chats and channels, through HTTP as Teams calls the bot: guided dialogs and anyone's
records stay in the personal chat (the group is given a button that opens it), what-works
questions are answered for everyone, and the bot's own @mention never reaches what reads
the text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, Mention
from sqlalchemy import select

from bot.app import SERVICES, Services, create_app
from bot.commands import Recogniser
from bot.middleware import BotMention
from domain.models import Role, Submission, SubmissionQuestion
from domain.portal import Kind, NewSubmission
from domain.settings import Settings
from tests.conftest import MODEL_CACHE
from tests.fakes import BOT_ID, OFFICER_AAD, TENANT_ID, card_of, replies, teams_activity
from tests.nodetools import validate_cards

HUB_AAD = "1a000000-0000-4000-8000-000000000001"
COLLEAGUE_AAD = "1a000000-0000-4000-8000-000000000007"
NAMES = {OFFICER_AAD: "Alex Morgan", HUB_AAD: "Sam Patel", COLLEAGUE_AAD: "Robin Shaw"}
BOT_MENTION = "<at>Prevention First</at>"
THREAD = "19:neighbourhood@thread.tacv2;messageid=1764147600000"
CHANNEL = {"id": THREAD, "conversationType": "channel", "isGroup": True, "tenantId": TENANT_ID}
GROUP_CHAT = {"id": "19:3f2a0b7c-team-leads@thread.v2", "conversationType": "groupChat", "isGroup": True,
              "tenantId": TENANT_ID}
CHANNEL_DATA = {"tenant": {"id": TENANT_ID}, "team": {"id": "19:team@thread.tacv2"},
                "channel": {"id": "19:neighbourhood@thread.tacv2"}}
OPENS_PERSONAL_CHAT = f"https://teams.microsoft.com/l/chat/0/0?users={BOT_ID}"
TITLE = "Shed burglaries on allotments"


def bot_mention_entity() -> dict[str, Any]:
    return {"type": "mention", "text": BOT_MENTION, "mentioned": {"id": BOT_ID, "name": "Prevention First"}}


class People:
    """Several people talking to one bot over HTTP, in their personal chats or in a shared one."""

    def __init__(self, client: Any, connector: Any) -> None:
        self.client, self.connector = client, connector
        self.services: Services = client.app[SERVICES]

    async def post(self, aad: str, text: str | None = None, *, where: dict | None = None,
                   value: dict | None = None, **extra: Any) -> list[dict[str, Any]]:
        """A message from ``aad``; in a shared chat (``where``) it mentions the bot, as Teams
        requires there. Returns the messages the bot answered with."""
        if where is not None:
            text = f"{BOT_MENTION} {text}" if text is not None else None
            extra.setdefault("conversation", where)
            extra.setdefault("channelData", CHANNEL_DATA if where is CHANNEL else {"tenant": {"id": TENANT_ID}})
            extra.setdefault("entities", [bot_mention_entity()] if text is not None else [])
        activity = teams_activity(text, aad_object_id=aad, name=NAMES[aad], service_url=self.connector.service_url,
                                  **extra)
        if value is not None:
            activity["value"] = value
        response = await self.client.post("/api/messages", json=activity)
        assert response.status == 200
        return [a for a in replies(await response.json()) if a["type"] == "message"]

    async def press(self, aad: str, data: dict, *, where: dict) -> dict[str, Any]:
        """An ``Action.Execute`` press on a Hub card in a shared chat."""
        invoke = teams_activity(None, aad_object_id=aad, name=NAMES[aad], service_url=self.connector.service_url,
                                activity_type="invoke", expect_replies=False, conversation=where,
                                value={"action": {"type": "Action.Execute", "verb": "hub", "data": data},
                                       "trigger": "manual"})
        invoke["name"] = "adaptiveCard/action"
        response = await self.client.post("/api/messages", json=invoke)
        assert response.status == 200
        return dict(await response.json())


def shown(messages: list[dict[str, Any]]) -> str:
    """Everything the messages show: text, and each card in full."""
    return "\n".join(f"{m.get('text') or ''}\n{json.dumps(card_of(m) or {})}" for m in messages)


def points_to_the_personal_chat(messages: list[dict[str, Any]]) -> bool:
    """Whether the answer is only the line and the button that opens the personal chat."""
    if len(messages) != 1 or card_of(messages[0]) is None:
        return False
    card = card_of(messages[0]) or {}
    return (card["body"][0]["text"].startswith("I can help with that in a one-to-one chat with me")
            and card["actions"] == [{"type": "Action.OpenUrl", "title": "Open a chat with me",
                                     "url": OPENS_PERSONAL_CHAT}])


@pytest.fixture
async def people(aiohttp_client, tmp_path: Path, connector) -> People:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "INDEX_DIR": str(tmp_path / "no-index"),
    })
    chat = People(await aiohttp_client(create_app(settings)), connector)
    for aad in NAMES:
        await chat.post(aad, "help")  # each has said hello in their personal chat
    chat.services.users.set_role(HUB_AAD, Role.HUB)
    return chat


@pytest.fixture
def burglary(people: People) -> str:
    new = NewSubmission(Kind.PROBLEM, TITLE, f"{TITLE}: since September, mostly at night.", ["burglary"], "Watford")
    return people.services.portal.submissions.create(OFFICER_AAD, new, vector=[1, 0, 0, 0]).reference


def status_of(services: Services, reference: str) -> str:
    with services.database.session() as session:
        return session.scalars(select(Submission.status).where(Submission.reference == reference)).one()


# --- guided dialogs and records stay in the personal chat ------------------------------------


async def test_two_people_in_one_channel_thread_neither_carries_on_nor_reads_the_others_journal(people):
    started = await people.post(OFFICER_AAD, "journal", where=CHANNEL)
    assert points_to_the_personal_chat(started), shown(started)
    assert "What happened?" not in shown(started)

    answered = await people.post(COLLEAGUE_AAD, "Third call about youths at the skate park.", where=CHANNEL)
    assert "What were you thinking" not in shown(answered) and "skate park" not in shown(answered)
    saved = await people.post(COLLEAGUE_AAD, "save", where=CHANNEL)
    assert "Saved your journal entry" not in shown(saved) and "Here is your journal entry" not in shown(saved)
    academy = people.services.academy.academy
    assert academy.journal_page(OFFICER_AAD).total == 0 and academy.journal_page(COLLEAGUE_AAD).total == 0

    # The officer's journal is written where they were pointed: their personal chat.
    assert (await people.post(OFFICER_AAD, "journal"))[0]["text"].startswith("What happened?")


async def test_a_dialog_left_in_a_channels_conversation_is_never_carried_on_there(people):
    # A journal found in the channel's conversation state (as a release that ran dialogs there left it).
    leftover = {**CHANNEL, "conversationType": "personal", "isGroup": False}
    assert (await people.post(OFFICER_AAD, "journal", conversation=leftover))[0]["text"].startswith("What happened?")

    answered = await people.post(COLLEAGUE_AAD, "Third call about youths at the skate park.", where=CHANNEL)
    assert "What were you thinking" not in shown(answered) and "skate park" not in shown(answered)
    for _ in range(5):
        summary = await people.post(COLLEAGUE_AAD, "skip", where=CHANNEL)
        assert "Here is your journal entry" not in shown(summary) and "skate park" not in shown(summary)
    await people.post(COLLEAGUE_AAD, "save", where=CHANNEL)
    assert people.services.academy.academy.journal_page(COLLEAGUE_AAD).total == 0


@pytest.mark.parametrize("where", [CHANNEL, GROUP_CHAT], ids=["channel", "group chat"])
@pytest.mark.parametrize("who, typed", [
    pytest.param(aad, typed, id=f"{'hub member' if aad == HUB_AAD else 'officer'}: {typed}") for aad, typed in (
        (OFFICER_AAD, "journal"), (OFFICER_AAD, "submit"), (OFFICER_AAD, "status {ref}"),
        (OFFICER_AAD, "my submissions"), (OFFICER_AAD, "my journal"), (OFFICER_AAD, "export"),
        (OFFICER_AAD, "academy"), (OFFICER_AAD, "six hats"), (OFFICER_AAD, "action plan"),
        (HUB_AAD, "queue"), (HUB_AAD, "open {ref}"), (HUB_AAD, "status {ref}"), (HUB_AAD, "hub"),
        (HUB_AAD, "gaps"), (HUB_AAD, "knowledge status"),
    )
])
async def test_a_dialog_or_a_record_asked_for_in_a_group_gets_the_personal_chat_button_and_no_record(
        people, burglary, where, who, typed):
    answer = await people.post(who, typed.format(ref=burglary), where=where)
    assert points_to_the_personal_chat(answer), shown(answer)
    assert TITLE not in shown(answer)


async def test_in_a_channel_every_command_but_help_and_what_works_points_to_the_personal_chat(people, burglary):
    recognise = Recogniser(people.services.bot.commands)
    checked = []
    for command in people.services.bot.commands:
        typed = [*command.phrases, *(f"{prefix} {argument}" for prefix in command.prefixes
                                     for argument in (burglary, "30", f"{burglary} Alex Morgan"))]
        typed = [text for text in typed if (recognised := recognise(text)) and recognised.name == command.name]
        assert typed, command.name
        answer = await people.post(HUB_AAD, typed[0], where=CHANNEL)
        if command.name in ("help", "what works"):
            assert not points_to_the_personal_chat(answer), typed[0]
        else:
            assert points_to_the_personal_chat(answer), (typed[0], shown(answer))
            checked.append(command.name)
    assert {"submit", "journal", "queue", "grant", "report", "enrol"} <= set(checked)


async def test_a_hub_card_button_pressed_in_a_channel_is_refused_there_and_changes_nothing(people, burglary):
    body = await people.press(HUB_AAD, {"action": "hub", "op": "status", "reference": burglary, "version": 0,
                                        "status": "triaged", "note": "Passed to the burglary team"}, where=CHANNEL)
    assert body["statusCode"] == 403 and body["type"] == "application/vnd.microsoft.error"
    assert body["value"]["message"].startswith("I can help with that in a one-to-one chat with me")
    assert status_of(people.services, burglary) == "received"


async def test_a_journal_card_saved_in_a_group_chat_is_pointed_to_the_personal_chat_and_not_kept(people):
    answer = await people.post(OFFICER_AAD, where=GROUP_CHAT, value={
        "action": "journal", "op": "save", "description": "Skate park calls again.", "feelings": "Calm."})
    assert points_to_the_personal_chat(answer), shown(answer)
    assert people.services.academy.academy.journal_page(OFFICER_AAD).total == 0


@pytest.mark.node
async def test_help_in_a_group_chat_lists_only_what_works_there(people):
    [answer] = await people.post(OFFICER_AAD, "help", where=GROUP_CHAT)
    card = card_of(answer)
    assert card is not None and card["body"][0]["text"] == "Prevention First assistant"
    assert [action["title"] for action in card["actions"]] == ["What works", "Open a chat with me"]
    assert card["actions"][1]["url"].startswith("https://teams.microsoft.com/l/chat/0/0?users=28:")
    typed = next(item for item in card["body"][3:] if item["type"] == "FactSet")
    assert [fact["title"] for fact in typed["facts"]] == ["help", "what works"]
    assert "chat with me one-to-one" in card["body"][-1]["text"]
    assert "journal" not in card["fallbackText"]
    [pointed] = await people.post(OFFICER_AAD, "journal", where=GROUP_CHAT)
    assert validate_cards([card, card_of(pointed) or {}]) == []


async def test_a_question_from_a_channel_is_not_taken_as_the_reply_to_the_hubs_question(people, burglary):
    await people.post(HUB_AAD, f"ask {burglary} Which nights are the sheds broken into?")
    await people.post(OFFICER_AAD, "Fridays, shift handover", where=CHANNEL)
    with people.services.database.session() as session:
        assert session.scalars(select(SubmissionQuestion)).one().answer is None
    # The reply is written in the personal chat, where the question was sent.
    thanks = await people.post(OFFICER_AAD, "Mostly Friday and Saturday nights")
    assert thanks[0]["text"].startswith(f"Thank you. Your reply is added to {burglary}")


# --- the bot's mention -------------------------------------------------------------------------


async def test_the_crime_types_answer_with_the_bots_mention_in_a_personal_chat_is_read_as_typed(people):
    for typed, asked in (("submit", "What are you sending the Hub?"), ("Operational problem", "Give it a short title."),
                         (TITLE, "Describe it:"),
                         ("Since September sheds on three allotment sites in Hatfield have been broken into at "
                          "night, mostly at weekends; power tools are taken.", "Which crime types")):
        assert (await people.post(OFFICER_AAD, typed))[0]["text"].startswith(asked)
    answer = await people.post(OFFICER_AAD, f"{BOT_MENTION} burglary", entities=[bot_mention_entity()])
    assert answer[0]["text"].startswith("Which district is it in?"), shown(answer)


async def test_a_colleagues_mention_stays_for_the_commands_that_name_people():
    colleague = Mention(type="mention", text="<at>Sam Patel</at>",
                        mentioned=ChannelAccount(id="29:sam", name="Sam Patel"))
    activity = Activity(
        type="message", text=f"{BOT_MENTION} grant <at>Sam Patel</at> hub", channel_id="msteams",
        recipient=ChannelAccount(id=BOT_ID, name="Prevention First"),
        from_property=ChannelAccount(id=f"29:{OFFICER_AAD}", aad_object_id=OFFICER_AAD),
        conversation=ConversationAccount(id="a:one", conversation_type="personal"),
        entities=[Mention(type="mention", text=BOT_MENTION, mentioned=ChannelAccount(id=BOT_ID)), colleague],
    )
    turn = TurnContext(TestAdapter(), activity)

    async def nothing() -> None:
        return None

    await BotMention().on_turn(turn, nothing)
    assert turn.activity.text == "grant <at>Sam Patel</at> hub"
    assert turn.activity.entities == [colleague]


# --- what works, for everyone ------------------------------------------------------------------


@pytest.fixture
async def answering(aiohttp_client, tmp_path: Path, shipped_index: Path, connector) -> People:  # type: ignore[no-untyped-def]
    shutil.copytree(shipped_index, tmp_path / "index")
    settings = Settings.from_env({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "INDEX_DIR": str(tmp_path / "index"),
        "MODEL_CACHE_DIR": str(MODEL_CACHE),
    })
    return People(await aiohttp_client(create_app(settings)), connector)


def answer_card(messages: list[dict[str, Any]]) -> dict[str, Any]:
    cards = [card for m in messages if (card := card_of(m)) is not None]
    assert cards and cards[-1]["body"][0]["text"].startswith("What works"), shown(messages)
    return cards[-1]


def button(card: dict[str, Any], title: str) -> dict[str, Any]:
    actions = card["actions"] + [a for b in card["body"] if b["type"] == "ActionSet" for a in b["actions"]]
    return next(a for a in actions if a["title"] == title)


@pytest.mark.model
async def test_a_question_in_a_channel_is_answered_there_without_the_mention_and_its_buttons_are_shared(answering):
    asked = await answering.post(OFFICER_AAD, "county lines drug dealing", where=CHANNEL)
    card = answer_card(asked)
    assert card["body"][0]["text"] == "What works: county lines drug dealing"
    assert "<at>" not in shown(asked).replace("\\", "")  # the mention is not echoed, even escaped

    # The asker narrows the answer in the channel; a colleague's press is told whose it is.
    practice = answer_card(await answering.post(OFFICER_AAD, where=CHANNEL, value=button(card, "Practice only")["data"]))
    assert practice["body"][0]["text"] == "What works: county lines drug dealing (practice only)"
    [told] = await answering.post(COLLEAGUE_AAD, where=CHANNEL, value=button(card, "Helpful")["data"])
    assert told["text"].startswith("That answer's buttons work only for the person who asked")
    assert "expired" not in told["text"]

    # Asking the Hub starts a submission, which belongs in the personal chat.
    ask = {**button(card, "Helpful")["data"], "op": "ask"}
    ask.pop("helpful")
    redirected = await answering.post(OFFICER_AAD, where=CHANNEL, value=ask)
    assert points_to_the_personal_chat(redirected), shown(redirected)
