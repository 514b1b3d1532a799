"""What works: answering officers' questions from the Hub's knowledge index, in Teams.

Any message that is not a command is a question (also ``what works for ...``). The answer
card lists the best entries with their kind, effect and evidence-quality badges, summary,
source and link, the force and contact for practice, and a warning when an entry is past
its review date. Its buttons re-run the search for the next page, research or practice
only, or one crime type, and record whether the answer helped. When nothing is close
enough the bot says so, shows the closest entry marked as such, and offers to pass the
question to the Hub. Every query, what was shown and the feedback are recorded.

The index being served lives in :mod:`domain.whatworks.knowledge`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes

from bot.cards import CARD_VERSION, adaptive_card, card_activity
from bot.commands import Recognised
from bot.turn import StartDialog, in_group
from bot.text import plain
from domain.whatworks.knowledge import KnowledgeService
from domain.whatworks.searchlog import QueryRecord, SearchLog
from domain.clock import utcnow
from domain.masking import mask_personal_data
from domain.personal_data import describe_kinds
from domain.portal import Kind
from domain.users import UserInfo
from indexer.build import current_version, version_dir
from indexer.embedder import Embedder
from indexer.query_embedder import load_query_embedder
from indexer.results import SearchResult
from indexer.search import KnowledgeIndex, Searcher

if TYPE_CHECKING:
    import numpy as np

__all__ = ["WhatWorks", "ACTION", "badges", "entry_items"]

log = logging.getLogger(__name__)

ACTION = "whatworks"
ANY = "any"
PAGE = 5
MAX_QUESTION = 500
MORE_WITHIN = timedelta(minutes=30)  # a typed "more" pages on the officer's last question asked this long ago
EFFECT_LABELS = {
    "reduced": "Reduced crime", "mixed": "Mixed effect", "no-effect": "No effect",
    "increased": "Increased crime", "unknown": "Effect unknown",
}
QUALITY_LABELS = {
    "strong": "strong evidence", "moderate": "moderate evidence",
    "limited": "limited evidence", "very-limited": "very limited evidence",
}


@dataclass(frozen=True)
class Request:
    text: str
    offset: int = 0
    crime_type: str | None = None
    kind: str | None = None
    refines_id: int | None = None


def badges(entry: dict) -> str:
    if entry["kind"] == "practice":
        return "Practice example" + (f" · {plain(entry['force'])}" if entry.get("force") else "")
    parts = ["Research"]
    if entry.get("effect"):
        parts.append(EFFECT_LABELS.get(entry["effect"], entry["effect"]))
    if entry.get("quality"):
        parts.append(QUALITY_LABELS.get(entry["quality"], entry["quality"]))
    return " · ".join(parts)


def entry_items(hit: Any, today: date, *, closest: bool = False) -> list[dict]:
    entry = hit.entry
    title = plain(entry["title"])
    link = entry.get("link")
    heading = f"[{title}]({link})" if link else title
    items: list[dict] = [
        {"type": "TextBlock", "text": heading, "weight": "Bolder", "wrap": True, "spacing": "Medium",
         "separator": True},
        {"type": "TextBlock", "text": badges(entry), "isSubtle": True, "spacing": "None", "wrap": True,
         "color": "Good" if entry.get("effect") == "reduced" else "Default"},
    ]
    if closest:
        items.append({"type": "TextBlock", "text": "Closest entry, but not a good match for your question.",
                      "color": "Warning", "wrap": True, "spacing": "Small"})
    items.append({"type": "TextBlock", "text": plain(entry["summary"]), "wrap": True, "spacing": "Small"})
    facts = [{"title": "Source", "value": plain(entry["source"])}]
    if entry["kind"] == "practice" and entry.get("contact"):
        facts.append({"title": "Contact", "value": plain(entry["contact"])})
    items.append({"type": "FactSet", "facts": facts, "spacing": "Small"})
    if hit.is_stale(today):
        items.append({
            "type": "TextBlock", "color": "Attention", "wrap": True, "spacing": "Small",
            "text": f"Past its review date ({entry['review_by']}): the evidence may have moved on; "
                    "check with the Hub before relying on it.",
        })
    return items


def next_page(record: QueryRecord) -> Request:
    """The results after those a recorded search showed: on from what its card showed, since a
    first page may show three to five."""
    return Request(record.text, record.offset + (len(record.shown) or PAGE), record.crime_type, record.kind, record.id)


def _data(op: str, query_id: int, **extra: Any) -> dict:
    return {"action": ACTION, "op": op, "query": query_id, **extra}


_PREVENTION_ONLY = "The Hub's knowledge base holds evidence on preventing crime, and your question reads as asking "
_IF_PREVENTION = " If you are asking how to prevent a problem, you can pass it to the Hub as an evidence request."
ASKS_FOR_OTHER = (
    f"{_PREVENTION_ONLY}for something else, such as a point of law, figures, how to handle one case, or your own "
    f"pay, leave or systems.{_IF_PREVENTION}"
)
# When the question's wording said what it asks for (indexer.asks), the card names it.
ASKS_FOR = {
    "law": f"{_PREVENTION_ONLY}for a point of law: an offence, a power, charging or a sentence.{_IF_PREVENTION}",
    "figures": f"{_PREVENTION_ONLY}for figures for a force or an area.{_IF_PREVENTION}",
    "procedure": f"{_PREVENTION_ONLY}for how to handle one case: a referral, a form, an order, evidence or "
                 f"a victim's money or accounts.{_IF_PREVENTION}",
    "admin": f"{_PREVENTION_ONLY}about your own pay, leave, forms, systems or the force's staffing.{_IF_PREVENTION}",
    "writing": f"{_PREVENTION_ONLY}for something to be written for you: a letter, a post, a briefing or a "
               f"summary.{_IF_PREVENTION}",
}


def _nothing_on(problems: tuple[str, ...]) -> str:
    """What the base lacks: evidence on the problems named, or anything close to the question."""
    if not problems:
        return "nothing close enough to your question"
    named = problems[0] if len(problems) == 1 else f"{', '.join(problems[:-1])} or {problems[-1]}"
    return f"no evidence on {named} yet"


def answer_card(result: SearchResult, query_id: int, *, labels: dict[str, str], today: date,
                offset: int = 0, left_out: str = "") -> dict:
    """The answer card for one search (one page of it); ``left_out`` names the kinds of
    personal data taken out of the question (e.g. "a phone number"), if any."""
    question = plain(result.query)
    filters = []
    if result.filters.get("kind"):
        filters.append(f"{result.filters['kind']} only")
    if result.filters.get("crime_type"):
        filters.append(labels.get(result.filters["crime_type"], result.filters["crime_type"]))
    filter_text = f" ({', '.join(filters)})" if filters else ""
    body: list[dict] = []
    actions: list[dict] = []
    fallback_lines: list[str] = []
    if result.no_good_match or not result.results:
        body.append({"type": "TextBlock", "text": f"I found no good match for: {question}{filter_text}",
                     "weight": "Bolder", "wrap": True, "size": "Medium"})
        body.append({"type": "TextBlock", "wrap": True, "text": ASKS_FOR.get(result.asks_for or "", ASKS_FOR_OTHER)
                     if result.asks_for_other else (
            f"The Hub's knowledge base has {_nothing_on(result.unmentioned)}. "
            "You can pass it to the Hub as an evidence request, and they will look for you.")})
        if result.results:
            body.extend(entry_items(result.results[0], today, closest=True))
        actions.append({"type": "Action.Submit", "title": "Ask the Hub", "data": _data("ask", query_id)})
        fallback_lines.append(f"No good match for: {result.query}. Type submit to ask the Hub for evidence on it.")
    else:
        shown = f"{offset + 1} to {offset + len(result.results)}"
        body.append({"type": "TextBlock", "text": f"What works: {question}{filter_text}", "weight": "Bolder",
                     "wrap": True, "size": "Medium"})
        body.append({"type": "TextBlock", "text": f"Best matches, {shown}", "isSubtle": True,
                     "spacing": "None", "wrap": True})
        for hit in result.results:
            body.extend(entry_items(hit, today))
            fallback_lines.append(f"- {hit.title} ({badges(hit.entry)}): {hit.entry['summary']}")
        if result.has_more:
            actions.append({"type": "Action.Submit", "title": "More results", "data": _data("more", query_id)})
    kind = result.filters.get("kind")
    if left_out:
        body.insert(1, {"type": "TextBlock", "wrap": True, "spacing": "Small",
                        "text": f"I left {left_out} out of your question: questions are kept for the Hub's "
                                "report on gaps in the evidence, and the Hub does not need personal data."})
        fallback_lines.insert(0, f"I left {left_out} out of your question.")
    if kind != "research":
        actions.append({"type": "Action.Submit", "title": "Research only", "data": _data("kind", query_id, kind="research")})
    if kind != "practice":
        actions.append({"type": "Action.Submit", "title": "Practice only", "data": _data("kind", query_id, kind="practice")})
    if kind:
        actions.append({"type": "Action.Submit", "title": "All kinds", "data": _data("kind", query_id, kind="")})
    choices = [{"title": label, "value": term} for term, label in sorted(labels.items(), key=lambda t: t[1])]
    actions.append({
        "type": "Action.ShowCard", "title": "Filter by crime type",
        "card": {
            "type": "AdaptiveCard", "version": CARD_VERSION,
            "body": [{"type": "Input.ChoiceSet", "id": "crime_type", "label": "Crime type", "style": "compact",
                      "choices": [{"title": "Any crime type", "value": ANY}, *choices],
                      "value": result.filters.get("crime_type", ANY)}],
            "actions": [{"type": "Action.Submit", "title": "Apply", "data": _data("crime", query_id)}],
        },
    })
    if result.results and not result.no_good_match:
        # Below the results, apart from the search buttons (a card shows at most five actions).
        body.append({"type": "ActionSet", "separator": True, "spacing": "Medium", "actions": [
            {"type": "Action.Submit", "title": "Helpful", "data": _data("feedback", query_id, helpful=True)},
            {"type": "Action.Submit", "title": "Not helpful", "data": _data("feedback", query_id, helpful=False)},
        ]})
    return adaptive_card(
        body,
        "\n".join([f"What works: {result.query}", *fallback_lines]),
        actions,
    )


class WhatWorks:
    """The what-works command, the free-text fallback and the answer card's buttons."""

    def __init__(self, knowledge: KnowledgeService, log_store: SearchLog) -> None:
        self.knowledge = knowledge
        self.log = log_store

    async def on_question(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        text = " ".join((recognised.argument or "").split())
        if not text:
            await turn_context.send_activity(
                "What problem would you like evidence on? For example: what works for burglary of sheds."
            )
            return
        if len(text) > MAX_QUESTION:
            await turn_context.send_activity(
                f"That question is {len(text):,} characters; please ask in up to {MAX_QUESTION} "
                "(for example: what works for knife crime near schools)."
            )
            return
        await self.answer(turn_context, user, Request(text))

    async def on_more(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``more``: the next results for the officer's last question, as the answer's "More
        results" button gives them."""
        since = utcnow() - MORE_WITHIN
        last = await asyncio.to_thread(self.log.latest_for, user.aad_object_id, since)
        if last is None:
            await turn_context.send_activity(
                "Ask me a question first, for example: what works for shed burglary. Then type more for further "
                "results."
            )
            return
        if last.no_good_match:
            await turn_context.send_activity(
                f"I found no good match for your last question ({plain(last.text)}), so there are no more results. "
                "Try asking it another way, or type submit to ask the Hub for evidence on it."
            )
            return
        await self.answer(turn_context, user, next_page(last))

    async def answer(self, turn_context: TurnContext, user: UserInfo, request: Request) -> None:
        await turn_context.send_activity(Activity(type=ActivityTypes.typing))
        # Questions are kept for the Hub's gap report: likely personal data is left out of
        # the question before it is searched, shown or kept, and the officer is told once.
        masked, found = mask_personal_data(request.text)
        request = replace(request, text=masked)
        result = await self.knowledge.search(
            request.text, k=PAGE, offset=request.offset, crime_type=request.crime_type, kind=request.kind
        )
        if result is None:
            await turn_context.send_activity(
                "The knowledge base is not available just now. Please try again in a few minutes."
            )
            return
        if request.offset == 0:  # the answer itself: no noise beneath the best; "More results" pages on
            result = result.first_page()
        elif not result.results:  # paged past the last result (a typed "more", an old card's button)
            await turn_context.send_activity(
                f"That is all the knowledge base has for: {plain(request.text)}. Ask another question, or type submit "
                "to ask the Hub for evidence on it."
            )
            return
        shown = [{"id": h.id, "rank": request.offset + i + 1, "score": round(h.score, 4)}
                 for i, h in enumerate(result.results)]
        query_id = await asyncio.to_thread(
            self.log.record_query, user.aad_object_id, request.text, index_version=result.index_version,
            no_good_match=result.no_good_match, best_similarity=result.best_similarity, shown=shown,
            asks_for_other=result.asks_for_other,
            crime_type=request.crime_type, kind=request.kind, offset=request.offset, refines_id=request.refines_id,
        )
        searcher = self.knowledge.searcher
        labels = {t.id: t.label for t in searcher.index.taxonomy.terms.values()} if searcher else {}
        card = answer_card(result, query_id, labels=labels, today=date.today(), offset=request.offset,
                           left_out=describe_kinds(found))
        await turn_context.send_activity(card_activity(card))

    async def on_card_action(self, turn_context: TurnContext, data: dict, user: UserInfo) -> StartDialog | None:
        """A button on an answer card. The query is looked up as this user's, never trusted."""
        op = data.get("op")
        try:
            query_id = int(data.get("query"))  # type: ignore[arg-type]  # whatever the card sent; a bad value is caught below
        except (TypeError, ValueError, OverflowError):
            query_id = -1
        original = (
            await asyncio.to_thread(self.log.query_for, query_id, user.aad_object_id)
            if 0 < query_id < 2**31 else None
        )
        if original is None:
            shared = in_group(turn_context.activity)
            # On a card everyone in a group chat or channel sees, the presser may not be the asker.
            await turn_context.send_activity(
                "That answer's buttons work only for the person who asked, while the answer is recent. "
                "Mention me with your own question for results of your own, for example: what works for "
                "shed burglary." if shared else "That answer has expired. Please ask your question again.")
            return None
        if op == "feedback":
            helpful = data.get("helpful") is True
            await asyncio.to_thread(self.log.record_feedback, query_id, user.aad_object_id, helpful)
            await turn_context.send_activity(
                "Thanks, glad it helped." if helpful else
                "Thanks for telling me. The Hub reviews questions the evidence did not answer well."
            )
            return None
        if op == "ask":
            # Recorded for the Hub's gap report, then a submission of kind evidence request
            # is started with the question filled in.
            await asyncio.to_thread(self.log.request_evidence, query_id, user.aad_object_id)
            await turn_context.send_activity(
                "Let's send your question to the Hub as an evidence request. I have filled in what you asked; "
                "a few more questions and it is on its way."
            )
            question = original.text
            title = question if len(question) <= 120 else question[:119].rstrip() + "…"
            return StartDialog("submit", {"prefill": {"kind": Kind.EVIDENCE_REQUEST.label, "title": title,
                                                      "description": question}})
        if op == "more":
            await self.answer(turn_context, user, next_page(original))
            return None
        searcher = self.knowledge.searcher
        crime_type, kind = original.crime_type, original.kind
        if op == "kind" and data.get("kind") in ("research", "practice", ""):
            kind = data.get("kind") or None
        elif op == "crime" and searcher is not None:
            chosen = data.get("crime_type") if data.get("crime_type") not in (None, "", ANY) else None
            if chosen is not None and chosen not in searcher.index.taxonomy:
                await turn_context.send_activity("I don't know that crime type. Please pick one from the list.")
                return None
            crime_type = chosen
        else:
            await turn_context.send_activity("That button is not recognised. Type help to see what I can do.")
            return None
        await self.answer(turn_context, user, Request(original.text, 0, crime_type, kind, query_id))
        return None
