"""Reusing the Bot Framework SDK's outbound clients across turns.

For every inbound activity the SDK's ``CloudAdapter`` builds a new connector client (to
reply) and a new user-token client, and each construction sets up an HTTP session and
its retry policy: about 20 ms of CPU apiece, more than the rest of a what-works turn. The
clients hold nothing specific to one turn (credentials refresh their own tokens), so they
are kept per bot app id, service URL and audience, as the SDK's older ``BotFrameworkAdapter``
did.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import ClaimsIdentity, ConnectorFactory, JwtTokenValidation, UserTokenClient

__all__ = ["CachingAuthentication", "CachingConnectorFactory"]

MAX_CLIENTS = 64


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

    def __init__(self, inner: ConnectorFactory, app_id: str, cache: _Lru) -> None:
        self._inner, self._app_id, self._cache = inner, app_id, cache

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        key = (self._app_id, service_url, audience)
        client = self._cache.get(key)
        if client is None:
            client = self._cache.remember(key, await self._inner.create(service_url, audience))
        return client


class CachingAuthentication(ConfigurationBotFrameworkAuthentication):
    """The SDK's authentication, with its outbound clients kept between turns."""

    def __init__(self, configuration: Any, **kwargs: Any) -> None:
        super().__init__(configuration, **kwargs)
        self._connectors = _Lru()
        self._token_clients = _Lru()

    def connector_factory_for(self, factory: ConnectorFactory, claims_identity: ClaimsIdentity | None) -> ConnectorFactory:
        return CachingConnectorFactory(factory, _app_id(claims_identity), self._connectors)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self.connector_factory_for(super().create_connector_factory(claims_identity), claims_identity)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        key = _app_id(claims_identity)
        client = self._token_clients.get(key)
        if client is None:
            client = self._token_clients.remember(key, await super().create_user_token_client(claims_identity))
        return client


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
            data = activity.serialize()
        finally:
            for attachment, content in zip(attachments, contents):
                attachment.content = content
        for serialised, content in zip(data.get("attachments") or [], contents):
            if content is not None:
                serialised["content"] = content
        out.append(data)
    return {"activities": out}
