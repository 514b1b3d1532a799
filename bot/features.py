"""What a part of the assistant adds to the conversation (see ``create_app``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from botbuilder.dialogs import Dialog

from bot.turn import CardActionHandler, CommandHandler, ExecuteHandler, MessageInterceptor

__all__ = ["Feature"]


@dataclass
class Feature:
    """A part of the assistant, built from the app's services: guided dialogs and one-shot
    commands by command name, card buttons by their ``action``, ``Action.Execute`` buttons
    by verb, and interceptors of plain messages."""

    dialogs: Mapping[str, Dialog] = field(default_factory=dict)
    commands: Mapping[str, CommandHandler] = field(default_factory=dict)
    card_actions: Mapping[str, CardActionHandler] = field(default_factory=dict)
    executes: Mapping[str, ExecuteHandler] = field(default_factory=dict)
    interceptors: Sequence[MessageInterceptor] = ()
