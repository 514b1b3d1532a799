"""Reusing the Bot Framework SDK's outbound clients across turns.

For every inbound activity the SDK's ``CloudAdapter`` builds a new connector client (to
reply) and a new user-token client, and each construction sets up an HTTP session and
its retry policy: about 20 ms of CPU apiece, more than the rest of a what-works turn. The
clients hold nothing specific to one turn (credentials refresh their own tokens), so they
are kept per bot app id, service URL and audience, as the SDK's older ``BotFrameworkAdapter``
did, and every connector client sends through the process's one aiohttp session
(:mod:`bot.connector_http`) rather than ``requests`` in a worker thread.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import jwt
from msrest.exceptions import SerializationError
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticateRequestResult,
    ClaimsIdentity,
    ConnectorFactory,
    JwtTokenValidation,
    UserTokenClient,
)

from bot.connector_http import ActivitySerializer, HttpTransport, pipeline_for
from bot.signing_keys import SigningKeyRegistry

__all__ = ["CachingAuthentication", "CachingConnectorFactory", "TokenRefused", "check_token_header", "plain_json",
           "serialize_replies"]

MAX_CLIENTS = 64
# The Bot Framework signs every token it sends a bot with RS256.
SIGNING_ALGORITHM = "RS256"


class TokenRefused(PermissionError):
    """The Authorization header cannot hold a Bot Framework token."""


def check_token_header(authorization: str) -> None:
    """Refuse, before any signing key is looked up, a token the Bot Framework cannot have sent.

    An empty header is left to the SDK (allowed only when authentication is off). Anything
    else must be ``Bearer`` and a JWT whose header names RS256: ``none``, HS256 and the
    rest are refused without fetching keys, whatever the state of the key service.

    Raises:
        TokenRefused: the header is malformed or names another algorithm.
    """
    if not authorization:
        return
    scheme, _, token = authorization.partition(" ")
    if scheme != "Bearer" or not token:
        raise TokenRefused("not a bearer token")
    try:
        header = jwt.get_unverified_header(token)
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        raise TokenRefused("the token is malformed") from error
    if header.get("alg") != SIGNING_ALGORITHM:
        raise TokenRefused("the token is not signed with RS256")


def _app_id(claims_identity: ClaimsIdentity | None) -> str:
    if claims_identity is None or not claims_identity.claims:
        return ""
    return JwtTokenValidation.get_app_id_from_claims(claims_identity.claims) or ""


class _Lru(OrderedDict):
    def remember(self, key: Any, value: Any) -> Any:
        self[key] = value
        while len(self) > MAX_CLIENTS:
            self.popitem(last=False)
        return value


class CachingConnectorFactory(ConnectorFactory):
    """A connector factory that hands back the same client for the same destination."""

    def __init__(self, inner: ConnectorFactory, app_id: str, cache: _Lru, transport: HttpTransport) -> None:
        self._inner, self._app_id, self._cache, self._transport = inner, app_id, cache, transport

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        key = (self._app_id, service_url, audience)
        client = self._cache.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            client.config.pipeline = pipeline_for(client.config, self._transport)
            client.conversations._serialize = ActivitySerializer(client.conversations._serialize)
            self._cache.remember(key, client)
        return client


class CachingAuthentication(ConfigurationBotFrameworkAuthentication):
    """The SDK's authentication, with its outbound clients kept between turns, tokens of
    the wrong shape refused before any key is looked up, and the signing keys fetched off
    the event loop (:mod:`bot.signing_keys`; the registry is the process's, for the SDK)."""

    def __init__(self, configuration: Any, **kwargs: Any) -> None:
        super().__init__(configuration, **kwargs)
        self._connectors = _Lru()
        self._token_clients = _Lru()
        self.transport = HttpTransport()
        self.signing_keys = SigningKeyRegistry()
        self.signing_keys.install()

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        check_token_header(auth_header)
        return await super().authenticate_request(activity, auth_header)

    def connector_factory_for(self, factory: ConnectorFactory, claims_identity: ClaimsIdentity | None) -> ConnectorFactory:
        return CachingConnectorFactory(factory, _app_id(claims_identity), self._connectors, self.transport)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self.connector_factory_for(super().create_connector_factory(claims_identity), claims_identity)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        key = _app_id(claims_identity)
        client = self._token_clients.get(key)
        if client is None:
            client = self._token_clients.remember(key, await super().create_user_token_client(claims_identity))
        return client


def plain_json(value: Any) -> Any:
    """``value`` as plain JSON, whatever the SDK left in it.

    An invoke's answer may hold schema objects, and the SDK's card-action errors carry
    ``Exception(code, message)`` where the protocol has an error object (which msrest
    cannot serialise).
    """
    if isinstance(value, Exception):
        code, message = (list(value.args) + ["", ""])[:2]
        return {"code": str(code), "message": str(message)}
    attributes = getattr(value, "_attribute_map", None)
    if isinstance(attributes, dict):
        fields = ((spec["key"], getattr(value, name, None)) for name, spec in attributes.items())
        return {key: plain_json(field) for key, field in fields if field is not None}
    if isinstance(value, dict):
        return {key: plain_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_json(item) for item in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "__dict__"):
        return {key: plain_json(item) for key, item in vars(value).items() if not key.startswith("_")}
    return str(value)


def _serialize(activity: Any) -> dict:
    try:
        return activity.serialize()
    except SerializationError:
        # An invoke's answer holding what msrest cannot walk: sent as plain JSON instead.
        value = activity.value
        activity.value = plain_json(value)
        try:
            return activity.serialize()
        finally:
            activity.value = value


def serialize_replies(activities: list) -> dict:
    """``{"activities": [...]}`` for an expectReplies response, serialised quickly.

    msrest walks every node of an attachment's content (an Adaptive Card is hundreds of
    them) checking types; the content is already plain JSON, so each activity is
    serialised without it and the content put back as it is.
    """
    out = []
    for activity in activities:
        attachments = activity.attachments or []
        contents = [attachment.content for attachment in attachments]
        try:
            for attachment in attachments:
                attachment.content = None
            data = _serialize(activity)
        finally:
            for attachment, content in zip(attachments, contents):
                attachment.content = content
        for serialised, content in zip(data.get("attachments") or [], contents):
            if content is not None:
                serialised["content"] = content
        out.append(data)
    return {"activities": out}
