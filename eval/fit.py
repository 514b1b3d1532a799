"""``python -m eval.fit``: fit the "no good match" model on the tuned question sets.

The model (``indexer.decision``) is a logistic regression on the evidence the search measures
for a question. This command searches every question of the tuned sets (``eval/questions.yaml``
and ``eval/train.yaml``, never the held-out sets) against the published index, and chooses
the model by cross-validation across the sets.

Both errors mislead an officer, but not equally: an officer wrongly told there is nothing
stops asking, while one shown the closest entry for a question the base does not answer sees
it marked as the closest, with Ask the Hub beside it. So the threshold is the strictest at
which no set refuses more than ``REFUSED_AT_MOST`` (3%) of its answerable questions, and a
candidate's error on a set is the share of its unanswerable questions answered, plus any
share of answerable ones refused beyond that 3%.

- The candidates are subsets of the evidence and strengths of regularisation.
- Each is scored across the sets: fitted on all but one set, its threshold chosen there, and
  measured on the set left out, in turn; the mean of those errors ranks the candidates. Sets
  written by different people differ more than questions within a set do, so this is the
  measure of how a model will do on wording nobody fitted it to.
- The best are scored again by stratified 5-fold cross-validation over the pooled questions
  (five shuffles; the mean over the sets of each set's error), which breaks ties and gives the
  final threshold from the out-of-fold probabilities.

The chosen model is then fitted on every tuned question; the out-of-fold probabilities are
printed against what happened (calibration). The model records how many passages the base it
was fitted on held, so that in a larger base the best cosine is measured net of how much
closer an unrelated passage comes by chance (``indexer.decision.chance_rise``).

First the intent reading (``eval.intent``, ``indexer.intent``) is fitted on ``eval/intent/``,
so that every question's evidence includes how far it reads as asking for something other
than prevention.

``--rule`` keeps the decision the bot makes today instead: answer when the best passage's
cosine plus ``RULE_PER_RARE_TERM`` times the best entry's keyword score in rare terms, less a
weight times the intent reading, reaches a threshold. The threshold is the strictest, in steps
of ``THRESHOLD_STEP``, at which no tuned set refuses more than 3% of its answerable questions
on the cosine and rare terms alone (``rule_threshold``); the weight is then the largest at
which no tuned set refuses more than 3% of its answerable questions and at most
``INTENT_REFUSES_AT_MOST`` of the prevention questions and bare phrases of ``eval/intent/``
that the rule answers are refused, each read by a reading fitted without its topic. Last,
less a weight when the question's wording asks for law, figures or admin (``indexer.asks``),
chosen the same way in steps of ``ASKS_STEP`` up to ``ASKS_AT_MOST`` (``weigh_asks``), and
then less a weight when the question names a problem its best entries never speak of
(``indexer.problems``, ``weigh_problems``): the least that refuses the questions the largest
does at which no tuned set, the one kept out of fitting (``--kept-out``) included, refuses more
answerable questions than the 3% or than it did without it; last, less a weight when it names a
prevention tactic its best entries never speak of, chosen the same way (``weigh_tactics``).
``--threshold`` keeps a threshold chosen elsewhere (on a tuned set kept out of fitting) and
fits the weights at it. Only the rule's slope is fitted, so that its probability is calibrated
and exactly ``0.5`` at the rule's threshold. Its figures are printed beside the chosen model's.

``--intent-passages`` fits the intent reading with fewer of a question's closest passages taken
out of its vector, for comparison: with 0 it reads the whole vector, so a question reads the same
however large the base grows.

``--write`` writes the chosen model, or the rule with ``--rule``, each with the intent
reading, to ``indexer/no_match_model.json``, which ``make index`` publishes with the next
index version.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path
from typing import Sequence

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from eval.__main__ import load_questions
from eval.intent import choose, fit_reading, load_bank
from indexer.decision import FEATURES, PACKAGED_MODEL, NoMatchModel
from indexer.intent import PASSAGES
from indexer.query_embedder import load_query_embedder
from eval.rule import (
    REFUSED_AT_MOST,
    calibrated_rule,
    calibration,
    rule_threshold,
    weigh_asks,
    weigh_intent,
    weigh_problems,
    weigh_tactics,
)
from indexer.search import KnowledgeIndex, Searcher

TUNED_SETS = ("eval/questions.yaml", "eval/train.yaml")
# Tuned on for the threshold and the weights of an unmentioned problem or tactic, not fitted on.
KEPT_OUT = ("eval/train_2.yaml", "eval/train_3.yaml", "eval/train_4.yaml", "eval/train_5.yaml")
STRENGTHS = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
FOLDS = 5
SHUFFLES = 5
SMALLEST_SUBSET = 1
SHORTLIST = 12
Array = npt.NDArray[np.float64]


def evidence_rows(searcher: Searcher, paths: Sequence[Path]) -> tuple[Array, Array, Array]:
    """Each question's evidence, whether it is answerable, and which set it comes from."""
    rows, labels, groups = [], [], []
    for number, path in enumerate(paths):
        for q in load_questions(path):
            result = searcher.search(q.text, k=5, crime_type=q.crime_type, kind=q.kind)
            rows.append([asdict(result.evidence)[f] for f in FEATURES])
            labels.append(1.0 if q.relevant else 0.0)
            groups.append(number)
    return np.array(rows), np.array(labels), np.array(groups)


