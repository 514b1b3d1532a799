"""Find evidence from any chat or channel: the "Find evidence" search message extension.

An officer types a question in the compose box of any chat, group chat or channel (or in
Microsoft 365 Copilot, which reads the command's descriptions) and sees the best entries,
each with its title, a research or practice label and the effect and quality badges. Picking
one inserts the evidence card the chat answers with: summary, badges, source and link, the
force and contact for practice, and a warning when it is past its review date.

The search is the chat's (glossary, spelling, filters): an optional second parameter keeps
to research or practice. Every query is recorded like a chat question, with likely personal
data left out, so the Hub's gap report counts it. When nothing is close enough, the one
result says so, shows the closest entry marked as such, and opens the personal chat to ask
the Hub.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Any

from botbuilder.core import InvokeResponse, TurnContext

from bot.activity_shape import SEARCH_COMMAND as COMMAND_ID, SEARCH_QUERY as QUERY, SEARCH_SELECT as SELECT
from bot.cards import adaptive_card
from bot.text import plain
from bot.turn import personal_chat_link
from bot.whatworks import MAX_QUESTION, badges, entry_items
from domain.masking import mask_personal_data
from domain.users import UserInfo
from domain.whatworks.knowledge import KnowledgeService
from domain.whatworks.searchlog import SearchLog
from indexer.results import Hit, SearchResult

__all__ = ["COMMAND_ID", "QUERY", "SELECT", "SearchExtension"]

DEFAULT_COUNT = 10
MAX_COUNT = 25
CARD = "application/vnd.microsoft.card.adaptive"
THUMBNAIL = "application/vnd.microsoft.card.thumbnail"


@dataclass(frozen=True)
class Query:
    text: str
    kind: str | None
    skip: int
    count: int
    initial_run: bool


def _query(value: dict[str, Any]) -> Query:
    named = {p["name"]: p.get("value") for p in value.get("parameters") or ()}
    options = value.get("queryOptions") or {}
    text = named.get("query")
    return Query(
        text=" ".join(text.split()) if isinstance(text, str) else "",
        kind=named.get("kind") or None,
        skip=int(options.get("skip") or 0),
        count=min(int(options.get("count") or DEFAULT_COUNT), MAX_COUNT),
        initial_run=named.get("initialRun") in (True, "true"),
    )


def _message(text: str) -> InvokeResponse:
    return InvokeResponse(status=200, body={"composeExtension": {"type": "message", "text": text}})


def _results(attachments: list[dict[str, Any]]) -> InvokeResponse:
    return InvokeResponse(status=200, body={
        "composeExtension": {"type": "result", "attachmentLayout": "list", "attachments": attachments}})


def evidence_card(hit: Hit, today: date) -> dict[str, Any]:
    """The card inserted into the conversation for one entry."""
    entry = hit.entry
    fallback = f"{entry['title']} ({badges(entry)}): {entry['summary']}"
    return adaptive_card(entry_items(hit, today), fallback)


def _preview(hit: Hit, *, closest: bool = False) -> dict[str, Any]:
    entry = hit.entry
    label = badges(entry)
    return {"contentType": THUMBNAIL, "content": {
        "title": plain(entry["title"]),
        "subtitle": f"Closest entry, not a good match · {label}" if closest else label,
        "text": plain(entry["summary"][:160]),
        "tap": {"type": "invoke", "value": {"entry": hit.id}},
    }}


def no_match_card(question: str, closest: Hit | None, today: date, chat_link: str | None) -> dict[str, Any]:
    """The one result when nothing in the base is close enough to the question."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": f"No good match for: {plain(question)}", "weight": "Bolder", "wrap": True,
         "size": "Medium"},
        {"type": "TextBlock", "wrap": True, "text": "The Hub's knowledge base has nothing close enough. Ask the "
                                                    "Hub for evidence in your chat with Prevention First."},
    ]
    if closest is not None:
        body.extend(entry_items(closest, today, closest=True))
    actions = [{"type": "Action.OpenUrl", "title": "Ask the Hub", "url": chat_link}] if chat_link else []
    return adaptive_card(body, f"No good match for: {question}. Ask the Hub in your chat with Prevention First.",
                         actions)


class SearchExtension:
    """Answers the compose box's search and the pick of one result."""

    def __init__(self, knowledge: KnowledgeService, log_store: SearchLog) -> None:
        self.knowledge = knowledge
        self.log = log_store

    async def on_query(self, turn_context: TurnContext, value: dict[str, Any], user: UserInfo) -> InvokeResponse:
        query = _query(value)
        if query.initial_run or not query.text:
            return _message("Type a crime problem to find evidence, for example: knife crime near schools.")
        if len(query.text) > MAX_QUESTION:
            return _message(f"Please search in up to {MAX_QUESTION} characters, for example: repeat burglary on one street.")
        masked, _found = mask_personal_data(query.text)
        result = await self.knowledge.search(masked, k=query.count, offset=query.skip, kind=query.kind)
        if result is None:
            return _message("The knowledge base is not available just now. Please try again in a few minutes.")
        await self._record(user, masked, result, query)
        today = date.today()
        if result.no_good_match or not result.results:
            if query.skip:
                return _results([])  # nothing more to page through
            closest = result.results[0] if result.results else None
            card = no_match_card(masked, closest, today, personal_chat_link(turn_context.activity))
            preview = {"contentType": THUMBNAIL, "content": {
                "title": f"No good match for: {plain(masked)}",
                "text": "Nothing in the knowledge base is close enough. Ask the Hub in your chat with Prevention First."}}
            return _results([{"contentType": CARD, "content": card, "preview": preview}])
        return _results([
            {"contentType": CARD, "content": evidence_card(hit, today), "preview": _preview(hit)}
            for hit in result.results
        ])

    async def on_select(self, turn_context: TurnContext, value: Any, user: UserInfo) -> InvokeResponse:
        entry_id = value.get("entry") if isinstance(value, dict) else None
        searcher = self.knowledge.searcher
        if not isinstance(entry_id, str) or searcher is None or entry_id not in searcher.index.position:
            return _message("That entry is no longer in the knowledge base. Please search again.")
        index = searcher.index
        entry = index.entries[index.position[entry_id]]
        hit = Hit(id=entry_id, title=entry["title"], kind=entry["kind"], score=0.0, similarity=0.0, entry=entry)
        return _results([{"contentType": CARD, "content": evidence_card(hit, date.today()), "preview": _preview(hit)}])

    async def _record(self, user: UserInfo, text: str, result: SearchResult, query: Query) -> None:
        shown = [{"id": h.id, "rank": query.skip + i + 1, "score": round(h.score, 4)}
                 for i, h in enumerate(result.results)]
        await asyncio.to_thread(
            self.log.record_query, user.aad_object_id, text, index_version=result.index_version,
            no_good_match=result.no_good_match, best_similarity=result.best_similarity, shown=shown,
            asks_for_other=result.asks_for_other,
            kind=query.kind, offset=query.skip, asked_in="search",
        )
