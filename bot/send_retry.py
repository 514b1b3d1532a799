"""What a failed proactive send means, and when to try it again.

Teams' answers decide what happens next:

* 403 or 404 (the app was removed, the chat is gone): the user is unreachable; no retry.
* 429, 412 and 5xx, and network failures: retried with exponential backoff, honouring
  ``Retry-After``; after a few quick attempts (or when Teams asks for a longer wait) the
  message waits for the background sweep.
* Anything else: failed.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import timedelta

import aiohttp

__all__ = ["RetryPolicy", "Failure", "RETRYABLE", "UNREACHABLE", "send_status_of", "failure_of"]

log = logging.getLogger("bot.notifications")

# Statuses worth another attempt: throttled, a precondition race, and server errors (5xx).
RETRYABLE = frozenset({412, 429})
# Statuses that say the user's chat cannot be reached: the app was removed, the chat is gone.
UNREACHABLE = frozenset({403, 404})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before leaving a message for a later sweep.

    ``quick_attempts`` are made one after another with exponential backoff (from
    ``base_delay``, up to ``max_delay``); a wait longer than ``quick_wait`` (Teams'
    ``Retry-After`` included) is not waited for here but left to the sweep. The sweep tries
    again ``later`` after the first round, doubling each round, up to ``max_later``, and never
    sooner than Teams asked. After ``max_attempts`` in all the message is recorded as failed.
    """

    quick_attempts: int = 3
    max_attempts: int = 8
    base_delay: float = 1.0
    max_delay: float = 60.0
    quick_wait: float = 10.0
    later: timedelta = timedelta(minutes=5)
    max_later: timedelta = timedelta(hours=1)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """How long to wait before quick attempt ``attempt + 1``: what Teams asked, else a
        jittered exponential backoff."""
        if retry_after is not None:
            return retry_after
        backoff = self.base_delay * 2.0 ** (attempt - 1)
        return min(backoff * (0.8 + 0.4 * random.random()), self.max_delay)

    def later_after(self, attempts: int, retry_after: float | None) -> timedelta:
        """When the sweep should try again: doubling with each round, never sooner than Teams asked."""
        rounds = max(1, -(-attempts // max(1, self.quick_attempts)))
        later = min(self.later * 2 ** (rounds - 1), self.max_later)
        return max(later, timedelta(seconds=retry_after or 0))


@dataclass(frozen=True)
class Failure:
    """Why a send did not go: Teams' status (None for a network failure), how long Teams
    asked to wait, and whether another attempt may succeed."""

    status: int | None
    retry_after: float | None
    reason: str
    retryable: bool


def send_status_of(error: BaseException) -> tuple[int | None, float | None]:
    """The HTTP status and ``Retry-After`` seconds of a failed send, where the error has them."""
    response = getattr(error, "response", None)
    if response is None:
        return None, None
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    retry_after = None
    headers = getattr(response, "headers", None) or {}
    raw = headers.get("Retry-After") if hasattr(headers, "get") else None
    if raw is not None:
        try:
            retry_after = max(0.0, float(raw))
        except ValueError:
            retry_after = None
    return (int(status) if status is not None else None), retry_after


def failure_of(error: Exception, notification_id: int) -> Failure:
    """What a send's error means for the message."""
    if isinstance(error, (aiohttp.ClientError, asyncio.TimeoutError, OSError)):
        return Failure(None, None, type(error).__name__, True)
    status, retry_after = send_status_of(error)
    if status is None:
        log.error("proactive send failed", exc_info=error, extra={"notification": notification_id})
        return Failure(None, None, type(error).__name__, False)
    return Failure(status, retry_after, f"HTTP {status}", status in RETRYABLE or status >= 500)
