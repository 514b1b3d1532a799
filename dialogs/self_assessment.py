"""The self-assessment: an Academy participant scores the same seven statements before and
after their course, and after the second sees how each answer changed.

Started by ``self-assessment``. Whichever is due for the participant's cohort is asked: the
before-course one from the first day of the course, the after-course one from the last.
Each statement is a choice on the five-point scale, typed as 1 to 5 or in words ("agree").
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.dialogs import DialogContext, DialogTurnResult

from bot.text import plain
from dialogs.base import GuidedDialog, Question, user_key
from domain.academy import ITEM_NAMES, ITEMS, SCALE, Academy, AcademyError, Due, ItemChange, ParticipantView, Phase
from domain.clock import london_day, london_today
from domain.drafts import Drafts

__all__ = ["SelfAssessmentDialog", "assessment_questions", "change_lines", "due_assessment", "london_today", "day",
           "local_day", "SHORT"]

_SCORES = {label: score for score, label in SCALE.items()}
# How each statement is named in the summary and in the change shown after the course.
SHORT = ITEM_NAMES
_WHEN = {Phase.BEFORE: "before the course", Phase.AFTER: "after the course"}


def day(value: date) -> str:
    """A date as people write it: "2 March 2026"."""
    return f"{value.day} {value:%B %Y}"


def local_day(moment: datetime) -> str:
    """The day of a moment (aware) in the force's own time: "2 March 2026"."""
    return day(london_day(moment))


def assessment_questions() -> list[Question]:
    """The seven statements, each a choice on the five-point scale."""
    return [
        Question(
            key, SHORT.get(key, statement), f"Statement {n} of {len(ITEMS)}: {statement}\n\nHow far do you agree?",
            f"4 or {SCALE[4]}",
            help="Answer for how you work now; there are no right answers. The same statements come again "
                 "at the end of the course, so you can see how far you have come.",
            choices=tuple(SCALE[score] for score in sorted(SCALE)),
        )
        for n, (key, statement) in enumerate(ITEMS, 1)
    ]


def change_lines(changes: list[ItemChange]) -> list[str]:
    """One line a statement: "Partnership working: 2 -> 4 (+2)"."""
    def moved(change: int) -> str:
        return "no change" if change == 0 else f"{change:+d}"

    return [f"- {SHORT.get(c.key, c.statement)}: {c.before} -> {c.after} ({moved(c.change)})" for c in changes]


def due_assessment(views: list[ParticipantView]) -> tuple[ParticipantView, Phase] | None:
    """The self-assessment to ask now: in the latest cohort with one due, the before-course
    one first (it is still wanted if it was missed), then the after-course one."""
    for view in views:
        if view.before is Due.DUE:
            return view, Phase.BEFORE
        if view.after is Due.DUE:
            return view, Phase.AFTER
    return None


class SelfAssessmentDialog(GuidedDialog):
    """The before- or after-course self-assessment, whichever is due.

    Args:
        academy: the cohorts and where the answers are kept.
        drafts: where an unfinished self-assessment is kept.
    """

    def __init__(self, academy: Academy, drafts: Drafts) -> None:
        super().__init__("self-assessment", "self-assessment", assessment_questions(), drafts)
        self.academy = academy

    async def _due(self, aad: str) -> tuple[list[ParticipantView], tuple[ParticipantView, Phase] | None]:
        views = await asyncio.to_thread(self.academy.participant_status, aad, london_today())
        return views, due_assessment(views)

    async def begin_dialog(self, dialog_context: DialogContext, options: object = None) -> DialogTurnResult:
        """Introduce the self-assessment that is due, or say why there is none."""
        turn_context = dialog_context.context
        views, due = await self._due(user_key(turn_context))
        if due is None:
            await turn_context.send_activity(await self._nothing_due(user_key(turn_context), views))
            return await dialog_context.end_dialog()
        view, phase = due
        await turn_context.send_activity(
            f"Your self-assessment {_WHEN[phase]} ({plain(view.cohort.name, limit=100)}): {len(ITEMS)} statements, "
            "one at a time. For each, say how far you agree: type a number from 1 (strongly disagree) "
            "to 5 (strongly agree), or the words."
        )
        return await super().begin_dialog(dialog_context, options)

    async def _nothing_due(self, aad: str, views: list[ParticipantView]) -> str:
        if not views:
            return ("The self-assessment is part of an Academy course, and you are not enrolled in one. "
                    "Hub staff enrol participants: ask them if you think you should be.")
        for view in views:
            if view.before is Due.DONE and view.after is Due.DONE:
                changes = await asyncio.to_thread(self.academy.assessment_change, aad, view.cohort.id)
                return ("You have answered the self-assessment before and after your course "
                        f"({plain(view.cohort.name, limit=100)}). How your answers changed:\n\n"
                        + "\n".join(change_lines(changes)))
        view = views[0]
        if view.before is Due.DONE:
            return (f"You have answered the self-assessment before the course. The one after it opens on the "
                    f"last day of the course, {day(view.cohort.ends_on)}.")
        return f"Your self-assessment opens on the first day of your course, {day(view.cohort.starts_on)}."

    async def on_complete(self, turn_context: TurnContext, answers: dict[str, Any]) -> Any:
        aad = user_key(turn_context)
        views, due = await self._due(aad)
        if due is None:
            await turn_context.send_activity(await self._nothing_due(aad, views))
            return None
        view, phase = due
        scores = {key: _SCORES[answers[key]] for key, _ in ITEMS}
        try:
            await asyncio.to_thread(self.academy.save_assessment, aad, view.cohort.id, phase, scores)
        except AcademyError as error:
            await turn_context.send_activity(f"{error} Your self-assessment was not saved.")
            return None
        if phase is Phase.BEFORE:
            await turn_context.send_activity(
                "Saved your self-assessment before the course. You will answer the same statements again on the "
                f"last day of the course, {day(view.cohort.ends_on)}, and then see how your answers changed."
            )
            return phase.value
        changes = await asyncio.to_thread(self.academy.assessment_change, aad, view.cohort.id)
        text = "Saved your self-assessment after the course."
        if changes:
            total = sum(c.change for c in changes)
            overall = "no change" if total == 0 else f"{total:+d}"
            text += ("\n\nHow your answers changed, before -> after:\n\n" + "\n".join(change_lines(changes))
                     + f"\n\nIn all: {overall} across the {len(changes)} statements.")
        await turn_context.send_activity(text)
        return phase.value
