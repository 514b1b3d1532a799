"""The router: where every Teams activity enters the assistant's logic.

Per-turn work (the turn lock, saving state, recording the user, dropping repeated
deliveries, closing idle dialogs) is middleware (:mod:`bot.middleware`). The router sends a
message to the guided dialog in progress, to the command it names (after checking the
command's role against the user read from the database), or to the fallback for free text.

Guided dialogs and personal or Hub records belong to the personal chat: in a group chat or
channel, where everyone reads the answers, only commands declared ``anywhere`` (help, what
works) and questions are answered; anything else is met with a button that opens the
personal chat with the bot.
"""

from __future__ import annotations

import logging
from typing import Mapping, Sequence

from botbuilder.core import ActivityHandler, InvokeResponse, MessageFactory, TurnContext
from botbuilder.core import ConversationState
from botbuilder.dialogs import Dialog, DialogContext, DialogSet
from botbuilder.schema import Activity, AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue, ChannelAccount

from bot.cards import adaptive_card, card_activity, help_activity, welcome_card
from bot.commands import DEFAULT_REFUSAL, Command, CommandHandler, Recognised, Recogniser
from bot.turn import (
    in_group,
    personal_chat_link,
    REGISTERED,
    REPEATED_START,
    USER,
    CardActionHandler,
    ExecuteHandler,
    FileConsentHandler,
    MessageInterceptor,
)
from bot.search_extension import QUERY, SELECT, SearchExtension
from bot.whatworks import ACTION as WHAT_WORKS_ACTION
from domain.portal import mentions_reference
from domain.users import UserInfo

__all__ = ["PreventionFirstBot", "COMING_SOON", "PERSONAL_CHAT_ONLY", "SHARED_BUTTONS", "in_group",
           "personal_chat_link"]

log = logging.getLogger(__name__)

# Commands recognised before what they do is available in this build.
COMING_SOON: dict[str, str] = {}

# What a group chat or channel is told when asked for a guided dialog or someone's records.
PERSONAL_CHAT_ONLY = ("I can help with that in a one-to-one chat with me, where records stay private. "
                      "Open the chat and ask there.")
# The card buttons answered in group chats and channels too, by the action their data names
# and its op: the what-works answer's paging, filters and feedback ("Ask the Hub" starts a
# submission, so it is not among them). Any other button there is pointed to the personal chat.
SHARED_BUTTONS: dict[str, frozenset[str]] = {WHAT_WORKS_ACTION: frozenset({"more", "kind", "crime", "feedback"})}


def personal_chat_activity(activity: Activity) -> Activity:
    """The answer in a group to what belongs in the personal chat: a line, and a button to that chat."""
    link = personal_chat_link(activity)
    card = adaptive_card(
        [{"type": "TextBlock", "text": PERSONAL_CHAT_ONLY, "wrap": True}],
        f"{PERSONAL_CHAT_ONLY} {link}" if link else PERSONAL_CHAT_ONLY,
        [{"type": "Action.OpenUrl", "title": "Open a chat with me", "url": link}] if link else [],
    )
    return card_activity(card)


