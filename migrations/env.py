"""Alembic environment: runs migrations on the connection the application hands over.

``Database.migrate()`` passes an open connection in ``config.attributes``; the
``alembic`` command line uses ``DATABASE_URL`` (or the default SQLite file) instead.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from domain.db import normalise_url
from domain.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from domain.settings import Settings

    url = config.attributes.get("connection_url") or Settings.from_env(os.environ).database_url
    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
