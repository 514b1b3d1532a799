"""What works in Teams: the answer card, its buttons, the record kept, and the index swap."""

from __future__ import annotations

import asyncio
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import SERVICES, create_app
from bot.whatworks import answer_card
from domain.settings import Settings
from indexer.build import build, current_version
from tests.conftest import MODEL_CACHE
from tests.fakes import OFFICER_AAD, card_of, replies, teams_activity
from tests.nodetools import validate_cards

pytestmark = pytest.mark.model
OTHER_AAD = "0f1e2d3c-0000-4000-8000-00000000beef"


@pytest.fixture
def index_dir(shipped_index: Path, tmp_path: Path) -> Path:
    shutil.copytree(shipped_index, tmp_path / "index")
    return tmp_path / "index"


@pytest.fixture
async def bot(aiohttp_client, tmp_path: Path, index_dir: Path):  # type: ignore[no-untyped-def]
    settings = Settings.from_env({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "INDEX_DIR": str(index_dir),
        "MODEL_CACHE_DIR": str(MODEL_CACHE),
        "INDEX_POLL_SECONDS": "0.2",
    })
    return await aiohttp_client(create_app(settings))


async def _send(client, text: str | None = None, *, value: dict | None = None, aad: str = OFFICER_AAD,
                activity_id: str | None = None) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    activity = teams_activity(text, aad_object_id=aad, activity_id=activity_id)
    if value is not None:
        activity["value"] = value
    response = await client.post("/api/messages", json=activity)
    assert response.status == 200
    return [a for a in replies(await response.json()) if a["type"] == "message"]


def _card(messages: list[dict[str, Any]]) -> dict[str, Any]:
    cards = [card_of(m) for m in messages if card_of(m)]
    assert cards, messages
    return cards[-1]


def _titles(card: dict[str, Any]) -> list[str]:
    return [b["text"] for b in card["body"] if b.get("weight") == "Bolder"][1:]


def _action(card: dict[str, Any], title: str) -> dict[str, Any]:
    in_body = [a for b in card["body"] if b["type"] == "ActionSet" for a in b["actions"]]
    for action in card["actions"] + in_body:
        if action["title"] == title:
            return action
    raise AssertionError(f"no {title!r} button in {[a['title'] for a in card['actions']]}")


async def test_a_question_gets_the_answer_card(bot) -> None:  # type: ignore[no-untyped-def]
    card = _card(await _send(bot, "what works for CL"))
    assert card["version"] == "1.5" and card["fallbackText"].startswith("What works: CL\n- ")
    text = " ".join(b.get("text", "") for b in card["body"])
    assert "County lines" in text
    assert "Research · Mixed effect · limited evidence" in text  # effect and quality badges
    assert any(b["type"] == "FactSet" and b["facts"][0]["title"] == "Source" for b in card["body"])
    titles = [a["title"] for a in card["actions"]]
    assert titles == ["More results", "Research only", "Practice only", "Filter by crime type"]
    assert card["body"][-1]["type"] == "ActionSet"
    assert [a["title"] for a in card["body"][-1]["actions"]] == ["Helpful", "Not helpful"]
    assert validate_cards([card]) == []

    [query] = bot.app[SERVICES].search_log.gaps(since=datetime(2000, 1, 1)) or [None]
    assert query is None  # answered and not marked unhelpful: not a gap for the Hub


async def test_practice_entries_show_force_contact_and_stale_warning(bot) -> None:  # type: ignore[no-untyped-def]
    card = _card(await _send(bot, "what works for knife crime"))
    practice = _card(await _send(bot, value=_action(card, "Practice only")["data"]))
    text = " ".join(b.get("text", "") for b in practice["body"])
    assert "Practice example · " in text and "(practice only)" in practice["body"][0]["text"]
    facts = [f["title"] for b in practice["body"] if b["type"] == "FactSet" for f in b["facts"]]
    assert "Contact" in facts
    research = _card(await _send(bot, value=_action(card, "Research only")["data"]))
    assert "Practice example" not in " ".join(b.get("text", "") for b in research["body"])
    assert [a["title"] for a in research["actions"]][:2] == ["More results", "Practice only"]

    stale = _card(await _send(bot, "scared straight prison visits"))  # review_by 2024: past
    assert any("Past its review date" in b.get("text", "") for b in stale["body"])


