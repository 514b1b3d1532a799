"""An answer awaiting the officer's decision (likely personal data found in it) is kept only
while the conversation is active: the sweep that every bot process runs every few minutes
removes it from saved state once the conversation has been idle past the idle limit,
leaves an active conversation and the officer's draft alone, never overwrites a write made
meanwhile, and the officer is told on their next message. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from sqlalchemy import update

import domain.drafts as drafts
import domain.ops.retention as retention
from bot.app import IDLE_SWEEP, SERVICES, create_app
from bot.middleware import DIALOG_IDLE_LIMIT, IDLE_MESSAGE
from bot.storage import SqlAlchemyStorage
from domain.clock import utcnow
from domain.db import Database
from domain.drafts import IDLE_CLOSED
from domain.models import BotState, Draft
from domain.ops.retention import IdleDialogSweep
from tests.domain.ops.copies import Chat, bot_on

OFFICER = "0b6f1b3c-1111-4a4a-9b9b-000000000001"
OTHER = "0b6f1b3c-1111-4a4a-9b9b-000000000002"
PENDING = "Victim Jane Doe rang me on 07700 900123"


def _row(db: Database, key: str) -> tuple[dict[str, Any], int] | None:
    with db.session() as s:
        row = s.get(BotState, key)
        return (row.document, row.etag) if row is not None else None


def _idle_for(db: Database, key: str, idle: timedelta) -> None:
    """The conversation's state was last written ``idle`` ago."""
    with db.session() as s:
        s.execute(update(BotState).where(BotState.key == key).values(updated_at=utcnow() - idle))


async def _awaiting_decision(chat: Chat) -> None:
    await chat.say("journal")
    await chat.say("A quiet shift in Watford")
    assert "personal data" in (await chat.say(PENDING))[0]


async def test_the_sweep_removes_an_idle_answer_and_leaves_an_active_chat_alone(db, tmp_path):
    services = bot_on(db, tmp_path)
    try:
        idle, active = Chat(services, OFFICER, "Alex Morgan"), Chat(services, OTHER, "Robin Shaw")
        await _awaiting_decision(idle)
        await _awaiting_decision(active)
        assert "Jane Doe" in str(_row(db, idle.state_key))
        _idle_for(db, idle.state_key, DIALOG_IDLE_LIMIT + timedelta(minutes=1))
        _idle_for(db, active.state_key, DIALOG_IDLE_LIMIT - timedelta(minutes=1))
        untouched = _row(db, active.state_key)
        with db.session() as s:
            draft = s.get(Draft, (OFFICER, "journal")).progress  # type: ignore[union-attr]

        assert IdleDialogSweep(db, DIALOG_IDLE_LIMIT).run() == 1

        document, etag = _row(db, idle.state_key)  # type: ignore[misc]
        assert document == {IDLE_CLOSED: True} and "Jane Doe" not in str(document)
        assert _row(db, active.state_key) == untouched
        with db.session() as s:
            assert s.get(Draft, (OFFICER, "journal")).progress == draft  # type: ignore[union-attr]
            assert PENDING not in str(draft)
        assert IdleDialogSweep(db, DIALOG_IDLE_LIMIT).run() == 0

        # The officer is told, and their answers are offered back from the draft.
        replies = await idle.say("journal")
        assert replies[0] == IDLE_MESSAGE
        assert replies[1].startswith("You have an unfinished journal entry") and "1 of 5 answered" in replies[1]
        # The active officer carries on where they were: keep or edit the answer.
        assert (await active.say("edit"))[0].startswith("What were you thinking and feeling?")
    finally:
        services.database.dispose()


async def test_a_conversation_written_while_the_sweep_runs_is_left_as_written(db, tmp_path, monkeypatch):
    services = bot_on(db, tmp_path)
    try:
        chat = Chat(services, OFFICER, "Alex Morgan")
        await _awaiting_decision(chat)
        _idle_for(db, chat.state_key, DIALOG_IDLE_LIMIT + timedelta(hours=1))
    finally:
        services.database.dispose()
    written = {"welcomed": True, "from_a_turn": "the officer answered just now"}
    replace = drafts.replace_state

    def turn_then_replace(*args: Any, **kwargs: Any) -> bool:
        # A turn in another process writes the state after the sweep read it, before it writes.
        other = Database(db.url)
        try:
            write = SqlAlchemyStorage(other).write({chat.state_key: dict(written)})
            writer = threading.Thread(target=asyncio.run, args=(write,))
            writer.start()
            writer.join()
        finally:
            other.dispose()
        return replace(*args, **kwargs)

    monkeypatch.setattr(drafts, "replace_state", turn_then_replace)
    assert IdleDialogSweep(db, DIALOG_IDLE_LIMIT).run() == 0
    document, _ = _row(db, chat.state_key)  # type: ignore[misc]
    assert document == written


async def test_two_processes_sweeping_at_once_close_each_dialog_once(db, tmp_path):
    services = bot_on(db, tmp_path)
    try:
        chat = Chat(services, OFFICER, "Alex Morgan")
        await _awaiting_decision(chat)
        _idle_for(db, chat.state_key, DIALOG_IDLE_LIMIT + timedelta(hours=1))
    finally:
        services.database.dispose()
    _, etag = _row(db, chat.state_key)  # type: ignore[misc]
    processes = [Database(db.url), Database(db.url)]
    try:
        with ThreadPoolExecutor(2) as pool:
            changed = list(pool.map(lambda each: IdleDialogSweep(each, DIALOG_IDLE_LIMIT).run(), processes))
    finally:
        for each in processes:
            each.dispose()
    assert sum(changed) == 1
    assert _row(db, chat.state_key) == ({IDLE_CLOSED: True}, etag + 1)


async def test_the_running_bot_sweeps_in_a_worker_thread(aiohttp_client, settings, monkeypatch):
    monkeypatch.setattr(retention, "SWEEP_EVERY", timedelta(milliseconds=50))
    threads: list[str] = []
    run = IdleDialogSweep.run

    def recorded(self: IdleDialogSweep, now: Any = None) -> int:
        threads.append(threading.current_thread().name)
        return run(self, now)

    monkeypatch.setattr(IdleDialogSweep, "run", recorded)
    client = await aiohttp_client(create_app(settings))
    database = client.app[SERVICES].database
    key = "msteams/conversations/a:personal-idle"
    # Idle for four minutes short of the idle limit: the bot's sweep (every five minutes in
    # service) already clears it, so an awaiting answer is gone by the time the limit passes.
    with database.session() as s:
        s.add(BotState(key=key, document={"welcomed": True, "dialog_state": {"_dialog_stack": [{"id": "journal"}]}},
                       updated_at=utcnow() - DIALOG_IDLE_LIMIT + timedelta(minutes=4)))
    for _ in range(100):
        if _row(database, key) == ({"welcomed": True, IDLE_CLOSED: True}, 2):
            break
        await asyncio.sleep(0.05)
    assert _row(database, key) == ({"welcomed": True, IDLE_CLOSED: True}, 2)
    assert threads and threading.main_thread().name not in threads
    sweep = client.app[IDLE_SWEEP]
    await client.close()
    assert sweep._task is None
