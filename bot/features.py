"""What a part of the assistant adds to the conversation (see ``create_app``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from botbuilder.dialogs import Dialog

from bot.commands import Command
from bot.turn import CardActionHandler, ExecuteHandler, MessageInterceptor

__all__ = ["Feature"]


@dataclass
class Feature:
    """A part of the assistant: its guided dialogs by the command that starts them, its
    commands (each declared once: phrases, handler, help, role, menu line), card buttons by
    their ``action``, ``Action.Execute`` buttons by verb, and interceptors of plain messages."""

    dialogs: Mapping[str, Dialog] = field(default_factory=dict)
    commands: Sequence[Command] = ()
    card_actions: Mapping[str, CardActionHandler] = field(default_factory=dict)
    executes: Mapping[str, ExecuteHandler] = field(default_factory=dict)
    interceptors: Sequence[MessageInterceptor] = ()
