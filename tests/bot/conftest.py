"""Fixtures for the chat layer's tests."""

from __future__ import annotations

from pathlib import Path
from typing import Awaitable, Callable

import pytest

from bot.app import SERVICES, Services, create_app
from domain.settings import Settings


@pytest.fixture
def make_services(aiohttp_client, tmp_path: Path) -> Callable[..., Awaitable[Services]]:  # type: ignore[no-untyped-def]
    """Builds the app's services on a SQLite database, with settings from ``env``; the
    scheduler's own loop waits an hour between runs, so a test runs the scheduler itself."""
    async def make(**env: str) -> Services:
        settings = Settings.from_env({
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "INDEX_DIR": str(tmp_path / "no-index"),
            "SCHEDULER_SECONDS": "3600", **env,
        })
        return (await aiohttp_client(create_app(settings))).app[SERVICES]
    return make
