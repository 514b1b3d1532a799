"""How close an entry's passages are to a question: its best passage, and its best few.

An entry is held as the rows of its passages in the index's vectors (``pointers`` delimit
each entry's run in ``passage_ids``; a passage shared by several entries is stored once).
"""

from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np
import numpy.typing as npt


class Passages(Protocol):
    vectors: np.ndarray  # one normalised vector per distinct passage
    pointers: np.ndarray  # entry i's passages are passage_ids[pointers[i]:pointers[i + 1]]
    passage_ids: np.ndarray
    passage_counts: np.ndarray


def ranges(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The indices start..start+count of every range, end to end, and where each range begins."""
    offsets = np.cumsum(counts) - counts
    return np.repeat(starts - offsets, counts) + np.arange(counts.sum()), offsets


def best_passage(index: Passages, positions: Sequence[int] | npt.NDArray[np.integer], vector: np.ndarray) -> np.ndarray:
    """Each entry's best-passage similarity to the query."""
    if len(positions) > 2000:  # many entries: score every passage at once
        every = np.maximum.reduceat((index.vectors @ vector)[index.passage_ids], index.pointers[:-1])
        return every[positions]
    similarities, offsets, _ = _similarities(index, positions, vector)
    return np.maximum.reduceat(similarities, offsets)


def best_passages_mean(index: Passages, positions: Sequence[int] | npt.NDArray[np.integer], vector: np.ndarray,
                       best: int) -> np.ndarray:
    """Each entry's mean similarity to the query over its ``best`` closest passages (all of
    them when it has fewer)."""
    similarities, offsets, counts = _similarities(index, positions, vector)
    entry = np.repeat(np.arange(len(counts)), counts)
    order = np.lexsort((-similarities, entry))  # by entry, closest passage first
    kept = np.arange(len(order)) - np.repeat(offsets, counts) < best
    totals = np.bincount(entry[kept], weights=similarities[order][kept], minlength=len(counts))
    result: np.ndarray = totals / np.minimum(counts, best)
    return result


def _similarities(index: Passages, positions: Sequence[int] | npt.NDArray[np.integer],
                  vector: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The similarity of every passage of the entries at ``positions``, entry after entry,
    with where each entry's run begins and how long it is."""
    rows = np.asarray(positions, dtype=np.intp)
    counts = index.passage_counts[rows]
    gather, offsets = ranges(index.pointers[rows], counts)
    return index.vectors[index.passage_ids[gather]] @ vector, offsets, counts