async def test_more_and_crime_type_filter_buttons(bot) -> None:  # type: ignore[no-untyped-def]
    card = _card(await _send(bot, "violence in the night-time economy"))
    first = _titles(card)
    more = _card(await _send(bot, value=_action(card, "More results")["data"]))
    assert "6 to 10" in more["body"][1]["text"]
    assert not set(first) & set(_titles(more))

    show = _action(card, "Filter by crime type")
    choices = show["card"]["body"][0]["choices"]
    assert {"title": "Domestic abuse", "value": "domestic-abuse"} in choices
    data = {**show["card"]["actions"][0]["data"], "crime_type": "domestic-abuse"}
    filtered = _card(await _send(bot, value=data))
    assert "Domestic abuse" in filtered["body"][0]["text"]
    services = bot.app[SERVICES]
    entries = {e["id"]: e for e in services.knowledge.searcher.index.entries}
    shown = services.search_log.query_for(int(data["query"]) + 2, OFFICER_AAD)
    assert shown.crime_type == "domestic-abuse" and shown.refines_id == int(data["query"])
    assert shown.shown and all("domestic-abuse" in entries[s["id"]]["crime_types"] for s in shown.shown)

    messages = await _send(bot, value={**data, "crime_type": "jaywalking"})
    assert "don't know that crime type" in messages[0]["text"]


async def test_the_answer_shows_no_noise_beneath_the_best_and_more_results_goes_on_from_it(bot) -> None:  # type: ignore[no-untyped-def]
    card = _card(await _send(bot, "what works for county lines"))
    first = _titles(card)
    assert "Best matches, 1 to 3" in card["body"][1]["text"]
    assert all("ounty lines" in t or "uckooing" in t for t in first), first
    more = _card(await _send(bot, value=_action(card, "More results")["data"]))
    assert "4 to 8" in more["body"][1]["text"]
    assert not set(first) & set(_titles(more)) and len(_titles(more)) == 5


async def test_typing_more_gives_the_next_results_of_the_last_question_until_there_are_none(bot) -> None:  # type: ignore[no-untyped-def]
    first = await _send(bot, "more")
    assert first[0]["text"].startswith("Ask me a question first, for example: what works for")

    card = _card(await _send(bot, "what works for county lines"))
    more = _card(await _send(bot, "More"))  # as the "More results" button gives them
    assert "4 to 8" in more["body"][1]["text"]
    assert not set(_titles(card)) & set(_titles(more)) and len(_titles(more)) == 5
    again = _card(await _send(bot, "next page"))
    assert "9 to 13" in again["body"][1]["text"] and not set(_titles(more)) & set(_titles(again))
    services = bot.app[SERVICES]
    latest = services.search_log.latest_for(OFFICER_AAD, datetime(2000, 1, 1))
    assert (latest.offset, latest.text) == (8, "county lines")  # each page refines the last
    pages = 0
    while pages < 20:  # sixty entries: twelve pages at most, then the end is said plainly
        messages = await _send(bot, "more")
        if not any(card_of(m) for m in messages):
            break
        pages += 1
    assert messages[0]["text"].startswith("That is all the knowledge base has for: county lines.")
    assert 5 <= pages < 20

    refused = await _send(bot, "badger sett interference")
    assert _card(refused)["body"][0]["text"].startswith("I found no good match")
    nothing = await _send(bot, "more")
    assert nothing[0]["text"].startswith("I found no good match for your last question (badger sett interference)")
    other = await _send(bot, "more", aad=OTHER_AAD)  # another officer's last question is not theirs to page
    assert other[0]["text"].startswith("Ask me a question first")


async def test_feedback_is_stored_once_per_user_and_only_for_their_own_query(bot) -> None:  # type: ignore[no-untyped-def]
    card = _card(await _send(bot, "domestic abuse repeat victims"))
    helpful = _action(card, "Helpful")["data"]
    query_id = int(helpful["query"])
    log = bot.app[SERVICES].search_log
    assert "glad it helped" in (await _send(bot, value=helpful))[0]["text"]
    assert log.feedback_for(query_id, OFFICER_AAD) is True
    await _send(bot, value=_action(card, "Not helpful")["data"])
    assert log.feedback_for(query_id, OFFICER_AAD) is False

    # Another officer replaying the card data cannot mark someone else's answer.
    messages = await _send(bot, value=helpful, aad=OTHER_AAD)
    assert "expired" in messages[0]["text"]
    assert log.feedback_for(query_id, OTHER_AAD) is None
    assert log.feedback_for(query_id, OFFICER_AAD) is False
    for forged in (10**20, "1e3", None, -1):
        assert "expired" in (await _send(bot, value={**helpful, "query": forged}))[0]["text"]


