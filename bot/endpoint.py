"""``POST /api/messages``: the Bot Framework protocol endpoint.

The stock ``CloudAdapter.process`` is not used: it answers 500 to ``expectReplies`` and
invoke responses (it serialises an already serialised body) and lets token errors escape
as 500. Here each failure has its own status: 400 for a body that is not an activity the
bot can handle (not JSON, nested deeper than :data:`MAX_DEPTH`, fields of the wrong type,
an invoke the bot does not handle), 401 for any token that does not validate, 403 for
another tenant, 413 for an oversized body, 415 for a body that is not JSON, and 503 only
when the signing keys cannot be fetched to check a well-formed token.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import requests
from aiohttp import web
from botbuilder.core import Bot
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity

from bot.activity_shape import MAX_DEPTH, has_lone_surrogate, nesting_exceeds, shape_problem
from bot.clients import plain_json
from bot.schema_json import Unsupported, schema_from_json
from bot.signing_keys import SigningKeysUnavailable

__all__ = ["MAX_BODY_BYTES", "MAX_DEPTH", "MessagesEndpoint"]

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _dumps(body: Any) -> str:
    # The SDK may leave schema objects and Exception(code, message) in an invoke's answer.
    return json.dumps(body, default=plain_json)


def _tenant_of(activity: Activity) -> str | None:
    if activity.conversation and activity.conversation.tenant_id:
        return activity.conversation.tenant_id.lower()
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = channel_data.get("tenant") or {}
    tenant_id = tenant.get("id") if isinstance(tenant, dict) else None
    return tenant_id.lower() if isinstance(tenant_id, str) else None


class MessagesEndpoint:
    """Turns HTTP requests into turns of the bot.

    Args:
        adapter: the Bot Framework adapter (its authentication validates tokens).
        bot: the activity handler.
        allowed_tenants: the tenants served: activities from any other tenant, or naming
            none, are refused (an empty set refuses every one); None serves any tenant.
        turns_at_once: how many turns run at the same time; later requests wait their turn
            in arrival order. Run all at once, a burst shares the process between every
            turn and they all finish late (200 officers at once: slowest 4.7 s); in
            order, the first finish early and the slowest at 3.0 s, at the same throughput.
    """

    def __init__(self, adapter: CloudAdapter, bot: Bot, allowed_tenants: frozenset[str] | None = None,
                 turns_at_once: int = 16) -> None:
        self._adapter = adapter
        self._bot = bot
        self._allowed_tenants = allowed_tenants
        self._turns = asyncio.Semaphore(turns_at_once)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Handle one ``POST /api/messages``."""
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return _problem(413, f"the body is over {MAX_BODY_BYTES // 1024} KB")
        if "json" not in (request.content_type or ""):
            return _problem(415, "the body must be a JSON activity (Content-Type: application/json)")
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _problem(413, f"the body is over {MAX_BODY_BYTES // 1024} KB")
        activity, problem = self._parse(raw)
        if problem:
            return _problem(400, problem)
        assert activity is not None

        authentication = self._adapter.bot_framework_authentication
        try:
            auth_result = await authentication.authenticate_request(
                activity, request.headers.get("Authorization", "")
            )
        except (requests.RequestException, SigningKeysUnavailable) as error:
            log.warning("could not fetch Bot Framework signing keys (%s)", type(error).__name__)
            return _problem(503, "signing keys are unavailable; try again")
        except Exception as error:  # noqa: BLE001 - the SDK raises many types for one meaning
            log.info("request refused: token did not validate (%s)", type(error).__name__)
            return _problem(401, "unauthorised")

        if self._allowed_tenants is not None and _tenant_of(activity) not in self._allowed_tenants:
            log.info("activity from a tenant that is not allowed was dropped")
            return _problem(403, "this tenant may not use the bot")

        wrap = getattr(authentication, "connector_factory_for", None)
        if wrap is not None and auth_result.connector_factory is not None:
            auth_result.connector_factory = wrap(auth_result.connector_factory, auth_result.claims_identity)
        async with self._turns:
            invoke_response = await self._adapter.process_activity(auth_result, activity, self._bot.on_turn)
        if invoke_response is not None:
            body = invoke_response.body
            if body is None:
                return web.Response(status=invoke_response.status)
            return web.json_response(body, status=invoke_response.status, dumps=_dumps)
        return web.Response(status=201)

    @staticmethod
    def _parse(raw: bytes) -> tuple[Activity | None, str | None]:
        if nesting_exceeds(raw, MAX_DEPTH):
            return None, f"the body is nested more than {MAX_DEPTH} deep"
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):  # not UTF-8, not JSON, or a number too long to read
            return None, "the body is not valid JSON"
        if not isinstance(body, dict):
            return None, "the body must be a JSON object (an activity)"
        if has_lone_surrogate(raw, body):
            return None, "the body holds text that is not valid Unicode"
        problem = shape_problem(body)
        if problem:
            return None, problem
        try:
            try:
                activity = schema_from_json(Activity, body)
            except Unsupported:
                activity = Activity().deserialize(body)
        except Exception:  # noqa: BLE001 - msrest raises assorted errors on bad shapes
            return None, "the body is not a Bot Framework activity"
        if not activity.type:
            return None, "the activity has no type"
        if not activity.service_url or not str(activity.service_url).startswith(("https://", "http://")):
            return None, "the activity has no valid serviceUrl"
        if not activity.conversation or not activity.conversation.id:
            return None, "the activity has no conversation id"
        return activity, None
