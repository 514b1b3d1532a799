"""The first page an answer shows: the best three, then only results close to the best."""

from __future__ import annotations

from indexer.decision import Evidence
from indexer.results import Hit, SearchResult

EVIDENCE = Evidence(cosine=0.7, margin=0.1, keywords=0.8, rare_terms=2.0, known=1.0, recognised=0.0, length=1.0)


def page(*scores: float, no_good_match: bool = False, has_more: bool = False) -> SearchResult:
    hits = [Hit(id=f"e{i}", title=f"Entry {i}", kind="research", score=s, similarity=s, entry={})
            for i, s in enumerate(scores, 1)]
    return SearchResult(query="q", no_good_match=no_good_match, results=hits, has_more=has_more,
                        best_similarity=0.7, probability=0.9, evidence=EVIDENCE)


def test_results_far_below_the_best_are_left_for_the_next_page() -> None:
    shown = page(0.96, 0.79, 0.53, 0.31, 0.30).first_page()
    assert [h.id for h in shown.results] == ["e1", "e2", "e3"]
    assert shown.has_more  # the two left out are a "More results" away


def test_results_close_to_the_best_are_all_shown() -> None:
    full = page(0.85, 0.70, 0.64, 0.64, 0.62)
    assert full.first_page() is full
    assert [h.id for h in page(1.0, 0.8, 0.5, 0.45, 0.39).first_page().results] == ["e1", "e2", "e3", "e4"]


def test_the_best_three_are_always_shown_and_a_refusal_is_left_as_it_is() -> None:
    assert len(page(0.9, 0.2, 0.1, 0.05).first_page().results) == 3
    refused = page(0.5, 0.1, 0.1, 0.1, 0.1, no_good_match=True)
    assert refused.first_page() is refused