class PreventionFirstBot(ActivityHandler):
    """Routes Teams activities to commands and guided dialogs.

    Args:
        conversation_state: per-conversation state (holds the dialog stack).
        dialogs: the guided dialogs' set (its stack is kept in conversation state).
        starts: guided dialogs, each started by the command of the same name.
        commands: every command, each declared once with its phrases, handler and role.
        fallback: what to do with text that is not a command (default: the help card).
        card_actions: handlers of card buttons by the ``action`` their data names. The
            data is only a request: handlers check everything it names against the database.
        file_consent: Teams' answers to file consent cards.
        interceptors: looks at plain messages before the fallback.
        executes: ``Action.Execute`` handlers by verb.
        search: the "Find evidence" message extension (compose box search and pick).
    """

    def __init__(
        self,
        *,
        conversation_state: ConversationState,
        dialogs: DialogSet,
        starts: Mapping[str, Dialog] | None = None,
        commands: Sequence[Command] = (),
        fallback: CommandHandler | None = None,
        card_actions: Mapping[str, CardActionHandler] | None = None,
        file_consent: FileConsentHandler | None = None,
        interceptors: Sequence[MessageInterceptor] = (),
        executes: Mapping[str, ExecuteHandler] | None = None,
        search: SearchExtension | None = None,
    ) -> None:
        self._welcomed = conversation_state.create_property("welcomed")
        self._dialogs = dialogs
        self._starts: dict[str, str] = {}
        for command, dialog in (starts or {}).items():
            self._dialogs.add(dialog)
            self._starts[command] = dialog.id
        self._recognise = Recogniser(commands)
        self._commands = {command.name: command for command in self._recognise.commands}
        self._fallback = fallback
        self._card_actions = dict(card_actions or {})
        self._file_consent = file_consent
        self._interceptors = tuple(interceptors)
        self._executes = dict(executes or {})
        self._search = search

    @property
    def commands(self) -> tuple[Command, ...]:
        """Every command the router knows, in the order they were declared."""
        return self._recognise.commands

    def dialog_of(self, command: str) -> str | None:
        """The id of the guided dialog ``command`` starts, if it starts one."""
        return self._starts.get(command)

    async def on_turn(self, turn_context: TurnContext) -> None:
        """Route one activity; the adapter's middleware (:mod:`bot.middleware`) has run first."""
        turn_context.turn_state[REGISTERED] = self._here(turn_context)
        await super().on_turn(turn_context)

    def _here(self, turn_context: TurnContext) -> tuple[Command, ...]:
        """The commands answered in this conversation: in a group chat or channel, only those
        marked ``anywhere``; in the personal chat, all."""
        if in_group(turn_context.activity):
            return tuple(command for command in self.commands if command.anywhere)
        return self.commands

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
        await turn_context.send_activity(self._help(turn_context))
        await self._welcomed.set(turn_context, True)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        """Teams' file consent answers go to the file handler, the message extension's search
        and pick to it; other invokes as the SDK routes them."""
        activity = turn_context.activity
        if activity.name in (QUERY, SELECT):
            user = turn_context.turn_state.get(USER)
            if self._search is None or user is None:
                return InvokeResponse(status=403, body={"error": "sign in to Teams with a work account to search"})
            if activity.name == SELECT:
                return await self._search.on_select(turn_context, activity.value, user)
            return await self._search.on_query(turn_context, activity.value, user)  # its shape checked on arrival
        if activity.name == "fileConsent/invoke":
            user = turn_context.turn_state.get(USER)
            if self._file_consent is not None and user is not None and isinstance(activity.value, dict):
                await self._file_consent(turn_context, activity.value, user)
            return InvokeResponse(status=200)
        return await super().on_invoke_activity(turn_context)

    async def on_adaptive_card_invoke(
        self, turn_context: TurnContext, invoke_value: AdaptiveCardInvokeValue
    ) -> AdaptiveCardInvokeResponse:
        """An ``Action.Execute`` button: answer with the card that replaces the pressed one.

        In a group chat or channel only ``help`` is answered; any other button acts on a
        record, so it gets an error saying so, which Teams shows on the card."""
        action = invoke_value.action
        # The SDK leaves the action as the raw dict it received.
        verb = action.get("verb") if isinstance(action, dict) else getattr(action, "verb", None)
        user = turn_context.turn_state.get(USER)
        if verb == "help":
            return AdaptiveCardInvokeResponse(
                status_code=200,
                type="application/vnd.microsoft.card.adaptive",
                value=welcome_card(user.name if user else "", self._here(turn_context), user),
            )
        if in_group(turn_context.activity):
            return AdaptiveCardInvokeResponse(
                status_code=403,
                type="application/vnd.microsoft.error",
                value={"code": "Forbidden", "message": PERSONAL_CHAT_ONLY},
            )
        if verb in self._executes and user is not None:
            data = action.get("data") if isinstance(action, dict) else getattr(action, "data", None)
            return await self._executes[verb](turn_context, data if isinstance(data, dict) else {}, user)
        return AdaptiveCardInvokeResponse(
            status_code=400,
            type="application/vnd.microsoft.error",
            value={"code": "BadRequest", "message": "That button is not recognised."},
        )

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """Route a message: dialog in progress, command, or free text (in a group chat or
        channel, only what is answered there)."""
        _text_from_card(turn_context)
        user = turn_context.turn_state.get(USER)
        if user is None:
            await turn_context.send_activity(
                "I can only help people signed in to Teams with a work account."
            )
            return
        if in_group(turn_context.activity):
            await self._group_message(turn_context, user)
            return
        dc = await self._dialogs.create_context(turn_context)
        action = _card_action(turn_context)
        if action is not None and action.get("action") in self._card_actions:
            start = await self._card_actions[action["action"]](turn_context, action, user)
            if start is not None and start.command in self._starts:
                await dc.cancel_all_dialogs()
                await dc.begin_dialog(self._starts[start.command], start.options)
            elif dc.active_dialog is not None:
                await dc.reprompt_dialog()
            return
        recognised = self._recognise(turn_context.activity.text)
        if dc.active_dialog is not None and recognised is not None and not _interrupts(recognised):
            recognised = None  # "open fields behind the school..." is an answer, not the Hub's open
        command = self._commands.get(recognised.name) if recognised is not None else None

        if dc.active_dialog is not None:
            if command is not None and self._starts.get(command.name) == dc.active_dialog.id:
                # Asked again for what is already in progress: the dialog re-asks its
                # question, except where the words are an answer ("submit" on a summary).
                turn_context.turn_state[REPEATED_START] = True
                await dc.continue_dialog()
                return
            if command is not None and recognised is not None and command.handler is not None:
                await self._run(turn_context, dc, command, recognised, user)
                await dc.reprompt_dialog()
                return
            if command is None or command.name not in self._starts:
                await dc.continue_dialog()
                return

        if command is not None and recognised is not None:
            await self._run(turn_context, dc, command, recognised, user)
            return
        for intercept in self._interceptors:
            if await intercept(turn_context, user):
                return
        if self._fallback is not None:
            await self._fallback(turn_context, Recognised("question", turn_context.activity.text or ""), user)
        else:
            await turn_context.send_activity(self._help(turn_context))

    async def _group_message(self, turn_context: TurnContext, user: UserInfo) -> None:
        """A message in a group chat or channel, where everyone reads the answers.

        Only commands marked ``anywhere`` and questions (what works) are answered, and the
        what-works answer's shared buttons (``SHARED_BUTTONS``). Guided dialogs and commands
        that show or change someone's records are pointed to the personal chat; no guided
        dialog runs here, and a message is never offered to the interceptors (a reply to
        the Hub's question is written in the personal chat).
        """
        activity = turn_context.activity
        dc = await self._dialogs.create_context(turn_context)
        if dc.active_dialog is not None:
            await dc.cancel_all_dialogs()  # a group holds none: one found in its state is closed, never continued
        action = _card_action(turn_context)
        if action is not None:
            handler = self._card_actions.get(action["action"])
            if handler is not None and action.get("op") in SHARED_BUTTONS.get(action["action"], ()):
                await handler(turn_context, action, user)
            else:
                await turn_context.send_activity(personal_chat_activity(activity))
            return
        recognised = self._recognise(activity.text)
        command = self._commands.get(recognised.name) if recognised is not None else None
        if command is not None and recognised is not None:
            if not command.anywhere or command.handler is None:
                await turn_context.send_activity(personal_chat_activity(activity))
            elif not command.allows(user):
                await turn_context.send_activity(command.refusal or DEFAULT_REFUSAL)
            else:
                await command.handler(turn_context, recognised, user)
            return
        if self._fallback is not None:
            await self._fallback(turn_context, Recognised("question", activity.text or ""), user)
        else:
            await turn_context.send_activity(self._help(turn_context))

    async def _run(self, turn_context: TurnContext, dc: DialogContext, command: Command, recognised: Recognised,
                   user: UserInfo) -> None:
        """Run a command the user may use: its handler, or the guided dialog it starts."""
        if not command.allows(user):
            await turn_context.send_activity(command.refusal or DEFAULT_REFUSAL)
        elif command.handler is not None:
            await command.handler(turn_context, recognised, user)
        elif command.name in self._starts:
            await dc.begin_dialog(self._starts[command.name], {"argument": recognised.argument})
        else:
            feature = COMING_SOON.get(command.name, "That")
            await turn_context.send_activity(
                MessageFactory.text(f"{feature} is coming soon to this assistant. Type help to see what it can do now.")
            )

    def _help(self, turn_context: TurnContext) -> object:
        user = turn_context.turn_state.get(USER)
        link = personal_chat_link(turn_context.activity) if in_group(turn_context.activity) else None
        return help_activity(user.name if user else "", self._here(turn_context), user, link)


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
