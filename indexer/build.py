"""Building and publishing a version of the knowledge index.

A build reads the knowledge folder, validates it, embeds each passage, and writes a new
version folder under ``INDEX_DIR/versions``. ``INDEX_DIR/CURRENT`` names the version the
bot serves; it is replaced in one atomic rename only after the new version is complete, so
a failed or interrupted build leaves the previous version serving.

Builds are incremental: a passage whose text (and model) is unchanged reuses its vector
from the version being served, so editing one entry re-embeds only that entry's passages.
Identical passages (boilerplate shared by many entries) are embedded and stored once.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import numpy as np
import orjson

from indexer.chunks import CHUNKER_VERSION, lexical_text, passages
from indexer.embedder import Embedder, model_fingerprint, resolve_model
from indexer.entries import Entry, LoadResult, ParseCache, Problem, load_entries
from indexer.lexical import analyse, build_lexical
from indexer.slang import Slang, slang_path
from indexer.spelling import vocabulary
from indexer.taxonomy import Taxonomy, taxonomy_path

FORMAT = 2
KEEP_VERSIONS = 3
# Above this many distinct passages the dense index is approximate (HNSW); below it every
# passage is compared with the query. `make bench` prints both at each size, and the
# approximate index's recall against exact search, which is where this figure comes from:
# at 2,206 passages exact search was quicker (p95 0.23 against 0.46 ms), at 17,751 HNSW was
# (0.6 against 3.3 ms) with recall@5 1.000. A base of about 1,500 real entries stays exact.
APPROXIMATE_ABOVE = 8_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 384
# A graph of a few tens of thousands of passages needs a shorter search for the same recall:
# at 17,751 passages, passage recall@5 against exact search was 0.998 with 384, 0.994 with
# 256 (dense search p50 0.77 -> 0.49 ms) and 0.989 with 128; larger graphs keep 384.
HNSW_EF_SEARCH_SMALL = 256
HNSW_SMALL_UP_TO = 50_000


# An edited base keeps its HNSW graph and adds only new passages to it, until the rows no
# entry uses any more are this share of the graph; then the graph is built afresh.
STALE_ROWS_AT_MOST = 0.10


def ef_search_for(count: int) -> int:
    """How wide the HNSW search is for a graph of ``count`` passages."""
    return HNSW_EF_SEARCH_SMALL if count <= HNSW_SMALL_UP_TO else HNSW_EF_SEARCH


class BuildError(RuntimeError):
    """The build cannot produce an index; the version being served is untouched."""


@dataclass
class BuildReport:
    version: str
    published: bool
    entries: int
    files: int
    passages: int
    distinct_passages: int
    embedded_passages: int
    reused_passages: int
    embedded_entries: int
    seconds: float
    problems: list[Problem] = field(default_factory=list)
    index_type: str = "flat"

    @property
    def summary(self) -> str:
        state = "published" if self.published else "unchanged, still serving"
        return (
            f"index {self.version} {state}: {self.entries} entries from {self.files} files, "
            f"{self.passages} passages ({self.embedded_passages} embedded, {self.reused_passages} reused, "
            f"{self.embedded_entries} entries re-embedded), {len(self.problems)} problems, {self.seconds:.1f} s"
        )


def current_version(index_dir: Path) -> str | None:
    """The version named by ``INDEX_DIR/CURRENT``, if it exists and is complete."""
    try:
        name = (Path(index_dir) / "CURRENT").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if name and (Path(index_dir) / "versions" / name / "meta.json").is_file():
        return name
    return None


def version_dir(index_dir: Path, version: str) -> Path:
    return Path(index_dir) / "versions" / version


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BuildError(f"another build of {index_dir} is running; try again when it finishes") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class _Previous:
    """The served version's passages, row by row, and where its HNSW graph is (if it has one)."""

    hashes: list[str] = field(default_factory=list)
    vectors: np.ndarray | None = None
    graph: Path | None = None

    @property
    def by_hash(self) -> dict[str, np.ndarray]:
        return dict(zip(self.hashes, self.vectors)) if self.vectors is not None else {}


def _previous(index_dir: Path, fingerprint: str) -> _Previous:
    version = current_version(index_dir)
    if version is None:
        return _Previous()
    folder = version_dir(index_dir, version)
    try:
        meta = json.loads((folder / "meta.json").read_text())
        if meta.get("model_fingerprint") != fingerprint or meta.get("format") != FORMAT:
            return _Previous()
        hashes = orjson.loads((folder / "passage_hashes.json").read_bytes())
        vectors = np.load(folder / "vectors.npy")
    except (OSError, ValueError, KeyError):
        return _Previous()  # an unreadable previous version: embed everything again
    graph = folder / "dense.faiss"
    return _Previous(hashes, vectors, graph if graph.is_file() and meta.get("index_type") == "hnsw" else None)


