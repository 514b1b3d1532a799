"""What the chat layer's parts exchange in a turn: handler signatures and turn-state keys.

The handler routes to these; features, dialogs and the app wiring import them from here, so
nothing but the app needs the handler itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Awaitable, Callable
from urllib.parse import quote

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, AdaptiveCardInvokeResponse

from bot.commands import CommandHandler
from domain.users import UserInfo

__all__ = ["CommandHandler", "CardActionHandler", "ExecuteHandler", "FileConsentHandler", "MessageInterceptor",
           "in_group", "personal_chat_link", "StartDialog", "REPEATED_START", "USER", "REGISTERED"]

# Set in a turn's state when the message names the command of the dialog in progress.
REPEATED_START = "prevention_first.repeated_start"
# The user of the turn, as read from the database (a ``UserInfo``), when they have a work account.
USER = "user"
# Every command the router knows (a tuple of ``Command``), for the help card and the Hub's list.
REGISTERED = "prevention_first.commands"


@dataclass(frozen=True)
class StartDialog:
    """What a card action may return to start a guided dialog (by its command) with options."""

    command: str
    options: dict = field(default_factory=dict)


# Looks at a typed message before it is routed; True when it has dealt with it (for example
# the submitter's reply to a Hub question). Only messages outside a dialog that are not
# commands are offered.
MessageInterceptor = Callable[[TurnContext, UserInfo], Awaitable[bool]]
# An ``Action.Execute`` button (Universal Actions) whose verb names its handler: answers with
# the invoke response, usually the card that replaces the pressed one.
ExecuteHandler = Callable[[TurnContext, dict, UserInfo], Awaitable[AdaptiveCardInvokeResponse]]
# Teams' answer to a file consent card: (turn, the invoke's value, the user from the database).
FileConsentHandler = Callable[[TurnContext, dict, UserInfo], Awaitable[None]]
# A button on a card the bot sent, whose data names its handler: {"action": name, ...}.
CardActionHandler = Callable[[TurnContext, dict, UserInfo], Awaitable["StartDialog | None"]]


def in_group(activity: Activity) -> bool:
    """Whether ``activity`` comes from a group chat or a channel rather than a personal chat."""
    conversation = activity.conversation
    return conversation is not None and (
        conversation.conversation_type in ("groupChat", "channel") or bool(conversation.is_group))


def personal_chat_link(activity: Activity) -> str | None:
    """The Teams link that opens the personal chat with the bot the activity was sent to."""
    bot = activity.recipient
    if bot is None or not bot.id:
        return None
    bot_id = bot.id if bot.id.startswith("28:") else f"28:{bot.id}"
    return f"https://teams.microsoft.com/l/chat/0/0?users={quote(bot_id, safe=':')}"
