"""Officers at once: many officers chatting through ``POST /api/messages`` at the same moment.

Each officer runs the same ten turns with no pause between them (the next message is sent as
soon as the last one is answered): a what-works question, a journal entry step by step (start,
five answers, save), ``my journal`` and ``my submissions``. Turns are ordinary Teams deliveries:
the bot replies through a Bot Connector stand-in on loopback (``bench.connector``, its own
process), so each request's time is the whole turn, replies included.

Figures per run: latency p50/p95/p99/max, requests per second (and per process), errors
(a non-2xx answer, a timeout, or a reply missing or out of order at the connector), lost
writes (an officer told their journal entry was saved whose entry is not stored exactly
once) and the worst event-loop stall each bot process saw while serving (``/healthz``).

With two processes they share one PostgreSQL schema and an officer's turns alternate between
them, so every dialog step is read back from the database by the other process.
Everything is bounded: one request waits at most ``REQUEST_TIMEOUT`` seconds and a run at
most ``RUN_TIMEOUT``; every address is on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import aiohttp
from sqlalchemy import create_engine, text

from bench.startup import ROOT, free_port, start_bot

REQUEST_TIMEOUT = 30.0
RUN_TIMEOUT = 300.0
POSTGRES_URL = "postgresql+psycopg://127.0.0.1:5432/test"
TENANT = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"

QUESTIONS = (
    "what works for shoplifting from supermarkets",
    "what works for burglary of homes in the evening",
    "what works for antisocial behaviour in a park",
    "what works for vehicle crime in car parks",
    "what works for knife crime among young people",
)


def officer_turns(n: int) -> list[tuple[str, str]]:
    """The officer's messages, each with the start of the reply it must get."""
    return [
        (QUESTIONS[n % len(QUESTIONS)], ""),  # an answer card or a "no good match" text
        ("journal", "What happened?"),
        (f"Shift {n}: third call about youths at the skate park.", "What were you thinking"),
        ("skip", ""),
        ("The youths talked to me once I took my hat off.", ""),
        ("skip", ""),
        ("Speak to the youth club manager.", "Here is your journal entry:"),
        ("save", "Saved your journal entry"),
        ("my journal", "Your journal"),
        ("my submissions", ""),
    ]


@dataclass
class LoadFigures:
    """One run's figures."""

    label: str
    officers: int
    processes: int
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0
    lost: int = 0
    worst_stall_ms: float | None = None
    error_samples: list[str] = field(default_factory=list)
    failed: set[int] = field(default_factory=set)  # officers whose request failed

    def error(self, officer: int, what: str) -> None:
        self.errors += 1
        self.failed.add(officer)
        if len(self.error_samples) < 5:
            self.error_samples.append(f"officer {officer}: {what}")

    def _quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def per_process(self) -> float:
        return self.per_second / self.processes

    def row(self) -> str:
        stall = "n/a" if self.worst_stall_ms is None else f"{self.worst_stall_ms:.0f}"
        return (f"  {self.label:<34} {self.officers:>4} {self.requests:>6} {self._quantile(0.50):>7.0f} "
                f"{self._quantile(0.95):>7.0f} {self._quantile(0.99):>7.0f} {max(self.latencies, default=0) * 1000:>7.0f} "
                f"{self.per_second:>7.1f} {self.per_process:>7.1f} {self.errors:>6} {self.lost:>5} {stall:>6}")

    @staticmethod
    def header() -> str:
        return (f"  {'run':<34} {'offcr':>4} {'reqs':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} "
                f"{'req/s':>7} {'/proc':>7} {'errors':>6} {'lost':>5} {'stall':>6}")


def _activity(officer: int, turn: int, text: str, connector: str, run: str) -> dict[str, object]:
    return {
        "type": "message", "id": f"{run}-{officer}-{turn}", "channelId": "msteams", "serviceUrl": connector,
        "timestamp": "2026-12-04T10:00:00.000Z", "locale": "en-GB", "text": text,
        "from": {"id": f"29:{run}-{officer}", "name": f"Officer {officer}", "aadObjectId": _aad(run, officer)},
        "recipient": {"id": "28:prevention-first", "name": "Prevention First"},
        "conversation": {"id": f"a:{run}-{officer}", "conversationType": "personal", "tenantId": TENANT},
        "channelData": {"tenant": {"id": TENANT}},
    }