def _reuse_graph(previous: _Previous, keys: list[str], vectors: np.ndarray, ef_search: int):  # type: ignore[no-untyped-def]
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
        graph = faiss.read_index(str(previous.graph))
    except RuntimeError:
        return None
    rows = {k: old_rows.get(k) for k in keys}
    for n, key in enumerate(new_keys):
        rows[key] = len(previous.hashes) + n
    remap = np.array([rows[k] for k in keys], dtype=np.int64)
    fresh = np.array([i for i, k in enumerate(keys) if k not in old_rows], dtype=np.int64)
    if len(fresh):
        graph.add_with_ids(vectors[fresh], remap[fresh])
    faiss.downcast_index(graph.index).hnsw.efSearch = ef_search
    all_vectors = np.concatenate([previous.vectors, vectors[fresh]]) if len(fresh) else previous.vectors
    return graph, previous.hashes + new_keys, all_vectors, remap


def _cache_key(entry: Entry, taxonomy: Taxonomy) -> str:
    return f"{entry.content_hash}:{taxonomy.fingerprint}"


def _derived(entry: Entry, taxonomy: Taxonomy, cache: ParseCache) -> dict:
    """An entry's passages (with their hashes), BM25 terms and distinct words: computed once
    per version of the file and kept in the parse cache with it (entries read back from the
    cache carry no body: these are what the build uses it for)."""
    record = cache.get(_cache_key(entry, taxonomy))
    if record is not None and "passages" in record:
        return record
    texts = passages(entry, taxonomy)
    terms, words = analyse(lexical_text(entry, taxonomy))
    words = list(dict.fromkeys(words))  # the vocabulary counts entries using a word
    derived = {
        "passages": [(text, hashlib.sha256(text.encode()).hexdigest()) for text in texts],
        "terms": " ".join(terms),  # one string each: much quicker to store and read back
        "words": " ".join(words),
    }
    if record is not None:
        record.update(derived)
    return derived


def _compact(cache: ParseCache) -> ParseCache:
    """The cache as stored: an entry's body is kept only as its passages and terms."""
    out: ParseCache = {}
    for key, record in cache.items():
        if record.get("entry") and "passages" in record:
            record = {**record, "entry": {**record["entry"], "body": "", "sections": []}}
        out[key] = record
    return out


def _previous_parse_cache(index_dir: Path) -> ParseCache:
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
    return cache if isinstance(cache, dict) else {}


def _entry_vocabulary(index_dir: Path, keys: list[str], previous: ParseCache, fresh: ParseCache) -> Counter[str]:
    """How many entries use each word. Worked out from the served version's counts by
    taking off the entries that changed or went and adding the new ones; counted afresh
    when there is no served version to start from."""
    def words(record: dict) -> list[str]:
        return record["words"].split()

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
    counts = Counter()
    for key, times in now.items():
        for word in words(fresh[key]):
            counts[word] += times
    return counts


class _ReadThrough(dict):
    """Parsed files: looked up in the previous build's cache, kept for the next build."""

    def __init__(self, previous: ParseCache, fresh: ParseCache) -> None:
        super().__init__()
        self.previous, self.fresh = previous, fresh

    def get(self, key, default=None):  # type: ignore[no-untyped-def, override]
        found = self.previous.get(key)
        if found is not None:
            self.fresh[key] = found
            return found
        return default

    def __setitem__(self, key, value) -> None:  # type: ignore[no-untyped-def]
        self.fresh[key] = value


def _source_hash(result: LoadResult, taxonomy_file: Path, fingerprint: str, slang_file: Path | None) -> str:
    digest = hashlib.sha256(f"{FORMAT}:{CHUNKER_VERSION}:{fingerprint}".encode())
    digest.update(taxonomy_file.read_bytes())
    digest.update(b"\0" + (slang_file.read_bytes() if slang_file else b""))
    for entry in sorted(result.entries, key=lambda e: e.id):
        digest.update(f"{entry.path}\0{entry.content_hash}\0".encode())
    for problem in result.problems:  # a newly broken file changes what the version reports
        digest.update(f"{problem}\0".encode())
    return digest.hexdigest()


