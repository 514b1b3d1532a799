"""``python -m eval`` (``make eval``): how well the search answers the labelled questions.

Reads ``eval/questions.yaml`` (officers' questions with graded relevance), searches the
published index exactly as the bot does, and prints:

- nDCG@5 over the answerable questions (gain 2^grade - 1, ideal ordering from the labels);
- Recall@5: the share of the relevant entries found in the top five, out of at most five;
- MRR: the mean of 1 / rank of the first relevant entry (0 when none is in the top ten);
- abstention: the share of answerable questions wrongly given "no good match", and the
  share of unanswerable questions correctly given it;
- a sweep of the no-good-match threshold on the match score (similarity plus keyword
  evidence), which is how ``NO_MATCH_BELOW`` was chosen;
- the same figures on each held-out set (``eval/heldout.yaml``, officers' slang questions, and
  ``eval/heldout_officers.yaml``, officers' own words with typos, abbreviations and HR
  questions), each written without seeing the tuned set, the slang glossary or the search:
  how the search does on wording nobody tuned for. For every set, bootstrap 95% intervals
  (2,000 resamples of its questions) and "served" nDCG@5, where an answerable question
  wrongly refused counts as 0 - what officers actually get with the no-match decision.

``--min-ndcg`` and the abstention limits make it exit 1 when quality falls below target.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import yaml

from indexer.embedder import load_query_embedder
from indexer.search import KnowledgeIndex, Searcher

K = 5


@dataclass
class Question:
    id: str
    text: str
    relevant: dict[str, int]
    crime_type: str | None
    kind: str | None
    notes: str


@dataclass
class Outcome:
    question: Question
    ranked: list[str]
    match_score: float
    no_good_match: bool


def load_questions(path: Path) -> list[Question]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Question(q["id"], q["text"], dict(q.get("relevant") or {}), q.get("crime_type"), q.get("kind"),
                 str(q.get("notes") or ""))
        for q in data["questions"]
    ]


def ndcg(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    gains = [(2 ** relevant.get(entry, 0) - 1) / math.log2(i + 2) for i, entry in enumerate(ranked[:k])]
    ideal = [(2 ** grade - 1) / math.log2(i + 2) for i, grade in enumerate(sorted(relevant.values(), reverse=True)[:k])]
    return sum(gains) / sum(ideal) if ideal else 0.0


def recall(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    found = sum(1 for entry in ranked[:k] if relevant.get(entry, 0) > 0)
    return found / min(k, len(relevant)) if relevant else 0.0


def reciprocal_rank(ranked: list[str], relevant: dict[str, int]) -> float:
    for i, entry in enumerate(ranked):
        if relevant.get(entry, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def run(searcher: Searcher, questions: list[Question]) -> list[Outcome]:
    outcomes = []
    for q in questions:
        result = searcher.search(q.text, k=10, crime_type=q.crime_type, kind=q.kind)
        outcomes.append(Outcome(q, [h.id for h in result.results], result.match_score, result.no_good_match))
    return outcomes


@dataclass
class Figures:
    ndcg: float
    recall: float
    mrr: float
    answerable_refused: float
    unanswerable_refused: float
    answerable: int
    unanswerable: int


def figures(outcomes: list[Outcome], threshold: float | None = None) -> Figures:
    answerable = [o for o in outcomes if o.question.relevant]
    unanswerable = [o for o in outcomes if not o.question.relevant]

    def refused(o: Outcome) -> bool:
        return o.no_good_match if threshold is None else o.match_score < threshold

    def mean(values: Sequence[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    return Figures(
        ndcg=mean([ndcg(o.ranked, o.question.relevant) for o in answerable]),
        recall=mean([recall(o.ranked, o.question.relevant) for o in answerable]),
        mrr=mean([reciprocal_rank(o.ranked, o.question.relevant) for o in answerable]),
        answerable_refused=mean([refused(o) for o in answerable]),
        unanswerable_refused=mean([refused(o) for o in unanswerable]),
        answerable=len(answerable),
        unanswerable=len(unanswerable),
    )


def served_ndcg(o: Outcome) -> float:
    """nDCG@5 as the officer gets it: 0 when the answerable question was refused."""
    return 0.0 if o.no_good_match else ndcg(o.ranked, o.question.relevant)


def interval(values: Sequence[float], resamples: int = 2000, seed: int = 7) -> tuple[float, float, float]:
    """The mean of ``values`` and its bootstrap 95% interval (percentiles of resampled means)."""
    if not values:
        return 0.0, 0.0, 0.0
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(values[rng.randrange(n)] for _ in range(n)) / n for _ in range(resamples))
    return sum(values) / n, means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]


def report_set(name: str, outcomes: list[Outcome]) -> None:
    """Every figure of one question set, with its bootstrap 95% interval."""
    answerable = [o for o in outcomes if o.question.relevant]
    unanswerable = [o for o in outcomes if not o.question.relevant]
    rows = [
        ("nDCG@5 (ranking, no-match decision ignored)", [ndcg(o.ranked, o.question.relevant) for o in answerable]),
        ("nDCG@5 served (a refused answerable counts 0)", [served_ndcg(o) for o in answerable]),
        ("Recall@5", [recall(o.ranked, o.question.relevant) for o in answerable]),
        ("MRR", [reciprocal_rank(o.ranked, o.question.relevant) for o in answerable]),
        ("answerable wrongly refused", [float(o.no_good_match) for o in answerable]),
        ("unanswerable correctly refused", [float(o.no_good_match) for o in unanswerable]),
    ]
    print(f"{name}: {len(answerable)} answerable, {len(unanswerable)} unanswerable")
    for label, values in rows:
        mean, low, high = interval(values)
        print(f"  {label:<47} {mean:6.3f}  [{low:.3f}, {high:.3f}]")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", default="eval/questions.yaml")
    parser.add_argument("--heldout", nargs="*", default=["eval/heldout.yaml", "eval/heldout_officers.yaml"],
                        help="held-out sets, written without seeing the first, the slang glossary or the search; "
                             "printed for comparison, never tuned on (none to leave them out)")
    parser.add_argument("--index", default=os.environ.get("INDEX_DIR") or "data/index")
    parser.add_argument("--models", default=os.environ.get("MODEL_CACHE_DIR") or "data/models")
    parser.add_argument("--verbose", action="store_true", help="list each question that misses")
    parser.add_argument("--min-ndcg", type=float, default=0.90)
    parser.add_argument("--max-answerable-refused", type=float, default=0.05)
    parser.add_argument("--min-unanswerable-refused", type=float, default=0.90)
    args = parser.parse_args(argv)

    index = KnowledgeIndex.load_current(Path(args.index))
    searcher = Searcher(index, load_query_embedder(os.environ.get("EMBEDDING_MODEL"), cache_dir=args.models,
                                                   precision=os.environ.get("QUERY_PRECISION") or "int8"))
    questions = load_questions(Path(args.questions))
    outcomes = run(searcher, questions)
    result = figures(outcomes)

    print(f"{len(questions)} questions ({result.answerable} answerable, {result.unanswerable} unanswerable), "
          f"index {index.version}, {index.meta['entries']} entries")
    print(f"  nDCG@5   {result.ndcg:.3f}")
    print(f"  Recall@5 {result.recall:.3f}")
    print(f"  MRR      {result.mrr:.3f}")
    print(f"  answerable wrongly refused     {result.answerable_refused:6.1%}")
    print(f"  unanswerable correctly refused {result.unanswerable_refused:6.1%}")
    by_note: dict[str, list[Outcome]] = {}
    for o in outcomes:
        if o.question.relevant:
            by_note.setdefault(o.question.notes.split()[0] if o.question.notes else "other", []).append(o)
    ranks = figures(run(Searcher(index, searcher.embedder, fusion="ranks"), questions))
    print(f"  the same search fused by rank instead of by score: nDCG@5 {ranks.ndcg:.3f}, "
          f"Recall@5 {ranks.recall:.3f}, MRR {ranks.mrr:.3f}")
    print("  nDCG@5 by wording: " + ", ".join(
        f"{note} {figures(group).ndcg:.3f} (n={len(group)})" for note, group in sorted(by_note.items())))
    print(f"  no-good-match threshold (match score below): {searcher.no_match_below:.3f}; sweep:")
    for step in range(-10, 11):
        t = round(searcher.no_match_below + step / 100, 3)
        f = figures(outcomes, t)
        print(f"    {t:.3f}: answerable refused {f.answerable_refused:6.1%}, "
              f"unanswerable refused {f.unanswerable_refused:6.1%}")
    if args.verbose:
        for o in outcomes:
            q = o.question
            if q.relevant and (ndcg(o.ranked, q.relevant) < 0.7 or o.no_good_match):
                print(f"  {q.id} nDCG {ndcg(o.ranked, q.relevant):.2f} match {o.match_score:.2f} "
                      f"{'REFUSED ' if o.no_good_match else ''}{q.text!r} -> {o.ranked[:5]} want "
                      f"{sorted(q.relevant, key=lambda e: -q.relevant[e])[:4]}")
            if not q.relevant and not o.no_good_match:
                print(f"  {q.id} answered unanswerable match {o.match_score:.2f} {q.text!r} -> {o.ranked[:2]}")
    print("With bootstrap 95% intervals:")
    report_set(f"tuned set {args.questions}", outcomes)
    for path in (Path(p) for p in args.heldout):
        if path.is_file():
            report_set(f"held-out set {path} (never tuned on)", run(searcher, load_questions(path)))
    ok = (result.ndcg >= args.min_ndcg and result.answerable_refused <= args.max_answerable_refused
          and result.unanswerable_refused >= args.min_unanswerable_refused)
    print("targets met" if ok else "below target")
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
