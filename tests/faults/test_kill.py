"""The bot killed with SIGKILL while 100 officers submit, then started again on the same
database: every reference told to an officer is there once, nobody's submission is there
twice, and the officers cut off mid-way carry on from their saved answers to a submission."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from bench.startup import start_bot
from domain.db import Database
from domain.models import Draft, Submission
from tests.conftest import MODEL_CACHE
from tests.fakes import FakeConnector
from tests.faults.harness import Officer, all_of, officer_aad, stop, submit_until_told

OFFICERS = 100
KILL_AFTER_TOLD = 25  # officers told their reference before the kill


def _start(database_url: str, index: Path) -> tuple[object, str]:
    process, url, _ = start_bot({
        "DATABASE_URL": database_url, "INDEX_DIR": str(index), "MODEL_CACHE_DIR": str(MODEL_CACHE),
        "LOG_LEVEL": "WARNING", "SCHEDULER_SECONDS": "3600",
    }, timeout=120)
    return process, url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kill.db'}"
    return str(request.getfixturevalue("postgres_url"))


async def test_a_kill_in_the_middle_of_100_submissions_loses_and_doubles_nothing(
        database_url: str, shipped_index: Path) -> None:
    connector = await FakeConnector().start()
    officers = [Officer(n) for n in range(OFFICERS)]
    process, url = _start(database_url, shipped_index)
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            talking = asyncio.ensure_future(all_of(*(submit_until_told(session, url, connector, o) for o in officers)))
            while sum(o.told is not None for o in officers) < KILL_AFTER_TOLD and not talking.done():
                await asyncio.sleep(0.01)
            os.kill(process.pid, signal.SIGKILL)  # type: ignore[attr-defined]
            process.wait(timeout=10)  # type: ignore[attr-defined]
            await talking
            told_before = {o.n: o.told for o in officers if o.told}
            cut_off = [o for o in officers if o.told is None]
            assert len(told_before) >= KILL_AFTER_TOLD and cut_off, "the kill came before or after the burst"

            database = Database(database_url)
            try:
                with database.session() as db:
                    drafts = {d.aad_object_id: d.progress["answers"].get("title")
                              for d in db.scalars(select(Draft).where(Draft.dialog == "submission"))}
                    stored = {owner: title for owner, title in db.execute(select(Submission.owner_aad, Submission.title))}
                # Everyone cut off after their title was taken has it kept: in their draft, or
                # in the submission the kill stopped them being told about.
                for officer in cut_off:
                    if any(said.startswith("Describe it") for said in officer.said):
                        aad = officer_aad(officer.n)
                        assert f"Bike shed thefts at block {officer.n}" in (drafts.get(aad), stored.get(aad))

                process, url = _start(database_url, shipped_index)
                # Teams delivers again what the dead process did not answer; the rest type on.
                await all_of(*(submit_until_told(session, url, connector, o) for o in cut_off))
                with database.session() as db:
                    rows = db.execute(select(Submission.owner_aad, Submission.reference, Submission.title)).all()
            finally:
                database.dispose()
    finally:
        await asyncio.to_thread(stop, process)
        await connector.close()

    by_owner: dict[str, list[tuple[str, str]]] = {}
    for owner, reference, title in rows:
        by_owner.setdefault(owner, []).append((reference, title))
    assert {len(found) for found in by_owner.values()} == {1}, "someone's submission is stored twice"
    assert len(by_owner) == OFFICERS
    for officer in officers:
        [(reference, title)] = by_owner[officer_aad(officer.n)]
        assert reference == officer.told
        assert title == f"Bike shed thefts at block {officer.n}"
    for n, reference in told_before.items():
        assert officers[n].told == reference
