"""Group chats and channels through Microsoft 365 Agents Playground: the bot, @mentioned in the
team's channel, answers a what-works question there; asked in a group chat for a guided dialog,
it offers the personal chat instead."""

from __future__ import annotations

import pytest

from tests.e2e.playground import Playground, adaptive_cards, card_actions, reply_text

pytestmark = [pytest.mark.e2e, pytest.mark.node]

USER = {"id": "29:e2e-officer", "name": "Jo Patel", "aadObjectId": "5c1d2e3f-0000-4000-8000-0000000000e2"}
BOT_ID = "28:prevention-first-e2e"


def _answer_card(activity: dict) -> dict | None:
    cards = adaptive_cards(activity)
    return cards[0] if cards and cards[0]["body"][0]["text"].startswith("What works") else None


async def test_a_what_works_question_in_the_channel_gets_the_answer_card_there(bot_url):
    async with Playground(bot_url, users=[USER], bot_id=BOT_ID, bot_name="Prevention First") as teams:
        # Any message that is not a command is a question, in a channel as in the personal chat.
        await teams.send("county lines", conversation_id=teams.channel_id, mention_bot=True)
        reply = await teams.wait_for(lambda a: bool(_answer_card(a)), timeout=30)
        answer = _answer_card(reply)
        assert answer is not None and answer["body"][0]["text"] == "What works: county lines"
        assert any("County lines" in block.get("text", "") for block in answer["body"])
        assert reply["conversation"]["id"].startswith(teams.channel_id)  # in the channel's new thread
        assert "<at>" not in reply_text(teams.replies).replace("\\", "")  # not echoed, even escaped


async def test_journal_in_the_group_chat_gets_the_personal_chat_button_and_no_question(bot_url):
    async with Playground(bot_url, users=[USER], bot_id=BOT_ID, bot_name="Prevention First") as teams:
        await teams.send("journal", conversation_id=teams.group_chat_id, mention_bot=True)
        replies = await teams.collect(quiet=2.0, timeout=30)
        assert [reply["conversation"]["id"] for reply in replies] == [teams.group_chat_id]
        assert reply_text(replies).startswith("I can help with that in a one-to-one chat with me")
        assert "What happened?" not in reply_text(replies)
        assert card_actions(replies[0]) == [{"type": "Action.OpenUrl", "title": "Open a chat with me",
                                             "url": f"https://teams.microsoft.com/l/chat/0/0?users={BOT_ID}"}]
