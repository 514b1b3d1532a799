"""The base of every guided dialog: one question at a time, with help, cancel, back,
typed answers to card choices, length limits, a summary where any answer can be changed,
and a draft kept after every answer.

A journey declares its questions and what to do with the answers::

    class SubmissionDialog(GuidedDialog):
        def __init__(self, drafts):
            super().__init__("submission", "submission", QUESTIONS, drafts)

        async def on_complete(self, turn_context, answers):
            ...  # commit, then tell the user

Flow (see ``guided.mmd``): ``start`` offers a draft if there is one, then ``loop`` asks
the current question and stores the answer, replacing itself until every question is
answered; the summary then saves or re-opens one answer. ``help``, ``cancel`` and ``back``
are intercepted before the prompt sees them.
"""

from __future__ import annotations

import asyncio
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
from dialogs.questions import (
    MAX_TEXT,
    AnswerError,
    Offer,
    Question,
    choice_activity,
    choose,
    personal_data_activity,
    personal_data_decision,
    preview,
    question_activity,
    summary_activity,
    user_key,
)
from domain.drafts import Drafts
from domain.numbers import ascii_int

__all__ = ["AnswerError", "Question", "GuidedDialog", "Offer", "MAX_TEXT", "choose", "choice_activity", "user_key"]

