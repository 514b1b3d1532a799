"""The submission dialog: an officer sends the Hub an idea, an initiative already running,
an operational problem or a request for evidence, one question at a time.

Started by ``submit`` ("I have an idea", "new problem", the welcome card's button) and by
"Ask the Hub" on a what-works answer that found nothing, which fills in the kind and the
question. Once every question is answered the officer sees up to three similar submissions
already with the Hub (and may add their notes and support to one instead) and up to three
knowledge entries that may already answer it; then the summary, where any answer can be
changed before it is submitted.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable, Sequence

from botbuilder.core import TurnContext
from rapidfuzz import fuzz, process

from bot.cards import adaptive_card, card_activity, imback
from bot.text import plain
from dialogs.base import AnswerError, GuidedDialog, Offer, Question, user_key
from domain.drafts import Drafts
from domain.portal import Kind
from indexer.taxonomy import Taxonomy

if TYPE_CHECKING:
    from bot.portal import Portal

__all__ = ["SubmissionDialog", "submission_questions", "crime_type_suggestions", "CRIME_TYPE_SEPARATORS", "NOT_CRIME_SPECIFIC", "FORCE_WIDE", "CARRY_ON"]

NOT_CRIME_SPECIFIC = "not crime specific"
FORCE_WIDE = "Force-wide"
CARRY_ON = "Carry on with a new submission"
SUPPORT = "Add my support to "
# Between typed crime types; the parts are trimmed after splitting (a pattern that took the
# spacing too would try every space of a long run of them).
CRIME_TYPE_SEPARATORS = re.compile(r",|;|/|\band\b|&|\+", re.IGNORECASE)


def crime_type_suggestions(taxonomy: Taxonomy, unknown: Sequence[str], limit: int = 4) -> list[str]:
    """The labels of up to ``limit`` crime types nearest to typed words that named none."""
    names = {name.lower(): term.id for term in taxonomy.terms.values() for name in term.names}
    suggestions: list[str] = []
    for part in unknown[:limit]:
        for name, _, _ in process.extract(part.lower(), list(names), scorer=fuzz.WRatio, limit=3, score_cutoff=60):
            label = taxonomy.label(names[name])
            if label not in suggestions:
                suggestions.append(label)
    return suggestions[:limit]


def crime_type_reader(taxonomy: Taxonomy) -> Callable[[str], list[str]]:
    """A ``parse`` for the crime-types question: typed terms matched through the taxonomy's
    labels and synonyms ("ASB, CL" -> anti-social behaviour and county lines)."""

    def read(text: str) -> list[str]:
        folded = " ".join(text.lower().split())
        if folded in {NOT_CRIME_SPECIFIC, "none", "not specific", "n/a", "no crime type"}:
            return []
        chosen: list[str] = []
        unknown: list[str] = []
        for part in (p.strip() for p in CRIME_TYPE_SEPARATORS.split(text) if p.strip()):
            found = taxonomy.mentions(part)
            if found:
                chosen.extend(found)
            else:
                unknown.append(part.strip())
        if unknown:
            suggestions = crime_type_suggestions(taxonomy, unknown)
            hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
            raise AnswerError(
                f"I don't know the crime type {plain(unknown[0], limit=60)}.{hint} "
                f"Type one or more crime types separated by commas, or {NOT_CRIME_SPECIFIC}."
            )
        return list(dict.fromkeys(chosen))

    return read


def submission_questions(taxonomy: Taxonomy, districts: tuple[str, ...]) -> list[Question]:
    """The Portal's questions, in the order they are asked."""
    labels = ", ".join(sorted(t.label for t in taxonomy.terms.values()))
    return [
        Question(
            "kind", "Kind", "What are you sending the Hub?", "Operational problem",
            help="An idea for something new; an initiative already running that others could use; "
                 "an operational problem you want help with; or a request for evidence on a question.",
            choices=tuple(k.label for k in Kind),
        ),
        Question(
            "title", "Title", "Give it a short title.", "Shed burglaries on allotments in Hatfield",
            help="A few words the Hub will recognise it by. Up to 120 characters.", max_length=120,
        ),
        Question(
            "description", "Description",
            "Describe it: what is happening or what you propose, where, when, and who is affected.",
            "Since September sheds on three allotment sites have been broken into at night, mostly at weekends; "
            "power tools are taken and plot holders are giving up their plots.",
            help="This is the scanning stage of SARA: the Hub needs the problem, not the people. "
                 "Leave out names, phone numbers and other personal details.",
        ),
        Question(
            "crime_types", "Crime types",
            f"Which crime types does it concern? Type one or more separated by commas, or {NOT_CRIME_SPECIFIC}.",
            "burglary, ASB",
            help=f"Crime types I know: {labels}. Abbreviations such as ASB, CL, DA and VAWG work too.",
            parse=crime_type_reader(taxonomy),
            show=lambda ids: ", ".join(taxonomy.label(i) for i in ids) if ids else "Not crime specific",
        ),
        Question(
            "area", "Area", "Which district is it in?", districts[0] if districts else FORCE_WIDE,
            help=f"Choose {FORCE_WIDE} if it is not about one district.",
            choices=(*districts, FORCE_WIDE),
        ),
        Question(
            "tried", "Tried so far", "What has been tried already, and what happened?",
            "Extra patrols at weekends in October; two arrests but the break-ins carried on.",
            optional=True,
        ),
        Question(
            "success", "Success would be", "What would success look like?",
            "No shed break-ins for three months and plot holders staying on.",
            optional=True,
        ),
        Question(
            "partners", "Partners", "Which partners are involved, or should be?",
            "The council's allotments officer and Neighbourhood Watch.",
            optional=True,
        ),
    ]


