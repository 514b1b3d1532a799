"""Fixtures for the Hub workspace: the bot in local mode on loopback, a Hub member as the
local user, and Debian's chromium."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

import pytest
from playwright.async_api import Browser, async_playwright

from bot.app import create_app
from domain.models import Role
from domain.settings import Settings
from tests.conftest import MODEL_CACHE
from tests.tab.workspace import CHROMIUM, HUB_AAD, HUB_NAME, services_of


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    assert CHROMIUM.is_file(), "Debian's chromium is needed: apt-get install chromium (make test installs it)"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        await launched.close()


@pytest.fixture
def make_workspace(aiohttp_client, tmp_path: Path, knowledge_copy: Path,
                   shipped_index: Path) -> Callable[..., Awaitable[Any]]:  # type: ignore[no-untyped-def]
    """The bot with the shipped knowledge and index, in local mode signed in as ``local``
    (a Hub member by default); returns the test client."""
    async def make(local: str = HUB_AAD, role: Role = Role.HUB, **env: str) -> Any:
        index = tmp_path / "index"
        if not index.exists():
            shutil.copytree(shipped_index, index)
        settings = Settings.from_env({
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "KNOWLEDGE_DIR": str(knowledge_copy),
            "INDEX_DIR": str(index), "MODEL_CACHE_DIR": str(MODEL_CACHE), "INDEX_POLL_SECONDS": "30",
            "SCHEDULER_SECONDS": "3600", "TAB_LOCAL_USER": local, **env,
        })
        client = await aiohttp_client(create_app(settings))
        users = services_of(client).users
        users.seen(HUB_AAD, HUB_NAME)
        users.set_role(HUB_AAD, role)
        return client
    return make
