"""Search benchmark: how fast the "what works" index builds, updates and answers questions.

Officers ask the Prevention First assistant what works against a crime problem; the answer
comes from a hybrid (meaning plus keywords) search over the Hub's knowledge entries. This
benchmark runs that search over synthetic bases of 1,000, 10,000 and 100,000 entries
(``bench.synthetic``) and prints, for each size:

1. **Build throughput**: entries and passages embedded per second. The 1,000 and 10,000
   bases are built from scratch into a fresh folder each run; the 100,000 base is built
   into a folder kept in the work folder, so only the first run embeds it all and later
   runs reuse its vectors, as ``python -m indexer build`` does.
2. **Incremental rebuild** at 10,000: one entry is revised as the Hub would after a
   follow-up review, and the index is rebuilt; only that entry's passages are embedded.
3. **Query latency**, embedding plus search, as the bot runs (the question embedded on up to
   two threads that sleep while they wait, the search on one): our pipeline (ONNX embedder
   with 8-bit weights or full precision, whichever the bot would choose on this machine, see
   ``indexer.query_embedder``,
   ``Searcher.search``) against the textbook one (sentence-transformers ``encode`` and
   ``util.semantic_search`` over the same passage vectors, given the same threads), and ours
   again while another process keeps one core busy. The question's embedding is also timed
   alone in the same rounds, to show how much of the query it takes.
4. **Exact against approximate** nearest-neighbour search (faiss flat against HNSW with the
   build's parameters): dense-search latency, the time to build the HNSW graph, and the
   recall@5 of the whole search with HNSW against exact search, counted per entry. The
   index type the build chose (``indexer.build.APPROXIMATE_ABOVE``) is printed with it.

Bases and the persistent index live in the work folder (``data/bench``, git-ignored) between
runs, so a second ``make bench`` skips generating and embedding them.
"""

from __future__ import annotations

import gc
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

from bench import synthetic
from bench.compare import (
    K,
    TARGET_RECALL,
    QueryVectors,
    Textbook,
    flat_index,
    hnsw_index,
    hnsw_params,
    measure_as_built,
    measure_dense,
    query_vectors,
    recall_at_k,
    sweep_ef_search,
)
from bench.measure import core_kept_busy, header, limit_threads, log, median_round, ms, row, status, timed, verdict
from bench.turn import measure_turns
from indexer.build import (
    APPROXIMATE_ABOVE,
    HNSW_EF_CONSTRUCTION,
    HNSW_M,
    BuildReport,
    build,
    ef_search_for,
    version_dir,
)
from indexer.embedder import Embedder, load_embedder, query_threads, resolve_model
from indexer.query_embedder import timed_query_embedder
from indexer.search import REMEASURED, KnowledgeIndex, Searcher

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (1_000, 10_000, 100_000)
DEFAULT_WORKDIR = Path("data/bench")
MODEL_CACHE = ROOT / "data" / "models"

# Bases up to this size are built from scratch every run; larger ones into a kept folder.
FROM_SCRATCH_UP_TO = 10_000
INCREMENTAL_AT = 10_000
BUILD_THREADS = 2
QUERIES = 300
WARMUP = 20
# Query latency is timed in this many rounds, ours and the textbook's taking turns so both
# meet the same moments of noise from the host; the median round's p50 and p95 are reported.
ROUNDS = 3

TARGET_QUERY_P95_MS = {10_000: 8.0, 100_000: 25.0}
TARGET_SPEEDUP = 1.5
TARGET_INCREMENTAL_S = 5.0
TURN_AT = 10_000
TURNS = 200
TARGET_TURN_P95_MS = 60.0
TARGET_RSS_MB = 800.0


# ---------------------------------------------------------------------------------------
# The bases


def ensure_base(workdir: Path, n: int) -> tuple[Path, float | None]:
    """The synthetic base of ``n`` entries, generated unless a complete one is kept.

    Returns its folder and the seconds spent generating it (None when it was reused).
    """
    folder = workdir / f"kb-{n}"
    if synthetic.is_current(folder, n):
        return folder, None
    shutil.rmtree(folder, ignore_errors=True)  # an interrupted or different base
    started = time.perf_counter()
    synthetic.generate(folder, n)
    return folder, time.perf_counter() - started


