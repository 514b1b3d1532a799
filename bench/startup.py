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


def start_bot(env_overrides: dict[str, str], timeout: float = 60.0,
              cwd: Path = ROOT) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start the bot (the code in ``cwd``) and wait for ``/healthz``; returns the process, base URL and seconds."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", **env_overrides}
    env.pop("MicrosoftAppId", None)
    started = time.perf_counter()
    # The server's log goes to a file, not a pipe: a full pipe nobody reads would block it.
    handle, name = tempfile.mkstemp(prefix="bot-", suffix=".log")
    log = Path(name)
    with os.fdopen(handle, "wb") as file:
        process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                                   stderr=file)
    url = f"http://127.0.0.1:{port}"
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            said = log.read_text(errors="replace")[-2000:]
            log.unlink()
            raise RuntimeError(f"the bot exited: {said}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    log.unlink()  # the server keeps writing to its open file; nothing reads it
                    return process, url, time.perf_counter() - started
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.02)
    process.kill()
    log.unlink()
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
