"""Publishing from the Hub workspace with two bot processes on one knowledge folder, one index
folder and PostgreSQL, as two hosts on shared storage run it: publishes at once through both
are applied one after the other, the index is never left half-written, two edits of one entry
made from the same text never overwrite each other unseen, and each process serves what
either published within ``INDEX_POLL_SECONDS``."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bench.startup import start_bot
from indexer.build import current_version, version_dir
from indexer.entries import load_entries
from indexer.taxonomy import Taxonomy
from tests.conftest import MODEL_CACHE
from tests.faults.harness import stop
from tests.fakes import teams_activity

pytestmark = pytest.mark.postgres

HUB_AAD = "1a000000-0000-4000-8000-0000000000b1"
POLL_SECONDS = 1.0


async def call(session: aiohttp.ClientSession, url: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    method = session.get if body is None else session.post
    async with method(f"{url}/hub/api/{path}", json=body) as response:
        return response.status, await response.json()


async def edited(session: aiohttp.ClientSession, url: str, path: str, question: str) -> dict[str, Any]:
    """The publish request for ``path`` with ``question`` added to how officers ask for it."""
    status, entry = await call(session, url, f"knowledge/entry?path={path}")
    assert status == 200
    fields = {**entry["fields"], "asked": [*entry["fields"]["asked"], question]}
    return {"path": path, "fields": fields, "body": entry["body"], "base": entry["base"]}


async def answer(session: aiohttp.ClientSession, url: str, question: str) -> str:
    async with session.post(f"{url}/api/messages", json=teams_activity(f"what works for {question}")) as response:
        assert response.status == 200
        return json.dumps((await response.json())["activities"])


async def serves(session: aiohttp.ClientSession, url: str) -> str:
    async with session.get(f"{url}/healthz") as response:
        return str((await response.json())["index"]["version"])


async def test_two_processes_publish_at_once_and_both_serve_every_change(
    postgres_url: str, knowledge_copy: Path, shipped_index: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    shutil.copytree(shipped_index, index)
    env = {"DATABASE_URL": postgres_url, "KNOWLEDGE_DIR": str(knowledge_copy), "INDEX_DIR": str(index),
           "MODEL_CACHE_DIR": str(MODEL_CACHE), "INDEX_POLL_SECONDS": str(POLL_SECONDS), "TAB_LOCAL_USER": HUB_AAD,
           "BOOTSTRAP_ADMINS": HUB_AAD, "LOG_LEVEL": "WARNING", "SCHEDULER_SECONDS": "3600"}
    first = await asyncio.to_thread(start_bot, env, 120)
    second = await asyncio.to_thread(start_bot, env, 120)
    urls = [first[1], second[1]]
    try:
        async with aiohttp.ClientSession() as session:
            # Different entries through each process at the same moment: both are published.
            one = await edited(session, urls[0], "research/hot-spots-policing.md", "operation nightjar at the bus station")
            two = await edited(session, urls[1], "research/alley-gating.md", "operation kestrel lane back alleys")
            published = await asyncio.gather(call(session, urls[0], "knowledge/publish", one),
                                             call(session, urls[1], "knowledge/publish", two))
            assert [status for status, _ in published] == [200, 200], published
            # One entry edited from the same text in both at once: one is written, the other is told.
            base = await edited(session, urls[0], "research/cctv-surveillance.md", "cameras in the multi-storey")
            other = {**base, "fields": {**base["fields"], "asked": [*base["fields"]["asked"][:-1], "cameras on the estate"]}}
            clash = await asyncio.gather(call(session, urls[0], "knowledge/publish", base),
                                         call(session, urls[1], "knowledge/publish", other))
            assert sorted(status for status, _ in clash) == [200, 409], clash
            refused = next(body for status, body in clash if status == 409)
            assert "has changed since you opened it" in refused["error"]
            text = (knowledge_copy / "research" / "cctv-surveillance.md").read_text(encoding="utf-8")
            assert ("cameras in the multi-storey" in text) != ("cameras on the estate" in text)

            # The version published last holds every change, whole; both processes serve it.
            latest = current_version(index)
            assert latest is not None
            meta = json.loads((version_dir(index, latest) / "meta.json").read_text(encoding="utf-8"))
            found = load_entries(knowledge_copy, Taxonomy.load(knowledge_copy / "taxonomy.yaml"))
            assert meta["entries"] == len(found.entries) == 60 and not found.problems
            started = time.monotonic()
            while {await serves(session, url) for url in urls} != {latest}:
                assert time.monotonic() - started < 15 * POLL_SECONDS + 15, "a process did not load the new version"
                await asyncio.sleep(0.1)
            for url in urls:
                assert "Hot spots policing" in await answer(session, url, "operation nightjar at the bus station")
                assert "Alley gating" in await answer(session, url, "operation kestrel lane back alleys")
    finally:
        for process, _, _ in (first, second):
            await asyncio.to_thread(stop, process)
