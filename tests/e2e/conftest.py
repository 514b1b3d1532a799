"""The bot as a real server process, for tests that talk to it through a Teams emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bench.startup import start_bot
from tests.conftest import MODEL_CACHE


@pytest.fixture
def bot_url(tmp_path: Path, shipped_index: Path) -> Iterator[str]:
    """``python -m bot`` on a free loopback port with its own SQLite database, serving
    an index of the shipped knowledge base."""
    process, url, _ = start_bot({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}",
        "INDEX_DIR": str(shipped_index),
        "MODEL_CACHE_DIR": str(MODEL_CACHE),
    })
    yield f"{url}/api/messages"
    process.terminate()
    process.wait(timeout=10)
    if process.stderr is not None:
        process.stderr.close()
