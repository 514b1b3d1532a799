"""The Bot Framework endpoint and the health check, through HTTP as a channel would call them."""

from __future__ import annotations

import json

import pytest

from bot.activity_shape import nesting_exceeds
from tests.fakes import card_of, replies, teams_activity


async def test_health_reports_database_reachable(client):
    response = await client.get("/healthz")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok"
    assert body["database"] == "reachable"


async def test_expect_replies_returns_the_help_card_in_the_body(client):
    response = await client.post("/api/messages", json=teams_activity("help"))
    assert response.status == 200
    sent = replies(await response.json())
    assert len(sent) == 1
    card = card_of(sent[0])
    assert card is not None and card["version"] == "1.5"
    assert card["body"][0]["text"] == "Prevention First assistant"
    assert [a["title"] for a in card["actions"]] == ["What works", "Submit to the Hub", "Academy", "Hub tools"]


async def test_reply_without_expect_replies_goes_to_the_service_url(client, connector):
    response = await client.post(
        "/api/messages",
        json=teams_activity("help", service_url=connector.service_url, expect_replies=False),
    )
    assert response.status == 201
    assert len(connector.sent) == 1
    assert card_of(connector.sent[0])["body"][0]["text"] == "Prevention First assistant"


async def _execute(client, verb):
    invoke = teams_activity(
        None,
        activity_type="invoke",
        expect_replies=False,
        value={"action": {"type": "Action.Execute", "verb": verb, "data": {}}, "trigger": "manual"},
    )
    invoke["name"] = "adaptiveCard/action"
    return await client.post("/api/messages", json=invoke)


async def test_an_invoke_with_a_body_is_answered_with_that_body_as_json(client):
    response = await _execute(client, "help")
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert body["value"]["body"][0]["text"] == "Prevention First assistant"


async def test_an_unknown_card_action_gets_an_error_body_not_a_500(client):
    response = await _execute(client, "self-destruct")
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 400 and body["type"] == "application/vnd.microsoft.error"


@pytest.mark.parametrize(
    "body, content_type, status",
    [
        (b"{not json", "application/json", 400),
        (b"[1, 2, 3]", "application/json", 400),
        (b'"just a string"', "application/json", 400),
        (json.dumps({"text": "no type"}).encode(), "application/json", 400),
        (json.dumps({"type": "message", "conversation": {"id": "c"}}).encode(), "application/json", 400),
        (json.dumps({"type": "message", "serviceUrl": "ftp://x", "conversation": {"id": "c"}}).encode(), "application/json", 400),
        (json.dumps({"type": "message", "serviceUrl": "https://x", "conversation": {"id": "c"}, "from": "not an object"}).encode(), "application/json", 400),
        (b"\xff\xfe\xfd", "application/json", 400),
        (b"hello", "text/plain", 415),
        (b"{" + b" " * (256 * 1024) + b"}", "application/json", 413),
    ],
)
async def test_malformed_requests_get_a_4xx_never_a_500(client, body, content_type, status):
    response = await client.post("/api/messages", data=body, headers={"Content-Type": content_type})
    assert response.status == status
    assert "error" in await response.json()


async def test_free_text_is_a_question_and_says_so_when_no_index_is_published(client):
    response = await client.post("/api/messages", json=teams_activity("blah blah"))
    sent = [a for a in replies(await response.json()) if a["type"] == "message"]
    assert "knowledge base is not available" in sent[0]["text"]


@pytest.mark.parametrize("command, answer", [
    ("what works", "What problem would you like evidence on?"),
    ("submit", "What are you sending the Hub?"),
    ("academy", "The Academy's reflective practice (daily journal, self-assessment and SARA action plan) is for"),
    ("hub", "The Hub's tools are for the Prevention First Hub's staff."),
])
async def test_each_welcome_card_button_starts_its_job(client, command, answer):
    response = await client.post("/api/messages", json=teams_activity(command))
    sent = [a for a in replies(await response.json()) if a["type"] == "message"]
    assert sent[0]["text"].startswith(answer), sent[0]["text"]


def _activity_without(*keys, **changes):
    activity = teams_activity("help")
    for key in keys:
        activity.pop(key)
    activity.update(changes)
    return activity


def _invoke(name, value=None, **changes):
    activity = teams_activity(None, activity_type="invoke", value=value, **changes)
    if name is not _ABSENT:
        activity["name"] = name
    return activity


_ABSENT = object()

