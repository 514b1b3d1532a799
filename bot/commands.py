"""Commands: each declared once, as data, where it is handled; and the recogniser built from them.

A feature lists its :class:`Command` s (name, handler, phrases, help, role, Teams menu line).
The router recognises text against every registered command: text is normalised (Teams
``<at>`` mentions removed, case and spacing folded, trailing punctuation dropped) and then
matched against each command's phrases exactly, or as its longest prefix followed by an
argument (``status PF-2026-0042``). Never by substring order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Awaitable, Callable, Iterable, Sequence

from botbuilder.core import TurnContext

from domain.models import Role
from domain.users import UserInfo

__all__ = [
    "Command", "CommandHandler", "Recognised", "Recogniser", "normalise", "strip_mentions", "MENTION",
    "allowed", "DEFAULT_REFUSAL", "menu_commands",
]

# A Teams mention of the bot (or anyone) in a message: ``<at>Prevention First</at>``. A
# mention holds no other ``<at>``, so each is read once however many unclosed ones a message has.
MENTION = re.compile(r"<at>(?:(?!</?at>).)*</at>", re.IGNORECASE | re.DOTALL)
_OPEN = re.compile(r"<at>", re.IGNORECASE)
_CLOSE = re.compile(r"</at>", re.IGNORECASE)
_SPACES = re.compile(r"\s+")

DEFAULT_REFUSAL = "That is for Prevention First Hub staff, so nothing was done. Type help to see what you can do."


@dataclass(frozen=True)
class Recognised:
    """A recognised command and the text after it (empty when it takes none)."""

    name: str
    argument: str = ""


CommandHandler = Callable[[TurnContext, Recognised, UserInfo], Awaitable[None]]


@dataclass(frozen=True)
class Command:
    """One command, declared where it is handled.

    Attributes:
        name: the command's name; a guided dialog it starts is registered under it.
        handler: what it does; None when it starts the guided dialog registered under ``name``.
        phrases: texts that are the command on their own (``"my submissions"``).
        prefixes: texts that start the command followed by an argument (``"status"``).
        help: one line for the help card and the Hub's list: what it does.
        role: who may use it: ``Role.HUB`` (Hub staff and admins) or ``Role.ADMIN``; None for
            everyone. Checked against the user read from the database before anything runs.
        refusal: what someone without the role is told (a polite general line when empty).
        takes: given the argument after a prefix, whether the words are this command's; when
            it says no, the text is free text (``gaps in the fence`` is a question).
        menu: the description in Teams' command menu; the command is listed there when set.
        anywhere: whether it is answered in group chats and channels too. Otherwise it is
            answered only in the personal chat with the bot (it shows or changes someone's
            records, or starts a guided dialog), and a group is pointed there.
    """

    name: str
    handler: CommandHandler | None
    phrases: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    help: str = ""
    role: Role | None = None
    refusal: str = ""
    takes: Callable[[str], bool] | None = None
    menu: str | None = None
    anywhere: bool = False

    def allows(self, user: UserInfo | None) -> bool:
        """Whether ``user`` (as read from the database this turn) may use the command."""
        return allowed(self.role, user)

    @property
    def example(self) -> str:
        """How to type it, for the help lists: its first phrase, or its first prefix."""
        return (self.phrases or self.prefixes or (self.name,))[0]


def allowed(role: Role | None, user: UserInfo | None) -> bool:
    """Whether ``user`` has ``role`` (Hub staff includes admins); everyone has no role."""
    if role is None:
        return True
    if user is None:
        return False
    return user.is_hub if role is Role.HUB else user.role is Role.ADMIN


def strip_mentions(text: str) -> str:
    """``text`` without Teams ``<at>`` mentions, spacing folded.

    A mention runs from an ``<at>`` to the first ``</at>`` after it; an ``<at>`` never closed
    is left as typed. The text is read once, front to back.
    """
    kept: list[str] = []
    position = 0
    while (opening := _OPEN.search(text, position)) is not None:
        closing = _CLOSE.search(text, opening.end())
        if closing is None:
            break  # no mention closes after this one, so none after it does either
        kept += [text[position:opening.start()], " "]
        position = closing.end()
    kept.append(text[position:])
    return _SPACES.sub(" ", "".join(kept)).strip()


def normalise(text: str | None) -> str:
    """Fold a message into the form commands are matched in."""
    folded = strip_mentions(text or "").lower()
    return folded.rstrip(".!?") if folded not in {"?"} else folded


class Recogniser:
    """Finds the command a text names among ``commands``.

    A later command of a name already given replaces the earlier one in its place.
    """

    def __init__(self, commands: Iterable[Command]) -> None:
        by_name: dict[str, Command] = {}
        for command in commands:
            by_name[command.name] = command
        self.commands: tuple[Command, ...] = tuple(by_name.values())

    def __call__(self, text: str | None) -> Recognised | None:
        """Return the command ``text`` names, or None when it is not a command."""
        folded = normalise(text)
        if not folded:
            return None
        for command in self.commands:
            if folded in command.phrases:
                return Recognised(command.name)
        original = strip_mentions(text or "")
        candidates = sorted(
            ((len(prefix), index, command) for index, command in enumerate(self.commands)
             for prefix in command.prefixes if folded.startswith(prefix + " ")),
            key=lambda found: (-found[0], found[1]),
        )
        for length, _, command in candidates:
            argument = original[length:].strip()
            if command.takes is None or command.takes(argument):
                return Recognised(command.name, argument)
            return None  # the longest prefix's command says these words are free text
        return None


def menu_commands(commands: Sequence[Command]) -> list[dict[str, str]]:
    """The Teams command menu (``commandLists``' commands) the commands ask for, in order."""
    return [{"title": command.name, "description": command.menu} for command in commands if command.menu]
