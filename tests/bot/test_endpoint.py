"""The Bot Framework endpoint and the health check, through HTTP as a channel would call them."""

from __future__ import annotations

import json

import pytest

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
