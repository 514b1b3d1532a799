"""Adaptive Cards (schema 1.5, Teams' limit) for the conversation's fixed messages.

Every card has a ``fallbackText`` and every button is an ``imBack``: pressing it sends its
title as if the user had typed it, so typed commands and buttons take the same path.
"""

from __future__ import annotations

from typing import Any, Sequence

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity

from bot.commands import Command
from domain.models import Role
from domain.users import UserInfo

__all__ = ["adaptive_card", "card_activity", "imback", "welcome_card", "help_activity", "help_lines", "hub_lines",
           "JOBS"]

CARD_VERSION = "1.5"

# (button title, command it sends, one-line description)
JOBS: tuple[tuple[str, str, str], ...] = (
    ("What works", "what works", "Ask what the evidence says works for a crime problem."),
    ("Submit to the Hub", "submit", "Send an idea, initiative or operational problem to the Prevention First Hub."),
    ("Academy", "academy", "Keep your reflective journal, six-hats reflections and SARA action plan."),
    ("Hub tools", "hub", "For Hub staff: triage, knowledge and the board report."),
)


def adaptive_card(body: list[dict[str, Any]], fallback: str, actions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An Adaptive Card (1.5) with its plain-text fallback."""
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "fallbackText": fallback,
        "body": body,
        "actions": actions or [],
    }


def imback(title: str, value: str | None = None) -> dict[str, Any]:
    """A button that sends ``value`` (default: its title) as a typed message."""
    return {
        "type": "Action.Submit",
        "title": title,
        "data": {"msteams": {"type": "imBack", "value": value or title}},
    }


def card_activity(card: dict[str, Any], text: str | None = None) -> Activity:
    """Wrap a card in a message; ``text`` is shown above it and read by screen readers."""
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    if text:
        activity.text = text
    activity.summary = card.get("fallbackText")
    return activity


def help_lines(commands: Sequence[Command], user: UserInfo | None) -> list[tuple[str, str]]:
    """(how to type it, what it does) for each documented command ``user``'s role may use."""
    return [(command.example, command.help) for command in commands if command.help and command.allows(user)]


def hub_lines(commands: Sequence[Command]) -> list[tuple[str, str]]:
    """(how to type it, what it does) for each documented command for Hub staff or admins."""
    return [(command.example, command.help) for command in commands
            if command.help and command.role in (Role.HUB, Role.ADMIN) and command.name != "hub"]


def welcome_card(name: str = "", commands: Sequence[Command] = (), user: UserInfo | None = None,
                 chat_link: str | None = None) -> dict[str, Any]:
    """The welcome and help card: what the assistant does, one button for each job, and the
    commands the user's role may use; ``chat_link``, in a group, adds a button that opens
    the personal chat.

    Only the jobs whose command is among ``commands`` are offered (all of them when none are
    given). In a group chat or channel the commands given are only those answered there
    (each marked ``anywhere``): the card says that the rest is in a one-to-one chat.
    """
    listed = help_lines(commands, user)
    names = {command.name for command in commands}
    jobs = [job for job in JOBS if not commands or job[1] in names]
    greeting = f"Hello {name.split(' ')[0]}" if name else "Hello"
    fallback = ("Prevention First assistant. Type: what works for <problem>, submit, "
                "my submissions, journal, six hats, action plan, or help.")
    how = ("Type a command or a question at any time, for example: what works for burglary. "
           "In a guided conversation you can type help, back or cancel.")
    if commands and all(command.anywhere for command in commands):
        how = ("Mention me with a question, for example: what works for burglary. For submissions, the "
               "Academy, Hub tools and your records, chat with me one-to-one, where they stay private.")
        fallback = ("Prevention First assistant. Mention me with a question, for example: what works for "
                    "burglary. For everything else, chat with me one-to-one.")
    commands_typed: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": "Commands you can type:", "weight": "Bolder", "wrap": True},
        {"type": "FactSet", "facts": [{"title": typed, "value": what} for typed, what in listed]},
    ] if listed else []
    return adaptive_card(
        [
            {"type": "TextBlock", "text": "Prevention First assistant", "weight": "Bolder", "size": "Large", "wrap": True},
            {
                "type": "TextBlock",
                "text": f"{greeting}. I help you prevent crime with the force's evidence Hub. I can:",
                "wrap": True,
            },
            {
                "type": "FactSet",
                "facts": [{"title": title, "value": description} for title, _, description in jobs],
            },
            *commands_typed,
            {
                "type": "TextBlock",
                "text": how,
                "wrap": True,
                "isSubtle": True,
            },
        ],
        fallback,
        [imback(title, command) for title, command, _ in jobs]
        + ([{"type": "Action.OpenUrl", "title": "Open a chat with me", "url": chat_link}] if chat_link else []),
    )


def help_activity(name: str = "", commands: Sequence[Command] = (), user: UserInfo | None = None,
                  chat_link: str | None = None) -> Activity:
    """The help message: the welcome card with a one-line text for notifications."""
    return card_activity(welcome_card(name, commands, user, chat_link))
