"""The six hats dialog: an Academy participant thinks a topic through de Bono's six thinking
hats, one hat at a time, and keeps the reflection.

Started by ``six hats`` (or ``six hats on <topic>``, which fills in the topic). The topic
comes first, then blue (focus), white (facts), red (feelings), black (cautions), yellow
(benefits), green (ideas) and blue again (decisions and next steps). Each hat is explained
in a line with an example and can be skipped; ``back`` and the summary revisit any step
(a topic filled in from the command too).
``my reflections`` lists what was kept.
"""

from __future__ import annotations

import asyncio
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.dialogs import DialogContext, DialogTurnResult

from bot.text import plain
from dialogs.base import GuidedDialog, Question, user_key
from domain.academy import HATS, Academy, InvalidAnswer
from domain.drafts import Drafts
from domain.personal_data import find_personal_data

__all__ = ["SixHatsDialog", "six_hats_questions", "TOPIC"]

TOPIC = "topic"
_TOPIC_LIMIT = 200


def six_hats_questions() -> list[Question]:
    """The topic, then the seven hats in the order they are worn."""
    topic = Question(
        TOPIC, "Topic", "What would you like to think through with the six hats?",
        "Repeat calls about shoplifting at the retail park",
        help="A problem, a decision or an idea: a few words are enough. Up to 200 characters.",
        max_length=_TOPIC_LIMIT,
    )
    hats = [
        Question(
            key, f"{colour} hat: {what.split(':')[0]}", f"{colour} hat. {what}", example.removeprefix("e.g. "),
            help=f"The {colour.lower()} hat is for {what.split(':')[0].lower()}. Say what comes to mind; "
                 "there is no wrong answer.",
            optional=True,
        )
        for key, colour, what, example in HATS
    ]
    return [topic, *hats]


class SixHatsDialog(GuidedDialog):
    """The six hats, kept as a reflection in the participant's Academy record.

    Args:
        academy: where reflections are kept.
        drafts: where an unfinished reflection is kept.
    """

    def __init__(self, academy: Academy, drafts: Drafts) -> None:
        super().__init__("six-hats", "six hats reflection", six_hats_questions(), drafts)
        self.academy = academy

    async def begin_dialog(self, dialog_context: DialogContext, options: object = None) -> DialogTurnResult:
        """Start, with the topic filled in from ``six hats on <topic>`` when it was given."""
        options = dict(options) if isinstance(options, dict) else {}
        topic = " ".join(str(options.get("argument") or "").split())
        # A topic that would be refused when typed (too long, personal data) is asked for instead.
        if topic and len(topic) <= _TOPIC_LIMIT and not await asyncio.to_thread(find_personal_data, topic):
            options["prefill"] = {TOPIC: topic}
        return await super().begin_dialog(dialog_context, options)

    def summary_lines(self, answers: dict[str, Any]) -> list[str]:
        lines = super().summary_lines(answers)
        if all(answers.get(key) in (None, "") for key, _, _, _ in HATS):
            lines.append("Every hat is skipped: answer at least one (type its number) before saving.")
        return lines

    async def on_complete(self, turn_context: TurnContext, answers: dict[str, Any]) -> Any:
        hats = {key: answers.get(key) for key, _, _, _ in HATS}
        try:
            saved = await asyncio.to_thread(
                self.academy.save_reflection, user_key(turn_context), answers[TOPIC], hats
            )
        except InvalidAnswer as error:
            await turn_context.send_activity(f"{error} Nothing was saved. Type six hats to start again.")
            return None
        await turn_context.send_activity(
            f"Saved your six hats reflection on {plain(saved.topic, limit=120)}. "
            "Type my reflections to see your reflections, latest first."
        )
        return saved.id
