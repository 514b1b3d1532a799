"""Database engine, sessions and migrations.

SQLite is the default (WAL journal and foreign keys switched on for every connection);
PostgreSQL is used when ``DATABASE_URL`` names it, through psycopg 3.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from sqlalchemy import Connection, CursorResult, Engine, Result, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.expression import TableClause

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert

__all__ = ["Database", "normalise_url", "rows_changed", "MIGRATIONS_DIR"]

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def normalise_url(url: str) -> str:
    """Return ``url`` with the psycopg 3 driver named for PostgreSQL URLs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def rows_changed(result: Result[Any]) -> int:
    """How many rows the ``UPDATE`` or ``DELETE`` that gave ``result`` changed."""
    if not isinstance(result, CursorResult):
        raise TypeError("only the result of an UPDATE or DELETE counts the rows it changed")
    return result.rowcount


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC", "CREATE", "DROP", "ALTER")
_WRITING = "sqlite_writer"


class SqliteWriters:
    """Writers of one process take turns on SQLite's single write lock in order.

    SQLite lets one transaction write at a time; another writer that finds the database
    busy sleeps and tries again, up to 100 ms a try, so under load the same writer can lose
    again and again and wait seconds while others go first. Here a transaction takes a
    lock at its first write and gives it back when its connection returns to the pool
    (after the commit or rollback): writers of this process queue instead of sleeping.
    Other processes still meet SQLite's own busy wait. A lock not free within ``wait``
    seconds is not waited for further (SQLite's busy wait takes over).
    """

    def __init__(self, wait: float = 10.0) -> None:
        self._lock = threading.Lock()
        self._wait = wait

    def install(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before_execute)
        event.listen(engine.pool, "checkin", self._checkin)

    def _before_execute(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        info = conn.connection.info if conn.connection is not None else conn.info
        if _WRITING not in info and statement.lstrip()[:6].upper() in _WRITES:
            info[_WRITING] = self._lock.acquire(timeout=self._wait)

    def _checkin(self, _dbapi_connection: Any, record: Any) -> None:
        if record.info.pop(_WRITING, False):
            self._lock.release()


class IdlePing:
    """A pooled connection idle for more than ``idle_seconds`` is tested before it is handed out.

    Pinging on every checkout (SQLAlchemy's ``pool_pre_ping``) costs a round trip per session,
    several per turn. A connection in steady use needs none: if the server goes away under
    it, the error invalidates the whole pool and the next session connects afresh; the ones
    left idle (where a restart or a network timeout goes unnoticed) are tested first, and a
    dead one is replaced before anyone uses it.
    """

    def __init__(self, idle_seconds: float = 10.0) -> None:
        self._idle = idle_seconds

    def install(self, engine: Engine) -> None:
        event.listen(engine.pool, "checkin", self._checkin)
        event.listen(engine.pool, "checkout", self._checkout)

    def _checkin(self, _dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    def _checkout(self, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since <= self._idle:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        except Exception as error:  # noqa: BLE001 - any failure means the connection is gone
            raise DisconnectionError("an idle connection no longer answers") from error


_IDLE_SINCE = "idle_since"


class Database:
    """One engine and its session factory.

    Args:
        url: a SQLAlchemy URL; ``postgresql://`` is read as psycopg 3.

    The engine never puts a statement's parameters (what officers typed) in its errors or logs.
    """

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(self.url, connect_args={"timeout": 30}, hide_parameters=True)
            event.listen(self.engine, "connect", _sqlite_pragmas)
            SqliteWriters().install(self.engine)
        else:
            self.engine = create_engine(self.url, pool_size=5, max_overflow=10, hide_parameters=True)
            IdlePing().install(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads that need no transaction: on PostgreSQL it runs in
        autocommit, saving the BEGIN and ROLLBACK round trips of what every turn reads."""
        with self.engine.connect() as connection:
            if self.dialect == "postgresql":
                connection.execution_options(isolation_level="AUTOCOMMIT")
            yield connection

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            log.warning("database ping failed", exc_info=True)
            return False

    def migrate(self) -> None:
        """Bring the schema up to the newest Alembic revision."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["connection_url"] = self.url
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def insert(self, table: type[DeclarativeBase] | TableClause) -> PostgresInsert | SqliteInsert:
        """An ``INSERT`` for this dialect that supports ``ON CONFLICT`` clauses."""
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as postgres_insert

            return postgres_insert(table)
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
