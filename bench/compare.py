"""What the benchmark compares the knowledge search with.

Exact (flat) and approximate (HNSW) dense indexes over the same passage vectors, recall@k
of the whole search with one against the other, and the textbook pipeline
(sentence-transformers ``encode`` and ``util.semantic_search``).
"""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from bench.measure import header, limit_threads, ms, row, timed
from indexer.build import HNSW_EF_CONSTRUCTION, HNSW_M, ef_search_for
from indexer.embedder import Embedder
from indexer.search import CANDIDATES, KnowledgeIndex, Searcher

__all__ = [
    "K",
    "QueryVectors",
    "Textbook",
    "flat_index",
    "hnsw_index",
    "hnsw_params",
    "with_dense",
    "query_vectors",
    "recall_at_k",
    "measure_as_built",
    "measure_dense",
    "sweep_ef_search",
    "TARGET_RECALL",
]

K = 5
TARGET_RECALL = 0.99  # recall@5 of the whole search with HNSW against exact search
EF_SWEEP = (192, 256, 384, 512, 768, 1024, 1536, 2048)
# Synthetic entries share boilerplate passages, so several entries often tie for a place in
# the top five; an approximate result tied with exact search's fifth counts as found.
TIE = 1e-6


def with_dense(index: KnowledgeIndex, dense: Any) -> KnowledgeIndex:
    """The same loaded index searching ``dense`` (full precision) for the meaning side."""
    other = copy.copy(index)
    other.dense = dense
    other.remeasure = False
    return other


def flat_index(vectors: np.ndarray) -> Any:
    """An exact inner-product index over ``vectors``, ids by row, as the build makes it."""
    import faiss

    dense = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
    dense.add_with_ids(vectors, np.arange(len(vectors), dtype=np.int64))
    return dense


def hnsw_index(vectors: np.ndarray) -> tuple[Any, float]:
    """An HNSW index with the build's parameters over ``vectors``, and seconds to build it."""
    import faiss

    inner = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
    inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    inner.hnsw.efSearch = ef_search_for(len(vectors))
    dense = faiss.IndexIDMap2(inner)
    started = time.perf_counter()
    dense.add_with_ids(vectors, np.arange(len(vectors), dtype=np.int64))
    return dense, time.perf_counter() - started


def hnsw_params(dense: Any) -> Any:
    """The HNSW structure inside an ``IndexIDMap2``, whose ``efSearch`` can be changed."""
    import faiss

    inner: Any = faiss.downcast_index(dense.index)
    return inner.hnsw


class QueryVectors:
    """An embedder that embeds each text once, one at a time, as the bot does.

    Both searches compared for recall see the very same query vector, and ``last`` is the
    vector of the latest question searched, whatever text the search chose to embed for it.
    """

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.last: np.ndarray | None = None
        self._seen: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        for text in texts:
            if text not in self._seen:
                self._seen[text] = self.inner.embed([text])[0]
        out = np.stack([self._seen[text] for text in texts])
        self.last = out[-1]
        return out


def query_vectors(index: KnowledgeIndex, questions: Sequence[str], vectors: QueryVectors) -> np.ndarray:
    """The vector the search embeds for each question, one row per question."""
    searcher = Searcher(index, vectors)
    rows = []
    for question in questions:
        searcher.search(question, k=K)
        if vectors.last is None:
            raise RuntimeError("the search embedded nothing")
        rows.append(vectors.last)
    return np.stack(rows)


def best_similarity(index: KnowledgeIndex, entry_id: str, vector: np.ndarray) -> float:
    """Exact cosine similarity of an entry's best passage to the query vector."""
    position = index.position[entry_id]
    rows = index.passage_ids[index.pointers[position] : index.pointers[position + 1]]
    return float((index.vectors[rows] @ vector).max())