# ---------------------------------------------------------------------------------------
# The measurements


def _build_figures(report: BuildReport) -> dict[str, Any]:
    seconds = max(report.seconds, 1e-9)
    everything = report.embedded_passages == report.distinct_passages
    return {
        "seconds": report.seconds,
        "published": report.published,
        "entries": report.entries,
        "passages": report.passages,
        "distinct_passages": report.distinct_passages,
        "embedded_passages": report.embedded_passages,
        "reused_passages": report.reused_passages,
        "entries_per_s": report.entries / seconds if everything else None,
        "passages_per_s": report.embedded_passages / seconds if everything else None,
        "index_type": report.index_type,
        "version": report.version,
    }


def _print_build(figures: dict[str, Any], title: str) -> None:
    header(title)
    counts = (f"{figures['entries']:,} entries: {figures['passages']:,} passages, "
              f"{figures['distinct_passages']:,} distinct")
    if figures["entries_per_s"] is not None:
        row(counts, [f"{figures['seconds']:.1f} s", f"{figures['entries_per_s']:.1f} ent/s",
                      f"{figures['passages_per_s']:.1f} pas/s"])
    elif not figures["published"]:
        row(counts, [f"{figures['seconds']:.1f} s"],
             f"unchanged since the kept build: all {figures['reused_passages']:,} vectors reused, none embedded")
    else:
        row(counts, [f"{figures['seconds']:.1f} s"],
             f"{figures['reused_passages']:,} vectors reused from the kept build, "
             f"{figures['embedded_passages']:,} embedded")


def measure_incremental(base: Path, index_dir: Path, embedder: Embedder, scratch: Path) -> dict[str, Any]:
    """Revise one entry of a copy of ``base`` and time the rebuild into ``index_dir``."""
    edited = scratch / "edited"
    shutil.copytree(base, edited)
    path = synthetic.edit_one(edited)
    report = build(edited, index_dir, embedder, progress=True)
    return {
        "seconds": report.seconds,
        "edited": path.stem,
        "embedded_passages": report.embedded_passages,
        "embedded_entries": report.embedded_entries,
        "reused_passages": report.reused_passages,
    }


def _print_incremental(figures: dict[str, Any]) -> None:
    met = figures["seconds"] <= TARGET_INCREMENTAL_S
    header("incremental rebuild after one entry is revised")
    row(f"{figures['edited']}: {figures['embedded_passages']} passages of {figures['embedded_entries']} "
         f"entry embedded, {figures['reused_passages']:,} reused", [f"{figures['seconds']:.1f} s"],
         f"target <= {TARGET_INCREMENTAL_S:g} s: {verdict(met)}")


def measure_queries(
    index: KnowledgeIndex, embedder: Embedder, textbook: Textbook, warmup: Sequence[str], measured: Sequence[str]
) -> dict[str, Any]:
    """p50/p95 of our search and of the textbook pipeline, on the threads the bot uses."""
    searcher = Searcher(index, embedder)
    textbook.use(index.vectors)
    # As the bot serves an index: what was loaded is kept out of the collector's full sweeps
    # (bot/whatworks.py), so the timings are not those of the builds this process ran first.
    gc.collect()
    gc.freeze()
    # The text the search embeds, so the question embedding can be timed alone beside it.
    embedded = {q: index.meaning_text(q) for q in [*warmup, *measured]}
    ours_rounds, theirs_rounds, embedding_rounds = [], [], []
    for _ in range(ROUNDS):
        with limit_threads(1):  # the search on one thread; the embedder has its own threads
            ours_rounds.append(timed(lambda q: searcher.search(q, k=K), warmup, measured))
            embedding_rounds.append(timed(lambda q: embedder.embed([embedded[q]]), warmup, measured))
        with limit_threads(query_threads()):
            theirs_rounds.append(timed(textbook.search, warmup, measured))
    with limit_threads(1), core_kept_busy():
        busy = timed(lambda q: searcher.search(q, k=K), warmup, measured)
    ours, theirs = median_round(ours_rounds), median_round(theirs_rounds)
    embedding = median_round(embedding_rounds)
    return {
        "query_precision": getattr(embedder, "precision", "float32"),
        "ours_p50_ms": ours[0], "ours_p95_ms": ours[1],
        "embedding_p50_ms": embedding[0], "embedding_p95_ms": embedding[1],
        "textbook_p50_ms": theirs[0], "textbook_p95_ms": theirs[1],
        "textbook_over_ours_p95": theirs[1] / ours[1],
        "busy_p50_ms": busy[0], "busy_p95_ms": busy[1],
        "ours_round_p95_ms": [p95 for _, p95 in ours_rounds],
        "textbook_round_p95_ms": [p95 for _, p95 in theirs_rounds],
    }


