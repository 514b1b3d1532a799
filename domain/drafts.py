"""Drafts: the answers of an unfinished guided dialog, kept until it is saved or cancelled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete

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

    def save(self, aad_object_id: str, dialog: str, progress: dict[str, Any]) -> None:
        """Keep ``progress`` as the user's draft of ``dialog``."""
        key = aad_object_id.lower()
        values = {"progress": progress, "updated_at": utcnow()}
        # One statement on a Core connection: saved after every answer of every dialog.
        with self._db.engine.begin() as connection:
            connection.execute(
                self._db.insert(User).values(aad_object_id=key).on_conflict_do_nothing(
                    index_elements=[User.aad_object_id])
            )
            connection.execute(
                self._db.insert(Draft)
                .values(aad_object_id=key, dialog=dialog, **values)
                .on_conflict_do_update(index_elements=[Draft.aad_object_id, Draft.dialog], set_=values)
            )

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
