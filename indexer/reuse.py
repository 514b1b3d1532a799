"""What a build takes over from the version being served.

A passage whose text (and model) is unchanged keeps its vector, and an HNSW graph keeps its
rows, adding only new passages; files parsed before are not parsed again, and the count of
entries using each word is adjusted rather than counted afresh.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import orjson

from indexer.chunks import CHUNKER_VERSION, lexical_text, passages
from indexer.entries import Entry, ParseCache
from indexer.lexical import analyse
from indexer.taxonomy import Taxonomy
from indexer.versions import FORMAT, current_version, version_dir

__all__ = [
    "Previous",
    "ReadThrough",
    "cache_key",
    "compact",
    "derived_fields",
    "entry_vocabulary",
    "previous_parse_cache",
    "previous_version",
    "reuse_graph",
]

Vectors = npt.NDArray[np.float32]
Rows = npt.NDArray[np.int64]

# An edited base keeps its HNSW graph and adds only new passages to it, until the rows no
# entry uses any more are this share of the graph; then the graph is built afresh.
STALE_ROWS_AT_MOST = 0.10


@dataclass
class Previous:
    """The served version's passages, row by row, and where its HNSW graph is (if it has one)."""

    hashes: list[str] = field(default_factory=list)
    vectors: Vectors | None = None
    graph: Path | None = None

    @property
    def by_hash(self) -> dict[str, Vectors]:
        """Each passage's vector by the hash of its text."""
        return dict(zip(self.hashes, self.vectors)) if self.vectors is not None else {}


def previous_version(index_dir: Path, fingerprint: str) -> Previous:
    """The served version's passages, if it was built with the same model and format."""
    version = current_version(index_dir)
    if version is None:
        return Previous()
    folder = version_dir(index_dir, version)
    try:
        meta = json.loads((folder / "meta.json").read_text())
        if meta.get("model_fingerprint") != fingerprint or meta.get("format") != FORMAT:
            return Previous()
        hashes: list[str] = orjson.loads((folder / "passage_hashes.json").read_bytes())
        vectors: Vectors = np.load(folder / "vectors.npy")
    except (OSError, ValueError, KeyError):
        return Previous()  # an unreadable previous version: embed everything again
    graph = folder / "dense.faiss"
    return Previous(hashes, vectors, graph if graph.is_file() and meta.get("index_type") == "hnsw" else None)


def reuse_graph(
    previous: Previous, keys: list[str], vectors: Vectors, ef_search: int
) -> tuple[Any, list[str], Vectors, Rows] | None:
    """The served HNSW graph with only the new passages added, when that is worth it.

    Rows keep their numbers from version to version: a passage seen before keeps its row,
    a new one is added at the end, and the rows of passages no entry uses any more stay in
    the graph unreferenced (a search drops them, as no entry owns them). Once they are more
    than ``STALE_ROWS_AT_MOST`` of the graph, or the graph is not there, the graph is built
    afresh (None).

    Returns (graph, hashes by row, vectors by row, new row of each current row) or None.
    """
    import faiss

    if previous.graph is None or previous.vectors is None:
        return None
    old_rows = {h: row for row, h in enumerate(previous.hashes)}
    new_keys = [k for k in keys if k not in old_rows]
    total = len(previous.hashes) + len(new_keys)
    if total - len(keys) > STALE_ROWS_AT_MOST * total:
        return None
    try:
        # Any: faiss's wrappers do not type the attributes of the index read back.
        graph: Any = faiss.read_index(str(previous.graph))
    except RuntimeError:
        return None
    rows = dict(old_rows)
    for n, key in enumerate(new_keys):
        rows[key] = len(previous.hashes) + n
    remap = np.array([rows[k] for k in keys], dtype=np.int64)
    fresh = np.array([i for i, k in enumerate(keys) if k not in old_rows], dtype=np.int64)
    if len(fresh):
        graph.add_with_ids(vectors[fresh], remap[fresh])
    inner: Any = faiss.downcast_index(graph.index)
    inner.hnsw.efSearch = ef_search
    all_vectors = np.concatenate([previous.vectors, vectors[fresh]]) if len(fresh) else previous.vectors
    return graph, previous.hashes + new_keys, all_vectors, remap


