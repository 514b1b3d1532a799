"""The reflective journal: one entry through Gibbs' reflective cycle, a question at a time.

Started by ``journal`` (or the daily prompt's button). Only "what happened" is required;
the rest can be skipped. The entry is kept for today in Europe/London, and the officer is
told their streak.
"""

from __future__ import annotations

import asyncio
from typing import Any

from botbuilder.core import TurnContext

from dialogs.base import GuidedDialog, Question, user_key
from domain.clock import london_today
from domain.academy import GIBBS, Academy
from domain.drafts import Drafts

__all__ = ["JournalDialog", "journal_questions", "london_today"]

_HELP = {
    "description": "Describe the event or the day: what you did and what happened, without names.",
    "feelings": "Your thoughts and feelings at the time, and now.",
    "evaluation": "What was good and what was bad about it.",
    "analysis": "Make sense of it: why it went as it did, and what you would do differently.",
    "action": "One concrete step you will take.",
}


def journal_questions() -> list[Question]:
    labels = {"description": "What happened", "feelings": "Feelings", "evaluation": "Went well or badly",
              "analysis": "Learned", "action": "Next"}
    return [
        Question(key, labels[key], text, example.removeprefix("e.g. "), help=_HELP[key], optional=key != "description")
        for key, text, example in GIBBS
    ]


class JournalDialog(GuidedDialog):
    """Writes one journal entry."""

    def __init__(self, academy: Academy, drafts: Drafts) -> None:
        super().__init__("journal", "journal entry", journal_questions(), drafts)
        self.academy = academy

    async def on_complete(self, turn_context: TurnContext, answers: dict[str, Any]) -> Any:
        aad = user_key(turn_context)
        activity = turn_context.activity
        source = f"{activity.conversation.id}|{activity.id}" if activity.id and activity.conversation else None
        today = london_today()
        entry = await asyncio.to_thread(
            self.academy.add_journal_entry, aad,
            {key: answers.get(key) for key, _, _ in GIBBS}, written_on=today, source_key=source,
        )
        streak = await asyncio.to_thread(self.academy.streak, aad, today)
        days = "1 day" if streak == 1 else f"{streak} days in a row"
        await turn_context.send_activity(
            f"Saved your journal entry for {entry.written_on:%A %d %B}. Your streak: {days}. "
            "Type my journal to read your entries."
        )
        return entry.id