MALFORMED_ACTIVITIES = {
    "invoke without from": {k: v for k, v in _invoke("adaptiveCard/action", {"action": {}}).items() if k != "from"},
    "invoke with a number for a name": _invoke(5, {"action": {"type": "Action.Execute", "verb": "help"}}),
    "invoke without a name": _invoke(_ABSENT),
    "invoke the bot does not handle": _invoke("composeExtension/fetchTask", {"commandId": "x"}),
    "card action without an action": _invoke("adaptiveCard/action", {"trigger": "manual"}),
    "card action with a list for a verb": _invoke("adaptiveCard/action", {"action": {"type": "Action.Execute",
                                                                                     "verb": ["help"]}}),
    "file consent with a string context": _invoke("fileConsent/invoke", {"action": "accept", "context": "x"}),
    "message without from": _activity_without("from"),
    "from without an id": _activity_without(**{"from": {"name": "Alex"}}),
    "type not a string": _activity_without(type=["message"]),
    "text not a string": _activity_without(text={"a": 1}),
    "recipient a list": _activity_without(recipient=[]),
    "conversation id a number": _activity_without(conversation={"id": 7}),
    "entities not a list": _activity_without(entities={"type": "mention"}),
    "attachment not an object": _activity_without(attachments=["x"]),
    "members added not accounts": _activity_without(type="conversationUpdate", membersAdded=[3]),
    "no channel id": _activity_without("channelId"),
    "conversation id with a space": _activity_without(conversation={"id": "a b"}),
    "lone surrogate in text": _activity_without(text="\ud800"),
}


@pytest.mark.parametrize("activity", MALFORMED_ACTIVITIES.values(), ids=MALFORMED_ACTIVITIES.keys())
async def test_activities_the_sdk_cannot_take_get_400(client, activity):
    response = await client.post("/api/messages", data=json.dumps(activity), headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert "error" in await response.json()


@pytest.mark.parametrize("depth", [65, 100_000])
async def test_json_nested_too_deep_gets_400_before_it_is_parsed(client, depth):
    activity = json.dumps(teams_activity("help")).encode()
    body = activity[:-1] + b', "value": ' + b"[" * depth + b"]" * depth + b"}"
    response = await client.post("/api/messages", data=body, headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert "nested" in (await response.json())["error"]


async def test_json_nested_64_deep_is_taken(client):
    deep: object = "x"
    for _ in range(60):  # with the activity's own object and the value's: 62 levels
        deep = {"d": deep}
    response = await client.post("/api/messages", json=teams_activity("help", value={"d": deep}))
    assert response.status == 200


@pytest.mark.parametrize("raw, deeper_than_3", [
    (b'[[[]]]', False),
    (b'[[[[]]]]', True),
    (b'{"a": "[[[[[[", "b": [[1]]}', False),
    (b'{"a": "\\"[[[[[[\\\\", "b": [[1]]}', False),
    (b'{"a": {"b": {"c": {"d": 1}}}}', True),
    (b'[' * 10, True),
    (b']]]]][[[', False),
])
def test_nesting_is_counted_outside_strings(raw, deeper_than_3):
    assert nesting_exceeds(raw, 3) is deeper_than_3


async def test_an_unsupported_card_action_type_gets_the_sdks_error_as_json(client):
    invoke = _invoke("adaptiveCard/action", {"action": {"type": "Action.Submit", "verb": "help"}}, deliveryMode=None)
    response = await client.post("/api/messages", json=invoke)
    assert response.status == 400
    body = await response.json()
    assert body["type"] == "application/vnd.microsoft.error"
    assert body["value"]["code"] == "NotSupported"


async def test_health_reports_the_worst_loop_stall(client):
    body = await (await client.get("/healthz")).json()
    assert isinstance(body["worst_loop_stall_ms"], float | int)


async def test_turns_beyond_the_limit_wait_and_start_in_arrival_order(aiohttp_client, tmp_path):
    import asyncio

    from bot.app import SERVICES, create_app
    from domain.settings import Settings

    settings = Settings.from_env({"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
                                  "INDEX_DIR": str(tmp_path / "index"), "TURNS_AT_ONCE": "2"})
    client = await aiohttp_client(create_app(settings))
    bot = client.app[SERVICES].bot
    running, most, started = 0, 0, []

    async def slow_turn(turn_context):  # type: ignore[no-untyped-def]
        nonlocal running, most
        running += 1
        most = max(most, running)
        started.append(turn_context.activity.text)
        await asyncio.sleep(0.05)
        running -= 1

    bot.on_turn = slow_turn
    posts = []
    for n in range(6):
        posts.append(asyncio.create_task(client.post("/api/messages", json=teams_activity(f"message {n}", conversation_id=f"a:chat-{n}"))))
        await asyncio.sleep(0.005)  # they arrive in this order
    answers = await asyncio.gather(*posts)
    assert [a.status for a in answers] == [200] * 6  # expectReplies: each answered in its body
    assert most == 2
    # Admitted in arrival order, two at a time (the middleware before the turn may reorder a pair).
    assert set(started[:2]) == {"message 0", "message 1"} and started[-1] in {"message 4", "message 5"}
