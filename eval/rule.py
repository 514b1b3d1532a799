"""The rule the no-match decision keeps (``python -m eval.fit --rule``): its threshold, the
weights of the evidence that a question asks for something else, and its calibrated slope.

Answer when the best passage's cosine plus ``RULE_PER_RARE_TERM`` times the best entry's
keyword score in rare terms, less a weight times each piece of evidence that the question asks
for something the base does not hold (the intent reading, the wording, a problem or a tactic its
best entries never speak of), reaches a threshold. Each weight is the largest at which no tuned set
refuses more than ``REFUSED_AT_MOST`` of its answerable questions and at most
``INTENT_REFUSES_AT_MOST`` of the intent bank's prevention questions that the rule answers are
refused (``eval.fit``'s docstring tells the whole procedure).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression

from indexer.decision import FEATURES, NoMatchModel
from indexer.intent import IntentReading

REFUSED_AT_MOST = 0.03  # of a set's answerable questions
INTENT_REFUSES_AT_MOST = 0.02  # of the prevention questions of eval/intent/ that the rule answers
# 0.035 per BM25 point when it was chosen on the 60 entries, where a rare term weighs 3.705.
RULE_PER_RARE_TERM = 0.1297
# The rule's threshold is chosen in steps of 0.02, as `make eval` sweeps the probability. On
# eval/questions.yaml and eval/train.yaml it is 0.60, with every entry's `asked` list in the
# index (0.525 before there were any); in steps of 0.005 it would be 0.615, which refuses three
# more of eval/train.yaml's 51 unanswerable questions and no more answerable ones.
THRESHOLD_STEP = 0.02
# The weight of wording that asks for law, figures or admin (weigh_asks): at 1.0 no match
# outweighs it, since the rule's cosine is at most 1 and it would need 4.6 rare terms more than
# the evidence ever counts (indexer.lexical.RARE_TERMS_AT_MOST).
ASKS_STEP = 0.05
ASKS_AT_MOST = 1.0
Array = npt.NDArray[np.float64]


def calibration(p: Array, y: Array) -> list[str]:
    lines = []
    for low in np.arange(0.0, 1.0, 0.2):
        inside = (p >= low) & (p < low + 0.2 + (1e-9 if low >= 0.8 else 0))
        if inside.any():
            lines.append(f"    predicted {low:.1f}-{low + 0.2:.1f}: {inside.sum():4d} questions, "
                         f"mean predicted {p[inside].mean():.2f}, answerable {y[inside].mean():.2f}")
    return lines


def rule_margin(x: Array, at: float, other_weight: float = 0.0, asks_weight: float = 0.0,
                problem_weight: float = 0.0, tactic_weight: float = 0.0) -> Array:
    """How far each question is above the rule's threshold ``at`` (below it when negative)."""
    return (x[:, FEATURES.index("cosine")] + RULE_PER_RARE_TERM * x[:, FEATURES.index("rare_terms")]
            - other_weight * x[:, FEATURES.index("other_intent")] - asks_weight * x[:, FEATURES.index("asks_other")]
            - problem_weight * x[:, FEATURES.index("unmentioned_problem")]
            - tactic_weight * x[:, FEATURES.index("unmentioned_tactic")] - at)


def within_budget(refused: npt.NDArray[np.bool_], y: Array, groups: Array) -> bool:
    """Whether no set refuses more than ``REFUSED_AT_MOST`` of its answerable questions."""
    return all(np.mean(refused[(groups == g) & (y == 1)]) <= REFUSED_AT_MOST + 1e-9
               for g in np.unique(groups[y == 1]))


def rule_threshold(x: Array, y: Array, groups: Array) -> float:
    """The rule's threshold: the strictest, in steps of ``THRESHOLD_STEP``, at which no set
    refuses more than ``REFUSED_AT_MOST`` of its answerable questions on the cosine and rare
    terms alone (the most lenient of the steps when even that refuses more)."""
    steps = np.round(np.arange(0.30, 0.90 + 1e-9, THRESHOLD_STEP), 2)
    within = [float(at) for at in steps if within_budget(rule_margin(x, float(at)) < 0, y, groups)]
    return within[-1] if within else float(steps[0])


