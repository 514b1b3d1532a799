"""The intent reading of the "no good match" decision (``indexer.intent``), fitted for
``python -m eval.fit``.

It is fitted on ``eval/intent/questions.yaml`` (questions on 40 policing topics, half asking
for prevention and half for law, procedure, figures, pay or systems, in the same styles) and
``eval/intent/bare_phrases.yaml`` (bare tactic or problem names meaning "what works for
this"), never on a question set that measures the search. Each is read as the search reads a
question: in plain English, spelled right, expanded, without its asking words, and stripped of
the directions of the passages closest to it in the published index.

- The regularisation is chosen by cross-validation with each topic's questions held out
  together, so that it is measured on topics it has not seen: the strongest within 0.01 of
  the best accuracy on the labelled questions.
- Bare phrases count less than questions: the smallest of ``BARE_WEIGHTS`` at which, read out
  of topic, at most ``BARE_READ_AS_OTHER_AT_MOST`` of them read as asking for something else.

How much the reading weighs in the decision is chosen by ``eval.fit`` (``weigh``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from indexer.intent import PASSAGES, IntentReading, unexplained
from indexer.search import Searcher

QUESTIONS = Path("eval/intent/questions.yaml")
BARE_PHRASES = Path("eval/intent/bare_phrases.yaml")
STRENGTHS = (0.3, 1.0, 3.0, 10.0, 30.0)
BARE_WEIGHTS = (0.25, 0.5, 1.0)
BARE_READ_AS_OTHER_AT_MOST = 0.10
WITHIN = 0.01  # of the best accuracy: the strongest regularisation there is chosen
FOLDS = 5
Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Bank:
    """The labelled texts, read as the search reads them."""

    texts: list[str]
    x: Array  # each text's meaning vector without the directions of its closest passages
    prevention: npt.NDArray[np.bool_]  # asks for prevention (every bare phrase does)
    bare: npt.NDArray[np.bool_]
    topics: npt.NDArray[np.str_]
    passages: int  # how many closest passages' directions were taken out
    sources: tuple[str, ...]  # the files the texts were read from


def unexplained_vector(searcher: Searcher, text: str, passages: int = PASSAGES) -> Array:
    """The part of ``text``'s meaning vector the search's ``passages`` closest passages do not explain."""
    index = searcher.index
    vector = searcher.embedder.embed([index.meaning_text(text)])[0]
    rows, _ = index.closest_passages(vector, passages)  # none for 0: the whole vector
    return unexplained(vector.astype(np.float64), index.vectors[rows])


def load_bank(searcher: Searcher, questions: Path = QUESTIONS, bare_phrases: Path = BARE_PHRASES,
              passages: int = PASSAGES) -> Bank:
    asked = yaml.safe_load(questions.read_text(encoding="utf-8"))
    bare = yaml.safe_load(bare_phrases.read_text(encoding="utf-8"))
    texts = [str(q["text"]) for q in asked] + [str(b["text"]) for b in bare]
    return Bank(
        texts=texts,
        x=np.array([unexplained_vector(searcher, t, passages) for t in texts]),
        prevention=np.array([q["asks"] == "what_works" for q in asked] + [True] * len(bare)),
        bare=np.array([False] * len(asked) + [True] * len(bare)),
        topics=np.array([str(q["topic"]) for q in asked] + [str(b["topic"]) for b in bare]),
        passages=passages,
        sources=(str(questions), str(bare_phrases)),
    )


def _fit(bank: Bank, rows: npt.NDArray[np.intp], strength: float, bare_weight: float) -> LogisticRegression:
    weights = np.where(bank.bare[rows], bare_weight, 1.0)
    return LogisticRegression(C=strength, max_iter=5000).fit(bank.x[rows], bank.prevention[rows], sample_weight=weights)


def out_of_topic(bank: Bank, strength: float, bare_weight: float) -> Array:
    """Every text's reading by a reading fitted without any text on its topic."""
    readings = np.zeros(len(bank.texts))
    for train, test in GroupKFold(FOLDS).split(bank.x, bank.prevention, bank.topics):
        readings[test] = _fit(bank, train, strength, bare_weight).decision_function(bank.x[test])
    return readings


@dataclass(frozen=True)
class Choice:
    strength: float
    bare_weight: float
    accuracy: float  # on the labelled questions, out of topic
    bare_read_as_other: float  # the share of bare phrases read as asking for something else, out of topic
    readings: Array  # out of topic, every text


def choose(bank: Bank) -> tuple[Choice, list[str]]:
    """The bare phrases' weight and the regularisation, and a line for every one tried."""
    lines: list[str] = []
    chosen: Choice | None = None
    for bare_weight in BARE_WEIGHTS:
        tried = []
        for strength in STRENGTHS:
            readings = out_of_topic(bank, strength, bare_weight)
            accuracy = float(np.mean((readings[~bank.bare] > 0) == bank.prevention[~bank.bare]))
            tried.append(Choice(strength, bare_weight, accuracy, float(np.mean(readings[bank.bare] < 0)), readings))
            lines.append(f"    bare phrases x{bare_weight:g}, C={strength:g}: {accuracy:.1%} of questions read right "
                         f"out of topic, {tried[-1].bare_read_as_other:.1%} of bare phrases read as other")
        best = max(c.accuracy for c in tried)
        strongest = min((c for c in tried if c.accuracy >= best - WITHIN), key=lambda c: c.strength)
        if chosen is None and strongest.bare_read_as_other <= BARE_READ_AS_OTHER_AT_MOST:
            chosen = strongest
    # When no weight is enough, bare phrases count in full.
    return chosen or strongest, lines


def fit_reading(bank: Bank, choice: Choice) -> IntentReading:
    model = _fit(bank, np.arange(len(bank.texts)), choice.strength, choice.bare_weight)
    return IntentReading(
        weights=model.coef_[0].astype(np.float64), intercept=float(model.intercept_[0]), passages=bank.passages,
        about={"fitted": date.today().isoformat(), "from": list(bank.sources),
               "texts": len(bank.texts), "regularisation": choice.strength, "bare_phrase_weight": choice.bare_weight,
               "accuracy_out_of_topic": round(choice.accuracy, 4),
               "bare_phrases_read_as_other": round(choice.bare_read_as_other, 4)},
    )
