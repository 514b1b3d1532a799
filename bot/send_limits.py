"""Teams' rate limits for proactive sends, kept by each bot process.

Teams limits a bot per conversation (sliding windows: 7 messages in 1 s, 8 in 2 s, 60 in
30 s and 1,800 in an hour) and per app across all conversations. :class:`SendLimits`
makes a send wait until it fits both.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Awaitable, Callable, Sequence

__all__ = ["SendLimits", "Sleep", "Clock", "PER_CONVERSATION", "GLOBAL_PER_SECOND", "MIN_WAIT"]

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

# Teams' documented limits for a bot sending to one conversation ("Optimize your bot with rate
# limiting in Teams", per bot per thread): 7 messages in 1 s, 8 in 2 s, 60 in 30 s and 1,800 in
# an hour. As (seconds, messages) windows; a send waits until it fits every window.
PER_CONVERSATION: tuple[tuple[float, int], ...] = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))
# Teams' global limit is 50 requests a second per app per tenant, across all conversations;
# each bot process keeps to half, so two processes together stay within it.
GLOBAL_PER_SECOND = 25.0
# The shortest wait: one always moves the clock on.
MIN_WAIT = 1e-6
# How far short of a whole token still counts as one (floating-point rounding).
TOKEN_ROUNDING = 1e-9


class SendLimits:
    """Keeps this process's sends within Teams' rate limits.

    Each conversation has sliding windows (``per_conversation``: at most so many sends in so
    many seconds); all conversations together share a token bucket of ``per_second`` sends a
    second (bursts up to ``burst``). :meth:`acquire` waits until a send fits both.

    Args:
        per_conversation: (seconds, sends) windows for one conversation.
        per_second: the process's budget across conversations.
        burst: how many sends may go at once after a quiet spell.
        clock: monotonic seconds (tests pass a fake one).
        sleep: awaited to wait (tests pass one that moves the fake clock).
    """

    def __init__(
        self,
        per_conversation: Sequence[tuple[float, int]] = PER_CONVERSATION,
        per_second: float = GLOBAL_PER_SECOND,
        burst: int | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._windows = tuple(sorted(per_conversation))
        self._longest = max((seconds for seconds, _ in self._windows), default=0.0)
        self._keep = max((count for _, count in self._windows), default=0)
        self._rate = per_second
        self._burst = float(burst if burst is not None else max(1, int(per_second)))
        self._tokens = self._burst
        self._clock = clock
        self._sleep = sleep
        self._refilled = clock()
        self._sent: dict[str, deque[float]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def acquire(self, conversation: str) -> None:
        """Wait until one more send to ``conversation`` keeps within every limit, then count it."""
        lock = self._locks.setdefault(conversation, asyncio.Lock())
        async with lock:
            while True:
                now = self._clock()
                wait = max(self._conversation_wait(conversation, now), self._global_wait(now))
                if wait <= 0:
                    break
                # Never less than a microsecond: a wait rounded to a few ulps would not move the
                # clock, and the loop would spin for ever.
                await self._sleep(max(wait, MIN_WAIT))
            self._tokens = max(0.0, self._tokens - 1.0)
            self._sent.setdefault(conversation, deque(maxlen=self._keep or 1)).append(now)
        self._forget_quiet(now)

    def _conversation_wait(self, conversation: str, now: float) -> float:
        sent = self._sent.get(conversation)
        wait = 0.0
        if not sent:
            return wait
        for seconds, count in self._windows:
            if len(sent) >= count:
                # The count-th latest send must have left the window before one more goes.
                wait = max(wait, sent[-count] + seconds - now)
        return wait

    def _global_wait(self, now: float) -> float:
        if self._rate <= 0:
            return 0.0
        self._tokens = min(self._burst, self._tokens + (now - self._refilled) * self._rate)
        self._refilled = now
        # A token short by a rounding error is a whole one: the clock moved on exactly as asked.
        return 0.0 if self._tokens >= 1.0 - TOKEN_ROUNDING else (1.0 - self._tokens) / self._rate

    def _forget_quiet(self, now: float) -> None:
        """Drop conversations with nothing sent within the longest window (and no one waiting)."""
        if len(self._sent) < 1000:
            return
        for conversation in [c for c, sent in self._sent.items() if not sent or sent[-1] + self._longest < now]:
            lock = self._locks.get(conversation)
            if lock is None or not lock.locked():
                self._sent.pop(conversation, None)
                self._locks.pop(conversation, None)
