"""Fakes used across the tests, kept in one place."""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class _Scripted:
    status: int
    headers: dict[str, str] = field(default_factory=dict)


class FakeConnector:
    """A Bot Connector service on loopback: records the activities the bot sends.

    ``fail_next(status, times)`` makes the next sends answer with an error status, to test
    the bot's retry and give-up rules. Start it with ``await connector.start()``; its
    ``service_url`` goes in the activities the tests post to the bot.
    """

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.uploads: dict[str, tuple[bytes, dict[str, str]]] = {}  # files put by name: body, headers
        self.attempts = 0
        self._script: deque[_Scripted] = deque()
        self._server: TestServer | None = None

    def fail_next(self, status: int, times: int = 1, headers: dict[str, str] | None = None) -> None:
        """Answer the next ``times`` sends with ``status`` (and ``headers``)."""
        for _ in range(times):
            self._script.append(_Scripted(status, headers or {}))

    async def start(self, port: int | None = None) -> "FakeConnector":
        """Listen (on ``port``, or on a free one)."""
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._receive)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._receive)
        app.router.add_put("/upload/{name}", self._upload)
        self._server = TestServer(app, host="127.0.0.1", port=port)
        await self._server.start_server()
        self._url = str(self._server.make_url("/"))
        return self

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    @property
    def service_url(self) -> str:
        assert self._server is not None, "start() the connector first"
        return self._url  # kept while refusing, so the address stays the same

    def texts(self) -> list[str]:
        """The text of every message the bot sent."""
        return [a.get("text") or "" for a in self.sent if a.get("type") == "message"]

    async def _upload(self, request: web.Request) -> web.Response:
        """Stands in for the OneDrive upload address Teams gives after a file consent."""
        self.uploads[request.match_info["name"]] = (await request.read(), dict(request.headers))
        return web.json_response({"id": "file-1"}, status=201)

    async def _receive(self, request: web.Request) -> web.Response:
        self.attempts += 1
        if self._script:
            scripted = self._script.popleft()
            return web.json_response({"error": {"code": "Scripted"}}, status=scripted.status, headers=scripted.headers)
        activity = await request.json()
        self.sent.append(activity)
        return web.json_response({"id": f"reply-{len(self.sent)}"})


_ACTIVITY_NUMBERS = itertools.count(1)
TENANT_ID = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
OFFICER_AAD = "0b6f1b3c-1111-4a4a-9b9b-000000000001"
BOT_ID = "28:prevention-first-bot"


