"""Per-turn work around the router, as botbuilder middleware: one class, one concern.

In the order the app registers them on the adapter (``assistant_middleware``):

0. :class:`BotMention`: the bot's own ``@mention`` is taken out of a message's text.
1. :class:`TurnLock`: the turns of one conversation run one at a time.
2. :class:`SaveState`: conversation and user state are saved after a turn that succeeded.
3. :class:`RecordUser`: who is talking (from the database) and where to reach them.
4. :class:`RepeatedDelivery`: a message Teams delivers again is not acted on twice.
5. :class:`IdleDialog`: a guided dialog left for 12 hours is closed, its answers kept as a draft.

A proactive turn (the adapter continuing a conversation to send a notification) passes
through all of them untouched: it is not someone talking.
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable

from botbuilder.core import BotState, ConversationState, Middleware, TurnContext
from botbuilder.dialogs import DialogSet
from botbuilder.schema import Activity, ActivityEventNames, ActivityTypes

from bot.schema_json import schema_json
from bot.turn import USER
from domain.clock import utcnow
from domain.drafts import IDLE_CLOSED
from domain.users import Users

__all__ = [
    "BotMention", "TurnLock", "SaveState", "RecordUser", "RepeatedDelivery", "IdleDialog", "RECENT_ACTIVITIES",
    "DIALOG_IDLE_LIMIT", "IDLE_MESSAGE", "is_proactive",
]

log = logging.getLogger(__name__)

Next = Callable[[], Awaitable[object]]

# Teams delivers an activity again when it thinks the first delivery failed; the ids of the
# last few handled in a conversation are kept so a repeat is not acted on twice.
RECENT_ACTIVITIES = 20
# How many conversations' recent ids one process keeps (the least recently active go first).
REMEMBERED_CONVERSATIONS = 10_000
# A guided dialog untouched for this long is closed; its answers stay as a draft.
DIALOG_IDLE_LIMIT = timedelta(hours=12)
IDLE_MESSAGE = ("Your unfinished conversation from earlier is saved as a draft. "
                "Start it again with the same command to pick up where you left off.")


def is_proactive(context: TurnContext) -> bool:
    """Whether the turn is the assistant continuing a conversation (a notification), not an activity received."""
    activity = context.activity
    return activity.type == ActivityTypes.event and activity.name == ActivityEventNames.continue_conversation


def _is_message(context: TurnContext) -> bool:
    return context.activity.type == ActivityTypes.message


# The spacing Teams sends around a mention (a non-breaking space may come as an entity).
_AROUND_MENTION = r"(?:\s|&nbsp;)*"


class BotMention(Middleware):
    """The bot's own ``@mention`` is taken out of a message's text before anything reads it.

    In a channel Teams delivers only messages that mention the bot, and a mention can be
    typed in any chat: ``<at>Prevention First</at> burglary`` is read as ``burglary`` by
    the commands and the guided dialogs alike, and never shown back. The bot's mentions are
    the activity's mention entities naming it (and ``<at>`` markup of its name, for a client
    that sends no entities); its mention entities go too. Other people's mentions stay, in
    the text and in the entities.
    """

    async def on_turn(self, context: TurnContext, logic: Next) -> None:
        """Take the bot's mention out of a message, then run the rest of the turn."""
        if _is_message(context) and context.activity.text:
            _remove_bot_mention(context.activity)
        await logic()


def _mention_of(entity: Any) -> tuple[str | None, str | None]:
    """(the id mentioned, the mention's text) of a mention entity; (None, None) for any other."""
    if str(getattr(entity, "type", "") or "").lower() != "mention":
        return None, None
    extra = getattr(entity, "additional_properties", None) or {}
    mentioned = getattr(entity, "mentioned", None) or extra.get("mentioned")
    mentioned_id = mentioned.get("id") if isinstance(mentioned, dict) else getattr(mentioned, "id", None)
    text = getattr(entity, "text", None) or extra.get("text")
    return (mentioned_id if isinstance(mentioned_id, str) else None), (text if isinstance(text, str) else None)


def _remove_bot_mention(activity: Activity) -> None:
    bot = activity.recipient
    if bot is None or not bot.id or not activity.text:
        return
    entities = list(activity.entities or [])
    kept, mentions = [], set()
    for entity in entities:
        mentioned, mention_text = _mention_of(entity)
        if mentioned != bot.id:
            kept.append(entity)
        elif mention_text:
            mentions.add(mention_text)
    if bot.name:
        mentions.add(f"<at>{bot.name}</at>")
    text = activity.text
    for mention in mentions:
        text = re.sub(_AROUND_MENTION + re.escape(mention) + _AROUND_MENTION, " ", text, flags=re.IGNORECASE)
    if text != activity.text:
        activity.text = text.strip()
    if len(kept) != len(entities):
        activity.entities = kept


class TurnLock(Middleware):
    """Turns of one conversation run one at a time in this process.

    Replies go out before a turn saves its state, and an officer who answers at once (or
    taps a button twice) must not be handled against the state of the turn before.
    Different conversations do not wait for each other.
    """

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def on_turn(self, context: TurnContext, logic: Next) -> None:
        """Run the rest of the turn holding the conversation's lock."""
        if is_proactive(context):
            await logic()
            return
        conversation = context.activity.conversation
        key = conversation.id if conversation and conversation.id else ""
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            await logic()


class SaveState(Middleware):
    """Saves the given states after the rest of the turn; a turn that fails saves nothing.

    Args:
        states: the states to save, in order (conversation state first).
    """

    def __init__(self, *states: BotState) -> None:
        self._states = states

    async def on_turn(self, context: TurnContext, logic: Next) -> None:
        """Run the rest of the turn, then save what it changed."""
        await logic()
        for state in self._states:
            await state.save_changes(context)


