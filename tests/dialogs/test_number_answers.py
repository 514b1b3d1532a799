"""Numbers typed in a conversation are ASCII digits: a superscript ("²"), another script's digit
("٣"), a full-width digit or a 5,000-digit number typed where a number is expected is re-asked
like any other answer the bot can't use, and the dialog carries on."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.app import SERVICES, Services, create_app
from domain.settings import Settings
from tests.dialogs.test_submission import Chat
from tests.fakes import OFFICER_AAD

NOT_NUMBERS = ["²", "1²", "٣", "１", "9" * 5000]
KIND = "What are you sending the Hub?"


@pytest.fixture
async def services(aiohttp_client, tmp_path: Path) -> Services:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "INDEX_DIR": str(tmp_path / "no-index"),
        "DISTRICTS": "Watford,Stevenage,Dacorum",
        "SCHEDULER_SECONDS": "3600",
    })
    client = await aiohttp_client(create_app(settings))
    return client.app[SERVICES]


@pytest.fixture
def chat(services: Services, connector) -> Chat:  # type: ignore[no-untyped-def]
    chat = Chat(services, connector.service_url)
    chat.adapter.on_turn_error = services.adapter.on_turn_error  # a crash shows as the app shows it
    return chat


@pytest.mark.parametrize("typed", NOT_NUMBERS)
async def test_a_choice_answered_with_digits_that_are_not_ascii_is_asked_again_with_an_example(chat, typed):
    await chat.say("submit")
    replies = await chat.say(typed)
    if len(typed) > 4000:
        assert replies[0].startswith("That is 5,000 characters; the limit is 4,000.")
    else:
        assert replies[0].startswith("Please choose one of these, by number or name: 1. Idea;")
    assert "For example: Operational problem" in replies[0]
    assert replies[1].startswith(KIND)  # the same question again
    assert (await chat.say("3"))[0].startswith("Give it a short title.")  # a number in ASCII digits works


async def test_the_keep_or_edit_choice_on_personal_data_is_asked_again(chat):
    await chat.say("submit")
    await chat.say("idea")
    await chat.say("Shed burglaries")
    await chat.say("Call the shop manager on 07700 900123 about it.")
    replies = await chat.say("²")
    assert replies[0].startswith("Please choose one of these, by number or name: 1. Edit; 2. Keep.")
    assert replies[1].startswith("Your answer seems to include personal data:")
    assert (await chat.say("1"))[0].startswith("Describe it:")


async def test_at_the_summary_digits_that_are_not_ascii_are_asked_again_and_a_number_then_works(services, chat):
    await chat.say("submit")
    for answer in ("idea", "Knife bins at stations", "Surrender bins at the three main stations.", "knife crime",
                   "Watford", "skip", "skip"):
        await chat.say(answer)
    summary = await chat.say("skip")
    summary = await chat.say("Carry on with a new submission") if summary[0].startswith("Before you submit") else summary
    assert summary[0].startswith("Here is your submission:")
    for typed in [*NOT_NUMBERS, "change ²", "change ٣"]:
        replies = await chat.say(typed)
        assert replies[0] == "Type submit to save, a number from 1 to 8 to change that answer, or cancel.", typed
        assert replies[1].startswith("Here is your submission:")
    assert (await chat.say("5"))[0].startswith("Which district is it in?")
    assert "5. Area: Dacorum" in (await chat.say("Dacorum"))[0]
    assert (await chat.say("submit"))[0].startswith(f"Submitted. Your reference is PF-{date.today().year}-0001.")


async def test_my_journal_with_a_page_not_in_ascii_digits_shows_the_first_page(services, chat):
    services.academy.academy.add_journal_entry(OFFICER_AAD, {"description": "Skate park calls again."},
                                               written_on=date(2026, 11, 2))
    await chat.say("help")
    for typed in ("²", "٢", "9" * 5000):
        replies = await chat.say(f"my journal {typed}")
        assert replies[0].startswith("Your journal (page 1 of 1, 1 entries;"), typed
