"""Knowledge curation in Teams: the Hub's status, reindex and gap report, and officers refused."""

from __future__ import annotations

import asyncio
import re
import shutil
import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from bot.app import SERVICES, Services, create_app
from bot.commands import Recognised, Recogniser
from bot.hub.knowledge import HUB_ONLY
from domain.settings import Settings
from domain.db import Database
from domain.models import Role, SearchQuery, utcnow
from domain.whatworks.searchlog import SearchLog
from domain.users import Users
from indexer.build import BuildError, build, current_version
from indexer.entries import load_entries
from indexer.taxonomy import Taxonomy
from tests.conftest import MODEL_CACHE
from tests.fakes import OFFICER_AAD, card_of, replies, teams_activity

HUB_AAD = "0b6f1b3c-4444-4a4a-9b9b-000000000004"
OTHER_HUB_AAD = "0b6f1b3c-5555-4a4a-9b9b-000000000005"
NAMES = {HUB_AAD: "Hana Hub", OTHER_HUB_AAD: "Omar Other"}
CURATION = ["knowledge status", "reindex", "gaps", "gaps 7"]
BAD_ENTRY = """---
id: bad-effect
title: An entry with an effect the format does not know
kind: research
summary: Planted to test that problems are reported.
crime_types: [burglary]
evidence: {effect: great, quality: strong}
source: Nobody
published: 2025-01-01
---
## Effect
Text.
"""


def _settings(tmp_path: Path, knowledge: Path, index: Path) -> Settings:
    # Polled every 30 s (the most allowed): a version served sooner was swapped in by reindex.
    return Settings.from_env({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "KNOWLEDGE_DIR": str(knowledge),
        "INDEX_DIR": str(index), "MODEL_CACHE_DIR": str(MODEL_CACHE), "INDEX_POLL_SECONDS": "30",
    })


async def _bot(aiohttp_client, settings: Settings):  # type: ignore[no-untyped-def]
    client = await aiohttp_client(create_app(settings))
    users = client.app[SERVICES].users
    for aad, name in NAMES.items():
        users.seen(aad, name)
        users.set_role(aad, Role.HUB)
    return client


async def _send(client, text: str, aad: str = HUB_AAD) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    response = await client.post("/api/messages", json=teams_activity(
        text, aad_object_id=aad, name=NAMES.get(aad, "Alex Morgan")))
    assert response.status == 200
    return [a for a in replies(await response.json()) if a["type"] == "message"]


async def _text(client, text: str, aad: str = HUB_AAD) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(m.get("text") or "" for m in await _send(client, text, aad))


@pytest.fixture
def index_dir(shipped_index: Path, tmp_path: Path) -> Path:
    shutil.copytree(shipped_index, tmp_path / "index")
    return tmp_path / "index"


@pytest.fixture
async def bot(aiohttp_client, tmp_path: Path, knowledge_copy: Path, index_dir: Path):  # type: ignore[no-untyped-def]
    return await _bot(aiohttp_client, _settings(tmp_path, knowledge_copy, index_dir))


async def test_the_curation_commands_are_recognised(bot) -> None:  # type: ignore[no-untyped-def]
    recognise = Recogniser(bot.app[SERVICES].bot.commands)
    assert recognise("Knowledge status") == Recognised("knowledge status")
    assert recognise("reindex") == Recognised("reindex")
    assert recognise("gaps") == Recognised("gaps")
    assert recognise("gaps 90") == Recognised("gaps", "90")
    assert recognise("knowledge gaps last 7 days") == Recognised("gaps", "last 7 days")


async def test_an_officer_is_refused_every_curation_command_and_nothing_runs(
    aiohttp_client, tmp_path: Path, knowledge_copy: Path, monkeypatch  # type: ignore[no-untyped-def]
) -> None:
    ran: list[str] = []
    monkeypatch.setattr("bot.hub.knowledge.build", lambda *a, **k: ran.append("build"))
    monkeypatch.setattr("bot.hub.knowledge.load_embedder", lambda *a, **k: ran.append("model"))
    monkeypatch.setattr("bot.hub.knowledge.load_entries", lambda *a, **k: ran.append("validate"))
    client = await _bot(aiohttp_client, _settings(tmp_path, knowledge_copy, tmp_path / "index"))
    services: Services = client.app[SERVICES]
    monkeypatch.setattr(services.search_log, "question_gaps", lambda *a: ran.append("gaps"))
    for command in CURATION:
        assert await _text(client, command, OFFICER_AAD) == HUB_ONLY
    assert ran == [] and current_version(tmp_path / "index") is None
    assert not (tmp_path / "index" / "versions").exists()
    # Words after "gaps" that are not a number of days make a question, for anyone.
    assert "knowledge base is not available" in await _text(client, "gaps in the fence at the allotments", OFFICER_AAD)
    assert "from 1 to 366" in await _text(client, "gaps 400")