class GuidedDialog(ComponentDialog):
    """A guided dialog over a list of :class:`Question`.

    Args:
        dialog_id: the dialog's id (also the draft's name).
        title: what is being written, for messages ("submission", "journal entry").
        questions: asked in order (see :meth:`next_index` to skip some).
        drafts: where unfinished answers are kept.
        save_label: the summary's button that saves ("Save", "Submit").
    """

    START = "start"
    LOOP = "loop"
    ANSWER = "answer"
    # Where the reasons given for keeping personal data are kept among the answers.
    PERSONAL_DATA = "_personal_data"

    def __init__(
        self, dialog_id: str, title: str, questions: list[Question], drafts: Drafts, *, save_label: str = "Save"
    ) -> None:
        super().__init__(dialog_id)
        self.title = title
        self.questions = questions
        self.save_label = save_label
        self._drafts = drafts
        self.add_dialog(WaterfallDialog(self.START, [self._offer_draft_step, self._open_step]))
        self.add_dialog(WaterfallDialog(self.LOOP, [self._ask_step, self._answer_step]))
        self.add_dialog(TextPrompt(self.ANSWER, self._validate))
        self.initial_dialog_id = self.START

    # -- hooks for journeys -------------------------------------------------------------

    async def on_complete(self, turn_context: TurnContext, answers: dict[str, Any]) -> Any:
        """Commit the answers and tell the user; the return value is the dialog's result."""
        raise NotImplementedError

    async def before_summary(self, turn_context: TurnContext, answers: dict[str, Any]) -> Offer | None:
        """Something to show once when every question is answered (similar records, say)."""
        return None

    async def on_offer_choice(self, turn_context: TurnContext, answers: dict[str, Any], choice: str) -> Any:
        """Act on the choice made on the offer; a result other than None ends the dialog."""
        return None

    def next_index(self, answers: dict[str, Any], index: int) -> int:
        """The question after ``index`` (override to skip questions that do not apply)."""
        return index + 1

    def summary_lines(self, answers: dict[str, Any]) -> list[str]:
        """The numbered lines of the summary, with the user's text escaped."""
        return [
            f"{n}. {q.label}: {preview(q.display(answers.get(q.key)))}"
            for n, q in enumerate(self.questions, 1)
        ]

    # -- start: offer a draft -------------------------------------------------------------

    async def _offer_draft_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        """Offer to continue an unfinished draft, if there is one."""
        draft = await asyncio.to_thread(self._drafts.load, user_key(step.context), self.id)
        if draft is None:
            return await step.next(None)
        step.values["draft"] = draft.progress
        answered = sum(1 for q in self.questions if draft.progress.get("answers", {}).get(q.key) not in (None, ""))
        when = draft.updated_at.strftime("%d %b")
        text = (
            f"You have an unfinished {self.title} from {when} ({answered} of {len(self.questions)} answered). "
            "Continue it, or start again?"
        )
        return await step.prompt(
            self.ANSWER,
            PromptOptions(
                prompt=choice_activity(text, ("Continue", "Start again")),
                validations={"kind": "draft"},
            ),
        )

    async def _open_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        """Open the question loop on the draft or on a fresh (possibly pre-filled) set of answers."""
        if step.result == "Continue":
            progress = step.values["draft"]
        else:
            if step.result == "Start again":
                await asyncio.to_thread(self._drafts.discard, user_key(step.context), self.id)
            options = step.options if isinstance(step.options, dict) else {}
            answers = {q.key: options["prefill"][q.key] for q in self.questions if q.key in (options.get("prefill") or {})}
            held = await self._hold_personal_data(answers)
            first = next((i for i, q in enumerate(self.questions) if answers.get(q.key) in (None, "")), len(self.questions))
            # Filled-in answers count as asked, so ``back`` reaches them like any other; those
            # after a held one are passed over once it is settled.
            asked = [i for i, q in enumerate(self.questions[:first]) if answers.get(q.key) not in (None, "")]
            later = [i for i, q in enumerate(self.questions) if i > first and answers.get(q.key) not in (None, "")]
            progress = {"answers": answers, "index": first, "asked": asked, "review": False}
            if held:
                progress["held"] = held
                progress["prefilled"] = later
        return await step.replace_dialog(self.LOOP, progress)

    async def _hold_personal_data(self, answers: dict[str, Any]) -> dict[str, str]:
        """Check filled-in answers as typed ones are: each with likely personal data is taken
        out of ``answers`` and held, to be put to the officer when its question comes."""
        held = {}
        for question in self.questions:
            text = answers.get(question.key)
            if isinstance(text, str) and question.is_free_text and question.check_personal_data:
                if await asyncio.to_thread(personal_data_decision, text) is not None:
                    held[question.key] = answers.pop(question.key)
        return held

    # -- the question loop ----------------------------------------------------------------

    async def _ask_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        """Ask the current question; or settle personal data found in an answer; or, once
        all are answered, show the offer (once) and then the summary."""
        progress = step.options
        pending = progress.get("pending")
        if pending is not None:
            return await self._ask_about_personal_data(step, pending)
        index = progress["index"]
        if index >= len(self.questions):
            if not progress.get("offered"):
                progress["offered"] = True
                offer = await self.before_summary(step.context, progress["answers"])
                if offer is not None:
                    return await step.prompt(
                        self.ANSWER,
                        PromptOptions(prompt=offer.activity, validations={"kind": "offer", "choices": list(offer.choices)}),
                    )
            return await step.prompt(
                self.ANSWER, PromptOptions(prompt=self._summary_activity(progress["answers"]), validations={"kind": "summary"})
            )
        question = self.questions[index]
        held = progress.get("held") or {}
        if question.key in held:  # filled in for the officer, with personal data: theirs to decide
            text = held.pop(question.key)
            progress["pending"] = await asyncio.to_thread(personal_data_decision, text, filled=True)
            return await self._ask_about_personal_data(step, progress["pending"])
        return await step.prompt(
            self.ANSWER,
            PromptOptions(
                prompt=question_activity(question, progress["answers"].get(question.key)),
                validations={"kind": "question", "index": index},
            ),
        )

    async def _ask_about_personal_data(self, step: WaterfallStepContext, pending: dict) -> DialogTurnResult:
        label = self.questions[step.options["index"]].label
        prompt, kind = personal_data_activity(pending, label)
        return await step.prompt(self.ANSWER, PromptOptions(prompt=prompt, validations={"kind": kind}))

    async def _answer_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        """Store the answer (or act on the summary, offer or personal-data choice) and move on."""
        progress = step.options
        result = step.result
        action = result.get("action") if isinstance(result, dict) else None
        if action == "save":
            outcome = await self.on_complete(step.context, progress["answers"])
            await asyncio.to_thread(self._drafts.discard, user_key(step.context), self.id)
            return await step.end_dialog(outcome)
        if action == "change":
            progress["index"] = result["index"]
            progress["review"] = True
            return await step.replace_dialog(self.LOOP, progress)
        if action == "offer":
            outcome = await self.on_offer_choice(step.context, progress["answers"], result["choice"])
            if outcome is not None:
                await asyncio.to_thread(self._drafts.discard, user_key(step.context), self.id)
                return await step.end_dialog(outcome)
            return await step.replace_dialog(self.LOOP, progress)
        if action == "personal-data":
            if result["keep"]:
                progress["pending"]["stage"] = "reason"
            else:
                progress["pending"] = None  # the question is asked again; nothing was kept
            return await step.replace_dialog(self.LOOP, progress)
        if action == "personal-data-reason":
            pending = progress.pop("pending")
            found = {"found": pending["found"], "reason": result["reason"]}
            return await self._store(step, progress, pending["text"], found)

        question = self.questions[progress["index"]]
        if isinstance(result, str) and question.is_free_text and question.check_personal_data:
            # The answer is within its length limit (``Question.read``); checked off the event
            # loop so a long answer never holds up anyone else's turn.
            pending = await asyncio.to_thread(personal_data_decision, result)
            if pending is not None:
                # Nothing is kept, not even in the draft, until the user decides.
                progress["pending"] = pending
                return await step.replace_dialog(self.LOOP, progress)
        return await self._store(step, progress, result, None)

    async def _store(self, step: WaterfallStepContext, progress: dict, value: Any, personal: dict | None) -> DialogTurnResult:
        index = progress["index"]
        key = self.questions[index].key
        progress["answers"][key] = value
        reasons = progress["answers"].pop(self.PERSONAL_DATA, {})
        if personal:
            reasons[key] = personal
        else:
            reasons.pop(key, None)
        if reasons:  # only answers kept despite personal data in them have a reason
            progress["answers"][self.PERSONAL_DATA] = reasons
        progress["asked"].append(index)
        following = len(self.questions) if progress.get("review") else self.next_index(progress["answers"], index)
        passed = progress.pop("prefilled", None) or []
        while following in passed and progress["answers"].get(self.questions[following].key) not in (None, ""):
            progress["asked"].append(following)  # filled in for the officer, and already checked
            following = self.next_index(progress["answers"], following)
        progress["index"] = following
        progress["review"] = False
        progress["pending"] = None
        await asyncio.to_thread(self._drafts.save, user_key(step.context), self.id, progress)
        return await step.replace_dialog(self.LOOP, progress)

    async def _validate(self, prompt: PromptValidatorContext) -> bool:
        kind = prompt.options.validations or {}
        text = prompt.recognized.value if prompt.recognized.succeeded else None
        try:
            if kind.get("kind") == "draft":
                prompt.recognized.value = choose(text or "", ("Continue", "Start again"))
            elif kind.get("kind") == "summary":
                prompt.recognized.value = self._summary_choice(text)
            elif kind.get("kind") == "offer":
                prompt.recognized.value = {"action": "offer", "choice": choose(text or "", tuple(kind["choices"]))}
            elif kind.get("kind") == "personal-data":
                keep = choose(text or "", ("Edit", "Keep")) == "Keep"
                prompt.recognized.value = {"action": "personal-data", "keep": keep}
            elif kind.get("kind") == "personal-data-reason":
                reason = Question("reason", "Reason", "", "", max_length=500, check_personal_data=False).read(text)
                prompt.recognized.value = {"action": "personal-data-reason", "reason": reason}
            else:
                prompt.recognized.value = self.questions[kind["index"]].read(text)
            return True
        except AnswerError as error:
            example = ""
            if kind.get("kind") == "question":
                example = f" For example: {self.questions[kind['index']].example}"
            # Having replied, the prompt will not re-ask by itself: send the question again.
            await prompt.context.send_activities(
                [
                    MessageFactory.text(f"{error}{example}"),
                    Activity().deserialize(prompt.options.prompt.serialize()),
                ]
            )
            return False

    def _summary_choice(self, text: str | None) -> dict[str, Any]:
        folded = normalise(text)
        if folded in {"save", "submit", "yes", "done", self.save_label.lower()}:
            return {"action": "save"}
        number = ascii_int(folded.removeprefix("change "))
        if number is not None and 1 <= number <= len(self.questions):
            return {"action": "change", "index": number - 1}
        for n, question in enumerate(self.questions):
            if folded in {question.label.lower(), f"change {question.label.lower()}"}:
                return {"action": "change", "index": n}
        raise AnswerError(
            f"Type {self.save_label.lower()} to save, a number from 1 to {len(self.questions)} to change that answer, "
            "or cancel."
        )

    # -- interruptions ---------------------------------------------------------------------

    async def on_continue_dialog(self, inner_dc: DialogContext) -> DialogTurnResult:
        """Handle help, cancel and back before the prompt sees the message."""
        if inner_dc.context.activity.type == "message":
            command = normalise(inner_dc.context.activity.text)
            if command == "help":
                await inner_dc.context.send_activity(self._help_text(inner_dc))
                await inner_dc.reprompt_dialog()
                return DialogTurnResult(DialogTurnStatus.Waiting)
            if command in {"cancel", "stop", "quit"}:
                await asyncio.to_thread(self._drafts.discard, user_key(inner_dc.context), self.id)
                await inner_dc.context.send_activity(f"Cancelled. Your {self.title} was not saved.")
                return await inner_dc.cancel_all_dialogs()
            if command == "back":
                return await self._back(inner_dc)
            if inner_dc.context.turn_state.get(REPEATED_START) and not self._at_summary(inner_dc):
                await inner_dc.reprompt_dialog()  # "submit" typed mid-dialog: the same question again
                return DialogTurnResult(DialogTurnStatus.Waiting)
        return await super().on_continue_dialog(inner_dc)

    def _at_summary(self, inner_dc: DialogContext) -> bool:
        progress = self._progress(inner_dc)
        return progress is not None and progress["index"] >= len(self.questions) and not progress.get("pending")

    async def _back(self, inner_dc: DialogContext) -> DialogTurnResult:
        progress = self._progress(inner_dc)
        if progress is not None and progress.get("pending"):
            progress["pending"] = None  # back from the personal-data check to its question
        elif progress is None or not progress["asked"]:
            await inner_dc.context.send_activity("This is the first question, so there is nothing to go back to.")
            await inner_dc.reprompt_dialog()
            return DialogTurnResult(DialogTurnStatus.Waiting)
        else:
            progress["index"] = progress["asked"].pop()
            progress["review"] = False
        await inner_dc.cancel_all_dialogs()
        return await inner_dc.begin_dialog(self.LOOP, progress)

    def _progress(self, inner_dc: DialogContext) -> dict | None:
        for instance in inner_dc.stack:
            if instance.id == self.LOOP:
                return instance.state.get("options")
        return None

    def _help_text(self, inner_dc: DialogContext) -> str:
        progress = self._progress(inner_dc)
        lines = [f"You are writing a {self.title}, one question at a time."]
        if progress is not None and progress["index"] < len(self.questions):
            question = self.questions[progress["index"]]
            if question.help:
                lines.append(question.help)
            if question.optional:
                lines.append("This question is optional: type skip to leave it out.")
            lines.append(f"Question {progress['index'] + 1} of {len(self.questions)}.")
        lines.append("Type back for the previous question, or cancel to stop without saving.")
        return "\n\n".join(lines)

    # -- rendering ---------------------------------------------------------------------------

    def _summary_activity(self, answers: dict[str, Any]) -> Activity:
        return summary_activity(self.title, self.save_label, self.questions, self.summary_lines(answers))

