"""The activity handler: where every Teams activity enters the assistant's logic.

It records who is talking and where to reach them, then routes a message: to the guided
dialog in progress, to the command it names, or to the fallback for free text.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from datetime import datetime, timedelta
from typing import Mapping, Sequence

from botbuilder.core import ActivityHandler, ConversationState, InvokeResponse, MessageFactory, TurnContext, UserState
from botbuilder.dialogs import Dialog, DialogSet
from botbuilder.schema import AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue, ChannelAccount

from bot.cards import help_activity, welcome_card
from bot.commands import Recognised, recognise
from bot.turn import (
    REPEATED_START,
    CardActionHandler,
    CommandHandler,
    ExecuteHandler,
    FileConsentHandler,
    MessageInterceptor,
    StartDialog,
)
from domain.models import utcnow
from domain.portal.submissions import mentions_reference
from domain.users import UserInfo, Users

__all__ = ["PreventionFirstBot", "COMING_SOON"]

log = logging.getLogger(__name__)

# Teams delivers an activity again when it thinks the first delivery failed; the ids of the
# last few handled in a conversation are kept so a repeat is not acted on twice.
RECENT_ACTIVITIES = 20
# A guided dialog untouched for this long is closed; its answers stay as a draft.
DIALOG_IDLE_LIMIT = timedelta(hours=12)

# Commands recognised before what they do is available in this build.
COMING_SOON: dict[str, str] = {}


class PreventionFirstBot(ActivityHandler):
    """Routes Teams activities to commands and guided dialogs.

    Args:
        conversation_state: per-conversation state (holds the dialog stack).
        user_state: per-user state.
        users: the user directory.
        dialogs: guided dialogs, each started by the command of the same name.
        commands: handlers of one-shot commands, by command name.
        fallback: what to do with text that is not a command (default: the help card).
        card_actions: handlers of card buttons by the ``action`` their data names. The
            data is only a request: handlers check everything it names against the database.
    """

    def __init__(
        self,
        *,
        conversation_state: ConversationState,
        user_state: UserState,
        users: Users,
        dialogs: Mapping[str, Dialog] | None = None,
        commands: Mapping[str, CommandHandler] | None = None,
        fallback: CommandHandler | None = None,
        card_actions: Mapping[str, CardActionHandler] | None = None,
        file_consent: FileConsentHandler | None = None,
        interceptors: Sequence[MessageInterceptor] = (),
        executes: Mapping[str, ExecuteHandler] | None = None,
    ) -> None:
        self._conversation_state = conversation_state
        self._user_state = user_state
        self._users = users
        self._dialog_state = conversation_state.create_property("dialog_state")
        self._last_seen = conversation_state.create_property("last_seen")
        self._welcomed = conversation_state.create_property("welcomed")
        self._recent = conversation_state.create_property("recent_activities")
        self._turn_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._dialogs = DialogSet(self._dialog_state)
        self._starts: dict[str, str] = {}
        for command, dialog in (dialogs or {}).items():
            self._dialogs.add(dialog)
            self._starts[command] = dialog.id
        self._commands = dict(commands or {})
        self._fallback = fallback
        self._card_actions = dict(card_actions or {})
        self._file_consent = file_consent
        self._interceptors = tuple(interceptors)
        self._executes = dict(executes or {})

    async def on_turn(self, turn_context: TurnContext) -> None:
        """Handle one activity and save state, after recording the user.

        Turns of one conversation run one at a time in this process: replies go out before
        the turn saves its state, and an officer who answers at once (or taps a button
        twice) must not be handled against the state of the turn before.
        """
        conversation = turn_context.activity.conversation
        key = conversation.id if conversation and conversation.id else ""
        lock = self._turn_locks.get(key)
        if lock is None:
            lock = self._turn_locks[key] = asyncio.Lock()
        async with lock:
            await self._remember_user(turn_context)
            await super().on_turn(turn_context)
            await self._conversation_state.save_changes(turn_context)
            await self._user_state.save_changes(turn_context)

    async def _remember_user(self, turn_context: TurnContext) -> UserInfo | None:
        activity = turn_context.activity
        sender = activity.from_property
        if sender is None or not sender.aad_object_id:
            return None
        tenant = activity.conversation.tenant_id if activity.conversation else None
        info = await asyncio.to_thread(self._users.seen, sender.aad_object_id, sender.name or "", sender.id, tenant)
        turn_context.turn_state["user"] = info
        if activity.conversation and activity.conversation.conversation_type in (None, "personal"):
            reference = TurnContext.get_conversation_reference(activity).serialize()
            await asyncio.to_thread(self._users.save_reference, sender.aad_object_id, reference)
        return info

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        """The app was added: say what it does."""
        await self._welcome(turn_context)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        """The app was removed: forget that this chat was welcomed."""
        await self._welcomed.delete(turn_context)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        """A person (not the bot) joined the chat: welcome them once.

        Teams announces a personal install with ``installationUpdate`` and, at the same
        moment, a ``conversationUpdate``; the two turns run concurrently, so only the first
        welcomes in Teams. Other channels (Web Chat, emulators) only send the latter.
        """
        if turn_context.activity.channel_id == "msteams":
            return
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(member.id != bot_id for member in members_added) and not await self._welcomed.get(turn_context):
            await self._welcome(turn_context)

    async def _welcome(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(help_activity(self._name(turn_context)))
        await self._welcomed.set(turn_context, True)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        """Teams' file consent answers go to the file handler; other invokes as the SDK routes them."""
        activity = turn_context.activity
        if activity.name == "fileConsent/invoke":
            user = turn_context.turn_state.get("user")
            if self._file_consent is not None and user is not None and isinstance(activity.value, dict):
                await self._file_consent(turn_context, activity.value, user)
            return InvokeResponse(status=200)
        return await super().on_invoke_activity(turn_context)

    async def on_adaptive_card_invoke(
        self, turn_context: TurnContext, invoke_value: AdaptiveCardInvokeValue
    ) -> AdaptiveCardInvokeResponse:
        """An ``Action.Execute`` button: answer with the card that replaces the pressed one."""
        action = invoke_value.action
        # The SDK leaves the action as the raw dict it received.
        verb = action.get("verb") if isinstance(action, dict) else getattr(action, "verb", None)
        if verb == "help":
            return AdaptiveCardInvokeResponse(
                status_code=200,
                type="application/vnd.microsoft.card.adaptive",
                value=welcome_card(self._name(turn_context)),
            )
        user = turn_context.turn_state.get("user")
        if verb in self._executes and user is not None:
            data = action.get("data") if isinstance(action, dict) else getattr(action, "data", None)
            return await self._executes[verb](turn_context, data if isinstance(data, dict) else {}, user)
        return AdaptiveCardInvokeResponse(
            status_code=400,
            type="application/vnd.microsoft.error",
            value={"code": "BadRequest", "message": "That button is not recognised."},
        )

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """Route a message: dialog in progress, command, or free text."""
        _text_from_card(turn_context)
        user = turn_context.turn_state.get("user")
        if user is None:
            await turn_context.send_activity(
                "I can only help people signed in to Teams with a work account."
            )
            return
        if await self._is_repeat(turn_context):
            log.info("repeated delivery of an activity ignored")
            return
        dc = await self._dialogs.create_context(turn_context)
        await self._expire_idle_dialog(turn_context, dc)
        action = _card_action(turn_context)
        if action is not None and action.get("action") in self._card_actions:
            start = await self._card_actions[action["action"]](turn_context, action, user)
            if start is not None and start.command in self._starts:
                await dc.cancel_all_dialogs()
                await dc.begin_dialog(self._starts[start.command], start.options)
            elif dc.active_dialog is not None:
                await dc.reprompt_dialog()
            return
        recognised = recognise(turn_context.activity.text)
        if dc.active_dialog is not None and recognised is not None and not _interrupts(recognised):
            recognised = None  # "open fields behind the school..." is an answer, not the Hub's open

        if dc.active_dialog is not None:
            if recognised is not None and self._starts.get(recognised.name) == dc.active_dialog.id:
                # Asked again for what is already in progress: the dialog re-asks its
                # question, except where the words are an answer ("submit" on a summary).
                turn_context.turn_state[REPEATED_START] = True
                await dc.continue_dialog()
                return
            if recognised is not None and recognised.name in self._commands:
                await self._commands[recognised.name](turn_context, recognised, user)
                await dc.reprompt_dialog()
                return
            if recognised is None or recognised.name not in self._starts:
                await dc.continue_dialog()
                return

        if recognised is None:
            for intercept in self._interceptors:
                if await intercept(turn_context, user):
                    return
        if recognised is not None and recognised.name in self._starts:
            await dc.begin_dialog(self._starts[recognised.name], {"argument": recognised.argument})
        elif recognised is not None and recognised.name in self._commands:
            await self._commands[recognised.name](turn_context, recognised, user)
        elif recognised is not None and recognised.name == "help":
            await turn_context.send_activity(help_activity(self._name(turn_context)))
        elif recognised is not None:
            feature = COMING_SOON.get(recognised.name, "That")
            await turn_context.send_activity(
                MessageFactory.text(f"{feature} is coming soon to this assistant. Type help to see what it can do now.")
            )
        elif self._fallback is not None:
            await self._fallback(turn_context, Recognised("question", turn_context.activity.text or ""), user)
        else:
            await turn_context.send_activity(help_activity(self._name(turn_context)))

    async def _is_repeat(self, turn_context: TurnContext) -> bool:
        """Whether this activity was already handled (state is saved only after a turn
        succeeds, so a delivery that failed is handled again)."""
        activity_id = turn_context.activity.id
        if not activity_id:
            return False
        recent = list(await self._recent.get(turn_context, list) or [])
        if activity_id in recent:
            return True
        await self._recent.set(turn_context, (recent + [activity_id])[-RECENT_ACTIVITIES:])
        return False

    async def _expire_idle_dialog(self, turn_context: TurnContext, dc) -> None:  # type: ignore[no-untyped-def]
        now = utcnow()
        last = await self._last_seen.get(turn_context)
        await self._last_seen.set(turn_context, now.isoformat())
        if dc.active_dialog is None or not last:
            return
        if now - datetime.fromisoformat(last) > DIALOG_IDLE_LIMIT:
            await dc.cancel_all_dialogs()
            await turn_context.send_activity(
                "Your unfinished conversation from earlier is saved as a draft. "
                "Start it again with the same command to pick up where you left off."
            )

    @staticmethod
    def _name(turn_context: TurnContext) -> str:
        user = turn_context.turn_state.get("user")
        return user.name if user else ""


def _interrupts(recognised: Recognised) -> bool:
    """Whether a command typed during a guided dialog is one (to answer, then re-ask the
    question) rather than the answer itself: any command typed alone, a what-works
    question, or a command about a submission reference ("status PF-2026-0042")."""
    return not recognised.argument or recognised.name == "what works" or mentions_reference(recognised.argument)


def _card_action(turn_context: TurnContext) -> dict | None:
    """The data of a card button that names an action handler, if this is one."""
    activity = turn_context.activity
    if activity.text or not isinstance(activity.value, dict) or not isinstance(activity.value.get("action"), str):
        return None
    return activity.value


def _text_from_card(turn_context: TurnContext) -> None:
    """Read a card button press that arrived as ``value`` (not imBack) as typed text."""
    activity = turn_context.activity
    if activity.text or not isinstance(activity.value, dict):
        return
    for key in ("text", "command", "choice"):
        if isinstance(activity.value.get(key), str):
            activity.text = activity.value[key]
            return
