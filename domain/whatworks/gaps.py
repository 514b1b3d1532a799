"""The gap report's grouping: questions the evidence did not answer, grouped by meaning.

Questions are clustered by average linkage on their embeddings, so the Hub sees what
evidence to write next rather than a list of wordings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

import numpy as np

from domain.whatworks.searchlog import GAP_ASKS_FOR_OTHER, GAP_NO_MATCH, GAP_NOT_HELPFUL, GapRow

__all__ = ["GapGroup", "group_gaps", "distinct_wordings", "fold_wording", "GROUP_SIMILARITY"]

# Questions are grouped by average-linkage clustering of their embeddings, cut where the
# mean cosine similarity between two groups falls below this. Calibrated with this model on
# 87 questions about 31 topics the knowledge base does not cover (paraphrases written for
# the purpose, informal wordings as typed on a phone, and the evaluation set's unanswerable
# questions with their held-out paraphrases): at 0.45, 94% of the pairs put together are
# the same topic and 69% of same-topic pairs are put together, with 3 of 38 groups mixed
# (0.40: 89% and 75%, 5 mixed; 0.50: 95% and 61%, 2 mixed). Pairs of paraphrases score a
# median 0.60 and different topics a median 0.15, but 1% of different-topic pairs reach
# 0.45 ("dog theft" and "retail theft" 0.61), which is why groups, not pairs, are cut.
GROUP_SIMILARITY = 0.45


@dataclass(frozen=True)
class GapGroup:
    """Questions asked in different words about the same thing, none answered well."""

    question: str  # the wording closest to the rest of the group
    count: int  # searches, counting each wording as often as it was asked
    wordings: int
    no_match: int  # nothing in the evidence came close enough
    not_helpful: int
    last_asked: datetime
    # No good match because the question asks for something other than prevention (a point
    # of law, figures, one case's procedure, own admin): worth signposting, not an entry to write.
    asks_for_other: int = 0


def group_gaps(rows: Sequence[GapRow], vectors: np.ndarray, *,
               similarity: float = GROUP_SIMILARITY) -> list[GapGroup]:
    """Group gap questions by meaning, the most gaps in the evidence first (then the most
    questions, then the latest asked).

    Args:
        rows: the questions; the same wording (case and spacing aside) asked again is one
            point of the clustering and counts as often as it was asked.
        vectors: one unit-length vector per distinct wording, in order of first appearance
            in ``rows`` (see :func:`distinct_wordings`).
        similarity: where average-linkage clustering stops merging (cosine).
    """
    wordings = distinct_wordings(rows)
    if not wordings:
        return []
    if len(wordings) == 1:
        labels = np.ones(1, dtype=int)
    else:
        from scipy.cluster.hierarchy import fcluster, linkage
        from scipy.spatial.distance import squareform

        distances = np.clip(1.0 - vectors @ vectors.T, 0.0, 2.0).astype(np.float64)
        np.fill_diagonal(distances, 0.0)
        tree = linkage(squareform(distances, checks=False), method="average")
        labels = fcluster(tree, t=1.0 - similarity, criterion="distance")
    asked: dict[str, list[GapRow]] = {key: [] for key in wordings}
    for row in rows:
        asked[fold_wording(row.text)].append(row)
    keys = list(wordings)
    groups: list[GapGroup] = []
    for label in set(labels.tolist()):
        members = np.flatnonzero(labels == label)
        weights = np.array([len(asked[keys[i]]) for i in members], dtype=np.float32)
        closeness = (vectors[members] @ vectors[members].T) @ weights  # the medoid speaks for the group
        best = members[max(range(len(members)), key=lambda i: (closeness[i], weights[i]))]
        group_rows = [row for i in members for row in asked[keys[i]]]
        groups.append(GapGroup(
            question=wordings[keys[best]], count=len(group_rows), wordings=len(members),
            no_match=sum(r.reason == GAP_NO_MATCH for r in group_rows),
            not_helpful=sum(r.reason == GAP_NOT_HELPFUL for r in group_rows),
            last_asked=max(r.asked_at for r in group_rows),
            asks_for_other=sum(r.reason == GAP_ASKS_FOR_OTHER for r in group_rows),
        ))
    # Gaps in the evidence first: a group asked only for law or figures comes after them.
    return sorted(groups, key=lambda g: (-(g.count - g.asks_for_other), -g.count, -g.last_asked.timestamp(),
                                         g.question))


def distinct_wordings(rows: Sequence[GapRow]) -> dict[str, str]:
    """The distinct wordings of ``rows`` (folded key -> first text written), first seen first."""
    wordings: dict[str, str] = {}
    for row in rows:
        wordings.setdefault(fold_wording(row.text), " ".join(row.text.split()))
    return wordings


def fold_wording(text: str) -> str:
    return " ".join(text.lower().split())


