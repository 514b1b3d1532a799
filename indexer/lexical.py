"""The keyword side of the search: BM25 over each entry's whole text (bm25s).

English stop words are dropped and words are stemmed (Snowball), so "burglaries" finds
"burglary". The query is tokenised exactly as the entries were.
"""

from __future__ import annotations

import logging
from pathlib import Path

import re

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

_stemmer = Stemmer.Stemmer("english")
_stopwords = frozenset(STOPWORDS_EN)
_token = re.compile(r"(?u)\b\w\w+\b")
logging.getLogger("bm25s").setLevel(logging.WARNING)

# The weight (IDF, as bm25s's "lucene" scoring has it) of a term that one entry in 60 uses:
# the unit of the keyword evidence of the no-match decision. A term's weight grows with the
# base when the entries that use it do not, so a decision in units of the rarest term's
# weight (one entry of all) would refuse more as the Hub writes entries. In this fixed unit,
# a term as rare as one entry in 60 or rarer counts as one rare term at any size, and a
# term as common as one entry in five weighs the same in a base of 60 or of 60,000.
RARE_TERM_WEIGHT = float(np.log(1 + (60 - 1 + 0.5) / (1 + 0.5)))
# The keyword evidence counts up to four rare terms shared with the best entry. Beyond a few,
# more shared words say that the question is long, not that an entry answers it: a rambling
# question about one case ("car wash on my patch ... joint visit with immigration ... who do I
# phone at the GLAA") shares ten with the entry on partnership visits. Four rare terms weigh
# less in the no-match rule than wording that asks for law, figures or admin, so no count of
# shared words outweighs it.
RARE_TERMS_AT_MOST = 4.0


def analyse(text: str) -> tuple[list[str], list[str]]:
    """A document's BM25 terms (stems of the words that are not stop words) and its words."""
    words = _token.findall(text.lower())
    return _stemmer.stemWords([w for w in words if w not in _stopwords]), [w for w in words if w.isalpha()]


def build_lexical(documents: list[list[str]], folder: Path) -> None:
    """Write the BM25 index of documents given as their terms (see :func:`analyse`)."""
    index = bm25s.BM25()
    index.index(documents, show_progress=False)
    index.save(str(folder), show_progress=False)


class Lexical:
    """A loaded BM25 index: scores for every entry against a query."""

    def __init__(self, folder: Path) -> None:
        self.index = bm25s.BM25.load(str(folder), show_progress=False)
        self.vocab = self.index.vocab_dict
        # Each term's best score in any entry: the most that term can add to a question's
        # score, so a question's own maximum attainable score is the sum over its terms.
        data, pointers = self.index.scores["data"], self.index.scores["indptr"]
        self.term_best = np.zeros(len(pointers) - 1, dtype=np.float32)
        used = np.flatnonzero(np.diff(pointers) > 0)
        if len(used):
            self.term_best[used] = np.maximum.reduceat(data, pointers[used])
        # Every posting's score with its term's weight capped at RARE_TERM_WEIGHT, in units of
        # it: the no-match decision's keyword evidence (rare_points), which does not grow with
        # the base as the scores do.
        documents = int(self.index.scores["num_docs"])
        used_by = np.diff(pointers)
        weight = np.log(1 + (documents - used_by + 0.5) / (used_by + 0.5))
        factor = np.minimum(weight, RARE_TERM_WEIGHT) / np.maximum(weight, 1e-9) / RARE_TERM_WEIGHT
        self.rare_data = (data * np.repeat(factor, used_by)).astype(np.float32)

    def terms(self, query: str) -> list[str]:
        """The question's BM25 terms the base knows, each once.

        The same steps as bm25s.tokenize (lower case, word pattern, English stop words,
        Snowball stems) without its per-call set-up, which costs more than the scoring. A
        word the question repeats, or that both its slang and its plain-English reading
        contain, is counted once.
        """
        words = [w for w in _token.findall(query.lower()) if w not in _stopwords]
        return list(dict.fromkeys(t for t in _stemmer.stemWords(words) if t in self.vocab))

    def scores(self, query: str, mask: np.ndarray | None = None) -> np.ndarray:
        known = self.terms(query)
        if not known:
            return np.zeros(self.index.scores["num_docs"], dtype=np.float32)
        scores: np.ndarray = self.index.get_scores(known, weight_mask=mask)
        return scores

    def rare_points(self, query: str, mask: np.ndarray | None = None) -> np.ndarray:
        """Every entry's BM25 score for ``query`` in rare terms: each term's weight capped at
        ``RARE_TERM_WEIGHT``, and the score in units of it, so that it does not grow with the base."""
        indices, pointers = self.index.scores["indices"], self.index.scores["indptr"]
        points = np.zeros(int(self.index.scores["num_docs"]), dtype=np.float32)
        for term in self.terms(query):
            start, end = pointers[self.vocab[term]], pointers[self.vocab[term] + 1]
            np.add.at(points, indices[start:end], self.rare_data[start:end])  # as bm25s scores
        return points * mask if mask is not None else points

    def attainable(self, query: str) -> float:
        """The highest score any entry could reach for ``query``: each term's best, summed."""
        return float(sum(self.term_best[self.vocab[t]] for t in self.terms(query)))

    def knows(self, word: str) -> bool:
        """Whether the base uses ``word`` (after stemming)."""
        return _stemmer.stemWord(word.lower()) in self.vocab
