"""The guided-dialog base, driven through botbuilder-testing's DialogTestClient with a small
dialog that lives here: help, cancel, back, typed choices, limits, summary changes, drafts."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.core import ConversationState, MemoryStorage, TurnContext
from botbuilder.dialogs import DialogTurnStatus
from botbuilder.testing import DialogTestClient

from dialogs.base import GuidedDialog, Question
from domain.drafts import Drafts

QUESTIONS = [
    Question("title", "Title", "What would you call it?", "Knife bins at Watford Junction"),
    Question("kind", "Kind", "What kind of thing is it?", "idea", choices=("Idea", "Operational problem", "Evidence request")),
    Question("area", "Area", "Which district?", "Watford", choices=("Watford", "Stevenage", "Force-wide"), optional=True),
    Question("details", "Details", "Tell me more.", "Groups gather by the station after 10pm"),
]


class NoteDialog(GuidedDialog):
    """A four-question dialog used only by these tests."""

    def __init__(self, drafts: Drafts) -> None:
        super().__init__("note", "note", QUESTIONS, drafts)
        self.saved: list[dict[str, Any]] = []

    async def on_complete(self, turn_context: TurnContext, answers: dict[str, Any]) -> Any:
        self.saved.append(dict(answers))
        await turn_context.send_activity("Saved.")
        return answers


@pytest.fixture
def drafts(sqlite_db) -> Drafts:
    return Drafts(sqlite_db)


def make_client(drafts: Drafts) -> tuple[DialogTestClient, NoteDialog]:
    dialog = NoteDialog(drafts)
    client = DialogTestClient("test", dialog, conversation_state=ConversationState(MemoryStorage()))
    return client, dialog


async def say(client: DialogTestClient, text: str) -> list[str]:
    """Send a message and return the texts of every reply."""
    first = await client.send_activity(text)
    texts = [first.text or ""] if first is not None else []
    while (more := client.get_next_reply()) is not None:
        texts.append(more.text or "")
    return texts


async def answer_all(client: DialogTestClient) -> list[str]:
    await say(client, "start")
    await say(client, "Knife bins")
    await say(client, "1")
    await say(client, "Watford")
    return await say(client, "Groups gather by the station")


async def test_happy_path_asks_one_question_at_a_time_then_saves(drafts):
    client, dialog = make_client(drafts)
    assert (await say(client, "start"))[0].startswith("What would you call it?\n\nFor example: Knife bins")
    kind = await say(client, "Knife bins")
    assert kind[0].startswith("What kind of thing is it?") and "1. Idea" in kind[0]
    await say(client, "operational problem")
    await say(client, "skip")
    summary = await say(client, "Groups gather by the station")
    assert "1. Title: Knife bins" in summary[0]
    assert "2. Kind: Operational problem" in summary[0]
    assert "3. Area: (not answered)" in summary[0]
    assert await say(client, "save") == ["Saved."]
    assert dialog.saved == [
        {"title": "Knife bins", "kind": "Operational problem", "area": None, "details": "Groups gather by the station"}
    ]
    assert client.dialog_turn_result.status == DialogTurnStatus.Complete
    assert drafts.load("user1", "note") is None


@pytest.mark.parametrize("typed, expected", [("2", "Operational problem"), ("EVIDENCE REQUEST", "Evidence request"), ("ide", "Idea")])
async def test_choices_can_be_typed_as_number_text_or_unique_start(drafts, typed, expected):
    client, dialog = make_client(drafts)
    await say(client, "start")
    await say(client, "Knife bins")
    await say(client, typed)
    await say(client, "3")
    await say(client, "More")
    await say(client, "save")
    assert dialog.saved[0]["kind"] == expected
    assert dialog.saved[0]["area"] == "Force-wide"


async def test_an_unknown_choice_is_re_asked_with_the_options(drafts):
    client, _ = make_client(drafts)
    await say(client, "start")
    await say(client, "Knife bins")
    replies = await say(client, "banana")
    assert replies[0].startswith("Please choose one of these, by number or name: 1. Idea; 2. Operational problem")
    assert replies[1].startswith("What kind of thing is it?")


async def test_back_re_asks_the_previous_question_showing_the_old_answer(drafts):
    client, dialog = make_client(drafts)
    await say(client, "start")
    await say(client, "Knife bins")
    back = await say(client, "back")
    assert back[0].startswith("What would you call it?")
    assert "Your earlier answer: Knife bins" in back[0]
    await say(client, "Knife surrender bins")
    await say(client, "1")
    await say(client, "back")  # from area back to kind
    await say(client, "2")
    await say(client, "Stevenage")
    await say(client, "Details")
    await say(client, "save")
    assert dialog.saved[0]["title"] == "Knife surrender bins"
    assert dialog.saved[0]["kind"] == "Operational problem"


async def test_back_on_the_first_question_says_so(drafts):
    client, _ = make_client(drafts)
    await say(client, "start")
    replies = await say(client, "back")
    assert replies[0] == "This is the first question, so there is nothing to go back to."
    assert replies[1].startswith("What would you call it?")


async def test_one_answer_can_be_changed_from_the_summary(drafts):
    client, dialog = make_client(drafts)
    await answer_all(client)
    change = await say(client, "2")
    assert change[0].startswith("What kind of thing is it?")
    assert "Your earlier answer: Idea" in change[0]
    summary = await say(client, "Evidence request")
    assert "2. Kind: Evidence request" in summary[0]  # straight back to the summary
    await say(client, "save")
    assert dialog.saved[0]["kind"] == "Evidence request"
    assert dialog.saved[0]["title"] == "Knife bins"


async def test_help_explains_and_re_asks_without_taking_it_as_an_answer(drafts):
    client, dialog = make_client(drafts)
    await say(client, "start")
    await say(client, "Knife bins")
    await say(client, "1")
    replies = await say(client, "help")
    assert "optional: type skip" in replies[0]
    assert "Question 3 of 4" in replies[0]
    assert replies[1].startswith("Which district?")


async def test_cancel_stops_without_saving_and_forgets_the_draft(drafts):
    client, dialog = make_client(drafts)
    await say(client, "start")
    await say(client, "Knife bins")
    assert drafts.load("user1", "note") is not None
    assert await say(client, "cancel") == ["Cancelled. Your note was not saved."]
    assert dialog.saved == []
    assert client.dialog_turn_result.status != DialogTurnStatus.Waiting
    assert drafts.load("user1", "note") is None


async def test_text_over_the_limit_is_refused_with_the_count(drafts):
    client, _ = make_client(drafts)
    await say(client, "start")
    replies = await say(client, "x" * 4001)
    assert replies[0].startswith("That is 4,001 characters; the limit is 4,000.")
    assert "For example: Knife bins at Watford Junction" in replies[0]
    assert replies[1].startswith("What would you call it?")
    accepted = await say(client, "x" * 4000)
    assert accepted[0].startswith("What kind of thing is it?")


async def test_an_abandoned_dialog_is_offered_back_as_a_draft(drafts):
    client, _ = make_client(drafts)
    await say(client, "start")
    await say(client, "Knife bins")
    await say(client, "2")
    # The conversation is lost (new chat, expired state): a new client, same user, same database.
    client, dialog = make_client(drafts)
    offer = await say(client, "start")
    assert "You have an unfinished note from" in offer[0] and "(2 of 4 answered)" in offer[0]
    resumed = await say(client, "continue")
    assert resumed[0].startswith("Which district?")
    await say(client, "Watford")
    await say(client, "Details")
    await say(client, "save")
    assert dialog.saved[0] == {"title": "Knife bins", "kind": "Operational problem", "area": "Watford", "details": "Details"}


async def test_a_draft_can_be_thrown_away_by_starting_again(drafts):
    client, _ = make_client(drafts)
    await say(client, "start")
    await say(client, "Knife bins")
    client, _ = make_client(drafts)
    await say(client, "start")
    fresh = await say(client, "start again")
    assert fresh[0].startswith("What would you call it?")
    assert "Your earlier answer" not in fresh[0]