class Candidate:
    """Standardised logistic regression on some of the evidence."""

    def __init__(self, features: tuple[str, ...], strength: float) -> None:
        self.features = features
        self.strength = strength
        self.columns = [FEATURES.index(f) for f in features]

    def __str__(self) -> str:
        return f"{'+'.join(self.features)} C={self.strength:g}"

    def fit(self, x: Array, y: Array) -> tuple[Array, Array, LogisticRegression]:
        chosen = x[:, self.columns]
        mean, scale = chosen.mean(axis=0), chosen.std(axis=0)
        scale[scale == 0] = 1.0
        model = LogisticRegression(C=self.strength, max_iter=1000)
        model.fit((chosen - mean) / scale, y)
        return mean, scale, model

    def predict(self, fitted: tuple[Array, Array, LogisticRegression], x: Array) -> Array:
        mean, scale, model = fitted
        probabilities: Array = model.predict_proba((x[:, self.columns] - mean) / scale)[:, 1]
        return probabilities

    def out_of_fold(self, x: Array, y: Array, groups: Array, seed: int) -> Array:
        """Probabilities for every question from a model that did not see it."""
        out = np.zeros(len(y))
        strata = groups * 2 + y  # each set's answerable and unanswerable spread over the folds
        for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(x, strata):
            out[test] = self.predict(self.fit(x[train], y[train]), x[test])
        return out


def set_error(p: Array, y: Array, threshold: float) -> float:
    """The share of unanswerable questions answered, plus the share of answerable ones refused
    beyond ``REFUSED_AT_MOST``."""
    answered = p >= threshold
    refused_answerable = float(np.mean(~answered[y == 1])) if (y == 1).any() else 0.0
    answered_unanswerable = float(np.mean(answered[y == 0])) if (y == 0).any() else 0.0
    return answered_unanswerable + max(0.0, refused_answerable - REFUSED_AT_MOST)


def per_set_error(p: Array, y: Array, groups: Array, threshold: float) -> float:
    """The mean over the sets of each set's error: every set counts the same."""
    return float(np.mean([set_error(p[groups == g], y[groups == g], threshold) for g in np.unique(groups)]))


def best_threshold(p: Array, y: Array, groups: Array) -> float:
    """The strictest threshold at which no set refuses more than ``REFUSED_AT_MOST`` of its
    answerable questions (the most lenient of the grid when even that refuses more)."""
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    answerable = [p[(groups == g) & (y == 1)] for g in np.unique(groups)]
    answerable = [a for a in answerable if len(a)]
    within = [t for t in grid if all(np.mean(a < t) <= REFUSED_AT_MOST + 1e-9 for a in answerable)]
    return float(within[-1]) if within else float(grid[0])


def candidates() -> list[Candidate]:
    subsets = [s for n in range(SMALLEST_SUBSET, len(FEATURES) + 1) for s in itertools.combinations(FEATURES, n)]
    return [Candidate(s, c) for s in subsets for c in STRENGTHS]