def _weights(precision: str | None) -> str:
    """How the question embedder holds its weights, as the bench prints it."""
    return "8-bit weights" if precision == "int8" else "full precision"


def _print_queries(figures: dict[str, Any], size: int) -> None:
    header(f"query latency: embedding ({query_threads()} threads) + search (1), {QUERIES} questions "
            f"after {WARMUP} warm-up, median of {ROUNDS} rounds", ["p50", "p95"])
    target = TARGET_QUERY_P95_MS.get(size)
    note = f"target p95 <= {target:g} ms: {verdict(figures['ours_p95_ms'] <= target)}" if target else ""
    def rounds(key: str) -> str:
        return ", ".join(f"{v:.1f}" for v in figures[key])

    row(f"ours: ONNX embedder ({_weights(figures.get('query_precision'))}, chosen by timing) + hybrid Searcher.search",
         [ms(figures["ours_p50_ms"]), ms(figures["ours_p95_ms"])], note)
    row(f"  p95 of each of the {len(figures['ours_round_p95_ms'])} rounds (ms): {rounds('ours_round_p95_ms')}")
    row("  of which: the question's embedding alone, timed in the same rounds",
         [ms(figures["embedding_p50_ms"]), ms(figures["embedding_p95_ms"])])
    row("textbook: SentenceTransformer.encode + util.semantic_search",
         [ms(figures["textbook_p50_ms"]), ms(figures["textbook_p95_ms"])])
    row(f"  p95 of each round (ms): {rounds('textbook_round_p95_ms')}")
    ratio = figures["textbook_over_ours_p95"]
    row("textbook p95 / ours p95", ["", f"{ratio:.2f}x"],
         f"target >= {TARGET_SPEEDUP:g}x: {verdict(ratio >= TARGET_SPEEDUP)}")
    row("ours, another process keeping one core busy",
         [ms(figures["busy_p50_ms"]), ms(figures["busy_p95_ms"])])


def _print_dense(figures: dict[str, Any], vectors: int) -> None:
    header(f"dense search alone: top {figures['top']} of {vectors:,} passage vectors, 1 thread", ["p50", "p95"])
    row("exact: IndexFlatIP", [ms(figures["flat_p50_ms"], 2), ms(figures["flat_p95_ms"], 2)])
    if "built_p50_ms" in figures:
        row(f"as built: exact in 8-bit integers, top {figures['top'] * REMEASURED} remeasured",
             [ms(figures["built_p50_ms"], 2), ms(figures["built_p95_ms"], 2)])
    row(f"approximate: IndexHNSWFlat M={HNSW_M} efConstruction={HNSW_EF_CONSTRUCTION} "
         f"efSearch={ef_search_for(vectors)}",
         [ms(figures["hnsw_p50_ms"], 2), ms(figures["hnsw_p95_ms"], 2)])
    row(f"building the HNSW graph, {BUILD_THREADS} threads", [f"{figures['hnsw_build_s']:.1f} s"])


