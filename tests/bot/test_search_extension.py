"""The "Find evidence" message extension, through the protocol as Teams sends it."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import SERVICES, create_app
from domain.settings import Settings
from tests.conftest import MODEL_CACHE
from tests.fakes import OFFICER_AAD, teams_activity
from tests.nodetools import validate_cards

pytestmark = pytest.mark.model
CHANNEL = {
    "id": "19:abc123@thread.tacv2;messageid=1700000000000",
    "conversationType": "channel",
    "tenantId": None,  # filled from teams_activity below
}


@pytest.fixture
async def bot(aiohttp_client, tmp_path: Path, shipped_index: Path):  # type: ignore[no-untyped-def]
    shutil.copytree(shipped_index, tmp_path / "index")
    settings = Settings.from_env({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "INDEX_DIR": str(tmp_path / "index"),
        "MODEL_CACHE_DIR": str(MODEL_CACHE),
    })
    return await aiohttp_client(create_app(settings))


def _invoke(name: str, value: Any, *, channel: bool = True) -> dict[str, Any]:
    activity = teams_activity(None, activity_type="invoke", expect_replies=False, value=value)
    activity["name"] = name
    if channel:  # a compose box in a team's channel
        activity["conversation"] = {**CHANNEL, "tenantId": activity["conversation"]["tenantId"]}
        activity["channelData"] = {**activity["channelData"], "team": {"id": "19:team@thread.tacv2"},
                                   "channel": {"id": "19:abc123@thread.tacv2"}}
    return activity


def _query(text: Any, *, kind: Any = None, skip: int | None = None, count: int | None = None,
           command: str = "searchEvidence") -> dict[str, Any]:
    parameters = [{"name": "query", "value": text}]
    if kind is not None:
        parameters.append({"name": "kind", "value": kind})
    value: dict[str, Any] = {"commandId": command, "parameters": parameters}
    if skip is not None or count is not None:
        value["queryOptions"] = {"skip": skip or 0, "count": count or 10}
    return value


async def _post(client, activity: dict[str, Any]) -> tuple[int, Any]:  # type: ignore[no-untyped-def]
    response = await client.post("/api/messages", json=activity)
    return response.status, await response.json()


async def _search(client, value: Any, *, channel: bool = True) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    status, body = await _post(client, _invoke("composeExtension/query", value, channel=channel))
    assert status == 200, body
    return body["composeExtension"]


async def test_a_search_in_a_channel_lists_entries_with_badges_and_cards_that_validate(bot) -> None:  # type: ignore[no-untyped-def]
    result = await _search(bot, _query("knife crime near schools"))
    assert result["type"] == "result" and result["attachmentLayout"] == "list"
    attachments = result["attachments"]
    assert 3 <= len(attachments) <= 10
    previews = [a["preview"]["content"] for a in attachments]
    assert all(p["title"] and p["subtitle"].startswith(("Research", "Practice example")) for p in previews)
    assert any("evidence" in p["subtitle"] for p in previews)  # the quality badge of research
    cards = [a["content"] for a in attachments]
    assert all(a["contentType"] == "application/vnd.microsoft.card.adaptive" for a in attachments)
    assert validate_cards(cards) == []
    assert all(card["version"] == "1.5" and card["actions"] == [] for card in cards)
    facts = [f["title"] for card in cards for b in card["body"] if b["type"] == "FactSet" for f in b["facts"]]
    assert "Source" in facts and "Contact" in facts  # practice entries name a contact

    # Asked the same way as the chat, and kept for the Hub like a chat question.
    services = bot.app[SERVICES]
    chat = services.knowledge.searcher.search("knife crime near schools", k=10)
    assert [p["title"] for p in previews] == [h.title for h in chat.results]


async def test_picking_a_result_inserts_the_evidence_card(bot) -> None:  # type: ignore[no-untyped-def]
    result = await _search(bot, _query("repeat burglary on the same street"))
    tap = result["attachments"][0]["preview"]["content"]["tap"]
    status, body = await _post(bot, _invoke("composeExtension/selectItem", tap["value"]))
    assert status == 200
    [picked] = body["composeExtension"]["attachments"]
    card = picked["content"]
    assert card == result["attachments"][0]["content"]
    text = " ".join(b.get("text", "") for b in card["body"])
    assert result["attachments"][0]["preview"]["content"]["title"] in text
    assert validate_cards([card]) == []

    for gone in ({"entry": "no-such-entry"}, "not an object", None):
        status, body = await _post(bot, _invoke("composeExtension/selectItem", gone))
        assert status == 200 and body["composeExtension"]["type"] == "message"
        assert "no longer in the knowledge base" in body["composeExtension"]["text"]


async def test_pages_follow_on_and_a_kind_keeps_to_it(bot) -> None:  # type: ignore[no-untyped-def]
    first = await _search(bot, _query("violence in the night-time economy", skip=0, count=4))
    second = await _search(bot, _query("violence in the night-time economy", skip=4, count=4))
    titles = [a["preview"]["content"]["title"] for a in first["attachments"]]
    more = [a["preview"]["content"]["title"] for a in second["attachments"]]
    assert len(titles) == 4 and more and not set(titles) & set(more)

    practice = await _search(bot, _query("knife crime", kind="practice"))
    assert all(a["preview"]["content"]["subtitle"].startswith("Practice example") for a in practice["attachments"])


async def test_no_good_match_says_so_and_opens_the_personal_chat_to_ask_the_hub(bot) -> None:  # type: ignore[no-untyped-def]
    result = await _search(bot, _query("badger sett interference on the moor"))
    [only] = result["attachments"]
    card = only["content"]
    assert card["body"][0]["text"] == "No good match for: badger sett interference on the moor"
    assert any(b.get("text", "").startswith("Closest entry, but not a good match") for b in card["body"])
    [ask] = card["actions"]
    assert ask["type"] == "Action.OpenUrl" and ask["url"].startswith("https://teams.microsoft.com/l/chat/0/0?users=28:")
    assert validate_cards([card]) == []
    [gap] = bot.app[SERVICES].search_log.gaps(since=datetime(2000, 1, 1))
    assert gap.text == "badger sett interference on the moor" and gap.reason == "no-match"


async def test_each_query_is_kept_without_its_personal_data(bot) -> None:  # type: ignore[no-untyped-def]
    result = await _search(bot, _query("burglary victim John Smith rang from 07700 900123 about sheds"))
    shown = " ".join(str(a) for a in result["attachments"])
    assert "07700" not in shown and "John Smith" not in shown
    kept = bot.app[SERVICES].search_log.query_for(1, OFFICER_AAD)
    assert kept is not None and kept.text == "burglary victim [name] rang from [phone] about sheds"

    # What stands in for the personal data is not searched for: "[phone]" would find phone theft.
    masked = await _search(bot, _query("knife crime, ring 07700 900123"))
    plain = await _search(bot, _query("knife crime, ring"))
    titles = [a["preview"]["content"]["title"] for a in masked["attachments"]]
    assert titles == [a["preview"]["content"]["title"] for a in plain["attachments"]]
    assert not any("phone" in title.lower() for title in titles[:3])


async def test_an_empty_query_asks_for_a_problem_and_markdown_is_shown_as_typed(bot) -> None:  # type: ignore[no-untyped-def]
    for value in (_query(""), {"commandId": "searchEvidence", "parameters": [{"name": "initialRun", "value": "true"}]}):
        result = await _search(bot, value)
        assert result["type"] == "message" and "for example" in result["text"]
    result = await _search(bot, _query("**drones** over [the prison](https://evil.example) wall"))
    card = result["attachments"][0]["content"]
    if card["body"][0]["text"].startswith("No good match"):
        assert "[the prison](https://evil.example)" not in card["body"][0]["text"]  # shown as typed, not a link


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "no value object"),
        ({"parameters": [{"name": "query", "value": "x"}]}, "only search command"),
        (_query("knife crime", command="somethingElse"), "only search command"),
        ({"commandId": "searchEvidence", "parameters": "knife crime"}, "parameters must be a list"),
        ({"commandId": "searchEvidence", "parameters": [{"name": "query", "value": {"x": 1}}]}, "parameters must be"),
        (_query("knife crime", kind="everything"), "kind is research or practice"),
        ({**_query("knife crime"), "queryOptions": {"skip": -1, "count": 5}}, "queryOptions.skip"),
        ({**_query("knife crime"), "queryOptions": {"skip": 0, "count": "ten"}}, "queryOptions.count"),
        ({**_query("knife crime"), "queryOptions": "all"}, "queryOptions must be an object"),
    ],
)
async def test_a_bad_query_gets_a_4xx_with_the_reason(bot, value: Any, reason: str) -> None:  # type: ignore[no-untyped-def]
    status, body = await _post(bot, _invoke("composeExtension/query", value))
    assert status == 400 and reason in body["error"]
    assert bot.app[SERVICES].search_log.gaps(since=datetime(2000, 1, 1)) == []
