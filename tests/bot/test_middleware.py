"""The per-turn middleware, one at a time, each around a next step that only records what it saw."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import event
from botbuilder.core import ConversationState, MemoryStorage, TurnContext, UserState
from botbuilder.core.adapters import TestAdapter
from botbuilder.core.conversation_reference_extension import get_continuation_activity
from botbuilder.dialogs import ComponentDialog, DialogSet, DialogTurnStatus, TextPrompt, WaterfallDialog
from botbuilder.dialogs.prompts import PromptOptions
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount, ConversationReference

from bot.middleware import (
    DIALOG_IDLE_LIMIT,
    IDLE_MESSAGE,
    IdleDialog,
    RecordUser,
    RepeatedDelivery,
    SaveState,
    TurnLock,
)
from domain.models import Role
from domain.users import UnknownUserError, UserInfo, Users
from tests.fakes import OFFICER_AAD, TENANT_ID

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def context(text: str | None = "hello", *, activity_id: str | None = "1", conversation: str = "a:one",
            kind: str = "personal", aad: str | None = OFFICER_AAD, activity_type: str = ActivityTypes.message,
            adapter: TestAdapter | None = None) -> TurnContext:
    """A turn of an activity received from Teams."""
    activity = Activity(
        type=activity_type, id=activity_id, text=text, channel_id="msteams", service_url="https://smba.example/",
        from_property=ChannelAccount(id=f"29:{aad}", name="Alex Morgan", aad_object_id=aad),
        recipient=ChannelAccount(id="28:bot", name="Prevention First"),
        conversation=ConversationAccount(id=conversation, conversation_type=kind, tenant_id=TENANT_ID),
    )
    return TurnContext(adapter or TestAdapter(), activity)


class Next:
    """A next step that records each call, optionally failing or waiting."""

    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail

    async def __call__(self) -> None:
        self.calls += 1
        if self.fail:
            raise RuntimeError("the turn failed")


# --- recording the user --------------------------------------------------------------------


@pytest.fixture
def users(sqlite_db) -> Users:  # type: ignore[no-untyped-def]
    return Users(sqlite_db)


async def test_the_user_is_recorded_with_their_role_and_their_personal_chat_saved(users: Users) -> None:
    turn, step = context(), Next()
    await RecordUser(users).on_turn(turn, step)
    assert step.calls == 1
    assert turn.turn_state["user"] == UserInfo(OFFICER_AAD, "Alex Morgan", Role.OFFICER)
    reference = users.reference_for(OFFICER_AAD)
    assert reference is not None and reference["conversation"]["id"] == "a:one"


async def test_a_known_officer_in_the_same_chat_is_read_not_written(users: Users, sqlite_db) -> None:  # type: ignore[no-untyped-def]
    statements: list[str] = []
    await RecordUser(users).on_turn(context(activity_id="1"), Next())
    event.listen(sqlite_db.engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_: statements.append(statement.split()[0].upper()))
    await RecordUser(users).on_turn(context(activity_id="2"), Next())
    assert statements == ["SELECT"]
    renamed = context(activity_id="3")
    renamed.activity.from_property.name = "Alex Morgan-Reed"
    await RecordUser(users).on_turn(renamed, Next())
    assert users.get(OFFICER_AAD).name == "Alex Morgan-Reed" and "INSERT" in statements
    moved = context(activity_id="4", conversation="a:new-chat")
    await RecordUser(users).on_turn(moved, Next())
    assert users.reference_for(OFFICER_AAD)["conversation"]["id"] == "a:new-chat"


async def test_a_channel_conversation_is_not_saved_as_the_way_to_reach_someone(users: Users) -> None:
    turn = context(conversation="19:team@thread.tacv2", kind="channel")
    await RecordUser(users).on_turn(turn, Next())
    assert turn.turn_state["user"].aad_object_id == OFFICER_AAD
    assert users.reference_for(OFFICER_AAD) is None


async def test_someone_without_a_work_account_is_not_recorded(users: Users) -> None:
    turn, step = context(aad=None), Next()
    await RecordUser(users).on_turn(turn, step)
    assert step.calls == 1 and "user" not in turn.turn_state and users.reference_for(OFFICER_AAD) is None


async def test_a_notification_sent_into_a_chat_records_nobody(users: Users) -> None:
    reference = ConversationReference(
        channel_id="msteams", service_url="https://smba.example/", bot=ChannelAccount(id="28:bot"),
        user=ChannelAccount(id=f"29:{OFFICER_AAD}", aad_object_id=OFFICER_AAD),
        conversation=ConversationAccount(id="a:one", conversation_type="personal"))
    turn = TurnContext(TestAdapter(), get_continuation_activity(reference))
    await RecordUser(users).on_turn(turn, Next())
    assert "user" not in turn.turn_state
    with pytest.raises(UnknownUserError):
        users.get(OFFICER_AAD)


# --- repeated deliveries -------------------------------------------------------------------


def officer(turn: TurnContext) -> TurnContext:
    turn.turn_state["user"] = UserInfo(OFFICER_AAD, "Alex Morgan", Role.OFFICER)
    return turn


async def delivered(state: ConversationState, middleware: RepeatedDelivery, activity_id: str,
                    step: Next | None = None) -> Next:
    """One message through the middleware, saving state only when the turn succeeds (as the app does)."""
    step = step or Next()
    turn = officer(context(activity_id=activity_id))
    try:
        await SaveState(state).on_turn(turn, lambda: middleware.on_turn(turn, step))
    except RuntimeError:
        pass
    return step


class Storage(MemoryStorage):
    """Memory storage that counts its writes."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    async def write(self, changes):  # type: ignore[no-untyped-def]
        self.writes += 1
        await super().write(changes)


