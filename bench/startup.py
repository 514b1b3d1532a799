"""Start-up time: from launching ``python -m bot`` to the first 200 from ``/healthz``."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Startup:
    """Seconds to a ready health check, one per run."""

    runs: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_bot(env_overrides: dict[str, str], timeout: float = 60.0) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start the bot and wait for ``/healthz``; returns the process, base URL and seconds taken."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", **env_overrides}
    env.pop("MicrosoftAppId", None)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            said = process.stderr.read().decode() if process.stderr is not None else ""
            raise RuntimeError(f"the bot exited: {said[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return process, url, time.perf_counter() - started
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.02)
    process.kill()
    raise TimeoutError(f"the bot was not ready within {timeout} s")


def measure_startup(runs: int = 3) -> Startup:
    """Start the bot ``runs`` times on fresh databases and time each start."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            process, _, seconds = start_bot({"DATABASE_URL": f"sqlite:///{folder}/bench.db"})
            process.terminate()
            process.wait(timeout=10)
            times.append(seconds)
    return Startup(times)
