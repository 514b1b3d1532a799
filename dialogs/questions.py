"""What a guided dialog asks and how answers are read: questions, typed choices, user keys.

A :class:`Question` reads a typed answer (a choice by number or name, a parsed value, or
free text within a length limit) or says what was wrong with an :class:`AnswerError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema import Activity

from bot.cards import adaptive_card, card_activity, imback
from bot.commands import normalise
from bot.text import plain
from domain.limits import MAX_TEXT, too_long
from domain.numbers import ascii_int
from domain.personal_data import describe, find_personal_data

__all__ = ["AnswerError", "Question", "Offer", "MAX_TEXT", "choose", "choice_activity", "user_key", "preview",
           "personal_data_decision", "personal_data_activity",
           "question_activity", "summary_activity"]

_PREVIEW = 200


class AnswerError(ValueError):
    """An answer that cannot be accepted; the message says what was wrong."""


def user_key(turn_context: TurnContext) -> str:
    """Who is answering: the Azure AD object id, or the channel id where there is none."""
    sender = turn_context.activity.from_property
    return (sender.aad_object_id or sender.id) if sender else "unknown"


@dataclass(frozen=True)
class Question:
    """One question of a guided dialog.

    Attributes:
        key: where the answer is stored.
        label: the answer's name in the summary ("Title").
        text: the question ("What would you call it?").
        example: an example answer, shown with the question and with every re-prompt.
        help: what ``help`` adds about this question.
        choices: when set, the answer must be one of these; typed text or number works.
        optional: ``skip`` leaves it unanswered.
        max_length: longer answers are refused with the count, before anything else reads them.
        parse: turns the text into the stored value, or raises ``AnswerError``.
        show: how a stored value reads in the summary (default: as stored).
        check_personal_data: look for personal data in a free-text answer (one without
            choices or ``parse``) and ask the user to remove it or say why it is needed.
    """

    key: str
    label: str
    text: str
    example: str
    help: str = ""
    choices: tuple[str, ...] = ()
    optional: bool = False
    max_length: int = MAX_TEXT
    parse: Callable[[str], Any] | None = None
    show: Callable[[Any], str] | None = None
    check_personal_data: bool = True

    @property
    def is_free_text(self) -> bool:
        return not self.choices and self.parse is None

    def display(self, value: Any) -> str:
        """The stored answer as the summary shows it."""
        if value in (None, ""):
            return "(not answered)"
        return self.show(value) if self.show else str(value)

    def read(self, text: str | None) -> Any:
        """Check and convert a typed answer.

        Raises:
            AnswerError: the answer cannot be accepted; the message says why.
        """
        answer = (text or "").strip()
        if refusal := too_long(answer, self.max_length):
            raise AnswerError(f"{refusal} Please shorten it and send it again.")
        if self.optional and normalise(answer) == "skip":
            return None
        if not answer:
            raise AnswerError("I need an answer to carry on" + (" (or type skip)." if self.optional else "."))
        if self.choices:
            return choose(answer, self.choices)
        return self.parse(answer) if self.parse else answer


def choose(answer: str, choices: tuple[str, ...]) -> str:
    """Match a typed answer to a choice: its number, its text, or the start of its text."""
    folded = normalise(answer)
    number = ascii_int(folded)
    if number is not None and 1 <= number <= len(choices):
        return choices[number - 1]
    for choice in choices:
        if folded == choice.lower():
            return choice
    starts = [c for c in choices if c.lower().startswith(folded)]
    if len(starts) == 1:
        return starts[0]
    listed = "; ".join(f"{n}. {c}" for n, c in enumerate(choices, 1))
    raise AnswerError(f"Please choose one of these, by number or name: {listed}.")


def choice_activity(text: str, choices: Sequence[str], *, buttons: int | None = None) -> Activity:
    """A question whose choices are listed by number in the text and offered as buttons
    (the first ``buttons`` of them, where a card would hold too many)."""
    listed = "\n".join(f"{n}. {c}" for n, c in enumerate(choices, 1))
    card = adaptive_card(
        [{"type": "TextBlock", "text": "Choose one, or type its number:", "wrap": True, "isSubtle": True}],
        listed,
        [imback(choice) for choice in list(choices)[:buttons]],
    )
    return card_activity(card, text=f"{text}\n\n{listed}")


def preview(value: Any) -> str:
    """An answer shortened for a summary line, escaped."""
    text = str(value)
    return plain(text if len(text) <= _PREVIEW else text[: _PREVIEW - 1] + "…")


@dataclass(frozen=True)
class Offer:
    """Something to show once before the summary, with choices (see ``before_summary``)."""

    activity: Activity
    choices: tuple[str, ...]


def question_activity(question: Question, earlier: Any) -> Activity:
    """A question as asked: its text, an example, the earlier answer, and its choices."""
    parts = [question.text, f"For example: {question.example}"]
    if earlier not in (None, ""):
        parts.append(f"Your earlier answer: {preview(question.display(earlier))}")
    if question.optional:
        parts.append("Optional: type skip to leave it out.")
    text = "\n\n".join(parts)
    if question.choices:
        return choice_activity(text, question.choices)
    return MessageFactory.text(text)


def summary_activity(title: str, save_label: str, questions: Sequence[Question], summary: list[str]) -> Activity:
    """The summary of a dialog's answers, with buttons to save, change an answer or cancel."""
    lines = "\n".join(summary)
    text = (
        f"Here is your {title}:\n\n{lines}\n\n"
        f"Type {save_label.lower()}, the number of an answer to change it (1 to {len(questions)}), or cancel."
    )
    change = {
        "type": "Action.ShowCard",
        "title": "Change an answer",
        "card": {
            "type": "AdaptiveCard",
            "body": [{
                "type": "Input.ChoiceSet", "id": "choice", "label": "Which answer?", "isRequired": True,
                "errorMessage": "Choose the answer to change.",
                "choices": [{"title": q.label, "value": f"change {n}"} for n, q in enumerate(questions, 1)],
            }],
            "actions": [{"type": "Action.Submit", "title": "Change"}],
        },
    }
    card = adaptive_card(
        [{"type": "TextBlock", "text": f"Check your {title}, then {save_label.lower()} it.",
          "wrap": True, "isSubtle": True}],
        f"{lines}\n\n{save_label}, change an answer by its number, or cancel.",
        [imback(save_label), change, imback("Cancel")],
    )
    return card_activity(card, text=text)


