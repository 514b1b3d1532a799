"""A watch on the event loop: how late a short sleep wakes is how long the loop was blocked.

Every turn, health check and background job shares one event loop; a blocking call (a
synchronous HTTP fetch, a long computation) stalls all of them at once. The probe sleeps a
short interval again and again; when it wakes more than ``warn_ms`` late it logs a warning,
and it keeps the worst stall seen (``/healthz`` reports it as ``worst_loop_stall_ms``).
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from domain.ops.scheduler import stop_task

__all__ = ["LOOP_LAG", "LoopLagProbe"]

log = logging.getLogger(__name__)


class LoopLagProbe:
    """Measures how long the running event loop goes without serving its tasks.

    Args:
        interval: seconds between wake-ups.
        warn_ms: a stall longer than this many milliseconds is logged as a warning.
    """

    def __init__(self, interval: float = 0.05, warn_ms: float = 100.0) -> None:
        self.interval = interval
        self.warn_ms = warn_ms
        self.worst_ms = 0.0
        self.stalls = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """Whether the probe is watching the loop."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start watching the running loop (does nothing if already watching)."""
        if not self.running:
            self._task = asyncio.get_running_loop().create_task(self._watch(), name="loop-lag-probe")

    async def stop(self) -> None:
        """Stop watching; the worst stall seen is kept."""
        task, self._task = self._task, None
        await stop_task(task)

    def reset(self) -> None:
        """Forget the stalls seen so far (a benchmark run starts from zero)."""
        self.worst_ms = 0.0
        self.stalls = 0

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            expected = loop.time() + self.interval
            await asyncio.sleep(self.interval)
            self.record((loop.time() - expected) * 1000.0)

    def record(self, late_ms: float) -> None:
        """Count one wake-up that came ``late_ms`` milliseconds after it was due."""
        if late_ms > self.worst_ms:
            self.worst_ms = late_ms
        if late_ms > self.warn_ms:
            self.stalls += 1
            log.warning("event loop was blocked for %.0f ms", late_ms)


LOOP_LAG: web.AppKey[LoopLagProbe] = web.AppKey("loop_lag", LoopLagProbe)