def bench_size(
    n: int, workdir: Path, build_embedder: Embedder, query_embedder: Embedder, textbook: Textbook,
    questions: Sequence[str],
) -> dict[str, Any]:
    """Every figure for a base of ``n`` entries."""
    figures: dict[str, Any] = {"size": n}
    log(f"\n{n:,} entries")
    base, generated = ensure_base(workdir, n)
    log(f"  base {base}: " + (f"generated in {generated:.1f} s" if generated is not None else "kept from a previous run"))

    with tempfile.TemporaryDirectory(prefix=f"bench-search-{n}-") as scratch_name:
        scratch = Path(scratch_name)
        if n <= FROM_SCRATCH_UP_TO:
            index_dir, title = scratch / "index", f"full build from scratch, embedding on {BUILD_THREADS} threads"
        else:
            index_dir = workdir / f"index-{n}"
            title = f"build into the kept folder {index_dir.name}, embedding on {BUILD_THREADS} threads"
        status(f"building {n:,} entries into {index_dir}")
        with limit_threads(BUILD_THREADS):
            report = build(base, index_dir, build_embedder, progress=True)
        figures["build"] = _build_figures(report)
        _print_build(figures["build"], title)

        if n == INCREMENTAL_AT:
            status("revising one entry and rebuilding")
            with limit_threads(BUILD_THREADS):
                figures["incremental"] = measure_incremental(base, index_dir, build_embedder, scratch)
            _print_incremental(figures["incremental"])

        index = KnowledgeIndex(version_dir(index_dir, report.version))
        chosen = str(index.meta["index_type"])
        figures["index_type"] = chosen
        header(f"index type chosen by the build: {chosen} ({len(index.vectors):,} distinct passages; "
                f"HNSW above {APPROXIMATE_ABOVE:,})")

        warmup, measured = questions[:WARMUP], questions[WARMUP:]
        status("timing questions")
        figures["query"] = measure_queries(index, query_embedder, textbook, warmup, measured)
        _print_queries(figures["query"], n)

        if n == TURN_AT:
            status("starting the bot on this index and asking through /api/messages")
            turns = measure_turns(index_dir, list(questions[: WARMUP + TURNS]), warmup=WARMUP)
            figures["turn"] = {"p50_ms": turns.p50_ms, "p95_ms": turns.p95_ms, "rss_mb": turns.rss_mb,
                               "peak_rss_mb": turns.peak_rss_mb}
            header(f"what-works turn through POST /api/messages (expectReplies), {TURNS} questions, "
                    "python -m bot", ["p50", "p95"])
            row("question in, answer card out", [ms(turns.p50_ms), ms(turns.p95_ms)],
                 f"target p95 <= {TARGET_TURN_P95_MS:g} ms: {verdict(turns.p95_ms <= TARGET_TURN_P95_MS)}")
            row(f"bot resident memory after the turns (peak {turns.peak_rss_mb:,.0f} MB)",
                 [f"{turns.rss_mb:,.0f} MB"], f"target <= {TARGET_RSS_MB:g} MB: {verdict(turns.rss_mb <= TARGET_RSS_MB)}")

        vectors = QueryVectors(query_embedder)
        with limit_threads(1):
            searched = query_vectors(index, questions, vectors)
        exact = flat_index(index.vectors)
        status(f"building an HNSW graph over {len(index.vectors):,} vectors")
        with limit_threads(BUILD_THREADS):
            hnsw, graph_seconds = hnsw_index(index.vectors)
        figures["dense"] = measure_dense(exact, hnsw, searched[:WARMUP], searched[WARMUP:])
        figures["dense"]["hnsw_build_s"] = graph_seconds
        if chosen == "flat":
            figures["dense"].update(measure_as_built(index, searched[:WARMUP], searched[WARMUP:]))
        _print_dense(figures["dense"], len(index.vectors))

        if chosen == "hnsw":
            approximate = index.dense
            which = f"the search as built (HNSW, efSearch={hnsw_params(approximate).efSearch})"
        else:
            approximate = hnsw
            which = f"the search with the HNSW above instead (efSearch={ef_search_for(len(index.vectors))})"
        status("comparing the search with HNSW against exact search")
        with limit_threads(1):
            recall, strict = recall_at_k(index, exact, approximate, measured, vectors)
            if chosen == "flat":
                as_built = recall_at_k(index, exact, index.dense, measured, vectors)
                figures["as_built_recall"] = {"recall_at_5": as_built[0], "strict_recall_at_5": as_built[1]}
        figures["recall"] = {"recall_at_5": recall, "strict_recall_at_5": strict,
                             "ef_search": int(hnsw_params(approximate).efSearch), "as_built": chosen == "hnsw"}
        header(f"recall@5 per entry against exact search, {QUERIES} questions")
        row(f"{which}; strict {strict:.4f}", [f"{recall:.4f}"],
             f"target >= {TARGET_RECALL:g}: {verdict(recall >= TARGET_RECALL)}")
        if "as_built_recall" in figures:
            built = figures["as_built_recall"]
            row(f"the search as built; strict {built['strict_recall_at_5']:.4f}", [f"{built['recall_at_5']:.4f}"])
        if recall < TARGET_RECALL:
            figures["ef_sweep"] = sweep_ef_search(index, exact, approximate, query_embedder, vectors, warmup, measured)
    return figures


