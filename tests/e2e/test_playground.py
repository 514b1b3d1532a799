"""End to end through Microsoft 365 Agents Playground, the offline Teams emulator: the app is
installed, the user types, the replies arrive as Teams would show them."""

from __future__ import annotations

import pytest

from bot.app import SERVICES, create_app
from bot.hub.messages import HubMessages
from domain.audit import Audit
from domain.hub.changes import HubChanges
from domain.settings import Settings
from domain.portal import Status
from tests.e2e.journeys import answer, submit_bike_thefts
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
        reply = await teams.wait_for(lambda a: "Academy" in reply_text(a), timeout=30)
        assert "you are not enrolled in one" in reply_text(reply)


def _answer_card(activity: dict) -> dict | None:
    cards = adaptive_cards(activity)
    return cards[0] if cards and cards[0]["body"][0]["text"].startswith("What works") else None


def _button(card: dict, title: str) -> dict:
    actions = card["actions"] + [a for b in card["body"] if b["type"] == "ActionSet" for a in b["actions"]]
    return next(a for a in actions if a["title"] == title)


async def test_a_what_works_question_a_filter_button_and_feedback(bot_url):
    async with Playground(bot_url, users=[USER]) as teams:
        await teams.send("what works for county lines")
        answer = _answer_card(await teams.wait_for(_answer_card, timeout=30))
        assert any("County lines" in b.get("text", "") for b in answer["body"])

        await teams.submit_card(_button(answer, "Practice only")["data"])
        practice = await teams.wait_for(
            lambda a: bool(_answer_card(a)) and "(practice only)" in _answer_card(a)["body"][0]["text"], timeout=30)
        badges = [b["text"] for b in _answer_card(practice)["body"] if b.get("isSubtle")][1:]
        assert badges and all(text.startswith("Practice example") for text in badges)

        await teams.submit_card(_button(_answer_card(practice), "Helpful")["data"])
        thanks = await teams.wait_for(lambda a: "glad it helped" in reply_text(a), timeout=30)
        assert reply_text(thanks).startswith("Thanks")


async def test_a_submission_by_typed_text_then_my_submissions_and_a_status_update(bot_url, tmp_path):
    async with Playground(bot_url, users=[USER]) as teams:
        reference = await submit_bike_thefts(teams, success="Half as many bikes stolen by the summer")

        mine = await answer(teams, "my submissions", "Your submissions")
        assert f"{reference}: Bike thefts at Stevenage station. Received, updated" in reply_text(mine)

        # A second instance of the app on the same database (as the Hub's tools will be)
        # changes the status; the officer is told in their chat.
        other = create_app(Settings.from_env({
            "DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}", "INDEX_DIR": str(tmp_path / "no-index"),
        }), migrate=False)
        services = other[SERVICES]
        changes = HubChanges(services.database, services.portal.submissions, Audit(services.database),
                             notices=HubMessages())
        change = changes.change_status(reference, Status.TRIAGED, "hub-analyst", "Passed to the Stevenage team.", None)
        await services.notifications.deliver(change.notifications)
        update = await teams.wait_for(lambda a: reply_text(a).startswith(f"Update on your submission {reference}"),
                                      timeout=30)
        assert "it is now triaged" in reply_text(update) and "Passed to the Stevenage team." in reply_text(update)
        other.freeze()
        await other.cleanup()  # its sender, its connection to Teams and its database, as a server's shutdown


async def test_a_journal_entry_by_typed_text_then_read_back(bot_url):
    async with Playground(bot_url, users=[USER]) as teams:
        async def answer(text: str, next_question: str) -> dict:
            await teams.send(text)
            return await teams.wait_for(lambda a: reply_text(a).startswith(next_question), timeout=30)

        await answer("journal", "What happened?")
        await answer("Youths gathering at the skate park again on Friday night.", "What were you thinking")
        await answer("skip", "What went well")
        await answer("They talked to me this time.", "What did you learn")
        await answer("skip", "What will you do next?")
        await answer("Ask the youth club about Friday opening.", "Here is your journal entry")
        await answer("save", "Saved your journal entry for")
        back = await answer("my journal", "Your journal (page 1 of 1, 1 entries")
        assert "Youths gathering at the skate park again on Friday night." in reply_text(back)
        assert "Ask the youth club about Friday opening." in reply_text(back)
