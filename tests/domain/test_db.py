"""The engine's two connection rules: SQLite writers of one process take turns instead of
meeting SQLite's busy wait, and an idle PostgreSQL connection that died is replaced before
anyone uses it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text

from domain.db import Database
from tests.conftest import POSTGRES_URL


def test_sqlite_writers_of_one_process_queue_rather_than_find_the_database_locked(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'writers.db'}")
    # No busy wait at all: a writer that found another one writing would fail at once.
    event.listen(db.engine, "connect", lambda connection, _: connection.execute("PRAGMA busy_timeout=0"))
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE counts (n INTEGER)"))
    failures: list[Exception] = []

    def write() -> None:
        for n in range(40):
            try:
                with db.engine.begin() as connection:
                    connection.execute(text("INSERT INTO counts VALUES (:n)"), {"n": n})
                    connection.execute(text("UPDATE counts SET n = n + 1 WHERE n = :n"), {"n": n})
            except Exception as error:  # noqa: BLE001 - counted
                failures.append(error)

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with db.engine.connect() as connection:
        assert connection.scalar(text("SELECT COUNT(*) FROM counts")) == 320
    assert failures == []
    db.dispose()


@pytest.mark.postgres
def test_an_idle_postgres_connection_that_died_is_replaced_before_it_is_used(
        postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database(postgres_url)
    with db.engine.connect() as connection:
        backend = connection.scalar(text("SELECT pg_backend_pid()"))
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    admin.dispose()
    later = time.monotonic() + 11  # idle for longer than the 10 s after which it is tested
    monkeypatch.setattr("domain.db.time.monotonic", lambda: later)
    with db.engine.connect() as connection:  # the dead one is tested, dropped and replaced
        assert connection.scalar(text("SELECT pg_backend_pid()")) != backend
    db.dispose()