def repeats(storage: MemoryStorage | None = None) -> tuple[ConversationState, DialogSet, RepeatedDelivery]:
    """Conversation state on ``storage``, its guided dialogs and the middleware: one bot process."""
    state = ConversationState(storage or MemoryStorage())
    dialogs = DialogSet(state.create_property("dialog_state"))
    dialogs.add(Asking())
    return state, dialogs, RepeatedDelivery(state, dialogs)


async def test_a_repeated_activity_id_does_not_reach_the_next_step() -> None:
    state, _, middleware = repeats()
    assert (await delivered(state, middleware, "m-1")).calls == 1
    assert (await delivered(state, middleware, "m-1")).calls == 0
    assert (await delivered(state, middleware, "m-2")).calls == 1


async def test_a_failed_turn_is_handled_again_when_delivered_again() -> None:
    state, _, middleware = repeats()
    assert (await delivered(state, middleware, "m-1", Next(fail=True))).calls == 1
    assert (await delivered(state, middleware, "m-1")).calls == 1


async def test_only_the_last_twenty_ids_are_kept() -> None:
    state, _, middleware = repeats()
    for n in range(21):
        await delivered(state, middleware, f"m-{n}")
    assert (await delivered(state, middleware, "m-0")).calls == 1
    assert (await delivered(state, middleware, "m-20")).calls == 0


class Answering(Next):
    """A next step that starts the guided dialog, or answers it, as the router would."""

    def __init__(self, dialogs: DialogSet, turn: TurnContext) -> None:
        super().__init__()
        self.dialogs, self.turn = dialogs, turn

    async def __call__(self) -> None:
        await super().__call__()
        dc = await self.dialogs.create_context(self.turn)
        if (await dc.continue_dialog()).status is DialogTurnStatus.Empty:
            await dc.begin_dialog("asking")


async def test_a_dialog_answer_delivered_again_to_another_instance_is_not_answered_twice() -> None:
    storage = MemoryStorage()
    first_state, first_dialogs, first = repeats(storage)
    second_state, second_dialogs, second = repeats(storage)  # another process, the same database
    turn = officer(context("journal", activity_id="m-1"))
    await SaveState(first_state).on_turn(turn, lambda: first.on_turn(turn, Answering(first_dialogs, turn)))
    again = officer(context("journal", activity_id="m-1"))
    step = Answering(second_dialogs, again)
    await SaveState(second_state).on_turn(again, lambda: second.on_turn(again, step))
    assert step.calls == 0


async def test_a_message_outside_a_dialog_writes_no_conversation_state() -> None:
    storage = Storage()
    state, dialogs, middleware = repeats(storage)
    idle = IdleDialog(state, dialogs, now=Clock())
    await delivered(state, middleware, "m-0")  # the first message stores the empty dialog stack
    before = storage.writes
    for n in range(1, 4):
        turn = officer(context("my journal", activity_id=f"m-{n}"))
        await SaveState(state).on_turn(turn, lambda: middleware.on_turn(turn, lambda: idle.on_turn(turn, Next())))
    assert storage.writes == before


# --- idle dialogs --------------------------------------------------------------------------


