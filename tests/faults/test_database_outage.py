"""PostgreSQL stopped for 10 s while officers chat: /healthz says the database is
unreachable (503), officers are told to send their message again in a moment (never a 5xx
or a trace), and the bot recovers by itself when the database is back, with the dialog
an officer was in still where it was."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import pytest

from bench.startup import start_bot
from bot.errors import DATABASE_UNAVAILABLE
from tests.conftest import MODEL_CACHE
from tests.fakes import FakeConnector
from tests.faults.harness import Officer, deliver, replies_for
from tests.faults.harness import stop as stop_bot
from tests.faults.proxy import Relay

pytestmark = pytest.mark.postgres

OUTAGE_SECONDS = 10.0


async def _say(session: aiohttp.ClientSession, url: str, connector: FakeConnector, officer: Officer,
               text: str) -> tuple[int | None, list[str]]:
    before = len(replies_for(connector, officer))
    status = await deliver(session, url, connector, officer, officer.activity(text))
    return status, replies_for(connector, officer)[before:]


async def _health(session: aiohttp.ClientSession, url: str) -> tuple[int, dict[str, object]]:
    async with session.get(f"{url}/healthz", timeout=aiohttp.ClientTimeout(total=10)) as response:
        return response.status, await response.json()


async def test_postgres_stopped_for_ten_seconds_under_load(postgres_url: str, shipped_index: Path) -> None:
    relay = await Relay().start()
    url_through_relay = postgres_url.replace("127.0.0.1:5432", f"127.0.0.1:{relay.port}")
    assert url_through_relay != postgres_url
    connector = await FakeConnector().start()
    # Started from a worker thread: the relay it reaches the database through runs on this loop.
    process, url, _ = await asyncio.to_thread(start_bot, {
        "DATABASE_URL": url_through_relay, "INDEX_DIR": str(shipped_index), "MODEL_CACHE_DIR": str(MODEL_CACHE),
        "LOG_LEVEL": "WARNING", "SCHEDULER_SECONDS": "1",
    }, 120)
    statuses: list[int | None] = []
    outage_replies: list[str] = []
    outage = asyncio.Event()
    stop = asyncio.Event()

    async def chatting(session: aiohttp.ClientSession, officer: Officer) -> None:
        while not stop.is_set():
            status, said = await _say(session, url, connector, officer, "my journal")
            statuses.append(status)
            if outage.is_set():
                outage_replies.extend(said)
            await asyncio.sleep(0.05)

    try:
        async with aiohttp.ClientSession() as session:
            writer = Officer(900)
            assert (await _say(session, url, connector, writer, "journal"))[1][0].startswith("What happened?")
            others = [asyncio.create_task(chatting(session, Officer(n))) for n in range(10)]
            await asyncio.sleep(1.0)

            await relay.cut()
            outage.set()
            started = time.monotonic()
            status, said = await _say(session, url, connector, writer, "A van was seen at each break-in.")
            assert status is not None and status < 500 and said == [DATABASE_UNAVAILABLE]
            health = await _health(session, url)
            assert health[0] == 503 and health[1]["database"] == "unreachable"
            await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - started)))

            await relay.start()
            outage.clear()
            deadline = time.monotonic() + 30
            while (health := await _health(session, url))[0] != 200:
                assert time.monotonic() < deadline, f"no recovery: {health}"
                await asyncio.sleep(0.2)
            assert health[1]["database"] == "reachable"
            # The same answer again: the journal carries on from where it was.
            status, said = await _say(session, url, connector, writer, "A van was seen at each break-in.")
            assert status is not None and status < 300 and said[0].startswith("What were you thinking")
            stop.set()
            await asyncio.gather(*others)
            after = await _say(session, url, connector, Officer(3), "my journal")
            assert after[0] is not None and after[0] < 300 and after[1] and DATABASE_UNAVAILABLE not in after[1]
    finally:
        stop.set()
        await asyncio.to_thread(stop_bot, process)  # the loop keeps relaying while the bot closes
        await relay.cut()
        await connector.close()

    assert all(s is not None and s < 500 for s in statuses), sorted(set(statuses), key=str)
    assert DATABASE_UNAVAILABLE in outage_replies
    assert not any("Traceback" in r or "something went wrong" in r for r in outage_replies)