async def test_a_second_reindex_while_one_runs_is_told_so(
    aiohttp_client, tmp_path: Path, knowledge_copy: Path, monkeypatch  # type: ignore[no-untyped-def]
) -> None:
    started, release, calls = threading.Event(), threading.Event(), []

    def slow_build(*args: Any, **kwargs: Any) -> None:
        calls.append(args)
        started.set()
        release.wait(10)
        raise BuildError(f"no valid knowledge entries in {args[0]} (60 problems)")

    monkeypatch.setattr("bot.hub.knowledge.build", slow_build)
    monkeypatch.setattr("bot.hub.knowledge.load_embedder", lambda *a, **k: None)
    client = await _bot(aiohttp_client, _settings(tmp_path, knowledge_copy, tmp_path / "index"))
    first = asyncio.create_task(_text(client, "reindex"))
    try:
        assert await asyncio.to_thread(started.wait, 10)
        second = await _text(client, "reindex", OTHER_HUB_AAD)
    finally:
        release.set()
    assert "A reindex started by Hana Hub at " in second and "not started another" in second
    outcome = await first
    assert outcome.startswith("Checking the knowledge folder")
    assert "Build failed, and no version is served yet: no valid knowledge entries" in outcome
    assert len(calls) == 1
    assert "Build failed" in await _text(client, "reindex", OTHER_HUB_AAD)  # free again once it finished
    assert len(calls) == 2


@pytest.mark.model
async def test_knowledge_status_shows_counts_stale_entries_and_a_planted_problem(
    aiohttp_client, tmp_path: Path, knowledge_copy: Path, index_dir: Path, embedder  # type: ignore[no-untyped-def]
) -> None:
    (knowledge_copy / "research" / "bad-effect.md").write_text(BAD_ENTRY)
    report = await asyncio.to_thread(build, knowledge_copy, index_dir, embedder)
    assert report.published and len(report.problems) == 1
    client = await _bot(aiohttp_client, _settings(tmp_path, knowledge_copy, index_dir))
    text = await _text(client, "knowledge status")

    entries = load_entries(knowledge_copy, Taxonomy.load(knowledge_copy / "taxonomy.yaml")).entries
    research = sum(e.kind == "research" for e in entries)
    assert (len(entries), research) == (60, 40)
    assert f"Served: version {report.version}, built " in text
    assert ": 60 entries, 40 research and 20 practice." in text
    problem = "- research/bad-effect.md: evidence.effect: 'great' is not one of: reduced, mixed, no-effect"
    assert "Its build found 1 problem (files with errors were left out):\n" + problem in text
    assert "Knowledge folder now: 60 valid entries in 61 files, 40 research and 20 practice." in text
    stale = sorted((e for e in entries if e.review_by and date.fromisoformat(e.review_by) < date.today()),
                   key=lambda e: e.review_by or "")
    assert len(stale) >= 4  # four shipped entries were due for review by October 2026
    assert f"Past their review date: {len(stale)}, oldest first:\n- {stale[0].title} (review by {stale[0].review_by}" in text
    assert "CCTV surveillance cameras (review by 2025-11-15; research/cctv-surveillance.md)" in text
    assert "The files have the same problems as the served build." in text

    # A problem written since the build shows from the folder before anyone reindexes.
    (knowledge_copy / "practice" / "no-force.md").write_text(
        BAD_ENTRY.replace("id: bad-effect", "id: no-force").replace("kind: research", "kind: practice")
        .replace("evidence: {effect: great, quality: strong}\n", ""))
    text = await _text(client, "knowledge status")
    assert "Problems in the files now (2):" in text and "- practice/no-force.md: force: is required" in text