def _dense_index(vectors: np.ndarray):
    import faiss

    dimension = vectors.shape[1]
    if len(vectors) > APPROXIMATE_ABOVE:
        inner = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        inner.hnsw.efSearch = ef_search_for(len(vectors))
        kind = "hnsw"
    else:
        inner = faiss.IndexFlatIP(dimension)
        kind = "flat"
    index = faiss.IndexIDMap2(inner)
    index.add_with_ids(vectors, np.arange(len(vectors), dtype=np.int64))
    return index, kind


def _csr(lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    pointers = np.zeros(len(lists) + 1, dtype=np.int64)
    pointers[1:] = np.cumsum([len(items) for items in lists])
    flat = np.fromiter((i for items in lists for i in items), dtype=np.int64, count=int(pointers[-1]))
    return pointers, flat


def build(
    source: Path,
    index_dir: Path,
    embedder: Embedder,
    *,
    model: str | None = None,
    progress: bool = False,
    force: bool = False,
    fallback_taxonomy: Path = Path("knowledge/taxonomy.yaml"),
    fallback_slang: Path = Path("knowledge/slang.yaml"),
) -> BuildReport:
    """Validate ``source``, embed what changed and publish a new version into ``index_dir``.

    Files with errors are left out and reported in the report and the version's metadata.
    Nothing is published when no file is valid, or when nothing changed since the version
    being served (unless ``force``).
    """
    started = time.perf_counter()
    source, index_dir = Path(source), Path(index_dir)
    if not source.is_dir():
        raise BuildError(f"the knowledge folder {source} does not exist")
    taxonomy_file = taxonomy_path(source, fallback_taxonomy)
    taxonomy = Taxonomy.load(taxonomy_file)
    slang_file = slang_path(source, fallback_slang)
    Slang.load(slang_file)  # a glossary that cannot be read fails the build, naming the reason
    parse_cache = _previous_parse_cache(index_dir)
    fresh_cache: ParseCache = {}
    result = load_entries(source, taxonomy, cache=_ReadThrough(parse_cache, fresh_cache))
    if not result.entries:
        raise BuildError(f"no valid knowledge entries in {source} ({len(result.problems)} problems)")
    fingerprint = model_fingerprint(resolve_model(model))

    with _build_lock(index_dir):
        source_hash = _source_hash(result, taxonomy_file, fingerprint, slang_file)
        served = current_version(index_dir)
        if served and not force:
            meta = json.loads((version_dir(index_dir, served) / "meta.json").read_text())
            if meta.get("source_hash") == source_hash:
                return BuildReport(
                    served, False, len(result.entries), result.files, meta["passages"],
                    meta["distinct_passages"], 0, meta["distinct_passages"], 0,
                    time.perf_counter() - started, result.problems, meta["index_type"],
                )

        previous = _previous(index_dir, fingerprint)
        cache = previous.by_hash
        distinct: dict[str, int] = {}  # passage hash -> row
        texts: list[str] = []
        entry_rows: list[list[int]] = []
        new_rows: set[int] = set()
        embedded_entries = 0
        total_passages = 0
        lexical_terms: list[list[str]] = []
        entry_keys: list[str] = []
        for entry in result.entries:
            derived = _derived(entry, taxonomy, fresh_cache)
            entry_keys.append(_cache_key(entry, taxonomy))
            lexical_terms.append(derived["terms"].split())
            rows = []
            fresh = False
            for text, key in derived["passages"]:
                total_passages += 1
                if key not in distinct:
                    distinct[key] = len(texts)
                    texts.append(text)
                    if key not in cache:
                        new_rows.add(distinct[key])
                if distinct[key] in new_rows:
                    fresh = True
                rows.append(distinct[key])
            entry_rows.append(list(dict.fromkeys(rows)))
            embedded_entries += fresh

        hashes = list(distinct)
        vectors = np.empty((len(texts), embedder.dimension), dtype=np.float32)
        to_embed = sorted(new_rows)
        for key, row in distinct.items():
            if row not in new_rows:
                vectors[row] = cache[key]
        if to_embed:
            vectors[to_embed] = _embed_with_progress(embedder, [texts[i] for i in to_embed], progress)

        stamp = datetime.now(timezone.utc)
        version = f"{stamp:%Y%m%dT%H%M%S}-{source_hash[:8]}"
        final = version_dir(index_dir, version)
        if final.exists():
            version = f"{version}-{os.getpid()}"
            final = version_dir(index_dir, version)
        staging = index_dir / "versions" / f".building-{version}"
        staging.mkdir(parents=True, exist_ok=False)
        try:
            import faiss

            reused = (_reuse_graph(previous, hashes, vectors, ef_search_for(len(texts)))
                      if len(texts) > APPROXIMATE_ABOVE and not force else None)
            if reused is not None:
                dense, hashes, vectors, remap = reused
                index_type = "hnsw"
                entry_rows = [[int(remap[row]) for row in rows] for rows in entry_rows]
            else:
                dense, index_type = _dense_index(vectors)
            np.save(staging / "vectors.npy", vectors)
            if index_type != "flat":
                faiss.write_index(dense, str(staging / "dense.faiss"))
            (staging / "passage_hashes.json").write_bytes(orjson.dumps(hashes))
            (staging / "parse_cache.json").write_bytes(orjson.dumps(_compact(fresh_cache)))
            pointers, flat = _csr(entry_rows)
            np.save(staging / "entry_passage_ptr.npy", pointers)
            np.save(staging / "entry_passage_ids.npy", flat)
            entries_json = []
            for entry in result.entries:
                fields = entry.card_fields()
                fields["settings"] = list(entry.settings)
                fields["tags"] = list(entry.tags)
                entries_json.append(fields)
            (staging / "entries.json").write_bytes(orjson.dumps(entries_json))
            shutil.copyfile(taxonomy_file, staging / "taxonomy.yaml")
            if slang_file is not None:
                shutil.copyfile(slang_file, staging / "slang.yaml")
            build_lexical(lexical_terms, staging / "lexical")
            entry_words = _entry_vocabulary(index_dir, entry_keys, parse_cache, fresh_cache)
            (staging / "entry_vocabulary.json").write_bytes(
                orjson.dumps({"keys": entry_keys, "counts": entry_words})
            )
            word_counts = entry_words + Counter(vocabulary([" ".join(t.names) for t in taxonomy.terms.values()]))
            (staging / "vocabulary.json").write_text(json.dumps(word_counts))
            seconds = time.perf_counter() - started
            meta = {
                "format": FORMAT,
                "version": version,
                "model": embedder.name,
                "model_fingerprint": fingerprint,
                "dimension": embedder.dimension,
                "entries": len(result.entries),
                "research": sum(e.kind == "research" for e in result.entries),
                "practice": sum(e.kind == "practice" for e in result.entries),
                "files": result.files,
                "passages": total_passages,
                "distinct_passages": len(texts),
                "rows": len(hashes),  # more than the distinct passages where an edited base kept its graph
                "graph_reused": reused is not None,
                "embedded_passages": len(to_embed),
                "embedded_entries": embedded_entries,
                "index_type": index_type,
                "hnsw": {"m": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION, "ef_search": ef_search_for(len(texts))}
                if index_type == "hnsw" else None,
                "source": str(source),
                "source_hash": source_hash,
                "chunker": CHUNKER_VERSION,
                "built_at": stamp.isoformat(timespec="seconds"),
                "build_seconds": round(seconds, 3),
                "problems": [asdict(p) for p in result.problems],
            }
            # meta.json last: a version folder without it is incomplete and never served.
            (staging / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False))
            os.replace(staging, final)
            _point_current_at(index_dir, version)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _prune(index_dir, keep={version, served} - {None})
        return BuildReport(
            version, True, len(result.entries), result.files, total_passages, len(texts),
            len(to_embed), len(texts) - len(to_embed), embedded_entries, seconds, result.problems, index_type,
        )