class RecordUser(Middleware):
    """Records who is talking and, in a personal chat, how to reach them later.

    The user (a ``UserInfo`` with the role from the database) is put in the turn's state
    under ``"user"``; someone without a work account (no Azure AD object id) is not.

    Args:
        users: the user directory.
    """

    def __init__(self, users: Users) -> None:
        self._users = users

    async def on_turn(self, context: TurnContext, logic: Next) -> None:
        """Record the sender, then run the rest of the turn."""
        if not is_proactive(context):
            await self._record(context)
        await logic()

    async def _record(self, context: TurnContext) -> None:
        activity = context.activity
        sender = activity.from_property
        if sender is None or not sender.aad_object_id:
            return
        tenant = activity.conversation.tenant_id if activity.conversation else None
        reference = None
        if activity.conversation and activity.conversation.conversation_type in (None, "personal"):
            reference = schema_json(TurnContext.get_conversation_reference(activity))
            # The message it was taken from does not matter for reaching them later, and
            # leaving it out lets an unchanged chat go unwritten.
            reference.pop("activityId", None)
        context.turn_state[USER] = await asyncio.to_thread(
            self._users.arrived, sender.aad_object_id, sender.name or "", sender.id, tenant, reference)


async def _dialog_running(context: TurnContext, dialogs: DialogSet) -> bool:
    return (await dialogs.create_context(context)).active_dialog is not None


class RepeatedDelivery(Middleware):
    """A message whose id was among the conversation's last handled is not handled again.

    The ids are kept in this process for every conversation, and in conversation state
    while a guided dialog runs, where a repeat reaching another instance would otherwise
    answer the same question twice. Outside a dialog a repeat that reaches another instance
    is handled again: the commands there read, or write keyed on the activity (a submission,
    a journal entry), so nothing is stored twice, and no message pays for a state write to
    guard them. An id is recorded only when the rest of the turn succeeds (and state is
    saved only then), so a delivery that failed is handled again when Teams retries it.

    Args:
        conversation_state: where a dialog's recent ids are kept.
        dialogs: the guided dialogs (their stack lives in conversation state).
    """

    def __init__(self, conversation_state: ConversationState, dialogs: DialogSet) -> None:
        self._stored = conversation_state.create_property("recent_activities")
        self._dialogs = dialogs
        self._recent: OrderedDict[str, tuple[str, ...]] = OrderedDict()

    async def on_turn(self, context: TurnContext, logic: Next) -> None:
        """Drop a repeat; otherwise run the rest of the turn and remember the id."""
        activity_id = context.activity.id
        if not _is_message(context) or not activity_id or context.turn_state.get(USER) is None:
            await logic()
            return
        key = context.activity.conversation.id if context.activity.conversation else ""
        stored = list(await self._stored.get(context) or [])
        if activity_id in stored or activity_id in self._recent.get(key, ()):
            log.info("repeated delivery of an activity ignored")
            return
        await logic()
        self._remember(key, activity_id)
        if await _dialog_running(context, self._dialogs):
            await self._stored.set(context, (stored + [activity_id])[-RECENT_ACTIVITIES:])
        elif stored:
            await self._stored.delete(context)

    def _remember(self, key: str, activity_id: str) -> None:
        self._recent[key] = (*self._recent.pop(key, ()), activity_id)[-RECENT_ACTIVITIES:]
        while len(self._recent) > REMEMBERED_CONVERSATIONS:
            self._recent.popitem(last=False)


class IdleDialog(Middleware):
    """A guided dialog untouched for :data:`DIALOG_IDLE_LIMIT` is cancelled and the officer told.

    Its answers are already kept as a draft, which the same command picks up again. The time
    of the last message is kept in conversation state only while a dialog runs, so messages
    outside a dialog write no state. A dialog that the background sweep closed while the
    conversation was idle (:class:`~domain.ops.retention.IdleDialogSweep`, which leaves the
    mark :data:`~domain.drafts.IDLE_CLOSED`) is told about the same way, on the next message.

    Args:
        conversation_state: where the time of the conversation's last message is kept.
        dialogs: the guided dialogs (their stack lives in conversation state).
        now: the clock.
    """

    def __init__(self, conversation_state: ConversationState, dialogs: DialogSet,
                 now: Callable[[], datetime] = utcnow) -> None:
        self._last_seen = conversation_state.create_property("last_seen")
        self._closed = conversation_state.create_property(IDLE_CLOSED)
        self._dialogs = dialogs
        self._now = now

    async def on_turn(self, context: TurnContext, logic: Next) -> None:
        """Close a dialog idle too long, run the rest of the turn, then note the time if a dialog runs."""
        if not (_is_message(context) and context.turn_state.get(USER) is not None):
            await logic()
            return
        now = self._now()
        last = await self._last_seen.get(context)
        dc = await self._dialogs.create_context(context)
        if dc.active_dialog is not None and last and now - datetime.fromisoformat(last) > DIALOG_IDLE_LIMIT:
            await dc.cancel_all_dialogs()
            await context.send_activity(IDLE_MESSAGE)
        elif await self._closed.get(context):
            await self._closed.delete(context)
            if dc.active_dialog is None:
                await context.send_activity(IDLE_MESSAGE)
        await logic()
        if await _dialog_running(context, self._dialogs):
            await self._last_seen.set(context, now.isoformat())
        elif last:
            await self._last_seen.delete(context)
