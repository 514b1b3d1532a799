"""Whether anything in the knowledge base answers a question: the "no good match" decision.

The search measures how well its best entries meet the question (``Evidence``): how close in
meaning the best passage is and how far ahead of the next entry, how much of the keyword
score the question could reach it reaches, how much of what the officer wrote the base
knows at all, whether a crime type, abbreviation or slang word was recognised, how long the
question is, and how far it reads as asking for something other than prevention (a point of
law, figures, its own pay), by its meaning (``indexer.intent``) and by its wording
(``indexer.asks``), and whether it names a problem or a prevention tactic its best entries
never speak of (``indexer.problems``). None of these grows with the size of the base
but one: the more passages there are, the closer the best unrelated one comes to any question
by chance. So the best cosine is measured net of that rise since the base the model was fitted
on (``chance_rise``), and the decision holds as the Hub adds entries without re-tuning.

A small logistic regression turns the evidence into the probability that the base answers
the question. Its coefficients and the intent reading are data (``no_match_model.json``),
fitted and calibrated by ``python -m eval.fit``, and published inside every index version
beside the vectors, so a version always answers with the decision it was built with. Below
the model's threshold the answer is "no good match", with the closest entry shown as such.
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable

from bm25s.stopwords import STOPWORDS_EN

from indexer.intent import IntentReading

log = logging.getLogger(__name__)

MODEL_FILE = "no_match_model.json"
PACKAGED_MODEL = Path(__file__).with_name(MODEL_FILE)


@dataclass(frozen=True)
class Evidence:
    """What the search found, measured so that it does not depend on the base's size."""

    cosine: float  # the best passage's cosine similarity to the question
    margin: float  # how far the best entry's similarity is ahead of the next entry's
    keywords: float  # the best entry's BM25 score over the most the question's terms could reach
    # The best entry's BM25 score (both readings of the question added) in units of the weight
    # of a term one entry in 60 uses, no term weighing more: about how many rare words it
    # shares with the question (indexer.lexical.RARE_TERM_WEIGHT), counted up to four
    # (RARE_TERMS_AT_MOST). Raw BM25 scores grow with the base as every term's weight does;
    # this does not.
    rare_terms: float
    known: float  # the share of the question's words the base uses, weighted by rarity in English
    recognised: float  # 1 when a crime type, tagged abbreviation or slang word was recognised
    length: float  # log(1 + the question's content words)
    # How far the question reads as asking for something other than prevention (a point of
    # law, figures, its own pay): 0 when it reads as asking for prevention (indexer.intent).
    other_intent: float = 0.0
    # 1 when the question's wording asks for a point of law, figures or the officer's own admin
    # ("is it an offence", "how many ... last year", "which form"): indexer.asks.
    asks_other: float = 0.0
    # 1 when the question names a crime problem (indexer.problems) and none of the best entries
    # speaks of it ("speeding through the village" against Neighbourhood Watch).
    unmentioned_problem: float = 0.0
    # 1 when the question names a prevention tactic (indexer.problems.packaged_tactics) and none
    # of the best entries speaks of it ("ring doorbells" against cocooning and Secured by Design).
    unmentioned_tactic: float = 0.0
    # Not evidence of an answer, but what the base's size does to chance matches: the spread
    # (standard deviation) of the question's similarity to the base's passages, and how many
    # passages there are. The more passages, the closer the best unrelated one comes by chance.
    spread: float = field(default=0.0, metadata={"feature": False})
    passages: int = field(default=0, metadata={"feature": False})


FEATURES = tuple(f.name for f in fields(Evidence) if f.metadata.get("feature", True))


def chance_rise(spread: float, passages: int, fitted_on: int) -> float:
    """How much closer the best unrelated passage comes by chance in a base of ``passages``
    than in one of ``fitted_on``: the expected maximum of n similarities spread ``spread``
    grows as ``spread * sqrt(2 ln n)``. Never below 0: a smaller base keeps the bar it was
    fitted with, since a few dozen passages say little about chance."""
    if passages <= fitted_on or fitted_on < 2 or spread <= 0:
        return 0.0
    return spread * (math.sqrt(2 * math.log(passages)) - math.sqrt(2 * math.log(fitted_on)))
_STOP_WORDS = frozenset(STOPWORDS_EN) | {"what", "works", "work", "does", "do", "how", "can", "any", "get", "got"}


