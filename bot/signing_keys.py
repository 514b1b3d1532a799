"""The Bot Framework's published signing keys, fetched off the event loop.

Tokens from Teams are signed with keys the Bot Framework publishes (an OpenID metadata
document names the key set). The SDK fetches them with blocking HTTP on the event loop the
first time a token arrives and once a day after, stalling every turn for as long as the key
service takes to answer. Here the keys are fetched in a worker thread: once when the app
starts, then in the background before they go stale. If the key service cannot be reached
the app still starts; the keys are fetched on the next attempt.

The SDK looks key sets up by metadata address in ``JwtTokenExtractor.metadataCache``;
:meth:`SigningKeyRegistry.install` puts a registry there that answers with
:class:`SigningKeys`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import requests
from botframework.connector.auth import AuthenticationConstants, ChannelValidation, JwtTokenExtractor
from jwt.algorithms import RSAAlgorithm

from domain.ops.scheduler import stop_task

__all__ = [
    "SigningKeyRegistry",
    "SigningKeys",
    "SigningKeysUnavailable",
    "UnknownSigningKey",
    "channel_metadata_url",
    "fetch_key_set",
]

log = logging.getLogger(__name__)

FETCH_TIMEOUT_SECONDS = 5.0
# The SDK's own rules: keys are refreshed when a day old, and an unknown key id makes a
# fresh fetch at most once an hour (so forged key ids cannot make the bot hammer the service).
MAX_AGE_SECONDS = 24 * 3600
REFRESH_AFTER_SECONDS = 12 * 3600
UNKNOWN_KEY_REFETCH_SECONDS = 3600
RETRY_SECONDS = 60.0

KeyFetch = Callable[[str], list]


class SigningKeysUnavailable(Exception):
    """The signing keys could not be fetched and none are held."""


class UnknownSigningKey(PermissionError):
    """A token names a signing key that is not in the published set."""


def channel_metadata_url() -> str:
    """Where the channel's signing keys are described (the SDK's setting, or the public cloud's)."""
    return ChannelValidation.open_id_metadata_endpoint or AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL


def fetch_key_set(metadata_url: str, timeout: float = FETCH_TIMEOUT_SECONDS) -> list:
    """The keys of the set an OpenID metadata document names (blocking: call in a thread)."""
    metadata = requests.get(metadata_url, timeout=timeout)
    metadata.raise_for_status()
    keys = requests.get(metadata.json()["jwks_uri"], timeout=timeout)
    keys.raise_for_status()
    found = keys.json()["keys"]
    if not isinstance(found, list):
        raise ValueError("the key set is not a list of keys")
    return found


@dataclass(frozen=True)
class _Key:
    """What the SDK's token extractor reads from a key: the public key and its endorsements."""

    public_key: Any
    endorsements: list