def _largest_weight(steps: Array, tuned_refused: Callable[[float], npt.NDArray[np.bool_]], y: Array, groups: Array,
                    bank_margin: Array, bank_reading: Array) -> float:
    """The largest of ``steps`` at which no tuned set refuses more than ``REFUSED_AT_MOST`` of
    its answerable questions (``tuned_refused``: which it refuses at a weight) and the weighted
    evidence refuses at most ``INTENT_REFUSES_AT_MOST`` of the intent bank's prevention
    questions and bare phrases that the rule answers (``bank_margin``: how far each is above the
    threshold without it, ``bank_reading``: its evidence); 0 when even the first refuses more."""
    answered = bank_margin >= 0
    chosen = 0.0
    for weight in steps:
        if not within_budget(tuned_refused(float(weight)), y, groups):
            break
        if np.mean(bank_margin[answered] - weight * bank_reading[answered] < 0) > INTENT_REFUSES_AT_MOST + 1e-9:
            break
        chosen = float(weight)
    return chosen


def weigh_intent(x: Array, y: Array, groups: Array, bank: Array, bank_other: Array, at: float) -> float:
    """The weight of the intent reading in the rule: the largest, in steps of 0.01, at which
    no tuned set refuses more than ``REFUSED_AT_MOST`` of its answerable questions and
    the reading refuses at most ``INTENT_REFUSES_AT_MOST`` of the intent bank's prevention
    questions and bare phrases that the rule answers (``bank``: their evidence, ``bank_other``:
    how far each reads as other when read by a reading fitted without its topic)."""
    return _largest_weight(np.round(np.arange(0.01, 1.0, 0.01), 2), lambda w: rule_margin(x, at, w) < 0, y, groups,
                           rule_margin(bank, at), bank_other)


def weigh_asks(x: Array, y: Array, groups: Array, bank: Array, bank_other: Array, at: float,
               other_weight: float) -> float:
    """The weight of wording that asks for law, figures or admin (``indexer.asks``) in the rule,
    chosen as the intent reading's is, after it: the largest, in steps of ``ASKS_STEP`` up to
    ``ASKS_AT_MOST``, at which no tuned set refuses more than ``REFUSED_AT_MOST`` of its
    answerable questions and the wording refuses at most ``INTENT_REFUSES_AT_MOST`` of the
    intent bank's prevention questions and bare phrases that the rule answers."""
    steps = np.round(np.arange(ASKS_STEP, ASKS_AT_MOST + 1e-9, ASKS_STEP), 2)
    return _largest_weight(steps, lambda w: rule_margin(x, at, other_weight, w) < 0, y, groups,
                           rule_margin(bank, at) - other_weight * bank_other, bank[:, FEATURES.index("asks_other")])


def weigh_problems(x: Array, y: Array, groups: Array, at: float, other_weight: float, asks_weight: float) -> float:
    """The weight of a problem the question names that its best entries never speak of
    (``indexer.problems``), after the wording's: the largest, in the same steps, at which no
    set refuses more of its answerable questions than ``REFUSED_AT_MOST`` or than it did
    without it, whichever is more. Pass every tuned set, the one kept out of fitting too: the
    sets fitted on may hold no answerable question that names a problem its entries put in
    other words, and then only that one bounds the weight. The intent bank does not bound
    it: a prevention question about a problem no entry speaks of is one the base does not
    answer.

    Of the weights that refuse the same questions as that largest one, the least is kept: when
    no answerable question bounds the weight, the largest would make the evidence decisive on
    the strength of no question, and an answerable one whose problem the lexicon misses in its
    entries' wording would be refused however close its match."""
    return _least_of_the_largest(lambda w: rule_margin(x, at, other_weight, asks_weight, w) < 0, y, groups)


