"""The assistant's core commands: help, what works, the Portal's and the journal's, and the Hub's list.

``help`` shows the card with what the user's role may use, and ``hub`` lists the Hub's
commands: both read the commands the router knows, so neither is kept by hand.
"""

from __future__ import annotations

import re

from botbuilder.core import TurnContext
from botbuilder.dialogs import Dialog

from bot.cards import help_activity, hub_lines
from bot.commands import Command, CommandHandler, Recognised, Recogniser
from bot.features import Feature
from bot.turn import REGISTERED, in_group, personal_chat_link
from domain.models import Role
from domain.users import UserInfo

__all__ = ["core_feature", "core_commands", "on_help", "on_hub_list", "HUB_REFUSAL"]

HUB_REFUSAL = ("The Hub's tools are for the Prevention First Hub's staff. To send the Hub an idea or a problem, "
               "type submit.")


def _names_a_submission(argument: str) -> bool:
    """Whether the words after ``share`` or ``unshare`` try to name a submission ("PF-2026-0042",
    "42"), not everyday words ("share good practice on burglary" is a what-works question)."""
    return re.search(r"pf|\d", argument, re.IGNORECASE) is not None


async def on_help(turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
    """``help``: the help card, listing the commands the user's role may use."""
    activity = turn_context.activity
    link = personal_chat_link(activity) if in_group(activity) else None
    await turn_context.send_activity(help_activity(user.name, turn_context.turn_state.get(REGISTERED, ()), user, link))


async def on_hub_list(turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
    """``hub`` (the help card's Hub tools button): what Hub staff can type."""
    lines = "\n".join(f"- {typed}: {what}" for typed, what in hub_lines(turn_context.turn_state.get(REGISTERED, ())))
    await turn_context.send_activity(f"Hub tools. Type:\n\n{lines}")


def core_commands(
    *,
    what_works: CommandHandler,
    more: CommandHandler,
    my_submissions: CommandHandler,
    status: CommandHandler,
    my_journal: CommandHandler,
    export: CommandHandler,
) -> tuple[Command, ...]:
    """The core commands; ``submit`` and ``journal`` start the guided dialogs of those names.
    ``status`` handles the commands on one submission: ``status``, ``share`` and ``unshare``
    (it reads the recognised name)."""
    return (
        Command("help", on_help, phrases=("help", "?", "menu", "start", "hi", "hello", "commands"),
                help="What the assistant can do", menu="What the assistant can do", anywhere=True),
        Command("what works", what_works, phrases=("what works",),
                prefixes=("what works for", "what works on", "what works"),
                help="Ask what the evidence says works, for example: what works for burglary",
                menu="Find evidence on what reduces a crime problem", anywhere=True),
        Command("more", more, phrases=("more", "more results", "show more", "next", "next page", "more please"),
                help="The next results for your last question"),
        Command("submit", None, phrases=("submit", "i have an idea", "new problem", "new idea", "portal"),
                help="Send an idea, initiative or operational problem to the Hub",
                menu="Send an idea or problem to the Hub"),
        Command("my submissions", my_submissions, phrases=("my submissions",),
                help="Your submissions and their status", menu="See your submissions and their status"),
        Command("status", status, prefixes=("status",),
                help="Where a submission has got to, for example: status PF-2026-0042"),
        Command("share", status, phrases=("share",), prefixes=("share",), takes=_names_a_submission,
                help="Let the officers supporting your submission see your description: share PF-2026-0042"),
        Command("unshare", status, phrases=("unshare",), prefixes=("unshare",), takes=_names_a_submission,
                help="Show your submission's supporters only its title and status: unshare PF-2026-0042"),
        Command("journal", None, phrases=("journal", "new journal entry"),
                help="Write a reflective journal entry", menu="Write a reflective journal entry"),
        Command("my journal", my_journal, phrases=("my journal",), prefixes=("my journal", "my journal page"),
                help="Read back your journal, a page at a time", menu="Read back your journal"),
        Command("export", export, phrases=("export", "export my journal", "export journal", "export my reflections"),
                help="Your journal and reflections as a file"),
        Command("hub", on_hub_list, phrases=("hub", "hub tools"), role=Role.HUB, refusal=HUB_REFUSAL,
                help="The Hub's tools"),
    )


def core_feature(*, submit: Dialog, journal: Dialog, what_works: CommandHandler, more: CommandHandler,
                 my_submissions: CommandHandler,
                 status: CommandHandler, my_journal: CommandHandler, export: CommandHandler) -> Feature:
    """The core commands with the submission and journal dialogs they start."""
    return Feature(
        dialogs={"submit": submit, "journal": journal},
        commands=core_commands(what_works=what_works, more=more, my_submissions=my_submissions, status=status,
                               my_journal=my_journal, export=export),
    )


async def _unbound(turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
    """Stands in for a handler where only the phrases matter."""


# The core commands' phrases, for recognising text outside a running app (tests, tools).
recognise = Recogniser(core_commands(what_works=_unbound, more=_unbound, my_submissions=_unbound, status=_unbound,
                                     my_journal=_unbound, export=_unbound))
