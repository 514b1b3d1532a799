"""What a search returns: the entries found, best first, and whether any of them answers.

A result always carries the closest entries, even when the no-match decision says none is a
good match (``no_good_match``): the answer card then shows the first as the closest, marked
as such. ``evidence`` and ``probability`` are what the decision was made on
(``indexer.decision``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from itertools import takewhile
from typing import Any

from indexer.decision import Evidence

# An answer shows the best three entries, and the fourth and fifth only when they score at least
# this share of the best. Further down a result is almost always noise: on the five tuned question
# sets, of the 121 results in fourth or fifth place that score less, 115 are graded irrelevant and
# none clearly relevant (each of the other six partly), while 0.5 would drop two clearly relevant.
ALWAYS_SHOWN = 3
SHOWN_FROM_SHARE = 0.4


@dataclass(frozen=True)
class Hit:
    """One entry found: ``score`` ranks it, ``similarity`` is its best passage's cosine."""

    id: str
    title: str
    kind: str
    score: float
    similarity: float
    entry: dict[str, Any]
    duplicates: tuple[str, ...] = ()

    def is_stale(self, today: date | None = None) -> bool:
        review_by: str | None = self.entry.get("review_by")
        if not review_by:
            return False
        return date.fromisoformat(review_by) < (today or date.today())

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "kind": self.kind, "score": round(self.score, 4)}


@dataclass(frozen=True)
class SearchResult:
    """One page of results for a question, and the no-match decision on it."""

    query: str
    no_good_match: bool
    results: list[Hit]
    has_more: bool
    best_similarity: float
    probability: float  # that the base answers the question (indexer.decision)
    evidence: Evidence
    filters: dict[str, Any] = field(default_factory=dict)
    index_version: str = ""
    # Refused for asking for law, figures, procedure or admin: its wording says so (indexer.asks), or
    # its meaning does (indexer.intent) and it would have been answered otherwise.
    asks_for_other: bool = False
    # What it asks for, when refused and its wording said so: "law", "figures", "procedure",
    # "admin" or "writing"; else None.
    asks_for: str | None = None
    # When refused: the problems the question names that none of its best entries speaks of
    # (indexer.problems), as an officer reads them ("hare coursing").
    unmentioned: tuple[str, ...] = ()

    def first_page(self) -> "SearchResult":
        """The first page as an answer shows it: the best three entries, then only those that
        score at least ``SHOWN_FROM_SHARE`` of the best, so that "what works for county lines"
        lists its three entries on county lines and not taxi marshals beneath them. The rest
        stay a page away (``has_more``)."""
        if self.no_good_match or len(self.results) <= ALWAYS_SHOWN:
            return self
        floor = SHOWN_FROM_SHARE * self.results[0].score
        shown = self.results[:ALWAYS_SHOWN] + list(takewhile(lambda h: h.score >= floor, self.results[ALWAYS_SHOWN:]))
        return self if len(shown) == len(self.results) else replace(self, results=shown, has_more=True)

    def as_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "no_good_match": self.no_good_match,
            "probability": round(self.probability, 4),
            "asks_for_other": self.asks_for_other,
            "asks_for": self.asks_for,
            "unmentioned": list(self.unmentioned),
            "results": [hit.as_json() for hit in self.results],
        }