def _aad(run: str, officer: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{run}/{officer}"))


async def _officer(session: aiohttp.ClientSession, urls: list[str], officer: int, connector: str, run: str,
                   figures: LoadFigures, told_saved: set[int]) -> None:
    for turn, (message, _) in enumerate(officer_turns(officer)):
        url = urls[(officer + turn) % len(urls)]
        started = time.perf_counter()
        try:
            async with session.post(f"{url}/api/messages", json=_activity(officer, turn, message, connector, run),
                                    timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as response:
                await response.read()
                ok = response.status < 300
                status = str(response.status)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            ok, status = False, type(error).__name__
        if not ok:
            figures.error(officer, f"turn {turn} got {status}")
            return  # an officer whose message failed stops, as a person would
        figures.latencies.append(time.perf_counter() - started)
        if message == "save":
            told_saved.add(officer)


def _check_replies(record: dict[str, list[str]], officers: int, run: str, figures: LoadFigures,
                   told_saved: set[int]) -> None:
    """Every turn got its reply, in order, and 'saved' was said only where it is counted."""
    for officer in range(officers):
        replies = record.get(f"a:{run}-{officer}", [])
        expected = [start for _, start in officer_turns(officer)]
        position, missing = 0, None
        for start in expected:
            while position < len(replies) and not replies[position].startswith(start):
                position += 1
            if position >= len(replies):
                missing = start or "a reply"
                break
            position += 1
        said_saved = any(r.startswith("Saved your journal entry") for r in replies)
        if said_saved:
            told_saved.add(officer)
        if missing is not None and officer not in figures.failed:
            figures.error(officer, f"no {missing!r} reply (got {len(replies)})")


def _count_lost(database_url: str, run: str, told_saved: set[int]) -> int:
    """Officers told 'saved' whose entry is not stored exactly once."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT aad_object_id, COUNT(*) FROM academy_journal_entries GROUP BY aad_object_id")).all()
    finally:
        engine.dispose()
    stored = {aad: count for aad, count in rows}
    return sum(1 for officer in told_saved if stored.get(_aad(run, officer), 0) != 1)


async def _run(label: str, urls: list[str], connector: str, officers: int, database_url: str,
               processes: int) -> LoadFigures:
    figures = LoadFigures(label, officers, processes)
    run = uuid.uuid4().hex[:8]
    told_saved: set[int] = set()
    limits = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=limits) as session:
        async with session.delete(f"{connector}record"):
            pass
        for url in urls:  # a warm-up turn each, so the first officers do not pay for imports
            async with session.post(f"{url}/api/messages", json=_activity(-1, 0, "help", connector, run)) as response:
                await response.read()
        started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(
            _officer(session, urls, n, connector, run, figures, told_saved) for n in range(officers)
        )), RUN_TIMEOUT)
        figures.seconds = time.perf_counter() - started
        async with session.get(f"{connector}record") as response:
            record = await response.json()
        stalls = []
        for url in urls:
            with contextlib.suppress(aiohttp.ClientError, KeyError):
                async with session.get(f"{url}/healthz") as response:
                    stalls.append(float((await response.json())["worst_loop_stall_ms"]))
        figures.worst_stall_ms = max(stalls) if stalls else None
    _check_replies(record, officers, run, figures, told_saved)
    figures.lost = _count_lost(database_url, run, told_saved)
    return figures


@contextlib.contextmanager
def connector_process() -> Iterator[str]:
    """The Bot Connector stand-in, started in its own process; yields its service URL."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "bench.connector", str(port)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{url}record", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the connector stand-in did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def postgres_schema(server_url: str = POSTGRES_URL, prefix: str = "bench_") -> Iterator[str]:
    """A fresh schema on the PostgreSQL server, dropped afterwards; yields a URL whose
    connections use it."""
    schema = f"{prefix}{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield f"{server_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@contextlib.contextmanager
def bots(database_url: str, index_dir: Path, processes: int, code: Path) -> Iterator[list[str]]:
    """``processes`` bot processes on one database (started one after another: each migrates)."""
    started = []
    try:
        for _ in range(processes):
            process, url, _ = start_bot({
                "DATABASE_URL": database_url, "INDEX_DIR": str(index_dir), "LOG_LEVEL": "ERROR",
                "SCHEDULER_SECONDS": "3600", "MODEL_CACHE_DIR": str(ROOT / "data" / "models"),
            }, timeout=300, cwd=code)
            started.append((process, url))
        yield [url for _, url in started]
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def run_load(label: str, *, officers: int, processes: int, index_dir: Path, connector: str, tmp: Path,
             code: Path = ROOT) -> LoadFigures:
    """One run: fresh database and bot processes, ``officers`` at once, figures back."""
    if processes == 1:
        database = tmp / f"load-{uuid.uuid4().hex[:6]}.db"
        url = f"sqlite:///{database}"
        with bots(url, index_dir, 1, code) as urls:
            return asyncio.run(_run(label, urls, connector, officers, url, 1))
    with postgres_schema() as url, bots(url, index_dir, processes, code) as urls:
        return asyncio.run(_run(label, urls, connector, officers, url, processes))


def print_errors(figures: LoadFigures) -> None:
    for sample in figures.error_samples:
        print(f"    {figures.label}: {sample}")


# The code before this benchmark's work on load (in-turn notifications, per-turn upserts and
# state writes, requests in worker threads): its figures are measured side by side.
BASELINE = "792a19d"


@contextlib.contextmanager
def baseline_checkout(ref: str) -> Iterator[Path | None]:
    """``ref`` checked out in a temporary git worktree (None when git or the commit is missing)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-baseline-"))
    added = subprocess.run(["git", "worktree", "add", "--detach", str(folder), ref], cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    try:
        yield folder if added else None
    finally:
        if added:
            subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(folder, ignore_errors=True)


def run_load_bench(index_dir: Path, *, baseline: str | None = BASELINE, rounds: int = 2) -> list[LoadFigures]:
    """Print the load rows: 200 and 50 officers on one process (SQLite) and two (PostgreSQL),
    today's code and, side by side in alternating rounds, the baseline's."""
    print(f"officers at once ({len(officer_turns(0))} messages each, no pause; one process on SQLite, "
          "two on PostgreSQL with turns alternating)")
    print(LoadFigures.header(), flush=True)
    rows: list[LoadFigures] = []
    with tempfile.TemporaryDirectory() as tmp, connector_process() as connector, \
            baseline_checkout(baseline) if baseline else contextlib.nullcontext() as old:
        if baseline and old is None:
            print(f"  (baseline {baseline} cannot be checked out here: no side-by-side rows)")
        plan = [(200, 1), (200, 2)]
        for round_no in range(1, rounds + 1):
            for officers, processes in plan:
                for label, code in (("today", ROOT), ("baseline", old)):
                    if code is None:
                        continue
                    figures = run_load(f"{label} r{round_no} {processes}p", officers=officers, processes=processes,
                                       index_dir=index_dir, connector=connector, tmp=Path(tmp), code=code)
                    rows.append(figures)
                    print(figures.row(), flush=True)
                    print_errors(figures)
        for processes in (1, 2):
            figures = run_load(f"today {processes}p", officers=50, processes=processes, index_dir=index_dir,
                               connector=connector, tmp=Path(tmp))
            rows.append(figures)
            print(figures.row(), flush=True)
            print_errors(figures)
    _print_ratios(rows)
    return rows


def _print_ratios(rows: list[LoadFigures]) -> None:
    for processes in (1, 2):
        today = [r.per_process for r in rows if r.label.startswith("today r") and r.processes == processes]
        old = [r.per_process for r in rows if r.label.startswith("baseline") and r.processes == processes]
        if today and old:
            ratio = (sum(today) / len(today)) / (sum(old) / len(old))
            print(f"  requests/s per process, {processes} process{'es' if processes > 1 else ''} at 200: "
                  f"today {sum(today) / len(today):.1f}, baseline {sum(old) / len(old):.1f}, ratio {ratio:.2f}")
