"""Drafts: the answers of an unfinished guided dialog, kept until it is saved or cancelled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy.exc import IntegrityError

from domain.db import Database
from domain.models import Draft, User, utcnow

__all__ = ["Drafts", "SavedDraft"]


@dataclass(frozen=True)
class SavedDraft:
    """A draft as stored: the dialog's progress and when it was last touched."""

    progress: dict[str, Any]
    updated_at: datetime


class Drafts:
    """Draft storage, one draft per user and dialog."""

    def __init__(self, database: Database) -> None:
        self._db = database
        # Saved after every answer of every dialog: the statements are built once.
        self._ensure_user = database.insert(User).values(aad_object_id=bindparam("aad")).on_conflict_do_nothing(
            index_elements=[User.aad_object_id])
        upsert = database.insert(Draft).values(
            aad_object_id=bindparam("aad"), dialog=bindparam("name"), progress=bindparam("draft"),
            updated_at=bindparam("now"))
        self._upsert = upsert.on_conflict_do_update(
            index_elements=[Draft.aad_object_id, Draft.dialog],
            set_={"progress": upsert.excluded.progress, "updated_at": upsert.excluded.updated_at})

    def save(self, aad_object_id: str, dialog: str, progress: dict[str, Any]) -> None:
        """Keep ``progress`` as the user's draft of ``dialog``."""
        key = aad_object_id.lower()
        values = {"aad": key, "name": dialog, "draft": progress, "now": utcnow()}
        try:
            with self._db.engine.begin() as connection:
                connection.execute(self._upsert, values)
        except IntegrityError:  # someone not yet recorded (the bot records everyone who talks to it)
            with self._db.engine.begin() as connection:
                connection.execute(self._ensure_user, {"aad": key})
                connection.execute(self._upsert, values)

    def load(self, aad_object_id: str, dialog: str) -> SavedDraft | None:
        """The user's draft of ``dialog``, if there is one."""
        with self._db.session() as session:
            row = session.get(Draft, (aad_object_id.lower(), dialog))
            return SavedDraft(dict(row.progress), row.updated_at) if row else None

    def discard(self, aad_object_id: str, dialog: str) -> None:
        """Forget the draft (the dialog was saved or cancelled)."""
        with self._db.session() as session:
            session.execute(
                delete(Draft).where(Draft.aad_object_id == aad_object_id.lower(), Draft.dialog == dialog)
            )
