"""End to end through Microsoft 365 Agents Playground, the offline Teams emulator: the app is
installed, the user types, the replies arrive as Teams would show them."""

from __future__ import annotations

import pytest

from tests.e2e.playground import Playground, adaptive_cards, reply_text

pytestmark = [pytest.mark.e2e, pytest.mark.node]

USER = {"id": "29:e2e-officer", "name": "Jo Patel", "aadObjectId": "5c1d2e3f-0000-4000-8000-0000000000e2"}


def _is_help_card(activity: dict) -> bool:
    cards = adaptive_cards(activity)
    return bool(cards) and cards[0]["body"][0]["text"] == "Prevention First assistant"


async def test_installing_welcomes_and_typing_help_shows_the_help_card(bot_url):
    async with Playground(bot_url, users=[USER], bot_id="28:prevention-first-e2e") as teams:
        await teams.install()
        welcome = await teams.wait_for(_is_help_card, timeout=30)
        assert "I help you prevent crime" in reply_text(welcome)

        await teams.send("help")
        card = await teams.wait_for(_is_help_card, timeout=30)
        assert "Hello Jo" in reply_text(card)
        titles = [a["title"] for a in adaptive_cards(card)[0]["actions"]]
        assert titles == ["What works", "Submit to the Hub", "Academy", "Hub tools"]


async def test_a_card_button_works_like_typing_its_command(bot_url):
    async with Playground(bot_url, users=[USER]) as teams:
        await teams.send("help")
        await teams.wait_for(_is_help_card, timeout=30)
        await teams.submit_card({"msteams": {"type": "imBack", "value": "academy"}, "command": "academy"})
        reply = await teams.wait_for(lambda a: "coming soon" in reply_text(a), timeout=30)
        assert "Academy" in reply_text(reply)