async def test_no_good_match_says_so_and_asks_the_hub(bot) -> None:  # type: ignore[no-untyped-def]
    card = _card(await _send(bot, "badger sett interference"))
    assert card["body"][0]["text"].startswith("I found no good match for: badger sett interference")
    assert any("Closest entry" in b.get("text", "") for b in card["body"])
    titles = [a["title"] for a in card["actions"]]
    assert titles[0] == "Ask the Hub" and not any(b["type"] == "ActionSet" for b in card["body"])
    assert validate_cards([card]) == []
    ask = _action(card, "Ask the Hub")["data"]
    # "Ask the Hub" starts a submission of kind evidence request with the question filled in.
    started = [m["text"] for m in await _send(bot, value=ask)]
    assert started[0].startswith("Let's send your question to the Hub as an evidence request.")
    assert started[1].startswith("Which crime types does it concern?")  # kind, title, description filled in
    for answer in ("not crime specific", "Force-wide", "skip", "skip"):
        await _send(bot, answer)
    summary = [m["text"] for m in await _send(bot, "skip")]
    if summary[0].startswith("Before you submit"):
        summary = [m["text"] for m in await _send(bot, "Carry on with a new submission")]
    assert "1. Kind: Evidence request\n2. Title: badger sett interference\n3. Description: badger sett" in summary[0]
    done = (await _send(bot, "submit"))[0]["text"]
    assert done.startswith("Submitted. Your reference is PF-")
    view = bot.app[SERVICES].portal.submissions.list_for(OFFICER_AAD)
    assert [(v.kind.value, v.title) for v in view] == [("evidence-request", "badger sett interference")]
    # The question also stays on the Hub's record of questions the evidence could not answer.
    [request] = bot.app[SERVICES].search_log.open_evidence_requests()
    assert request.text == "badger sett interference"


async def test_questions_are_escaped_and_limited(bot) -> None:  # type: ignore[no-untyped-def]
    card = _card(await _send(bot, "what works for **[click](http://evil.example)** <b>x</b>"))
    heading = card["body"][0]["text"]
    assert "[click](http://" not in heading and "**" not in heading and "<b>" not in heading
    long = await _send(bot, "what works for " + "x" * 600)
    assert "characters; please ask in up to 500" in long[0]["text"]
    empty = await _send(bot, "what works")
    assert "For example: what works for" in empty[0]["text"]


async def test_a_newly_published_index_is_served_without_restart(
    bot, knowledge_copy: Path, index_dir: Path, embedder  # type: ignore[no-untyped-def]
) -> None:
    services = bot.app[SERVICES]
    old_version = services.knowledge.version
    health = await (await bot.get("/healthz")).json()
    assert health["index"]["version"] == old_version and health["index"]["entries"] == 60

    new_entry = (knowledge_copy / "research" / "alley-gating.md").read_text()
    new_entry = new_entry.replace("id: alley-gating", "id: goat-grazing-firebreaks").replace(
        "title: Alley gating", "title: Goat grazing firebreaks against arson on heathland")
    (knowledge_copy / "research" / "goat-grazing.md").write_text(new_entry)

    # Officers keep asking while the Hub publishes; none of their questions fails.
    stop = asyncio.Event()
    failures: list[str] = []

    async def keep_asking() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            messages = await _send(bot, "what works for burglary", activity_id=f"load-{n}")
            if not card_of(messages[-1]):
                failures.append(messages[-1].get("text", ""))

    asker = asyncio.create_task(keep_asking())
    report = await asyncio.to_thread(build, knowledge_copy, index_dir, embedder)
    assert report.published and current_version(index_dir) == report.version
    for _ in range(100):  # the bot checks every 0.2 s in this test (INDEX_POLL_SECONDS)
        if services.knowledge.version == report.version:
            break
        await asyncio.sleep(0.1)
    stop.set()
    await asker
    assert services.knowledge.version == report.version and not failures
    health = await (await bot.get("/healthz")).json()
    assert health["index"]["version"] == report.version and health["index"]["entries"] == 61
    card = _card(await _send(bot, "goat grazing firebreaks against arson"))
    assert "Goat grazing firebreaks" in _titles(card)[0]


