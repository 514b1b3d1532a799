"""The SQLAlchemy state storage: botbuilder's storage contract plus optimistic concurrency."""

from __future__ import annotations

import asyncio

import pytest
from botbuilder.testing import StorageBaseTests

from bot.storage import ETagConflictError, SqlAlchemyStorage, UnsafeStateError
from domain.models import BotState


@pytest.fixture
def storage(db):
    return SqlAlchemyStorage(db)


CONTRACT = [
    "return_empty_object_when_reading_unknown_key",
    "handle_null_keys_when_reading",
    "handle_null_keys_when_writing",
    "does_not_raise_when_writing_no_items",
    "create_object",
    "handle_crazy_keys",
    "update_object",
    "delete_object",
    "delete_unknown_object",
    "perform_batch_operations",
    "proceeds_through_waterfall",
]


@pytest.mark.parametrize("case", CONTRACT)
async def test_botbuilder_storage_contract(storage, case):
    assert await getattr(StorageBaseTests, case)(storage) is True


async def test_write_with_stale_etag_is_refused_and_changes_nothing(storage):
    await storage.write({"conv": {"count": 1, "e_tag": "*"}})
    first = (await storage.read(["conv"]))["conv"]
    second = dict(first)

    first["count"] = 2
    await storage.write({"conv": first})

    second["count"] = 99
    with pytest.raises(ETagConflictError):
        await storage.write({"conv": second})
    assert (await storage.read(["conv"]))["conv"]["count"] == 2


async def test_star_etag_overwrites_whatever_is_stored(storage):
    await storage.write({"conv": {"count": 1}})
    await storage.write({"conv": {"count": 5, "e_tag": "*"}})
    assert (await storage.read(["conv"]))["conv"]["count"] == 5


async def test_etag_on_a_missing_key_is_a_conflict(storage):
    with pytest.raises(ETagConflictError):
        await storage.write({"never-written": {"count": 1, "e_tag": "3"}})


async def test_twenty_concurrent_writers_lose_no_update(storage):
    await storage.write({"counter": {"count": 0}})
    conflicts = 0

    async def increment() -> None:
        nonlocal conflicts
        while True:
            item = (await storage.read(["counter"]))["counter"]
            item["count"] += 1
            try:
                await storage.write({"counter": item})
                return
            except ETagConflictError:
                conflicts += 1

    await asyncio.gather(*(increment() for _ in range(20)))
    assert (await storage.read(["counter"]))["counter"]["count"] == 20


async def test_a_tampered_row_naming_a_foreign_type_is_not_decoded(db, storage):
    await storage.write({"conv": {"count": 1}})
    with db.session() as session:
        session.get(BotState, "conv").document = {"x": {"py/object": "os._wrap_close"}}
    with pytest.raises(UnsafeStateError):
        await storage.read(["conv"])


class CountingStorage(SqlAlchemyStorage):
    """The storage, counting its writes."""

    writes = 0

    async def write(self, changes):  # type: ignore[no-untyped-def]
        self.writes += 1
        await super().write(changes)


async def test_conversation_state_is_written_when_and_only_when_something_in_it_changed(db):
    from botbuilder.core import TurnContext
    from botbuilder.core.adapters import TestAdapter
    from botbuilder.dialogs import DialogInstance, DialogState
    from botbuilder.schema import Activity, ChannelAccount, ConversationAccount

    from bot.storage import TurnConversationState

    storage = CountingStorage(db)
    state = TurnConversationState(storage)
    stack = state.create_property("dialog_state")

    def turn() -> TurnContext:
        return TurnContext(TestAdapter(), Activity(
            type="message", channel_id="msteams", conversation=ConversationAccount(id="a:one"),
            from_property=ChannelAccount(id="29:a"), recipient=ChannelAccount(id="28:b")))

    first = turn()
    dialogs = await stack.get(first, DialogState)
    dialogs.dialog_stack.append(DialogInstance(id="journal", state={"index": 0}))
    await state.save_changes(first)
    assert storage.writes == 1

    unchanged = turn()
    await stack.get(unchanged, DialogState)
    await state.save_changes(unchanged)
    assert storage.writes == 1

    deep = turn()
    (await stack.get(deep, DialogState)).dialog_stack[0].state["index"] = 1  # a step deep inside
    await state.save_changes(deep)
    assert storage.writes == 2
    again = turn()
    assert (await stack.get(again, DialogState)).dialog_stack[0].state == {"index": 1}
