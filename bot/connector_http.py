"""The Bot Connector's HTTP transport on aiohttp, on the event loop.

The SDK's connector client builds each request with msrest and sends it with ``requests``
in a worker thread: every reply and every notification took a thread hop, a blocking
``requests`` call (its session set-up, proxy and ``.netrc`` look-ups) and a wake-up of the
loop, and competed for the same few threads as the database. Here the client keeps msrest's
request building and response parsing, but its pipeline sends through one aiohttp session
shared by the process. The bearer token comes from the SDK's own credentials (MSAL), fetched
in a worker thread and only when the one held is near its end.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable

import aiohttp
from multidict import CIMultiDict
from msrest import Serializer
from msrest.pipeline import AsyncHTTPPolicy, AsyncPipeline, Request, Response
from msrest.pipeline.aiohttp import AioHTTPSender
from msrest.pipeline.universal import RawDeserializer
from msrest.universal_http import ClientRequest
from msrest.universal_http.async_abc import AsyncClientResponse, AsyncHTTPSender

from bot.schema_json import Unsupported, schema_json

__all__ = ["HttpTransport", "BearerTokenPolicy", "pipeline_for", "ActivitySerializer"]

# A reply or notification that the connector has not taken in this time is abandoned (the
# outbox tries a notification again later); connecting gets less.
SEND_TIMEOUT = aiohttp.ClientTimeout(total=20, connect=5)
# AAD tokens for the Bot Framework last an hour or more; one is used for at most this long.
TOKEN_REUSE_SECONDS = 20 * 60


class _Response(AsyncClientResponse):
    def __init__(self, request: ClientRequest, response: aiohttp.ClientResponse, body: bytes) -> None:
        super().__init__(request, response)
        self.status_code = response.status
        self.headers = CIMultiDict(response.headers)  # Retry-After is read whatever its case
        self.reason = response.reason
        self._body = body

    def body(self) -> bytes:
        return self._body

    def raise_for_status(self) -> None:
        self.internal_response.raise_for_status()


class HttpTransport(AsyncHTTPSender):
    """One aiohttp session for every connector call of the process.

    The session belongs to the event loop that first sends (a new loop, as in tests, gets
    a new session); :meth:`close` ends it when the app stops.
    """

    def __init__(self, timeout: aiohttp.ClientTimeout = SEND_TIMEOUT) -> None:
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def _current(self) -> aiohttp.ClientSession:
        if self._closed:
            raise aiohttp.ClientConnectionError("the app is stopping: nothing more is sent")
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession(timeout=self._timeout, connector=aiohttp.TCPConnector(limit=100))
            self._loop = loop
        return self._session

    async def __aenter__(self) -> "HttpTransport":
        return self

    async def __aexit__(self, *exc_details: Any) -> None:
        return None  # the session outlives each call; close() ends it

    async def send(self, request: ClientRequest, **config: Any) -> AsyncClientResponse:
        """Send ``request`` and read the whole answer."""
        async with self._current().request(
            request.method, request.url, headers=dict(request.headers or {}), data=request.data,
        ) as response:
            body = await response.read()
        return _Response(request, response, body)

    async def close(self) -> None:
        """Close the session (the app's clean-up); nothing is sent afterwards."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()


class BearerTokenPolicy(AsyncHTTPPolicy):
    """Puts the bot's token on each request, as the SDK's credentials would on a ``requests`` session.

    No token when the bot has no app id (authentication off), as the SDK does.
    """

    def __init__(self, credentials: Any, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._credentials = credentials
        self._clock = clock
        self._token: str | None = None
        self._fetched = 0.0
        self._lock = asyncio.Lock()

    def _wanted(self) -> bool:
        should = getattr(self._credentials, "_should_set_token", None)
        return bool(self._credentials is not None and should is not None and should(None))

    async def token(self) -> str | None:
        """The bearer token to send, fetched off the loop when there is none or it is old."""
        if not self._wanted():
            return None
        if self._token is None or self._clock() - self._fetched > TOKEN_REUSE_SECONDS:
            async with self._lock:
                if self._token is None or self._clock() - self._fetched > TOKEN_REUSE_SECONDS:
                    self._token = await asyncio.to_thread(self._credentials.get_access_token)
                    self._fetched = self._clock()
        return self._token

    async def send(self, request: Request, **kwargs: Any) -> Response:
        token = await self.token()
        if token:
            request.http_request.headers["Authorization"] = f"Bearer {token}"
        assert self.next is not None, "the pipeline links every policy to the next"
        response = await self.next.send(request, **kwargs)
        if response.http_response.status_code == 401 and token:
            self._token = None  # revoked or expired early: the next send fetches a new one
        return response


def pipeline_for(config: Any, transport: HttpTransport) -> AsyncPipeline:
    """The connector client's pipeline with its ``requests`` sender replaced by ``transport``."""
    return AsyncPipeline(
        [config.user_agent_policy, BearerTokenPolicy(config.credentials), RawDeserializer(), config.http_logger_policy],
        AioHTTPSender(transport),  # type: ignore[arg-type]  # any msrest async HTTP sender will do
    )


class ActivitySerializer:
    """The connector operations' serialiser, with activity bodies written by :func:`schema_json`."""

    def __init__(self, inner: Serializer) -> None:
        self._inner = inner

    def body(self, data: Any, data_type: str, **kwargs: Any) -> Any:
        if data_type == "Activity" and not kwargs:
            try:
                return schema_json(data)
            except Unsupported:
                pass
        return self._inner.body(data, data_type, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