class SubmissionDialog(GuidedDialog):
    """The Portal's guided submission."""

    def __init__(self, portal: "Portal", drafts: Drafts, taxonomy: Taxonomy, districts: tuple[str, ...]) -> None:
        super().__init__("submission", "submission", submission_questions(taxonomy, districts), drafts,
                         save_label="Submit")
        self.portal = portal

    async def before_summary(self, turn_context: TurnContext, answers: dict[str, Any]) -> Offer | None:
        similar, entries = await self.portal.related(answers)
        if not similar and not entries:
            return None
        choices = tuple(f"{SUPPORT}{s.reference}" for s in similar) + (CARRY_ON,)
        lines: list[str] = []
        body: list[dict] = []
        if similar:
            lines.append("These submissions to the Hub look similar to yours:")
            body.append({"type": "TextBlock", "text": "Similar submissions already with the Hub", "weight": "Bolder",
                         "wrap": True})
            for s in similar:
                line = f"{s.reference}: {plain(s.title, limit=120)} ({s.status.label})"
                lines.append(f"- {line}")
                body.append({"type": "TextBlock", "text": line, "wrap": True, "spacing": "Small"})
            lines.append("You can add your notes and support to one of them instead of sending a new one, "
                         "so the work is not done twice.")
        if entries:
            lines.append("The Hub's evidence may already answer it:")
            body.append({"type": "TextBlock", "text": "Evidence the Hub already has", "weight": "Bolder", "wrap": True})
            for hit in entries:
                kind = "Research" if hit.kind == "research" else "Practice example"
                url = hit.entry.get("url")
                title = f"[{plain(hit.title)}]({url})" if url else plain(hit.title)
                lines.append(f"- {title} ({kind})")
                body.append({"type": "TextBlock", "text": f"{title} ({kind}): {plain(hit.entry.get('summary', ''), limit=200)}",
                             "wrap": True, "spacing": "Small"})
        listed = "\n".join(f"{n}. {c}" for n, c in enumerate(choices, 1))
        card = adaptive_card(
            body,
            "\n".join(lines) + "\n\n" + listed,
            [imback(c) for c in choices[:5]],
        )
        return Offer(card_activity(card, text="Before you submit, have a look at these.\n\n" + listed), choices)

    async def on_offer_choice(self, turn_context: TurnContext, answers: dict[str, Any], choice: str) -> Any:
        if not choice.startswith(SUPPORT):
            return None
        reference = choice.removeprefix(SUPPORT)
        added = await self.portal.support(turn_context, user_key(turn_context), reference, answers)
        return added.reference if added is not None else None

    async def on_complete(self, turn_context: TurnContext, answers: dict[str, Any]) -> Any:
        return await self.portal.submit(turn_context, user_key(turn_context), answers)