def recall_at_k(
    index: KnowledgeIndex, exact: Any, approximate: Any, questions: Sequence[str], vectors: QueryVectors,
    k: int = K,
) -> tuple[float, float]:
    """Recall@k of the search with the ``approximate`` dense index (the index's own, as built,
    when it is ``index.dense``) against the ``exact`` one.

    Counted per entry, as the officer sees the results. Returns (tie-aware, strict):
    tie-aware also counts an approximate result whose exact best-passage similarity is
    within ``TIE`` of that of exact search's k-th result.
    """
    by_exact = Searcher(with_dense(index, exact), vectors)
    by_approximate = Searcher(index if approximate is index.dense else with_dense(index, approximate), vectors)
    tie_aware, strict = [], []
    for question in questions:
        found = by_approximate.search(question, k=k).results
        wanted = by_exact.search(question, k=k).results
        vector = vectors.last
        if not wanted or vector is None:
            continue
        floor = best_similarity(index, wanted[-1].id, vector)
        wanted_ids = {hit.id for hit in wanted}
        same = sum(hit.id in wanted_ids for hit in found)
        tied = sum(
            hit.id not in wanted_ids and abs(best_similarity(index, hit.id, vector) - floor) <= TIE
            for hit in found
        )
        strict.append(same / len(wanted))
        tie_aware.append(min(same + tied, len(wanted)) / len(wanted))
    return float(np.mean(tie_aware)), float(np.mean(strict))


class Textbook:
    """The textbook pipeline: sentence-transformers ``encode`` and ``util.semantic_search``."""

    def __init__(self, model_dir: Path) -> None:
        import torch
        from sentence_transformers import SentenceTransformer, util

        torch.set_num_threads(1)
        self._torch = torch
        self._util = util
        self.model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        self.corpus: Any = None

    def use(self, vectors: np.ndarray) -> None:
        """Search these passage vectors (shared with the index, not copied)."""
        self.corpus = self._torch.from_numpy(vectors)

    def search(self, question: str) -> list[list[dict[str, Any]]]:
        """The top ``K`` passages for ``question``, as sentence-transformers gives them."""
        query = self.model.encode(question, convert_to_tensor=True, normalize_embeddings=True)
        return self._util.semantic_search(query, self.corpus, top_k=K)


def measure_dense(exact: Any, approximate: Any, warmup: np.ndarray, measured: np.ndarray) -> dict[str, Any]:
    """Dense search alone, one query vector at a time: exact against approximate, p50/p95 in ms."""
    count = min(CANDIDATES, int(exact.ntotal))
    with limit_threads(1):
        flat = timed(lambda v: exact.search(v[None, :], count), warmup, measured)
        hnsw = timed(lambda v: approximate.search(v[None, :], count), warmup, measured)
    return {"flat_p50_ms": flat[0], "flat_p95_ms": flat[1], "hnsw_p50_ms": hnsw[0], "hnsw_p95_ms": hnsw[1],
            "top": count}


def measure_as_built(index: KnowledgeIndex, warmup: np.ndarray, measured: np.ndarray) -> dict[str, float]:
    """The index's own dense search with the closest remeasured, as the search calls it: p50/p95 in ms."""
    count = min(CANDIDATES, len(index.vectors))
    with limit_threads(1):
        p50, p95 = timed(lambda v: index.closest_passages(v, count), warmup, measured)
    return {"built_p50_ms": p50, "built_p95_ms": p95}


def sweep_ef_search(
    index: KnowledgeIndex, exact: Any, approximate: Any, embedder: Embedder, vectors: QueryVectors,
    warmup: Sequence[str], questions: Sequence[str],
) -> list[dict[str, Any]]:
    """Raise efSearch past the configured value until the search's recall@5 reaches the target.

    Returns the figures at each value tried; the configured value is restored afterwards.
    """
    params = hnsw_params(approximate)
    configured = params.efSearch
    searcher = Searcher(with_dense(index, approximate), embedder)
    rows = []
    header("efSearch for the recall target", ["recall@5", "search p95"])
    try:
        for ef in (value for value in EF_SWEEP if value > configured):
            params.efSearch = ef
            with limit_threads(1):
                recall, strict = recall_at_k(index, exact, approximate, questions, vectors)
                _, p95 = timed(lambda q: searcher.search(q, k=K), warmup, questions)
            rows.append({"ef_search": ef, "recall_at_5": recall, "strict_recall_at_5": strict, "query_p95_ms": p95})
            row(f"efSearch={ef} (strict recall {strict:.4f})", [f"{recall:.4f}", ms(p95)])
            if recall >= TARGET_RECALL:
                break
    finally:
        params.efSearch = configured
    return rows
