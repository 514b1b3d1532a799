"""The what-works turn end to end, and the bot's memory, at 10,000 entries.

Starts ``python -m bot`` serving an index of a synthetic 10,000-entry base, posts officers'
questions to ``/api/messages`` with ``deliveryMode: expectReplies`` one after another (so
the time is the whole turn: endpoint checks, user record, search, query log, answer card),
and reads the server's resident memory from /proc afterwards.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.startup import start_bot


@dataclass
class TurnFigures:
    entries: int
    p50_ms: float
    p95_ms: float
    rss_mb: float
    peak_rss_mb: float


def _activity(text: str, n: int) -> bytes:
    return json.dumps({
        "type": "message", "id": f"bench-{n}", "channelId": "msteams", "serviceUrl": "http://127.0.0.1:9/",
        "from": {"id": "29:bench", "name": "Bench Officer", "aadObjectId": "b0b0b0b0-0000-4000-8000-000000000001"},
        "recipient": {"id": "28:bot", "name": "Prevention First"},
        "conversation": {"id": "a:bench", "conversationType": "personal", "tenantId": "t"},
        "text": text, "deliveryMode": "expectReplies", "locale": "en-GB",
    }).encode()


def _rss_mb(pid: int) -> tuple[float, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    values = {line.split(":")[0]: line.split()[1] for line in status.splitlines() if line.startswith(("VmRSS", "VmHWM"))}
    return int(values["VmRSS"]) / 1024, int(values["VmHWM"]) / 1024


def measure_turns(index_dir: Path, questions: list[str], *, warmup: int = 20) -> TurnFigures:
    with tempfile.TemporaryDirectory() as tmp:
        process, url, _ = start_bot({
            "DATABASE_URL": f"sqlite:///{tmp}/bench.db", "INDEX_DIR": str(index_dir), "LOG_LEVEL": "WARNING",
        }, timeout=300)
        try:
            times = []
            for n, text in enumerate(questions):
                request = urllib.request.Request(
                    f"{url}/api/messages", data=_activity(text, n), headers={"Content-Type": "application/json"})
                started = time.perf_counter()
                with urllib.request.urlopen(request, timeout=30) as response:
                    body = json.loads(response.read())
                elapsed = time.perf_counter() - started
                if not any(a.get("attachments") for a in body.get("activities", [])):
                    raise RuntimeError(f"no answer card for {text!r}: {body}")
                if n >= warmup:
                    times.append(elapsed)
            with urllib.request.urlopen(f"{url}/healthz", timeout=10) as response:
                entries = json.loads(response.read())["index"]["entries"]
            rss, peak = _rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=10)
    times.sort()
    return TurnFigures(entries, statistics.median(times) * 1000, times[int(0.95 * (len(times) - 1))] * 1000, rss, peak)
