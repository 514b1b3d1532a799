"""Every path that keeps what someone typed checks it for personal data: what-works
questions are kept with it left out (and the officer is told), the question passed on by
"Ask the Hub" carries none, and the Hub's notes and questions to submitters are stopped until
the Hub member removes it or says it is needed."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import SERVICES
from domain.models import EvidenceRequest, SearchQuery, Submission, SubmissionHistory, SubmissionQuestion
from tests.bot.hub.test_triage import HUB_AAD, OFFICER_AAD, Teams, burglary, execute_data, record, teams  # noqa: F401
from tests.bot.test_whatworks import _action, _card, _send, bot, index_dir  # noqa: F401

import pytest

PHONE = "07700 900123"


def _kept_text(client) -> str:  # type: ignore[no-untyped-def]
    with client.app[SERVICES].database.session() as session:
        queries = [row.text for row in session.scalars(select(SearchQuery))]
        requests = [row.text for row in session.scalars(select(EvidenceRequest))]
        submissions = [f"{row.title} {row.description}" for row in session.scalars(select(Submission))]
    return "\n".join(queries + requests + submissions)


@pytest.mark.model
async def test_a_what_works_question_is_kept_without_its_personal_data_and_the_officer_is_told(bot) -> None:  # type: ignore[no-untyped-def]
    card = _card(await _send(bot, f"what works for county lines exploitation, victim John Smith rang from {PHONE}"))
    texts = [b.get("text", "") for b in card["body"]]
    assert texts[0] == r"What works: county lines exploitation, victim \[name\] rang from \[phone\]"
    assert texts[1].startswith("I left a name and a phone number out of your question")
    assert PHONE not in str(card) and "John Smith" not in str(card)
    kept = _kept_text(bot)
    assert "[phone]" in kept and PHONE not in kept and "John Smith" not in kept

    # Told once: the next page or a filter re-runs the question as kept, without the note again.
    practice = _card(await _send(bot, value=_action(card, "Practice only")["data"]))
    assert not any(b.get("text", "").startswith("I left") for b in practice["body"])


@pytest.mark.model
async def test_ask_the_hub_passes_on_the_question_without_its_personal_data(bot) -> None:  # type: ignore[no-untyped-def]
    card = _card(await _send(bot, f"badger sett interference, witness Mary Jones on {PHONE}"))
    assert card["body"][0]["text"].startswith(r"I found no good match for: badger sett interference, witness \[name\]")
    started = [m["text"] for m in await _send(bot, value=_action(card, "Ask the Hub")["data"])]
    assert started[1].startswith("Which crime types does it concern?")  # the filled-in answers held nothing
    for answer in ("not crime specific", "Force-wide", "skip", "skip"):
        await _send(bot, answer)
    if any(m["text"].startswith("Before you submit") for m in await _send(bot, "skip")):
        await _send(bot, "Carry on with a new submission")
    assert (await _send(bot, "submit"))[0]["text"].startswith("Submitted.")
    [(title, description)] = [(v.title, v.description) for v in (
        bot.app[SERVICES].portal.submissions.get(s.reference, OFFICER_AAD, False)
        for s in bot.app[SERVICES].portal.submissions.list_for(OFFICER_AAD))]
    assert title == description == "badger sett interference, witness [name] on [phone]"
    kept = _kept_text(bot)
    assert "badger sett interference, witness [name] on [phone]" in kept
    assert PHONE not in kept and "Mary Jones" not in kept


async def test_a_hub_note_with_personal_data_changes_nothing_until_it_is_removed_or_kept(teams, burglary) -> None:  # type: ignore[no-untyped-def]
    answer = await teams.text(HUB_AAD, f"change status {burglary} to declined: call the victim on {PHONE}")
    assert answer.startswith(f"The note seems to include personal data: a phone number ({PHONE}).")
    assert "Nothing was changed" in answer and "keep:" in answer
    assert record(teams.services, burglary).status == "received"
    assert await teams.told(OFFICER_AAD) == []

    kept = await teams.text(HUB_AAD, f"change status {burglary} to declined: keep: call the Hub desk on {PHONE}")
    assert kept.startswith(f"{burglary} is now declined.")
    with teams.services.database.session() as session:
        notes = [row.note for row in session.scalars(select(SubmissionHistory)) if row.note]
    assert notes == [f"call the Hub desk on {PHONE}"]  # as written, without the word keep


async def test_a_hub_question_with_personal_data_is_not_sent_typed_or_from_the_card(teams, burglary) -> None:  # type: ignore[no-untyped-def]
    typed = await teams.text(HUB_AAD, f"ask {burglary} Is the suspect Dave Brown still about?")
    assert typed.startswith("The question seems to include personal data: a name (Dave Brown).")
    card = await teams.card(HUB_AAD, f"open {burglary}")
    body = await teams.press(HUB_AAD, {**execute_data(card, "Ask the submitter"),
                                       "question": f"Can the victim call {PHONE}?"})
    assert body["statusCode"] == 400 and "a phone number" in body["value"]["message"]
    with teams.services.database.session() as session:
        assert session.scalars(select(SubmissionQuestion)).all() == []
    assert await teams.told(OFFICER_AAD) == []
    assert record(teams.services, burglary).status == "received"
