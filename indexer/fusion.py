"""How the search combines what it found by meaning with what it found by keywords.

Every candidate entry (found either way) gets a fused score: by default its best passage's
cosine similarity plus a weight times its BM25 score, with the best few then moved by the
breadth of their match (the mean of their best three passages); or, for comparison in
``make eval``, weighted reciprocal ranks. Ties go to the entry closer in meaning, then to the
one first in the base, so the same question always gets the same order.
"""

from __future__ import annotations

import numpy as np

from indexer.passages import Passages, best_passage, best_passages_mean

# How the meaning and keyword results are combined, chosen on eval/questions.yaml:
# "scores": cosine + LEXICAL_PER_POINT * BM25 (nDCG@5 0.917 with the asked lists, 0.907 before,
# 0.928 with the breadth below);
# "ranks": 1/(RRF_K + dense rank) + LEXICAL_RANK_WEIGHT/(RRF_K + BM25 rank) (0.884; 0.895 before).
FUSION = "scores"
LEXICAL_PER_POINT = 0.0625
RRF_K = 5
LEXICAL_RANK_WEIGHT = 0.5
# The best entries by score are re-ranked with their best passage's similarity moved halfway
# towards the mean of their best three, so that an entry several passages of which meet the
# question ranks above one with a single close sentence. Chosen on the tuned sets: nDCG@5 0.917
# -> 0.928 on eval/questions.yaml and 0.947 -> 0.951 on eval/train.yaml, within 0.003 for
# weights from 0.3 to 1.0. The no-match decision still uses the best passage alone.
BREADTH_PASSAGES = 3
BREADTH_WEIGHT = 0.5
BREADTH_RERANKED = 30  # the first six pages of five results


def top_score(fusion: str = FUSION) -> float:
    """The highest fused score there can be, so that a result's score reads from 0 to 1: the
    score itself when fused by scores, an entry first on both lists when fused by ranks."""
    return 1.0 if fusion == "scores" else (1.0 + LEXICAL_RANK_WEIGHT) / (RRF_K + 1)


def fuse(index: Passages, vector: np.ndarray, by_meaning: tuple[np.ndarray, np.ndarray],
         by_keywords: tuple[np.ndarray, np.ndarray], fusion: str = FUSION
         ) -> tuple[list[int], list[float], list[float]]:
    """Every candidate entry, best first, with its fused score and its best passage's
    similarity in the same order.

    ``by_meaning`` is the entries found by meaning and their best-passage similarity, best
    first; ``by_keywords`` the entries found by keywords and their BM25 scores, best first.
    An entry found by keywords alone is measured in meaning too.
    """
    dense_positions, dense_scores = by_meaning
    lexical_positions, lexical_scores = by_keywords
    positions = np.asarray(dense_positions, dtype=np.int64)
    similarity = np.asarray(dense_scores, dtype=np.float64)
    place = np.full(len(index.passage_counts), -1, dtype=np.int64)  # entry -> its place among the candidates
    place[positions] = np.arange(len(positions))
    missing = lexical_positions[place[lexical_positions] < 0]
    if len(missing):
        place[missing] = np.arange(len(positions), len(positions) + len(missing))
        positions = np.concatenate([positions, missing])
        similarity = np.concatenate([similarity, best_passage(index, missing, vector).astype(np.float64)])
    keyword_places = place[lexical_positions]
    if fusion == "ranks":
        fused = np.zeros(len(positions))
        fused[: len(dense_positions)] = 1.0 / (RRF_K + np.arange(len(dense_positions)) + 1)
        fused[keyword_places] += LEXICAL_RANK_WEIGHT / (RRF_K + np.arange(len(keyword_places)) + 1)
    else:
        keyword_scores = np.zeros(len(positions))
        keyword_scores[keyword_places] = lexical_scores
        fused = similarity + LEXICAL_PER_POINT * keyword_scores
    ranked = np.lexsort((positions, -similarity, -fused))
    if fusion == "scores":  # the best few re-ranked by the breadth of their match
        head = ranked[:BREADTH_RERANKED]
        breadth = best_passages_mean(index, positions[head], vector, BREADTH_PASSAGES)
        fused[head] += BREADTH_WEIGHT * (breadth - similarity[head])
        ranked = np.concatenate([head[np.lexsort((positions[head], -similarity[head], -fused[head]))],
                                 ranked[BREADTH_RERANKED:]])
    return positions[ranked].tolist(), fused[ranked].tolist(), similarity[ranked].tolist()
