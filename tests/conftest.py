"""Shared fixtures: databases (SQLite and PostgreSQL), settings and the app under test."""

from __future__ import annotations

import os
from pathlib import Path
from typing import AsyncIterator, Iterator

import pytest

from bench.load import postgres_schema
from bot.app import SERVICES, Services, create_app
from domain.settings import Settings
from domain.db import Database

from tests.fakes import FakeConnector

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite database in a temporary folder."""
    db = Database(f"sqlite:///{tmp_path / 'test.db'}")
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL for a fresh, empty schema on the local PostgreSQL server, dropped afterwards
    (a server that cannot be reached fails the test; it is never skipped)."""
    with postgres_schema(POSTGRES_URL, prefix="t_") as url:
        yield url


@pytest.fixture
def postgres_db(postgres_url: str) -> Iterator[Database]:
    """A migrated database in its own PostgreSQL schema."""
    db = Database(postgres_url)
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Database:
    """The same test on SQLite and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_db")


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    """A stand-in for the Bot Connector service that records what the bot sends."""
    fake = await FakeConnector().start()
    yield fake
    await fake.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Local-mode settings (no app id) with a database in a temporary folder."""
    return Settings.from_env(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
            "INDEX_DIR": str(tmp_path / "index"),
        }
    )


@pytest.fixture
async def client(aiohttp_client, settings: Settings):  # type: ignore[no-untyped-def]
    """An HTTP client for the app built by ``create_app``."""
    return await aiohttp_client(create_app(settings))


@pytest.fixture
def services(client) -> Services:  # type: ignore[no-untyped-def]
    """The collaborators of the app under test."""
    return client.app[SERVICES]


PROJECT_ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = PROJECT_ROOT / "knowledge" / "entries"
MODEL_CACHE = PROJECT_ROOT / "data" / "models"


@pytest.fixture(scope="session")
def embedder():  # type: ignore[no-untyped-def]
    """The ONNX embedder of the shipped model (exported once into data/models)."""
    from indexer.embedder import load_embedder

    return load_embedder(None, cache_dir=MODEL_CACHE, backend="onnx")


@pytest.fixture(scope="session")
def shipped_index(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:  # type: ignore[no-untyped-def]
    """An index folder holding a published build of the shipped knowledge base."""
    from indexer.build import build

    folder = tmp_path_factory.mktemp("shipped-index")
    build(KNOWLEDGE, folder, embedder)
    return folder


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped knowledge base (with its taxonomy) that a test may edit."""
    import shutil

    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder)
    shutil.copyfile(KNOWLEDGE.parent / "taxonomy.yaml", folder / "taxonomy.yaml")
    return folder
