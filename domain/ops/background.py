"""The bot process's timed work, run beside the conversation on the event loop."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Awaitable, Callable, Mapping, Protocol

from domain.models import utcnow
from domain.ops.scheduler import Job, Later, Outcome, SchedulerLoop, stop_task

__all__ = ["Background", "Planner", "Sender", "instance_name", "by_kind"]

log = logging.getLogger(__name__)


class Planner(Protocol):
    """Plans the prompts and reminders that are due for the running cohorts."""

    def plan_jobs(self, now: datetime | None = None) -> int: ...


class Sender(Protocol):
    """Delivers the notifications that are due, and those handed to it as they are written."""

    async def deliver_due(self, now: datetime | None = None) -> int: ...

    async def close(self) -> None:
        """Finish or stop the sends in flight (what is left goes with a later sweep)."""


Handler = Callable[[Job], Awaitable["Outcome | Later"]]


def by_kind(handlers: Mapping[str, Handler], others: Handler) -> Handler:
    """One scheduler handler for every part's jobs: each job goes to the handler of its
    ``kind``, and a kind not listed to ``others``."""
    async def handle(job: Job) -> Outcome | Later:
        return await handlers.get(job.kind, others)(job)
    return handle


def instance_name() -> str:
    """A name for this bot process in job claims: host, process and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Background:
    """The bot's timed work: due prompts and reminders (claimed, so one process sends each),
    the notification service's retries (and, on stopping, its sends in flight), every hour planning the running cohorts' prompts (so
    a newly enrolled participant is prompted from the next hour), and once a day the
    retention rules (what is past its limit is purged or anonymised, and the run recorded)."""

    PLAN_EVERY = timedelta(hours=1)
    RETAIN_EVERY = timedelta(days=1)

    def __init__(self, scheduler_loop: SchedulerLoop, planner: Planner, sender: Sender,
                 seconds: float, retention: Callable[[datetime], object] | None = None) -> None:
        self._loop = scheduler_loop
        self._planner = planner
        self._sender = sender
        self._seconds = seconds
        self._retention = retention
        self._task: asyncio.Task[None] | None = None
        self._planned_at: datetime | None = None
        self._retained_at: datetime | None = None

    def start(self) -> None:
        self._loop.start()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="background")

    async def stop(self) -> None:
        await self._loop.stop()
        task, self._task = self._task, None
        await stop_task(task)
        await self._sender.close()

    async def _run(self) -> None:
        while True:
            try:
                now = utcnow()
                if self._planned_at is None or now - self._planned_at >= self.PLAN_EVERY:
                    added = await asyncio.to_thread(self._planner.plan_jobs, now)
                    self._planned_at = now
                    if added:
                        log.info("academy prompts planned", extra={"added": added})
                await self._sender.deliver_due()
                if self._retention is not None and (
                        self._retained_at is None or now - self._retained_at >= self.RETAIN_EVERY):
                    # Idempotent, so two processes running it on the same day change nothing twice.
                    report = await asyncio.to_thread(self._retention, now)
                    self._retained_at = now
                    log.info("retention run", extra={"changed": getattr(report, "total", 0)})
            except Exception as error:  # noqa: BLE001 - the loop must outlive a bad run
                log.error("background run failed", extra={"reason": type(error).__name__})
            await asyncio.sleep(self._seconds)