class SigningKeys:
    """One published key set, as the SDK's token extractor asks for it (``await get(kid)``).

    Args:
        url: the OpenID metadata address.
        fetch: fetches the key set (blocking; always run in a worker thread).
        retry_seconds: after a failed fetch, requests wait this long before trying again.
    """

    def __init__(self, url: str, fetch: KeyFetch, retry_seconds: float = 5.0) -> None:
        self.url = url
        self._fetch = fetch
        self._retry_seconds = retry_seconds
        self._keys: dict[str, _Key] = {}
        self._fetched_at: float | None = None
        self._failed_at: float | None = None
        self._lock: asyncio.Lock | None = None

    @property
    def held(self) -> int:
        """How many keys are held."""
        return len(self._keys)

    def age(self) -> float | None:
        """Seconds since the keys were last fetched (None if never)."""
        return None if self._fetched_at is None else time.monotonic() - self._fetched_at

    async def refresh(self) -> None:
        """Fetch the key set in a worker thread; one fetch at a time.

        Raises:
            SigningKeysUnavailable: the fetch failed (the keys held, if any, are kept).
        """
        if self._lock is None:
            self._lock = asyncio.Lock()
        started = time.monotonic()
        async with self._lock:
            if self._fetched_at is not None and self._fetched_at >= started:
                return  # fetched by the caller we waited for
            try:
                raw = await asyncio.to_thread(self._fetch, self.url)
                keys = _parse(raw)
            except (requests.RequestException, ValueError, KeyError, TypeError) as error:
                self._failed_at = time.monotonic()
                raise SigningKeysUnavailable(type(error).__name__) from error
            self._keys, self._fetched_at, self._failed_at = keys, time.monotonic(), None

    async def get(self, key_id: str | None) -> _Key:
        """The key a token names, fetching the set first if it is missing or a day old.

        Raises:
            SigningKeysUnavailable: no keys are held and they cannot be fetched now.
            UnknownSigningKey: the set holds no key of that id.
        """
        age = self.age()
        if age is None or age > MAX_AGE_SECONDS:
            await self._refresh_for_request()
        key = self._keys.get(key_id or "")
        if key is None and (self.age() or 0.0) > UNKNOWN_KEY_REFETCH_SECONDS:
            await self._refresh_for_request()
            key = self._keys.get(key_id or "")
        if key is None:
            raise UnknownSigningKey("the token's signing key is not published")
        return key

    async def _refresh_for_request(self) -> None:
        recently_failed = self._failed_at is not None and time.monotonic() - self._failed_at < self._retry_seconds
        if recently_failed and not self._keys:
            raise SigningKeysUnavailable("the key service was unreachable moments ago")
        try:
            await self.refresh()
        except SigningKeysUnavailable:
            if not self._keys:
                raise
            log.warning("could not refresh the Bot Framework signing keys; using the ones held")


def _parse(raw: list) -> dict[str, _Key]:
    keys: dict[str, _Key] = {}
    for jwk in raw:
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
            continue
        try:
            public_key = RSAAlgorithm.from_jwk(json.dumps(jwk))
        except (ValueError, KeyError, TypeError):
            continue  # a key of another kind, or malformed: tokens naming it are refused
        endorsements = jwk.get("endorsements")
        keys[jwk["kid"]] = _Key(public_key, endorsements if isinstance(endorsements, list) else [])
    if not keys:
        raise ValueError("the key set holds no usable key")
    return keys


class SigningKeyRegistry(dict):
    """Key sets by metadata address, created on first use; refreshed in the background.

    Args:
        fetch: fetches one key set (blocking; run in worker threads).
        retry_seconds: after a failed fetch, how long requests wait before trying again.
    """

    def __init__(self, fetch: KeyFetch = fetch_key_set, retry_seconds: float = 5.0) -> None:
        super().__init__()
        self.fetch = fetch
        self._retry_seconds = retry_seconds
        self._task: asyncio.Task[None] | None = None

    def get(self, url: str, default: Any = None) -> SigningKeys:
        """The key set published at ``url`` (the SDK's lookup)."""
        keys = super().get(url)
        if keys is None:
            keys = self[url] = SigningKeys(url, lambda address: self.fetch(address), self._retry_seconds)
        return keys

    def install(self) -> None:
        """Make the SDK's token validation use this registry for every key set."""
        JwtTokenExtractor.metadataCache = self

    async def start(self, urls: Iterable[str]) -> None:
        """Fetch the key sets at ``urls`` now (a failure is logged), then keep them fresh."""
        sets = [self.get(url) for url in urls]
        for keys in sets:
            await _refresh_logged(keys)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._keep_fresh(sets), name="signing-keys")

    async def stop(self) -> None:
        """Stop refreshing in the background."""
        task, self._task = self._task, None
        await stop_task(task)

    @staticmethod
    async def _keep_fresh(sets: list[SigningKeys]) -> None:
        while True:
            ages = [keys.age() for keys in sets]
            waits = [RETRY_SECONDS if age is None else max(RETRY_SECONDS, REFRESH_AFTER_SECONDS - age) for age in ages]
            await asyncio.sleep(min(waits, default=REFRESH_AFTER_SECONDS))
            for keys in sets:
                age = keys.age()
                if age is None or age >= REFRESH_AFTER_SECONDS:
                    await _refresh_logged(keys)


async def _refresh_logged(keys: SigningKeys) -> None:
    try:
        await keys.refresh()
    except SigningKeysUnavailable as error:
        log.warning("could not fetch the Bot Framework signing keys (%s); will try again", error)