async def test_a_question_refused_because_it_asks_for_law_or_figures_is_told_why(bot) -> None:  # type: ignore[no-untyped-def]
    card = _card(await _send(bot, "can i arrest for shoplifting under 200 pounds"))
    texts = [b.get("text", "") for b in card["body"]]
    assert texts[0].startswith("I found no good match for: can i arrest for shoplifting under 200 pounds")
    assert "reads as asking for a point of law: an offence, a power, charging or a sentence" in texts[1]
    assert any("Closest entry" in t for t in texts)  # still shown, marked as such
    assert card["actions"][0]["title"] == "Ask the Hub" and validate_cards([card]) == []
    figures = [b.get("text", "") for b in _card(await _send(bot, "how many shed breaks did we have in our district "
                                                                  "last year"))["body"]]
    assert "reads as asking for figures for a force or an area" in figures[1]
    # Worded as the officer's own admin, it is told so even though no entry was close anyway.
    admin = [b.get("text", "") for b in _card(await _send(bot, "whos the on call inspector tonight"))["body"]]
    assert "reads as asking about your own pay, leave, forms, systems or the force's staffing" in admin[1]
    staffing = [b.get("text", "") for b in _card(await _send(bot, "how do we keep student officers from leaving"))["body"]]
    assert "reads as asking about your own pay, leave, forms, systems or the force's staffing" in staffing[1]
    procedure = [b.get("text", "") for b in _card(await _send(bot, "NRM referral form link"))["body"]]
    assert "reads as asking for how to handle one case: a referral, a form, an order" in procedure[1]
    writing = [b.get("text", "") for b in _card(await _send(bot, "draft a letter to residents about the dispersal "
                                                                 "order this weekend pls"))["body"]]
    assert "reads as asking for something to be written for you: a letter, a post" in writing[1]
    # A problem the base does not cover is not put down to what it asks for: the card names it.
    uncovered = [b.get("text", "") for b in _card(await _send(bot, "badger sett interference"))["body"]]
    assert uncovered[1].startswith("The Hub's knowledge base has no evidence on wildlife crime yet.")
    # The Hub's gap report keeps the two apart: one is a gap in the evidence, the other is not.
    gaps = bot.app[SERVICES].search_log.gaps(since=datetime(2000, 1, 1))
    assert [(g.text, g.reason) for g in gaps] == [
        ("can i arrest for shoplifting under 200 pounds", "asks-for-other"),
        ("how many shed breaks did we have in our district last year", "asks-for-other"),
        ("whos the on call inspector tonight", "asks-for-other"),
        ("how do we keep student officers from leaving", "asks-for-other"),
        ("NRM referral form link", "asks-for-other"),
        ("draft a letter to residents about the dispersal order this weekend pls", "asks-for-other"),
        ("badger sett interference", "no-match")]


def test_a_question_refused_for_what_its_meaning_asks_for_is_told_so_in_general_terms() -> None:
    """Read as asking for something else by its meaning alone (indexer.intent), with no asking
    words to say which, the card lists what the base does not hold."""
    from indexer.decision import Evidence
    from indexer.results import SearchResult

    result = SearchResult(query="knife crime 2024 our force", no_good_match=True, results=[], has_more=False,
                          best_similarity=0.7, probability=0.2, evidence=Evidence(0.7, 0.1, 0.5, 2.0, 1.0, 0.0, 1.6, 1.2),
                          asks_for_other=True)
    texts = [b.get("text", "") for b in answer_card(result, 1, labels={}, today=date(2026, 12, 6))["body"]]
    assert "reads as asking for something else, such as a point of law, figures" in texts[1]


@pytest.mark.parametrize(("unmentioned", "said"), [
    ((), "The Hub's knowledge base has nothing close enough to your question."),
    (("speeding",), "The Hub's knowledge base has no evidence on speeding yet."),
    (("speeding", "car cruising", "FGM"), "The Hub's knowledge base has no evidence on speeding, car cruising or FGM yet."),
])
def test_a_refused_question_is_told_which_problems_the_base_has_no_evidence_on(
    unmentioned: tuple[str, ...], said: str
) -> None:
    from indexer.decision import Evidence
    from indexer.results import SearchResult

    result = SearchResult(query="lads speeding", no_good_match=True, results=[], has_more=False, best_similarity=0.6,
                          probability=0.1, evidence=Evidence(0.6, 0.1, 0.5, 2.0, 1.0, 0.0, 1.6), unmentioned=unmentioned)
    texts = [b.get("text", "") for b in answer_card(result, 1, labels={}, today=date(2026, 12, 6))["body"]]
    assert texts[1].startswith(said)
