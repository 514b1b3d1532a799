"""The action plan dialog: an Academy participant works one problem through SARA over as
many sittings as they like, one stage a sitting.

Started by ``action plan``. With no plan yet, the participant chooses the cohort (if they are
in more than one) and the problem, and writes the scanning stage. With a plan, they see which
stages are done and carry on with the next one or choose any stage to write or change:
scanning (the problem), analysis (the problem analysis triangle: victim, offender,
location), response (with knowledge entries from the what-works search to cite) and
assessment (how success will be measured). Each stage is saved on its own and the dialog
stops; once all four are written the participant is offered to mark the plan complete.

Each stage's questions are a :class:`StageDialog` on the guided base (help, back, drafts,
summary); the choices around them are typed prompts that take a number or a name.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.dialogs import (
    ComponentDialog,
    DialogContext,
    DialogTurnResult,
    DialogTurnStatus,
    PromptOptions,
    PromptValidatorContext,
    TextPrompt,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.schema import Activity

from bot.commands import normalise
from bot.turn import REPEATED_START
from bot.text import plain
from domain.whatworks.knowledge import KnowledgeService
from dialogs.base import AnswerError, choice_activity, choose, GuidedDialog, Question, user_key
from dialogs.self_assessment import day, local_day
from domain.clock import london_today
from domain.academy import STAGES, Academy, AcademyError, Plan
from domain.drafts import Drafts

__all__ = ["ActionPlanDialog", "StageDialog", "stage_questions", "COMPLETE", "NOT_YET", "NO_CITATION"]

COMPLETE = "Mark it complete"
NOT_YET = "Not yet"
NO_CITATION = "None of them"
CITE_RESULTS = 3
_TITLES = {key: title for key, title, _ in STAGES}
_WHAT = {
    "scanning": "the problem: what happens, where, when and to whom",
    "analysis": "the problem analysis triangle: victim, offender and location",
    "response": "what you will do, with knowledge entries to cite",
    "assessment": "how you will measure whether it worked",
}
# (label, example, help) of each stage's questions; the questions themselves are the Academy's.
_FIELDS: dict[str, tuple[str, str, str]] = {
    "description": (
        "Description",
        "Since May, 40 calls about shoplifting at the retail park, most between 3pm and 6pm on weekdays; "
        "shop staff feel unsafe.",
        "Scanning: describe the problem as the people affected see it, with the numbers you have.",
    ),
    "victim": (
        "Victim", "Two small shops with no security staff, which report most of the thefts.",
        "Who or what is harmed, and why them: vulnerability, repeat victimisation. No names.",
    ),
    "offender": (
        "Offender", "A few local adults who steal to order; nobody challenges them at the rear exits.",
        "Who causes the harm and what draws them to it. Describe the pattern, not the people.",
    ),
    "location": (
        "Location", "The rear car park: no CCTV, poor lighting and a footpath straight onto the estate.",
        "Where it happens and what about the place lets it happen.",
    ),
    "response": (
        "Response",
        "With the park manager, light the rear car park and add CCTV; a shared radio scheme between the shops; "
        "patrols between 3pm and 6pm.",
        "What you will do, who with, and why it should work. Next I will look for evidence you can cite.",
    ),
    "measures": (
        "Measures of success",
        "Calls and recorded thefts for the next three months against the same months last year, and a short "
        "survey of shop staff.",
        "How you will know whether it worked: the figures, and where they will come from.",
    ),
}
PROBLEM = Question(
    "problem", "Problem", "Which problem will your action plan tackle? Choose one you can work on over the next "
    "three months.", "Repeat shoplifting at the Hatfield retail park",
    help="A local problem you can work through with SARA: scanning, analysis, response and assessment.",
    max_length=300,
)


def stage_questions(stage: str) -> list[Question]:
    """The questions of one SARA stage (the cited knowledge entries are chosen separately)."""
    fields = next(fields for key, _, fields in STAGES if key == stage)
    return [Question(field, _FIELDS[field][0], question, _FIELDS[field][1], help=_FIELDS[field][2])
            for field, question in fields if field != "cited_entries"]


class StageDialog(GuidedDialog):
    """The questions of one SARA stage; with ``new_plan``, the problem is asked first.

    The dialog's result is the answers; the action plan dialog saves them.
    """

    def __init__(self, stage: str, drafts: Drafts, *, new_plan: bool = False) -> None:
        questions = [PROBLEM, *stage_questions(stage)] if new_plan else stage_questions(stage)
        dialog_id = "action-plan-start" if new_plan else f"action-plan-{stage}"
        super().__init__(dialog_id, "new action plan" if new_plan else f"SARA {stage}", questions, drafts)

    async def on_complete(self, turn_context: TurnContext, answers: dict[str, Any]) -> Any:
        return {key: value for key, value in answers.items() if key != self.PERSONAL_DATA}


def _choose_many(text: str, choices: list[str]) -> list[int]:
    """The positions of the entries chosen ("1", "1, 3", "all", a title), or [] for none."""
    folded = normalise(text)
    if folded in {"none", "no", "skip", "nothing", NO_CITATION.lower()} or folded == str(len(choices) + 1):
        return []
    if folded == "all":
        return list(range(len(choices)))
    try:
        return [choices.index(choose(text, tuple(choices)))]
    except AnswerError:
        parts = [part for part in re.split(r"\s*(?:,|;|&|\band\b|\s)\s*", folded) if part]
        try:
            return sorted({choices.index(choose(part, tuple(choices))) for part in parts})
        except AnswerError:
            raise AnswerError(
                "Type the numbers of the entries to cite, for example 1 or 1, 3; or type none."
            ) from None


class ActionPlanDialog(ComponentDialog):
    """The SARA action plan, one stage a sitting.

    Args:
        academy: the cohorts and the plans.
        drafts: where an unfinished stage is kept.
        knowledge: the what-works search, for knowledge entries to cite in the response.
    """

    OPEN = "open"
    STAGE = "stage"
    CHOICE = "choice"

    def __init__(self, academy: Academy, drafts: Drafts, knowledge: KnowledgeService) -> None:
        super().__init__("action-plan")
        self.academy = academy
        self.knowledge = knowledge
        self.add_dialog(StageDialog("scanning", drafts, new_plan=True))
        for stage in _TITLES:
            self.add_dialog(StageDialog(stage, drafts))
        self.add_dialog(WaterfallDialog(self.OPEN, [self._plan_step, self._stage_step, self._begin_step]))
        self.add_dialog(WaterfallDialog(
            self.STAGE, [self._ask_step, self._cite_step, self._save_step, self._complete_step]))
        self.add_dialog(TextPrompt(self.CHOICE, self._validate_choice))
        self.initial_dialog_id = self.OPEN

    # -- choosing the plan and the stage ------------------------------------------------------

    async def _plan_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        """Find the plans to work on: one carries on, several are chosen by cohort."""
        aad = user_key(step.context)
        views = await asyncio.to_thread(self.academy.participant_status, aad, london_today())
        plans = await asyncio.to_thread(self.academy.plans, aad)
        options: list[dict[str, Any]] = [
            {"cohort_id": p.cohort_id, "name": p.cohort_name, "plan_id": p.id} for p in plans if not p.is_complete
        ]
        taken = {p.cohort_id for p in plans}
        options += [{"cohort_id": v.cohort.id, "name": v.cohort.name, "plan_id": None}
                    for v in views if v.cohort.id not in taken]
        if not options:
            if plans:
                done = plans[0]
                await step.context.send_activity(
                    f"Your action plan on {plain(done.problem, limit=120)} is complete: well done. "
                    "A completed plan can no longer be changed."
                )
            else:
                await step.context.send_activity(
                    "The action plan is part of an Academy course, and you are not enrolled in one. "
                    "Hub staff enrol participants: ask them if you think you should be."
                )
            return await step.end_dialog()
        step.values["options"] = options
        if len(options) == 1:
            return await step.next(options[0]["name"])
        lines = [f"- {plain(o['name'], limit=80)}: " + ("carry on with your plan" if o["plan_id"] else "start a plan")
                 for o in options]
        text = "You are in more than one Academy cohort. Which action plan?\n\n" + "\n".join(lines)
        return await self._ask(step, text, [plain(o["name"], limit=80) for o in options], cancelled="Cancelled.")

    async def _stage_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        """Show where the plan is and offer the next stage or any other; a new plan starts."""
        chosen = step.result
        option = next(o for o in step.values["options"] if chosen in (o["name"], plain(o["name"], limit=80)))
        step.values["option"] = option
        if option["plan_id"] is None:
            return await step.next("new")
        plan = await asyncio.to_thread(self.academy.plan, user_key(step.context), option["cohort_id"])
        assert plan is not None
        step.values["stages"] = {key: plan.stages.get(key) for key in _TITLES}
        first = f"Carry on with {_TITLES[plan.next_stage].lower()}" if plan.next_stage else COMPLETE
        text = (f"{self._where(plan)}\n\n"
                + ("Carry on with the next stage, or choose a stage to write or change:" if plan.next_stage
                   else "All four stages are written. Mark the plan complete, or choose a stage to change:"))
        return await self._ask(step, text, [first, *_TITLES.values()], cancelled="Cancelled.")

    async def _begin_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        """Open the chosen stage, or complete the plan."""
        option = step.values["option"]
        if step.result == "new":
            return await step.replace_dialog(self.STAGE, {"cohort_id": option["cohort_id"], "plan_id": None,
                                                          "stage": "scanning"})
        if step.result == COMPLETE:
            await self._complete(step.context, option["plan_id"])
            return await step.end_dialog()
        stages: dict[str, Any] = step.values["stages"]
        stage = next((key for key, title in _TITLES.items() if title == step.result), None)
        if stage is None:  # "Carry on with ..."
            stage = next(key for key, saved in stages.items() if saved is None)
        prefill = {k: v for k, v in (stages[stage] or {}).items() if k != "cited_entries"} or None
        return await step.replace_dialog(self.STAGE, {"cohort_id": option["cohort_id"], "plan_id": option["plan_id"],
                                                      "stage": stage, "prefill": prefill})

    # -- one stage ---------------------------------------------------------------------------

    async def _ask_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        """Ask the stage's questions (a stage written before opens at its summary)."""
        stage = step.options["stage"]
        if step.options["plan_id"] is None:
            await step.context.send_activity(
                "Your action plan works one problem through SARA: scanning, analysis, response and assessment, "
                "a stage at a time. First, the problem and the scanning stage."
            )
            return await step.begin_dialog("action-plan-start")
        intro = f"{_TITLES[stage]}: {_WHAT[stage]}."
        if step.options.get("prefill"):
            intro += " Here is what you wrote; change any answer, or save it as it is."
        await step.context.send_activity(intro)
        return await step.begin_dialog(f"action-plan-{stage}", {"prefill": step.options.get("prefill")})

    async def _cite_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        """For the response, offer up to three knowledge entries to cite."""
        if step.result is None:  # the stage was cancelled; it said so
            return await step.end_dialog()
        step.values["answers"] = step.result
        if step.options["stage"] != "response":
            return await step.next(None)
        result = await self.knowledge.search(step.result["response"], k=CITE_RESULTS)
        hits = list(result.results)[:CITE_RESULTS] if result is not None else []
        if not hits:
            await step.context.send_activity("I found no knowledge entries to cite for this response.")
            return await step.next([])
        step.values["hits"] = [hit.id for hit in hits]
        labels = [plain(hit.title, limit=80) for hit in hits]
        lines = "\n".join(
            f"- {plain(hit.title, limit=120)} ({'research' if hit.kind == 'research' else 'practice example'})"
            for hit in hits
        )
        closest = "These are the closest" if result is not None and result.no_good_match else "These"
        text = (f"{closest} knowledge entries may support your response:\n\n{lines}\n\n"
                "Cite any of them? Type their numbers (for example 1 or 1, 3), or none.")
        back = {**step.options, "prefill": {"response": step.result["response"]}}
        return await self._ask(step, text, [*labels, NO_CITATION], many=True, back=back,
                               cancelled="Cancelled. Your response stage was not saved.")

    async def _save_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        """Save the stage (starting the plan first when it is new), then say what is next."""
        aad, options = user_key(step.context), step.options
        answers = dict(step.values["answers"])
        stage = options["stage"]
        if stage == "response":
            answers["cited_entries"] = [step.values["hits"][i] for i in step.result or []]
        try:
            plan_id = options["plan_id"]
            if plan_id is None:
                started = await asyncio.to_thread(self.academy.start_plan, aad, options["cohort_id"],
                                                  answers.pop("problem"))
                plan_id = started.id
            plan = await asyncio.to_thread(self.academy.save_stage, plan_id, aad, stage, answers)
        except AcademyError as error:
            await step.context.send_activity(f"{error} The {stage} stage was not saved.")
            return await step.end_dialog()
        step.values["plan_id"] = plan.id
        text = f"Saved the {stage} stage of your action plan.\n\n{self._where(plan)}"
        if plan.next_stage is not None:
            await step.context.send_activity(
                f"{text}\n\nNext: {_TITLES[plan.next_stage].lower()}, {_WHAT[plan.next_stage]}. "
                "Type action plan when you are ready to carry on."
            )
            return await step.end_dialog()
        return await self._ask(step, f"{text}\n\nAll four stages are written. Mark your action plan complete? "
                               "Once complete it can no longer be changed.", [COMPLETE, NOT_YET],
                               cancelled="Cancelled. Your plan is saved but not marked complete.")

    async def _complete_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        """Mark the plan complete, or leave it open."""
        if step.result == COMPLETE:
            await self._complete(step.context, step.values["plan_id"])
        else:
            await step.context.send_activity(
                "It stays open: type action plan to change a stage or to mark it complete.")
        return await step.end_dialog()

    async def _complete(self, turn_context: TurnContext, plan_id: int) -> None:
        try:
            plan = await asyncio.to_thread(self.academy.complete_plan, plan_id, user_key(turn_context))
        except AcademyError as error:
            await turn_context.send_activity(str(error))
            return
        assert plan.completed_at is not None
        await turn_context.send_activity(
            f"Your action plan is complete, recorded on {local_day(plan.completed_at)}. Well done."
        )

    @staticmethod
    def _where(plan: Plan) -> str:
        overdue = " (overdue)" if plan.is_overdue(london_today()) else ""
        stages = "\n".join(f"- {title}: {'done' if key in plan.stages else 'not written yet'}"
                           for key, title in _TITLES.items())
        return (f"Your action plan: {plain(plan.problem, limit=200)}\n\n"
                f"Cohort {plain(plan.cohort_name, limit=100)}; due {day(plan.due_on)}{overdue}.\n\n{stages}")

    # -- typed choices -----------------------------------------------------------------------

    async def _ask(self, step: WaterfallStepContext, text: str, choices: list[str], *, many: bool = False,
                   back: dict | None = None, cancelled: str) -> DialogTurnResult:
        return await step.prompt(self.CHOICE, PromptOptions(
            prompt=choice_activity(text, choices, buttons=6),
            validations={"choices": choices, "many": many, "back": back, "cancelled": cancelled},
        ))

    async def _validate_choice(self, prompt: PromptValidatorContext) -> bool:
        rules = prompt.options.validations
        text = prompt.recognized.value if prompt.recognized.succeeded else ""
        try:
            if rules["many"]:
                prompt.recognized.value = _choose_many(text or "", rules["choices"][:-1])
            else:
                prompt.recognized.value = choose(text or "", tuple(rules["choices"]))
            return True
        except AnswerError as error:
            await prompt.context.send_activities(
                [MessageFactory.text(str(error)), Activity().deserialize(prompt.options.prompt.serialize())]
            )
            return False

    async def on_continue_dialog(self, inner_dc: DialogContext) -> DialogTurnResult:
        """``help``, ``cancel`` and ``back`` at a choice (the stages handle their own)."""
        active = inner_dc.active_dialog
        if inner_dc.context.activity.type == "message" and active is not None and active.id == self.CHOICE:
            rules = active.state["options"].validations
            command = normalise(inner_dc.context.activity.text)
            if command == "help":
                await inner_dc.context.send_activity(
                    "You are working on your SARA action plan. Type the number of a choice or its name, "
                    "back to go back, or cancel to stop.")
                return await self._reprompt(inner_dc)
            if command in {"cancel", "stop", "quit"}:
                await inner_dc.context.send_activity(rules["cancelled"])
                return await inner_dc.cancel_all_dialogs()
            if command == "back":
                if rules.get("back") is None:
                    await inner_dc.context.send_activity("There is nothing to go back to here.")
                    return await self._reprompt(inner_dc)
                await inner_dc.cancel_all_dialogs()
                return await inner_dc.begin_dialog(self.STAGE, rules["back"])
            if inner_dc.context.turn_state.get(REPEATED_START):
                return await self._reprompt(inner_dc)
        return await super().on_continue_dialog(inner_dc)

    @staticmethod
    async def _reprompt(inner_dc: DialogContext) -> DialogTurnResult:
        await inner_dc.reprompt_dialog()
        return DialogTurnResult(DialogTurnStatus.Waiting)