def _embed_with_progress(embedder: Embedder, texts: list[str], progress: bool) -> np.ndarray:
    batch = 64
    if not progress or len(texts) <= batch * 4:
        return embedder.embed(texts, batch_size=batch)
    from tqdm import tqdm

    out = np.empty((len(texts), embedder.dimension), dtype=np.float32)
    # Similar lengths together: less padding, faster batches.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with tqdm(total=len(texts), unit="passage", desc="embedding") as bar:
        for start in range(0, len(order), batch * 8):
            rows = order[start : start + batch * 8]
            out[rows] = embedder.embed([texts[i] for i in rows], batch_size=batch)
            bar.update(len(rows))
    return out


def _point_current_at(index_dir: Path, version: str) -> None:
    tmp = index_dir / f".CURRENT.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(version + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, index_dir / "CURRENT")


def _prune(index_dir: Path, keep: set[str]) -> None:
    """Keep the newest versions (and any named in ``keep``); remove the rest."""
    versions = index_dir / "versions"
    complete = sorted(
        (p for p in versions.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.name,
        reverse=True,
    )
    for old in complete[KEEP_VERSIONS:]:
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
    for stale in versions.glob(".building-*"):
        if time.time() - stale.stat().st_mtime > 24 * 3600:
            shutil.rmtree(stale, ignore_errors=True)