def cross_validate(candidate: Candidate, x: Array, y: Array, groups: Array) -> tuple[float, float, Array]:
    """Cross-validated error at the candidate's own best threshold, that threshold, and the
    out-of-fold probabilities of the first shuffle."""
    shuffles = [candidate.out_of_fold(x, y, groups, seed) for seed in range(SHUFFLES)]
    pooled = np.concatenate(shuffles)
    threshold = best_threshold(pooled, np.tile(y, SHUFFLES), np.tile(groups, SHUFFLES))
    error = float(np.mean([per_set_error(p, y, groups, threshold) for p in shuffles]))
    return error, threshold, shuffles[0]


def across_sets(candidate: Candidate, x: Array, y: Array, groups: Array) -> list[tuple[float, float, float]]:
    """For each set: fitted on the others (threshold chosen there), measured on it. Each as
    (error, answerable refused, unanswerable refused)."""
    results = []
    for g in np.unique(groups):
        train, test = groups != g, groups == g
        fitted = candidate.fit(x[train], y[train])
        threshold = best_threshold(candidate.predict(fitted, x[train]), y[train], groups[train])
        p = candidate.predict(fitted, x[test])
        answered = p >= threshold
        results.append((set_error(p, y[test], threshold), float(np.mean(~answered[y[test] == 1])),
                        float(np.mean(~answered[y[test] == 0]))))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.fit", description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(TUNED_SETS))
    parser.add_argument("--index", default=os.environ.get("INDEX_DIR") or "data/index")
    parser.add_argument("--models", default=os.environ.get("MODEL_CACHE_DIR") or "data/models")
    parser.add_argument("--write", nargs="?", const=str(PACKAGED_MODEL), default=None,
                        help=f"write the chosen model (default {PACKAGED_MODEL}; `python -m eval --model FILE` "
                             "measures a file written elsewhere on every set before it is shipped)")
    parser.add_argument("--rule", action="store_true", help="keep today's rule, with its slope fitted")
    parser.add_argument("--threshold", type=float, default=None,
                        help="with --rule: keep this threshold instead of choosing one (the weights are still "
                             "fitted), for a threshold chosen on a tuned set kept out of fitting")
    parser.add_argument("--kept-out", nargs="*", default=list(KEPT_OUT),
                        help="with --rule: tuned sets not fitted on that still bound the weight of an unmentioned "
                             "problem or tactic (eval.rule.weigh_problems, weigh_tactics)")
    parser.add_argument("--intent-passages", type=int, default=PASSAGES, choices=range(PASSAGES + 1),
                        help="how many of a question's closest passages the intent reading takes out of its "
                             f"meaning vector (default {PASSAGES}; 0 reads the whole vector, the same in any base)")
    args = parser.parse_args(argv)
    if any("heldout" in Path(p).name for p in [*args.sets, *args.kept_out]):
        parser.error("the held-out sets are never fitted on")

    index = KnowledgeIndex.load_current(Path(args.index))
    searcher = Searcher(index, load_query_embedder(os.environ.get("EMBEDDING_MODEL"), cache_dir=args.models,
                                                   precision=os.environ.get("QUERY_PRECISION") or "auto"))
    # The intent reading first: the evidence of every question includes it.
    bank = load_bank(searcher, passages=args.intent_passages)
    choice, lines = choose(bank)
    reading = fit_reading(bank, choice)
    print(f"intent reading from {len(bank.texts)} labelled texts:")
    print("\n".join(lines))
    print(f"  chosen: bare phrases x{choice.bare_weight:g}, C={choice.strength:g}")
    searcher = Searcher(index, searcher.embedder, no_match=replace(searcher.no_match, intent=reading))
    paths = [Path(p) for p in args.sets]
    x, y, groups = evidence_rows(searcher, paths)
    print(f"{len(y)} questions from {', '.join(map(str, paths))}: {int(y.sum())} answerable, "
          f"{int(len(y) - y.sum())} unanswerable; index {index.version}")

    if len(paths) < 2:
        parser.error("the model is chosen across sets: give at least two")
    transfer = sorted(
        ((float(np.mean([r[0] for r in across_sets(c, x, y, groups)])), c) for c in candidates()),
        key=lambda s: (round(s[0], 3), len(s[1].features), -s[1].strength),
    )
    scored = []
    for across, candidate in transfer[:SHORTLIST]:
        error, threshold, oof = cross_validate(candidate, x, y, groups)
        scored.append((round(across, 3), error, len(candidate.features), str(candidate), candidate, threshold, oof))
    scored.sort(key=lambda s: s[:4])
    print(f"{len(transfer)} candidates; the best across sets (fitted on the others, measured on the set left out), "
          f"then {FOLDS}-fold cross-validation over {SHUFFLES} shuffles of the pooled questions:")
    for across, error, _, name, _, threshold, _ in scored[:8]:
        print(f"  across sets {across:6.1%}, pooled {error:6.1%} at threshold {threshold:.2f}: {name}")
    across, error, _, name, chosen, threshold, oof = scored[0]
    print(f"chosen: {name}, threshold {threshold:.2f}")
    for g, path in enumerate(paths):
        answered = oof[groups == g] >= threshold
        labels = y[groups == g]
        print(f"    out of fold on {path}: answerable refused {np.mean(~answered[labels == 1]):.1%}, "
              f"unanswerable refused {np.mean(~answered[labels == 0]):.1%}")
    for path, (_, refused, unanswered) in zip(paths, across_sets(chosen, x, y, groups)):
        print(f"    fitted without {path}, measured on it: answerable refused {refused:.1%}, "
              f"unanswerable refused {unanswered:.1%}")
    print("  calibration, out of fold:")
    for line in calibration(oof, y):
        print(line)

    if args.rule:
        prevention = np.flatnonzero(bank.prevention)
        bank_evidence = np.array([[asdict(searcher.search(bank.texts[i], k=1).evidence)[f] for f in FEATURES]
                                  for i in prevention])
        at = rule_threshold(x, y, groups) if args.threshold is None else args.threshold
        bank_other = np.maximum(0.0, -choice.readings[prevention])  # each read without its topic
        weight = weigh_intent(x, y, groups, bank_evidence, bank_other, at)
        asks = weigh_asks(x, y, groups, bank_evidence, bank_other, at, weight)
        kept_out = [Path(p) for p in args.kept_out if Path(p) not in paths]
        x_out, y_out, groups_out = evidence_rows(searcher, kept_out)
        all_x = np.vstack([x, x_out]) if len(y_out) else x
        all_y, all_groups = np.concatenate([y, y_out]), np.concatenate([groups, groups_out + len(paths)])
        problem = weigh_problems(all_x, all_y, all_groups, at, weight, asks)
        tactic = weigh_tactics(all_x, all_y, all_groups, at, weight, asks, problem)
        fitted = calibrated_rule(x, y, groups, paths, index.version, at, reading, weight, len(index.vectors), asks,
                                 problem, tactic)
        if args.threshold is not None:
            fitted.about["threshold"] = "kept as given (--threshold), not chosen on these sets"
        if args.write:
            Path(args.write).write_text(json.dumps(fitted.as_json(), indent=2) + "\n", encoding="utf-8")
            print(f"the rule written to {args.write}; `make index` publishes it with the next version")
        return 0
    mean, scale, model = chosen.fit(x, y)
    fitted = NoMatchModel(
        features=chosen.features, mean=tuple(map(float, mean)), scale=tuple(map(float, scale)),
        weights=tuple(float(w) for w in model.coef_[0]), intercept=float(model.intercept_[0]),
        threshold=threshold,
        about={"fitted": date.today().isoformat(), "sets": [str(p) for p in paths], "questions": len(y),
               "answerable": int(y.sum()), "regularisation": chosen.strength,
               "error_across_sets": across, "error_pooled": round(error, 4), "index": index.version},
        intent=reading, passages=len(index.vectors),
    )
    print("  weights on standardised evidence: " + ", ".join(
        f"{f} {w:+.2f}" for f, w in zip(fitted.features, fitted.weights)) + f", intercept {fitted.intercept:+.2f}")
    if args.write:
        Path(args.write).write_text(json.dumps(fitted.as_json(), indent=2) + "\n", encoding="utf-8")
        print(f"written to {args.write}" + ("; `make index` publishes it with the next version"
                                            if Path(args.write) == PACKAGED_MODEL else ""))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