def content_words(text: str) -> list[str]:
    """The words of a question (its asking words already removed) that carry its topic."""
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP_WORDS]


def known_share(words: list[str], knows: Callable[[str], bool], english: Any) -> float:
    """The share of ``words`` the base uses, each weighted by how rare it is in English
    (pyspellchecker's word counts), so that "overtime" or "annual leave" outweighs "police"."""
    frequency = english.word_frequency
    total = known = 0.0
    for word in words:
        weight = math.log(frequency.total_words / (frequency.dictionary.get(word, 0) + 1))
        total += weight
        known += weight if knows(word) else 0.0
    return known / total if total else 0.0


class ModelError(ValueError):
    """A no-match model file that cannot be used, with the reason."""


@dataclass(frozen=True)
class NoMatchModel:
    """Logistic regression on standardised evidence; answers at or above ``threshold``."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    intercept: float
    threshold: float
    about: dict[str, Any]
    intent: IntentReading | None = None  # measures ``other_intent``; without it, it is 0
    # The passages of the base the model was fitted on: in a larger base the best passage's
    # cosine is measured net of how much closer an unrelated passage comes by chance
    # (``chance_rise``). None: the cosine as found.
    passages: int | None = None

    @classmethod
    def from_mapping(cls, data: Any, *, path: str = MODEL_FILE) -> "NoMatchModel":
        try:
            features = tuple(str(f) for f in data["features"])
            model = cls(
                features=features,
                mean=tuple(float(v) for v in data["mean"]),
                scale=tuple(float(v) for v in data["scale"]),
                weights=tuple(float(v) for v in data["weights"]),
                intercept=float(data["intercept"]),
                threshold=float(data["threshold"]),
                about=dict(data.get("about") or {}),
                intent=IntentReading.from_mapping(data["intent"]) if data.get("intent") else None,
                passages=int(data["passages"]) if data.get("passages") is not None else None,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ModelError(f"{path}: not a no-match model ({type(error).__name__}: {error})") from None
        unknown = [f for f in features if f not in FEATURES]
        if unknown:
            raise ModelError(f"{path}: unknown evidence {', '.join(unknown)} (known: {', '.join(FEATURES)})")
        if not len(features) == len(model.mean) == len(model.scale) == len(model.weights):
            raise ModelError(f"{path}: features, mean, scale and weights differ in length")
        if any(s <= 0 for s in model.scale):
            raise ModelError(f"{path}: every scale must be positive")
        if not 0.0 < model.threshold < 1.0:
            raise ModelError(f"{path}: the threshold is a probability between 0 and 1")
        if model.passages is not None and model.passages < 1:
            raise ModelError(f"{path}: passages is the size of the base fitted on, at least 1")
        return model

    @classmethod
    def load(cls, path: Path) -> "NoMatchModel":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise ModelError(f"{path}: cannot be read ({type(error).__name__})") from None
        return cls.from_mapping(data, path=str(path))

    @classmethod
    def for_version(cls, folder: Path) -> "NoMatchModel":
        """The model published with an index version; the packaged one for a version published
        before models were, or with evidence this code no longer measures (until ``make index``
        publishes the packaged one with the next version)."""
        own = Path(folder) / MODEL_FILE
        if own.is_file():
            try:
                return cls.load(own)
            except ModelError as error:
                log.warning("the index version's no-match model cannot be used, so the packaged one is (%s)",
                            str(error).rsplit(": ", 1)[-1][:200])
        return cls.load(PACKAGED_MODEL)

    def probability(self, evidence: Evidence) -> float:
        """The calibrated probability that the base answers the question."""
        z = self.intercept + sum(
            w * (getattr(evidence, f) - m) / s
            for f, m, s, w in zip(self.features, self.mean, self.scale, self.weights)
        )
        if self.passages and "cosine" in self.features:  # the best cosine, net of the chance rise
            at = self.features.index("cosine")
            z -= self.weights[at] * chance_rise(evidence.spread, evidence.passages, self.passages) / self.scale[at]
        return 1.0 / (1.0 + math.exp(-z)) if z > -30 else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features), "mean": list(self.mean), "scale": list(self.scale),
            "weights": list(self.weights), "intercept": self.intercept, "threshold": self.threshold,
            "about": self.about, **({"passages": self.passages} if self.passages else {}),
            **({"intent": self.intent.as_json()} if self.intent else {}),
        }
