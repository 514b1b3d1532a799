"""``grant`` and ``revoke`` name the person by a Teams @mention or an Azure AD object id, read
from the database: never by a display name alone, which an outsider can choose themselves."""

from __future__ import annotations

import pytest

from domain.models import Role
from tests.bot.hub.admin_chat import (
    ADMIN_AAD, BOT_MENTION, HUB_AAD, NAMES, OTHER_AAD, AdminChat, admin_chat, mention,
)
from tests.fakes import OFFICER_AAD

IMPOSTOR_AAD = "9e000000-0000-4000-8000-000000000099"


@pytest.fixture
async def chat(aiohttp_client, tmp_path, connector) -> AdminChat:  # type: ignore[no-untyped-def]
    return await admin_chat(aiohttp_client, tmp_path, connector)


async def test_grant_by_mention_reaches_the_person_picked_even_when_someone_else_took_their_name(chat):
    # An outsider has set their display name to the officer's and talked to the bot.
    NAMES[IMPOSTOR_AAD] = NAMES[OFFICER_AAD]
    try:
        await chat.say(IMPOSTOR_AAD, "help")
    finally:
        del NAMES[IMPOSTOR_AAD]
    answer = await chat.text(ADMIN_AAD, "grant hub <at>Alex Morgan</at>", entities=[mention(OFFICER_AAD)])
    assert answer == "Alex Morgan is now Hub staff (was an officer)."
    assert chat.services.users.role_of(OFFICER_AAD) is Role.HUB
    assert chat.services.users.role_of(IMPOSTOR_AAD) is Role.OFFICER

    # In a channel the bot is mentioned too; Teams may also send the object id in a mention.
    answer = await chat.text(ADMIN_AAD, "<at>Prevention First</at> revoke <at>Alex Morgan</at>",
                             entities=[BOT_MENTION, mention(OFFICER_AAD, with_object_id=True)])
    assert answer == "Alex Morgan is now an officer (was Hub staff)."
    answer = await chat.text(ADMIN_AAD, "grant admin to <at>Alex Morgan</at>", entities=[mention(OFFICER_AAD)])
    assert answer == "Alex Morgan is now an admin (was an officer)."
    assert chat.audit() == [(ADMIN_AAD, "user.role", OFFICER_AAD)] * 3


async def test_a_display_name_alone_is_refused_and_an_object_id_works(chat):
    answer = await chat.text(ADMIN_AAD, "grant admin Sam Patel")
    assert answer.startswith("I can't tell who Sam Patel is from a name alone")
    assert "@mention them" in answer and "Azure AD object id" in answer
    assert chat.services.users.role_of(HUB_AAD) is Role.HUB
    assert "@mention" in await chat.text(ADMIN_AAD, "revoke Sam Patel")
    assert chat.audit() == []

    assert await chat.text(ADMIN_AAD, f"grant admin {HUB_AAD.upper()}") == "Sam Patel is now an admin (was Hub staff)."
    assert chat.services.users.role_of(HUB_AAD) is Role.ADMIN


async def test_mentions_that_name_nobody_known_or_several_people_change_nothing(chat):
    stranger = "9e000000-0000-4000-8000-000000000042"
    answer = await chat.text(ADMIN_AAD, "grant hub <at>Kim <b>Lee</b></at>", entities=[mention(stranger, "Kim *Lee*")])
    assert answer == "I don't know Kim \\*Lee\\* yet: they need to have said hello to me in Teams once."
    answer = await chat.text(ADMIN_AAD, "grant hub <at>Alex Morgan</at> <at>Robin</at>",
                             entities=[mention(OFFICER_AAD), mention(OTHER_AAD)])
    assert answer.startswith("Name one person at a time")
    answer = await chat.text(ADMIN_AAD, "grant hub")
    assert answer.startswith("Who? @mention them")
    assert [chat.services.users.role_of(a) for a in (OFFICER_AAD, OTHER_AAD)] == [Role.OFFICER, Role.OFFICER]
    assert chat.audit() == []
