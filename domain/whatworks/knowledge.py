"""The knowledge index being served, swapped for a newer published version without a restart.

:class:`KnowledgeService` checks the published version every few seconds and loads a new one
beside the old; a search already running keeps the version it started with. Searches and
embeddings run on one worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from domain.masking import without_placeholders
from indexer.build import current_version, version_dir
from indexer.embedder import Embedder
from indexer.query_embedder import load_query_embedder
from indexer.results import SearchResult
from indexer.search import KnowledgeIndex, Searcher

__all__ = ["KnowledgeService"]

log = logging.getLogger(__name__)


class KnowledgeService:
    """The index being served, swapped for a newer published version when one appears."""

    def __init__(self, index_dir: Path, *, model: str, model_cache_dir: Path, poll_seconds: float = 10.0,
                 query_precision: str = "auto") -> None:
        self.index_dir = Path(index_dir)
        self.model = model
        self.model_cache_dir = Path(model_cache_dir)
        self.query_precision = query_precision
        self.poll_seconds = poll_seconds
        self._embedder: Embedder | None = None
        self._model_lock = threading.Lock()
        self._searcher: Searcher | None = None
        self._failed_version: str | None = None
        # One worker: searches are a few milliseconds of CPU each and must not compete
        # with each other or the event loop for the machine's cores.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="search")
        self._loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-load")
        self._task: asyncio.Task[None] | None = None

    @property
    def version(self) -> str | None:
        return self._searcher.index.version if self._searcher else None

    @property
    def searcher(self) -> Searcher | None:
        return self._searcher

    def info(self) -> dict[str, Any] | None:
        """What /healthz reports about the index being served."""
        if self._searcher is None:
            return None
        meta = self._searcher.index.meta
        return {
            "version": meta["version"], "entries": meta["entries"], "built_at": meta["built_at"],
            "model": meta["model"], "index_type": meta["index_type"],
        }

    def _model(self) -> Embedder:
        with self._model_lock:
            if self._embedder is None:
                self._embedder = load_query_embedder(self.model, cache_dir=self.model_cache_dir,
                                                     precision=self.query_precision)
            return self._embedder

    def _load(self, version: str) -> Searcher:
        return Searcher(KnowledgeIndex(version_dir(self.index_dir, version)), self._model())

    def refresh(self) -> bool:
        """Load the published version if it is not the one served; True if it changed."""
        version = current_version(self.index_dir)
        if version is None or version == self.version or version == self._failed_version:
            return False
        try:
            searcher = self._load(version)
        except Exception:
            # A version that cannot be loaded is not retried until another is published.
            self._failed_version = version
            log.exception("index version could not be loaded; still serving the previous one",
                          extra={"index_version": version})
            return False
        self._searcher = searcher  # one reference swap: searches in flight keep the old one
        # The index is hundreds of thousands of long-lived objects: keep them out of the
        # garbage collector's full sweeps, which otherwise pause turns for tens of ms.
        gc.unfreeze()  # what the previous version left behind can be collected now
        gc.collect()
        gc.freeze()
        log.info("serving index version", extra={"index_version": version})
        return True

    async def start(self) -> None:
        """Load the current version and keep checking for a newer one."""
        await asyncio.get_running_loop().run_in_executor(self._loader, self.refresh)
        self._task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                await loop.run_in_executor(self._loader, self.refresh)
            except Exception:  # pragma: no cover - refresh logs its own failures
                log.exception("index check failed")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._loader.shutdown(wait=False, cancel_futures=True)

    async def embed(self, texts: list[str]) -> np.ndarray:
        """Normalised vectors of ``texts`` with the search's model (the Portal compares
        submissions with them); loads the model if no index has loaded it yet."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, lambda: self._model().embed(texts))

    async def search(self, text: str, **filters: Any) -> SearchResult | None:
        """The search for ``text``, which may hold placeholders for personal data left out
        (:mod:`domain.masking`): they are not searched for, and the result keeps ``text``."""
        searcher = self._searcher
        if searcher is None:
            return None
        words = without_placeholders(text)
        result = await asyncio.get_running_loop().run_in_executor(
            self._executor, lambda: searcher.search(words, **filters)
        )
        return result if words == text else replace(result, query=text)
