"""The event-loop watch: a blocked loop is noticed, logged and remembered."""

from __future__ import annotations

import asyncio
import logging
import time

from bot.looplag import LOOP_LAG, LoopLagProbe


async def _block(seconds: float) -> None:
    time.sleep(seconds)  # deliberately blocking: what the probe is there to catch


async def test_a_300_ms_block_is_logged_and_kept_as_the_worst(caplog):
    probe = LoopLagProbe(interval=0.05, warn_ms=100)
    probe.start()
    await asyncio.sleep(0.12)  # a few quiet wake-ups first
    with caplog.at_level(logging.WARNING, logger="bot.looplag"):
        await _block(0.3)
        await asyncio.sleep(0.1)
    await probe.stop()
    assert probe.worst_ms >= 250
    assert probe.stalls >= 1
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.looplag"]
    assert warnings and warnings[0].startswith("event loop was blocked for")


async def test_a_quiet_loop_logs_nothing(caplog):
    probe = LoopLagProbe(interval=0.01, warn_ms=100)
    with caplog.at_level(logging.WARNING, logger="bot.looplag"):
        probe.start()
        await asyncio.sleep(0.1)
        await probe.stop()
    assert probe.worst_ms < 100 and probe.stalls == 0
    assert not [r for r in caplog.records if r.name == "bot.looplag"]
    assert not probe.running


async def test_the_app_runs_the_probe_and_health_reports_its_worst_stall(client):
    probe = client.app[LOOP_LAG]
    assert probe.running
    probe.record(180.0)
    body = await (await client.get("/healthz")).json()
    assert body["worst_loop_stall_ms"] >= 180.0