def cache_key(entry: Entry, taxonomy: Taxonomy) -> str:
    """The parse cache's key for an entry: its content under this taxonomy."""
    return f"{entry.content_hash}:{taxonomy.fingerprint}"


def derived_fields(entry: Entry, taxonomy: Taxonomy, cache: ParseCache) -> dict[str, Any]:
    """An entry's passages (with their hashes), BM25 terms and distinct words: computed once
    per version of the file and kept in the parse cache with it (entries read back from the
    cache carry no body: these are what the build uses it for)."""
    record = cache.get(cache_key(entry, taxonomy))
    if record is not None and "passages" in record:
        return record
    texts = passages(entry, taxonomy)
    terms, words = analyse(lexical_text(entry, taxonomy))
    words = list(dict.fromkeys(words))  # the vocabulary counts entries using a word
    derived: dict[str, Any] = {
        "passages": [(text, hashlib.sha256(text.encode()).hexdigest()) for text in texts],
        "terms": " ".join(terms),  # one string each: much quicker to store and read back
        "words": " ".join(words),
    }
    if record is not None:
        record.update(derived)
    return derived


def compact(cache: ParseCache) -> ParseCache:
    """The cache as stored: an entry's body is kept only as its passages and terms."""
    out: ParseCache = {}
    for key, record in cache.items():
        if record.get("entry") and "passages" in record:
            record = {**record, "entry": {**record["entry"], "body": "", "sections": []}}
        out[key] = record
    return out


def previous_parse_cache(index_dir: Path) -> ParseCache:
    """The served version's parse cache, if it was written by this format and chunker."""
    version = current_version(index_dir)
    if version is None:
        return {}
    folder = version_dir(index_dir, version)
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or meta.get("chunker") != CHUNKER_VERSION:
            return {}
        cache = orjson.loads((folder / "parse_cache.json").read_bytes())
    except (OSError, ValueError):
        return {}
    return cast(ParseCache, cache) if isinstance(cache, dict) else {}


def entry_vocabulary(index_dir: Path, keys: list[str], previous: ParseCache, fresh: ParseCache) -> Counter[str]:
    """How many entries use each word. Worked out from the served version's counts by
    taking off the entries that changed or went and adding the new ones; counted afresh
    when there is no served version to start from."""
    def words(record: dict[str, Any]) -> list[str]:
        text: str = record["words"]
        return text.split()

    served = current_version(index_dir)
    try:
        stored = orjson.loads((version_dir(index_dir, served) / "entry_vocabulary.json").read_bytes()) if served else None
    except (OSError, ValueError):
        stored = None
    now = Counter(keys)
    if stored is not None:
        before = Counter(stored["keys"])
        gone, added = before - now, now - before
        if all(key in previous and "words" in previous[key] for key in gone):
            counts: Counter[str] = Counter(stored["counts"])
            for key, times in gone.items():
                for word in words(previous[key]):
                    counts[word] -= times
            for key, times in added.items():
                for word in words(fresh[key]):
                    counts[word] += times
            return +counts  # drops words no entry uses any more
    counts = Counter[str]()
    for key, times in now.items():
        for word in words(fresh[key]):
            counts[word] += times
    return counts


class ReadThrough(dict[str, dict[str, Any]]):
    """Parsed files: looked up in the previous build's cache, kept for the next build."""

    def __init__(self, previous: ParseCache, fresh: ParseCache) -> None:
        super().__init__()
        self.previous, self.fresh = previous, fresh

    def get(self, key: str, default: dict[str, Any] | None = None) -> dict[str, Any] | None:  # type: ignore[override]  # one signature for dict.get's overloads
        found = self.previous.get(key)
        if found is not None:
            self.fresh[key] = found
            return found
        return default

    def __setitem__(self, key: str, value: dict[str, Any]) -> None:
        self.fresh[key] = value