def _print_targets(results: Sequence[dict[str, Any]]) -> None:
    rows: list[tuple[str, str, str, bool]] = []
    for figures in results:
        n = figures["size"]
        target = TARGET_QUERY_P95_MS.get(n)
        if target is not None:
            p95 = figures["query"]["ours_p95_ms"]
            rows.append((f"query p95 at {n:,}", f"{p95:.1f} ms", f"<= {target:g} ms", p95 <= target))
        if n == 10_000:
            ratio = figures["query"]["textbook_over_ours_p95"]
            rows.append((f"textbook p95 / ours p95 at {n:,}", f"{ratio:.2f}x", f">= {TARGET_SPEEDUP:g}x",
                         ratio >= TARGET_SPEEDUP))
        if "turn" in figures:
            turn = figures["turn"]
            rows.append((f"what-works turn p95 at {n:,}", f"{turn['p95_ms']:.1f} ms", f"<= {TARGET_TURN_P95_MS:g} ms",
                         turn["p95_ms"] <= TARGET_TURN_P95_MS))
            rows.append((f"bot resident memory at {n:,}", f"{turn['rss_mb']:,.0f} MB", f"<= {TARGET_RSS_MB:g} MB",
                         turn["rss_mb"] <= TARGET_RSS_MB))
        if "incremental" in figures:
            seconds = figures["incremental"]["seconds"]
            rows.append((f"incremental rebuild at {n:,}", f"{seconds:.1f} s", f"<= {TARGET_INCREMENTAL_S:g} s",
                         seconds <= TARGET_INCREMENTAL_S))
        if n == 100_000:
            recall = figures["recall"]["recall_at_5"]
            rows.append((f"recall@5 at {n:,}", f"{recall:.4f}", f">= {TARGET_RECALL:g}", recall >= TARGET_RECALL))
    if rows:
        log("\ntargets")
        for name, value, goal, met in rows:
            log(f"  {name:<36}{value:>10}   {goal:<10}{verdict(met)}")


def run_search_bench(sizes: Sequence[int] = DEFAULT_SIZES, workdir: Path = DEFAULT_WORKDIR) -> list[dict[str, Any]]:
    """Print the search figures for each base size and return them, one dict per size."""
    workdir = Path(workdir)
    if not workdir.is_absolute():
        workdir = ROOT / workdir
    workdir.mkdir(parents=True, exist_ok=True)
    log(f"\nknowledge search over synthetic bases ({workdir}); builds embed on {BUILD_THREADS} threads, "
         f"questions on {query_threads()} (sleeping while they wait)")
    status("loading the embedders and the textbook model")
    build_embedder = load_embedder(None, cache_dir=MODEL_CACHE, threads=BUILD_THREADS)
    query_embedder, medians = timed_query_embedder(None, cache_dir=MODEL_CACHE)
    if medians:
        log("  question embedder chosen by timing the probe questions (median per question): "
            f"8-bit weights {medians['int8']:.2f} ms, full precision {medians['float32']:.2f} ms; "
            f"{_weights(getattr(query_embedder, 'precision', None))} chosen")
    textbook = Textbook(resolve_model(None))
    questions = synthetic.queries(WARMUP + QUERIES)
    results = [
        bench_size(n, workdir, build_embedder, query_embedder, textbook, questions) for n in sizes
    ]
    _print_targets(results)
    return results
