"""What every part of the Academy shares: the database, the clock and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from sqlalchemy.orm import Session

from domain.audit import Audit
from domain.clock import utcnow
from domain.db import Database
from domain.models import Base, User

__all__ = ["AcademyStore", "dialect_insert", "ensure_user"]


class AcademyStore:
    """The collaborators every part of the Academy is built on.

    Args:
        database: the assistant's database.
        clock: the current time (aware, UTC), stamped on what is saved.
        audit: the audit log that enrolments by Hub staff are written to; by default one
            on the same database and clock.
    """

    def __init__(
        self, database: Database, *, clock: Callable[[], datetime] = utcnow, audit: Audit | None = None
    ) -> None:
        self._db = database
        self._clock = clock
        self._audit = audit if audit is not None else Audit(database, clock=clock)


def dialect_insert(database: Database, model: type[Base]) -> Any:
    """An ``INSERT`` into ``model``'s table that takes ``ON CONFLICT`` clauses, for the
    database's dialect (SQLite's and PostgreSQL's statements differ only by type)."""
    make: Callable[[type[Base]], Any] = database.insert
    return make(model)


def ensure_user(database: Database, session: Session, aad: str) -> None:
    """Know the writer as a user (they always are, once they have messaged the bot)."""
    now = utcnow()
    session.execute(
        dialect_insert(database, User)
        .values(aad_object_id=aad, created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=[User.aad_object_id])
    )