def personal_data_decision(text: str, *, filled: bool = False) -> dict[str, Any] | None:
    """The decision to put to the officer about likely personal data in an answer (None when
    there is none): what was found and how they are told. ``filled`` for an answer filled in
    for them rather than typed. Reads the whole answer: call it off the event loop."""
    findings = find_personal_data(text)
    if not findings:
        return None
    decision = {"text": text, "found": sorted({f.kind for f in findings}), "described": describe(findings),
                "stage": "choice"}
    return {**decision, "filled": True} if filled else decision


def personal_data_activity(pending: dict[str, Any], label: str) -> tuple[Activity, str]:
    """The question put about personal data in the answer to ``label`` (keep or edit, then
    why), and the kind of answer it takes."""
    if pending["stage"] == "choice":
        whose = f"The {label.lower()} I filled in" if pending.get("filled") else "Your answer"
        text = (
            f"{whose} seems to include personal data: {pending['described']}. "
            "The Hub does not need personal data to help. Edit your answer to remove it, "
            "or keep it and tell me why it is needed?"
        )
        return choice_activity(text, ("Edit", "Keep")), "personal-data"
    return MessageFactory.text(
        "Why does the Hub need it? For example: the registration is of the van used in the thefts, not of a victim."
    ), "personal-data-reason"