@pytest.mark.model
async def test_reindex_publishes_and_the_running_bot_serves_it_without_restart(
    bot, knowledge_copy: Path, index_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    services: Services = bot.app[SERVICES]
    old = services.knowledge.version
    assert old == current_version(index_dir)
    entry = (knowledge_copy / "research" / "alley-gating.md").read_text()
    entry = entry.replace("id: alley-gating", "id: goat-grazing-firebreaks").replace(
        "title: Alley gating", "title: Goat grazing firebreaks against arson on heathland")
    (knowledge_copy / "research" / "goat-grazing.md").write_text(entry)

    messages = await _send(bot, "reindex")
    assert messages[0]["text"].startswith("Checking the knowledge folder and building the index.")
    outcome = messages[1]["text"]
    new = current_version(index_dir)
    assert new != old
    assert outcome.startswith(f"Published version {new}: 61 entries (41 research and 20 practice) from 61 files, "
                              "1 of them embedded afresh, in ")
    assert outcome.endswith(f"Now serving version {new}.")
    assert services.knowledge.version == new  # at once: the poll is 30 s away
    health = await (await bot.get("/healthz")).json()
    assert health["index"]["version"] == new and health["index"]["entries"] == 61
    card = card_of((await _send(bot, "goat grazing firebreaks against arson", OFFICER_AAD))[-1])
    assert card and "Goat grazing firebreaks" in [b["text"] for b in card["body"] if b.get("weight") == "Bolder"][1]

    again = await _text(bot, "reindex")
    assert f"Nothing has changed since version {new}, so nothing was published." in again
    assert again.endswith(f"Still serving version {new}.")

    # A build that cannot run leaves the version being served.
    shutil.move(knowledge_copy, knowledge_copy.with_name("moved"))
    failed = await _text(bot, "reindex")
    assert f"Build failed, the previous version ({new}) is still served: the knowledge folder " in failed
    assert services.knowledge.version == current_version(index_dir) == new


def _ask(log: SearchLog, text: str, *, no_match: bool = True, who: str = OFFICER_AAD, **kw: Any) -> int:
    return log.record_query(who, text, index_version="v1", no_good_match=no_match,
                            best_similarity=0.2 if no_match else 0.7, shown=[], **kw)


def test_question_gaps_count_each_question_once_as_first_asked(db: Database) -> None:
    Users(db).seen(OFFICER_AAD, "Alex Morgan")
    log = SearchLog(db)
    since = utcnow() - timedelta(seconds=5)
    first = _ask(log, "hare coursing")
    _ask(log, "hare coursing", offset=5, refines_id=first)  # "more results": the same question
    answered = _ask(log, "e-scooters on pavements", no_match=False)
    research = _ask(log, "e-scooters on pavements", no_match=False, kind="research", refines_id=answered)
    log.record_feedback(_ask(log, "e-scooters on pavements", no_match=False, offset=5, refines_id=research),
                        OFFICER_AAD, helpful=False)  # on a later page of a filtered re-run
    log.record_feedback(_ask(log, "burglary", no_match=False), OFFICER_AAD, helpful=True)
    _ask(log, "cycle theft", no_match=False)
    old = _ask(log, "badger sett interference")
    with db.session() as session:
        session.execute(update(SearchQuery).where(SearchQuery.id == old).values(asked_at=since - timedelta(days=40)))

    gaps = log.question_gaps(since)
    assert [(g.query_id, g.text, g.reason) for g in gaps] == [
        (first, "hare coursing", "no-match"), (answered, "e-scooters on pavements", "not-helpful")]
    assert [g.query_id for g in log.question_gaps(since - timedelta(days=41))] == [old, first, answered]


SEEDED = {  # wordings as officers typed them; the number is how often each was asked
    "hare coursing": {"hare coursing": 2, "hare coursing on farmland at night": 1,
                      "how do we stop hare coursing gangs": 1, "illegal coursing of hares with dogs": 1},
    "e-scooters": {"kids riding e-scooters on pavements": 1, "nuisance e-scooters in the town centre": 1,
                   "dangerous riding of electric scooters": 1},
    "drones": {"drones dropping contraband into prisons": 1, "drone deliveries of drugs over prison walls": 1},
    "badgers": {"badger sett interference": 1},
}
_GROUP_LINE = re.compile(r"^- (.+): asked (once|twice|\d+ times)(?: in (\d+) wordings)?, last on (.+) \((.+)\)$")


def _groups(text: str) -> list[tuple[str, int, int, str]]:
    found = []
    for line in text.splitlines():
        match = _GROUP_LINE.match(line)
        if match:
            times = {"once": 1, "twice": 2}.get(match[2]) or int(match[2].split()[0])
            found.append((match[1], times, int(match[3] or 1), match[5]))
    return found


@pytest.mark.model
async def test_gaps_groups_paraphrases_of_the_same_question_and_keeps_topics_apart(bot) -> None:  # type: ignore[no-untyped-def]
    services: Services = bot.app[SERVICES]
    assert "No gaps in the last 30 days: every question found a good match" in await _text(bot, "gaps")

    log = services.search_log
    topic_of: dict[str, str] = {}
    for topic, wordings in SEEDED.items():
        for wording, times in wordings.items():
            topic_of[wording] = topic
            for _ in range(times):
                query = _ask(log, wording, no_match=topic != "e-scooters" or wording.startswith("kids"))
                if topic == "e-scooters" and not wording.startswith("kids"):
                    log.record_feedback(query, OFFICER_AAD, helpful=False)
    first = _ask(log, "hare coursing")  # asked long ago: only in a longer period
    more = _ask(log, "hare coursing", offset=5, refines_id=first)  # its next page counts for nothing
    with services.database.session() as session:
        session.execute(update(SearchQuery).where(SearchQuery.id.in_([first, more]))
                        .values(asked_at=utcnow() - timedelta(days=45)))
    log.record_feedback(_ask(log, "burglary", no_match=False), OFFICER_AAD, helpful=True)  # answered well

    text = await _text(bot, "gaps")
    assert "**Questions the evidence did not answer well, last 30 days**" in text
    assert "11 questions in 4 groups" in text
    groups = _groups(text)
    assert [(topic_of[q], count, wordings) for q, count, wordings, _ in groups] == [
        ("hare coursing", 5, 4), ("e-scooters", 3, 3), ("drones", 2, 2), ("badgers", 1, 1)]
    assert [why for *_, why in groups] == ["5 no good match", "1 no good match, 2 not helpful",
                                          "2 no good match", "1 no good match"]
    today = utcnow().astimezone(ZoneInfo("Europe/London"))
    assert f"last on {today.day} {today:%b %Y}" in text

    assert _groups(await _text(bot, "gaps 60"))[0][1:3] == (6, 4)  # the old question joins its group
