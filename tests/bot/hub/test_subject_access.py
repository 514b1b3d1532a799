"""Subject access in Teams, for admins only (the role read from the database): ``sar export``
offers the person's JSON export as a file, ``erase`` erases only when an admin presses Erase
on its card, ``audit export`` offers the audit log as CSV; each run adds exactly one audit row,
and a refused, declined or cancelled attempt adds none."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.hub.subject_access import ADMIN_REFUSAL, ERASE, PERSONAL_ONLY
from domain.clock import london_today
from domain.models import Submission, User
from domain.portal import Kind, NewSubmission
from tests.bot.hub.admin_chat import (
    ADMIN2_AAD, ADMIN_AAD, HUB_AAD, OTHER_AAD, AdminChat, admin_chat, cards_of, consent_of, mention,
)
from tests.fakes import OFFICER_AAD, card_of
from tests.nodetools import validate_cards


@pytest.fixture
async def chat(aiohttp_client, tmp_path, connector) -> AdminChat:  # type: ignore[no-untyped-def]
    chat = await admin_chat(aiohttp_client, tmp_path, connector)
    chat.services.portal.submissions.create(
        OTHER_AAD, NewSubmission(Kind.IDEA, "Knife bins at stations", "Bins near the rail station.", [], "Watford"))
    return chat


def today() -> str:
    return datetime.now(timezone.utc).date().isoformat()


COMMANDS = [
    ("sar export <at>Robin</at>", [mention(OTHER_AAD)]),
    (f"sar export {OTHER_AAD}", None),
    ("erase <at>Robin</at>", [mention(OTHER_AAD)]),
    (f"erase {OTHER_AAD}", None),
    ("audit export 2026-11-01 2026-11-30", None),
]


@pytest.mark.parametrize("who", [OFFICER_AAD, HUB_AAD])
@pytest.mark.parametrize("text, entities", COMMANDS)
async def test_officers_and_hub_staff_are_refused_and_nothing_is_audited(chat, who, text, entities):
    answer = await chat.say(who, text, entities=entities)
    assert [a.get("text") for a in answer] == [ADMIN_REFUSAL]
    assert consent_of(answer) is None and cards_of(answer) == []
    assert chat.audit() == []


async def test_sar_export_offers_a_file_whose_accepted_upload_holds_the_persons_data(chat):
    answer = await chat.say(ADMIN_AAD, "sar export <at>Robin</at>", entities=[mention(OTHER_AAD)])
    consent = consent_of(answer)
    assert consent is not None and consent["name"] == f"subject-access-{london_today().isoformat()}.json"
    assert "Robin \\*Shaw\\*" in answer[0]["text"]
    assert chat.audit() == []  # nothing is read until the file is allowed

    # Declined: nothing is made, nothing audited.
    assert await chat.consent(ADMIN_AAD, consent, "decline") == ["No problem: the document was not saved."]
    assert chat.audit() == [] and chat.connector.uploads == {}

    # A Hub member replaying the card's answer gets nothing.
    assert await chat.consent(HUB_AAD, consent) == ["That document is not available to you."]
    assert chat.audit() == [] and chat.connector.uploads == {}

    assert await chat.consent(ADMIN_AAD, consent) == ["Your document is saved."]
    body, _ = chat.connector.uploads[consent["name"]]
    exported = json.loads(body)
    assert exported["aad_object_id"] == OTHER_AAD and exported["user"]["name"] == "Robin *Shaw*"
    assert [s["title"] for s in exported["submissions"]] == ["Knife bins at stations"]
    assert chat.audit() == [(ADMIN_AAD, "user.export", OTHER_AAD)]


async def test_the_commands_are_answered_only_in_the_personal_chat(chat):
    for text in (f"sar export {OTHER_AAD}", f"erase {OTHER_AAD}", "audit export 2026-11-01 2026-11-30"):
        answer = await chat.say(ADMIN_AAD, text, conversation_type="channel")
        said = " ".join([a.get("text") or "" for a in answer] + [c.get("fallbackText", "") for c in cards_of(answer)])
        assert said == PERSONAL_ONLY or "one-to-one chat with me" in said  # the router may answer first
        assert consent_of(answer) is None
        assert not [c for c in cards_of(answer) if any(a.get("verb") == ERASE for a in c.get("actions", []))]
    assert chat.audit() == []


def person(chat: AdminChat, aad: str) -> User:
    with chat.services.database.session() as session:
        user = session.get(User, aad)
        assert user is not None
        session.expunge(user)
        return user


def titles(chat: AdminChat) -> list[str]:
    with chat.services.database.session() as session:
        return list(session.scalars(select(Submission.title)))


async def test_erase_shows_a_card_and_only_the_admins_erase_press_erases(chat):
    [answer] = await chat.say(ADMIN_AAD, "erase <at>Robin</at>", entities=[mention(OTHER_AAD)])
    card = card_of(answer)
    assert card is not None and validate_cards([card]) == []
    assert card["body"][0]["text"] == "Erase the personal data of Robin \\*Shaw\\*?"
    assert any("cannot be undone" in block["text"] for block in card["body"])
    erase, cancel = card["actions"]
    assert (erase["title"], cancel["title"]) == ("Erase", "Cancel")
    assert person(chat, OTHER_AAD).name == "Robin *Shaw*" and chat.audit() == []  # asking erased nothing

    cancelled = await chat.press(ADMIN_AAD, cancel["verb"], cancel["data"])
    assert cancelled["value"]["body"][0]["text"] == "Cancelled: nothing was erased."
    assert person(chat, OTHER_AAD).name == "Robin *Shaw*" and chat.audit() == []

    done = await chat.press(ADMIN_AAD, erase["verb"], erase["data"])
    said = done["value"]["body"][0]["text"]
    assert said.startswith("Erased the personal data of Robin \\*Shaw\\*. Rows deleted or changed: ")
    assert "submissions: 1" in said and "users: 1" in said
    assert person(chat, OTHER_AAD).name == "(erased)" and titles(chat) == ["[erased]"]
    assert chat.audit() == [(ADMIN_AAD, "user.erase", OTHER_AAD)]


FORGED = {"by": ADMIN_AAD, "user": ADMIN_AAD, "aadObjectId": ADMIN_AAD, "role": "admin"}


@pytest.mark.parametrize("who", [OFFICER_AAD, HUB_AAD])
@pytest.mark.parametrize("how", ["execute", "submit"])
async def test_a_forged_erase_press_by_someone_not_an_admin_does_nothing(chat, who, how):
    data = {"action": ERASE, "op": "erase", "person": OTHER_AAD, **FORGED}
    if how == "execute":
        answer = await chat.press(who, ERASE, data)
        assert answer == {"statusCode": 403, "type": "application/vnd.microsoft.error",
                          "value": {"code": "Forbidden", "message": ADMIN_REFUSAL}}
    else:
        assert [a.get("text") for a in await chat.say(who, value=data)] == [ADMIN_REFUSAL]
    assert person(chat, OTHER_AAD).name == "Robin *Shaw*" and titles(chat) == ["Knife bins at stations"]
    assert chat.audit() == []


async def test_an_admin_cannot_erase_themselves_and_another_admin_can_press_erase(chat):
    assert await chat.text(ADMIN_AAD, f"erase {ADMIN_AAD}") == (
        "You cannot erase yourself: ask another admin. Nothing was erased.")
    # Pressed as an Action.Submit by another admin: answered in a message.
    [answer] = await chat.say(ADMIN2_AAD, value={"action": ERASE, "op": "erase", "person": OTHER_AAD})
    assert answer["text"].startswith("Erased the personal data of Robin \\*Shaw\\*.")
    assert chat.audit() == [(ADMIN2_AAD, "user.erase", OTHER_AAD)]
    # The same card pressed again erases nothing more and adds no second row.
    [again] = await chat.say(ADMIN2_AAD, value={"action": ERASE, "op": "erase", "person": OTHER_AAD})
    assert again["text"] == "Their personal data is already erased, so nothing more was done."
    assert chat.audit() == [(ADMIN2_AAD, "user.erase", OTHER_AAD)]


async def test_erase_followed_by_everyday_words_is_a_question_not_the_admins_command(chat):
    answer = await chat.text(OFFICER_AAD, "erase graffiti from the underpass")
    assert ADMIN_REFUSAL not in answer
    assert "graffiti from the underpass" in answer or "evidence" in answer.lower() or "knowledge base" in answer
    assert chat.audit() == []


async def test_audit_export_offers_the_days_asked_for_as_a_csv_file(chat):
    example = "For example: audit export 2026-11-01 2026-11-30"
    assert await chat.text(ADMIN_AAD, "audit export 2026-11-30 2026-11-01") == (
        f"The last day (2026-11-01) is before the first (2026-11-30). {example}")
    assert await chat.text(ADMIN_AAD, "audit export last month") == f"last is not a date written as YYYY-MM-DD. {example}"
    assert await chat.text(ADMIN_AAD, "audit export") == (
        f"Give the first and the last day, each written as YYYY-MM-DD. {example}")
    await chat.text(ADMIN_AAD, f"grant hub {OFFICER_AAD}")  # something to find in the log
    assert chat.audit() == [(ADMIN_AAD, "user.role", OFFICER_AAD)]

    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).date().isoformat()
    answer = await chat.say(ADMIN_AAD, f"audit export {today()} {tomorrow}")
    consent = consent_of(answer)
    assert consent is not None and consent["name"] == f"audit-log-{today()}-to-{tomorrow}.csv"
    assert len(chat.audit()) == 1
    assert await chat.consent(ADMIN_AAD, consent) == ["Your document is saved."]
    body, _ = chat.connector.uploads[consent["name"]]
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows[0] == ["id", "at", "actor", "action", "record_type", "record_id"]
    assert [row[2:] for row in rows[1:]] == [[ADMIN_AAD, "user.role", "user", OFFICER_AAD]]
    assert chat.audit() == [(ADMIN_AAD, "user.role", OFFICER_AAD), (ADMIN_AAD, "audit.export", f"{today()}..{tomorrow}")]
