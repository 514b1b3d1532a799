"""How close an entry's passages are to a question, as the ranking measures it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from indexer.passages import best_passage, best_passages_mean
from indexer.fusion import BREADTH_PASSAGES, BREADTH_WEIGHT


@dataclass
class ToyIndex:
    vectors: np.ndarray
    pointers: np.ndarray
    passage_ids: np.ndarray
    passage_counts: np.ndarray


def _index(similarities: list[float], entries: list[list[int]]) -> tuple[ToyIndex, np.ndarray]:
    """Passages whose similarity to the returned query vector is exactly as given."""
    query = np.array([1.0, 0.0], dtype=np.float32)
    vectors = np.array([[s, np.sqrt(1 - s * s)] for s in similarities], dtype=np.float32)
    ids = np.array([p for entry in entries for p in entry], dtype=np.int64)
    counts = np.array([len(entry) for entry in entries])
    pointers = np.concatenate([[0], np.cumsum(counts)])
    return ToyIndex(vectors, pointers, ids, counts), query


def test_an_entry_several_passages_of_which_meet_the_question_outranks_one_close_sentence() -> None:
    # Entry 0: one passage at 0.80, the rest far. Entry 1: three passages at 0.78, 0.76, 0.75.
    index, query = _index([0.80, 0.10, 0.05, 0.78, 0.76, 0.75, 0.20], [[0, 1, 2], [3, 4, 5, 6]])
    best = best_passage(index, [0, 1], query)
    mean = best_passages_mean(index, [0, 1], query, BREADTH_PASSAGES)
    assert best == pytest.approx([0.80, 0.78], abs=1e-6)
    assert mean == pytest.approx([(0.80 + 0.10 + 0.05) / 3, (0.78 + 0.76 + 0.75) / 3], abs=1e-6)
    meaning = best + BREADTH_WEIGHT * (mean - best)
    assert meaning[1] > meaning[0]  # ranked first by meaning, though its best passage is not the closest


def test_an_entry_with_fewer_passages_is_averaged_over_those_it_has_and_shared_passages_count_for_each() -> None:
    # Passage 0 is shared by entries 0 and 2 (boilerplate); entry 1 has a single passage.
    index, query = _index([0.60, 0.40, 0.90], [[0, 1], [2], [0]])
    mean = best_passages_mean(index, [2, 0, 1], query, 3)
    assert mean == pytest.approx([0.60, 0.50, 0.90], abs=1e-6)  # in the order asked