def teams_activity(
    text: str | None = "help",
    *,
    service_url: str = "http://127.0.0.1:9/",
    aad_object_id: str = OFFICER_AAD,
    name: str = "Alex Morgan",
    conversation_id: str | None = None,
    tenant_id: str = TENANT_ID,
    activity_type: str = "message",
    expect_replies: bool = True,
    activity_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An activity shaped as Teams sends it from a personal chat (a new id unless given)."""
    activity: dict[str, Any] = {
        "type": activity_type,
        "id": activity_id or f"act-{next(_ACTIVITY_NUMBERS)}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "timestamp": "2026-11-26T09:00:00Z",
        "from": {"id": f"29:{aad_object_id}", "name": name, "aadObjectId": aad_object_id},
        "recipient": {"id": BOT_ID, "name": "Prevention First"},
        "conversation": {
            "id": conversation_id or f"a:personal-{aad_object_id}",
            "conversationType": "personal",
            "tenantId": tenant_id,
        },
        "channelData": {"tenant": {"id": tenant_id}},
        "locale": "en-GB",
    }
    if text is not None:
        activity["text"] = text
    if expect_replies:
        activity["deliveryMode"] = "expectReplies"
    activity.update(extra)
    return activity


def replies(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The activities of an ``expectReplies`` response body."""
    return body.get("activities") or []


def card_of(activity: dict[str, Any]) -> dict[str, Any] | None:
    """The Adaptive Card an activity carries, if any."""
    for attachment in activity.get("attachments") or []:
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
            return attachment["content"]
    return None


class FakeAdapter:
    """A Bot Framework adapter for proactive sends without a connector: records each
    activity sent, or fails the send with ``error`` while ``failing`` is set (a connection
    reset, which the sender retries)."""

    def __init__(self, *, failing: bool = False, error: BaseException | None = None) -> None:
        self.failing = failing
        self.error = error or ConnectionResetError("connector unreachable")
        self.sent: list[tuple[str, Any]] = []  # (conversation id, activity)
        self.attempts = 0

    async def continue_conversation(self, reference: Any, callback: Any, bot_id: str | None = None) -> None:
        adapter = self

        class _Turn:
            async def send_activity(self, activity: Any) -> None:
                adapter.attempts += 1
                if adapter.failing:
                    raise adapter.error
                adapter.sent.append((reference.conversation.id, activity))

        await callback(_Turn())

    def texts(self) -> list[str]:
        """The text of every activity sent."""
        return [activity.text for _, activity in self.sent]


class PlainNotices:
    """The Portal's and the Hub's messages as short plain texts, for domain tests."""

    def status_changed(self, change: Any) -> str:
        return f"{change.reference} is now {change.to_status.value}"

    def support_added(self, added: Any) -> str:
        return f"support for {added.reference}"

    def merged_into_yours(self, change: Any, original: str, original_title: str) -> str:
        return f"{change.reference} merged into {original}"

    def assigned(self, reference: str, by_name: str | None) -> str:
        return f"{reference} assigned by {by_name}"

    def question(self, reference: str, title: str, question: str) -> str:
        return f"question on {reference}: {question}"

    def asked_supporter(self, reference: str, title: str) -> str:
        return f"question asked on {reference}"

    def replied(self, question: Any, title: str, answer: str) -> str:
        return f"reply on {question.reference}: {answer}"

    def role_changed(self, role: Any, by_name: str | None) -> str:
        return f"now {role.value}"


class OutageConnector(FakeConnector):
    """A Bot Connector that answers every send with an error while it is ``down()``, and takes
    them again (recording as :class:`FakeConnector` does) once it has ``recover()``-ed."""

    def __init__(self) -> None:
        super().__init__()
        self._outage: _Scripted | None = None

    def down(self, status: int = 503, headers: dict[str, str] | None = None) -> None:
        """Answer every send with ``status`` (and ``headers``) until :meth:`recover`."""
        self._outage = _Scripted(status, headers or {})

    def recover(self) -> None:
        self._outage = None

    async def refuse(self) -> None:
        """Stop listening: every send is refused at connection until :meth:`listen_again`."""
        assert self._server is not None and self._server.port is not None
        self._port = self._server.port
        await self._server.close()

    async def listen_again(self) -> None:
        """Take connections again, on the same address."""
        await self.start(self._port)

    def delivered(self, conversation_id: str) -> int:
        """How many messages reached one conversation."""
        return sum(1 for a in self.sent if a.get("type") == "message" and a["conversation"]["id"] == conversation_id)

    async def _receive(self, request: web.Request) -> web.Response:
        outage = self._outage
        if outage is None:
            return await super()._receive(request)
        self.attempts += 1
        return web.json_response({"error": {"code": "ServiceUnavailable"}}, status=outage.status, headers=outage.headers)


class StatusError(Exception):
    """A failed Bot Connector call as the SDK raises it: ``response`` carries the HTTP status
    and headers."""

    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.response = _Response(status, headers or {})


@dataclass
class _Response:
    status_code: int
    headers: dict[str, str]


class ChatsAdapter:
    """A Bot Framework adapter for proactive sends, chat by chat: ``failing[conversation id]``
    is raised for every send to that chat; ``hold`` (an event), when set up, keeps every
    send waiting until it is set; ``clock`` stamps each send that goes out."""

    def __init__(self, clock: Any = None) -> None:
        self.failing: dict[str, BaseException] = {}
        self.hold: Any = None
        self.clock = clock
        self.sent: list[tuple[str, str, float]] = []  # (conversation id, text, time)
        self.attempts: dict[str, int] = {}

    async def continue_conversation(self, reference: Any, callback: Any, bot_id: str | None = None) -> None:
        adapter, conversation = self, reference.conversation.id

        class _Turn:
            async def send_activity(self, activity: Any) -> None:
                adapter.attempts[conversation] = adapter.attempts.get(conversation, 0) + 1
                if adapter.hold is not None:
                    await adapter.hold.wait()
                if conversation in adapter.failing:
                    raise adapter.failing[conversation]
                adapter.sent.append((conversation, activity.text, adapter.clock() if adapter.clock else 0.0))

        await callback(_Turn())

    def delivered(self, conversation_id: str) -> int:
        return sum(1 for c, _, _ in self.sent if c == conversation_id)
