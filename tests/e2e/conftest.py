"""The bot as a real server process, for tests that talk to it through a Teams emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bench.startup import start_bot


@pytest.fixture
def bot_url(tmp_path: Path) -> Iterator[str]:
    """``python -m bot`` on a free loopback port with its own SQLite database."""
    process, url, _ = start_bot({"DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}"})
    yield f"{url}/api/messages"
    process.terminate()
    process.wait(timeout=10)
    if process.stderr is not None:
        process.stderr.close()