def weigh_tactics(x: Array, y: Array, groups: Array, at: float, other_weight: float, asks_weight: float,
                  problem_weight: float) -> float:
    """The weight of a prevention tactic the question names that its best entries never speak
    of (``indexer.problems.packaged_tactics``), after the problem's and chosen as it is."""
    return _least_of_the_largest(
        lambda w: rule_margin(x, at, other_weight, asks_weight, problem_weight, w) < 0, y, groups)


def _least_of_the_largest(refused_at: Callable[[float], npt.NDArray[np.bool_]], y: Array, groups: Array) -> float:
    """Of the steps at which no set refuses more of its answerable questions than
    ``REFUSED_AT_MOST`` or than it did at weight 0, whichever is more, the least that refuses
    the same questions as the largest (``weigh_problems``)."""
    before = refused_at(0.0)
    allowed = {g: max(REFUSED_AT_MOST, float(np.mean(before[(groups == g) & (y == 1)])))
               for g in np.unique(groups[y == 1])}
    within: list[tuple[float, npt.NDArray[np.bool_]]] = []
    for weight in np.round(np.arange(ASKS_STEP, ASKS_AT_MOST + 1e-9, ASKS_STEP), 2):
        refused = refused_at(float(weight))
        if any(np.mean(refused[(groups == g) & (y == 1)]) > limit + 1e-9 for g, limit in allowed.items()):
            break
        within.append((float(weight), refused))
    if not within:
        return 0.0
    largest = within[-1][1]
    return next(weight for weight, refused in within if np.array_equal(refused, largest))


def calibrated_rule(x: Array, y: Array, groups: Array, paths: Sequence[Path], version: str, at: float,
                    intent: IntentReading | None = None, other_weight: float = 0.0,
                    passages: int | None = None, asks_weight: float = 0.0, problem_weight: float = 0.0,
                    tactic_weight: float = 0.0) -> NoMatchModel:
    """Today's rule, cosine + RULE_PER_RARE_TERM x rare terms - ``other_weight`` x other
    intent - ``asks_weight`` x asks other - ``problem_weight`` x unmentioned problem
    - ``tactic_weight`` x unmentioned tactic >= ``at``, with its slope fitted."""
    margin = rule_margin(x, at, other_weight, asks_weight, problem_weight, tactic_weight)
    slope = float(LogisticRegression(C=np.inf, fit_intercept=False, max_iter=1000).fit(margin[:, None], y).coef_[0, 0])
    answered = margin >= 0
    rule = (f"cosine + {RULE_PER_RARE_TERM} x rare terms - {other_weight:g} x other intent "
            f"- {asks_weight:g} x asks other - {problem_weight:g} x unmentioned problem "
            f"- {tactic_weight:g} x unmentioned tactic >= {at:g}")
    print(f"the rule: {rule}, slope {slope:.1f}")
    for g, path in enumerate(paths):
        here = groups == g
        print(f"    on {path}: answerable refused {np.mean(~answered[here & (y == 1)]):.1%}, "
              f"unanswerable refused {np.mean(~answered[here & (y == 0)]):.1%}")
    probability = 1 / (1 + np.exp(-slope * margin))
    print("  calibration:")
    for line in calibration(probability, y):
        print(line)
    return NoMatchModel(
        features=("cosine", "rare_terms", "other_intent", "asks_other", "unmentioned_problem", "unmentioned_tactic"),
        mean=(0.0,) * 6, scale=(1.0,) * 6,
        weights=(slope, slope * RULE_PER_RARE_TERM, -slope * other_weight, -slope * asks_weight,
                 -slope * problem_weight, -slope * tactic_weight),
        intercept=-slope * at, threshold=0.5,
        about={"fitted": date.today().isoformat(), "sets": [str(p) for p in paths], "questions": len(y),
               "answerable": int(y.sum()), "rule": rule, "index": version},
        intent=intent, passages=passages,
    )