class Asking(ComponentDialog):
    def __init__(self) -> None:
        super().__init__("asking")
        self.add_dialog(TextPrompt("text"))
        self.add_dialog(WaterfallDialog("steps", [self._ask, self._done]))
        self.initial_dialog_id = "steps"

    async def _ask(self, step):  # type: ignore[no-untyped-def]
        return await step.prompt("text", PromptOptions(prompt=Activity(type="message", text="What happened?")))

    async def _done(self, step):  # type: ignore[no-untyped-def]
        return await step.end_dialog(step.result)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def idle_setup() -> tuple[ConversationState, DialogSet, IdleDialog, Clock, TestAdapter]:
    state = ConversationState(MemoryStorage())
    dialogs = DialogSet(state.create_property("dialog_state"))
    dialogs.add(Asking())
    clock = Clock()
    middleware = IdleDialog(state, dialogs, now=clock)
    adapter = TestAdapter()
    turn = officer(context(adapter=adapter))
    await middleware.on_turn(turn, Answering(dialogs, turn))
    assert (await dialogs.create_context(turn)).active_dialog is not None
    await state.save_changes(turn)
    adapter.activity_buffer.clear()
    return state, dialogs, middleware, clock, adapter


async def next_message(state: ConversationState, dialogs: DialogSet, middleware: IdleDialog,
                       adapter: TestAdapter) -> tuple[Any, list[str]]:
    turn, step = officer(context("Someone broke in", adapter=adapter)), Next()
    await middleware.on_turn(turn, step)
    active = (await dialogs.create_context(turn)).active_dialog
    await state.save_changes(turn)
    said = [a.text for a in adapter.activity_buffer]
    adapter.activity_buffer.clear()
    assert step.calls == 1
    return active, said


async def test_a_dialog_idle_over_twelve_hours_is_cancelled_and_the_officer_told() -> None:
    state, dialogs, middleware, clock, adapter = await idle_setup()
    clock.now = NOW + DIALOG_IDLE_LIMIT + timedelta(minutes=1)
    active, said = await next_message(state, dialogs, middleware, adapter)
    assert active is None and said == [IDLE_MESSAGE]


async def test_a_dialog_idle_under_twelve_hours_is_left_alone() -> None:
    state, dialogs, middleware, clock, adapter = await idle_setup()
    clock.now = NOW + DIALOG_IDLE_LIMIT - timedelta(minutes=1)
    active, said = await next_message(state, dialogs, middleware, adapter)
    assert active is not None and active.id == "asking" and said == []


# --- the turn lock -------------------------------------------------------------------------


class Slow:
    """A next step that notes when it starts and ends, taking a little while in between."""

    def __init__(self, log: list[str], name: str) -> None:
        self.log, self.name = log, name

    async def __call__(self) -> None:
        self.log.append(f"{self.name} starts")
        await asyncio.sleep(0.05)
        self.log.append(f"{self.name} ends")


async def test_two_turns_of_one_conversation_do_not_interleave() -> None:
    lock, log = TurnLock(), []
    await asyncio.gather(lock.on_turn(context(conversation="a:one"), Slow(log, "first")),
                         lock.on_turn(context(conversation="a:one"), Slow(log, "second")))
    assert log == ["first starts", "first ends", "second starts", "second ends"]


async def test_turns_of_two_conversations_run_side_by_side() -> None:
    lock, log = TurnLock(), []
    await asyncio.gather(lock.on_turn(context(conversation="a:one"), Slow(log, "first")),
                         lock.on_turn(context(conversation="a:two"), Slow(log, "second")))
    assert log == ["first starts", "second starts", "first ends", "second ends"]


# --- saving state --------------------------------------------------------------------------


async def test_state_is_saved_after_a_turn_that_succeeds_and_not_after_one_that_fails() -> None:
    storage = MemoryStorage()
    conversation, user = ConversationState(storage), UserState(storage)
    flag = conversation.create_property("flag")

    async def sets_flag(turn: TurnContext, fail: bool) -> None:
        await flag.set(turn, "set")
        if fail:
            raise RuntimeError("the turn failed")

    failing = context()
    with pytest.raises(RuntimeError):
        await SaveState(conversation, user).on_turn(failing, lambda: sets_flag(failing, True))
    assert await storage.read([conversation.get_storage_key(failing)]) == {}
    succeeding = context()
    await SaveState(conversation, user).on_turn(succeeding, lambda: sets_flag(succeeding, False))
    saved = await storage.read([conversation.get_storage_key(succeeding)])
    assert list(saved.values())[0]["flag"] == "set"
