"""Timing and printing for the benchmarks: percentiles, thread limits, and the tables.

Figures go to stdout in fixed-width tables; progress notes go to stderr, so stdout holds
only the figures.
"""

from __future__ import annotations

import subprocess
import sys
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

__all__ = [
    "log",
    "status",
    "verdict",
    "header",
    "row",
    "ms",
    "percentiles",
    "timed",
    "median_round",
    "limit_threads",
    "core_kept_busy",
]

LABEL = 72


def log(text: str) -> None:
    """A line of figures on stdout, at once."""
    print(text, flush=True)


def status(text: str) -> None:
    """A progress note on stderr, so stdout holds only the figures."""
    print(f"  ... {text}", file=sys.stderr, flush=True)


def verdict(met: bool) -> str:
    """How a figure stands against its target."""
    return "met" if met else "MISSED"


def header(title: str, columns: Sequence[str] = ()) -> None:
    """A table's title line, with its column names right-aligned."""
    log((f"  {title:<{LABEL + 2}}" + "".join(f"{c:>11}" for c in columns)).rstrip())


def row(label: str, cells: Sequence[str] = (), note: str = "") -> None:
    """One line of figures under a header, with an optional note after them."""
    log((f"    {label:<{LABEL}}" + "".join(f"{c:>11}" for c in cells) + (f"   {note}" if note else "")).rstrip())


def ms(value: float, digits: int = 1) -> str:
    """Milliseconds as a table cell."""
    return f"{value:.{digits}f} ms"


def percentiles(seconds: Sequence[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    p50, p95 = np.percentile(np.asarray(seconds) * 1000.0, [50, 95])
    return float(p50), float(p95)


def timed(call: Callable[[Any], object], warmup: Iterable[Any], measured: Iterable[Any]) -> tuple[float, float]:
    """Run ``call`` on the warm-up items, then time it on each measured item: p50, p95 in ms."""
    for item in warmup:
        call(item)
    times = []
    for item in measured:
        started = time.perf_counter()
        call(item)
        times.append(time.perf_counter() - started)
    return percentiles(times)


def median_round(rounds: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """The median of the rounds' p50s and of their p95s."""
    return float(np.median([r[0] for r in rounds])), float(np.median([r[1] for r in rounds]))


@contextmanager
def limit_threads(count: int) -> Iterator[None]:
    """Limit numpy's BLAS, faiss's OpenMP and torch (if loaded) to ``count`` threads."""
    import faiss
    from threadpoolctl import threadpool_limits

    before = faiss.omp_get_max_threads()
    torch = sys.modules.get("torch")
    torch_before = torch.get_num_threads() if torch is not None else None
    faiss.omp_set_num_threads(count)
    if torch is not None:
        torch.set_num_threads(count)
    try:
        with threadpool_limits(limits=count):
            yield
    finally:
        faiss.omp_set_num_threads(before)
        if torch is not None and torch_before is not None:
            torch.set_num_threads(torch_before)


@contextmanager
def core_kept_busy() -> Iterator[None]:
    """Another process spinning on one core, as a second request or a build would."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.2)
        yield
    finally:
        spinner.kill()
        spinner.wait()
