"""Drafts: the answers of an unfinished guided dialog, kept until it is saved or cancelled.

An unfinished dialog lives in two places. The draft holds the answers given so far and is
offered back next time (retention deletes one untouched for ``RETENTION_DRAFT_DAYS``). The
chat's saved state (``bot_state``, one JSON document per conversation, a property a key)
holds where the dialog is, and an answer in which likely personal data was found while
the officer decides whether to keep it: that answer is never in the draft. The state is
cleared of its dialog (:func:`close_dialogs`) once the conversation is idle, by retention
and on erasure; only :data:`STATE_KEPT` stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping

from sqlalchemy import ColumnElement, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.db import Database, rows_changed
from domain.models import BotState, Draft, User, utcnow

__all__ = ["Drafts", "SavedDraft", "STATE_KEPT", "IDLE_CLOSED", "without_dialog", "dialog_running", "replace_state",
           "close_dialogs"]

# Conversation state that marks a dialog closed while idle: the officer's next message is
# told that their answers are kept as a draft.
IDLE_CLOSED = "idle_closed"
# The properties of saved chat state that are not personal and outlive a cleared dialog:
# whether the chat was welcomed, and the mark above.
STATE_KEPT = frozenset({"welcomed", IDLE_CLOSED})


def dialog_running(document: Mapping[str, Any]) -> bool:
    """Whether a saved state document holds a dialog in progress (a non-empty dialog stack)."""
    return any(isinstance(value, dict) and bool(value.get("_dialog_stack")) for value in document.values())


def without_dialog(document: Mapping[str, Any]) -> dict[str, Any]:
    """The state document with only :data:`STATE_KEPT`, marked :data:`IDLE_CLOSED` when a
    dialog was in progress."""
    kept = {key: value for key, value in document.items() if key in STATE_KEPT}
    if dialog_running(document):
        kept[IDLE_CLOSED] = True
    return kept


def replace_state(session: Session, key: str, etag: int, document: Mapping[str, Any],
                  *, untouched_since: datetime | None = None) -> bool:
    """Write ``document`` (deleting the row when it is empty) under ``key`` if its eTag is
    still ``etag`` (and, when given, it was last written before ``untouched_since``).

    The eTag is raised as any write raises it, so a turn that read the old state cannot
    write it back; the time it was last written is left as it was. Returns whether the
    row was changed.
    """
    condition = (BotState.key == key) & (BotState.etag == etag)
    if untouched_since is not None:
        condition &= BotState.updated_at < untouched_since
    if document:
        statement = update(BotState).where(condition).values(
            document=dict(document), etag=BotState.etag + 1, updated_at=BotState.updated_at)
        return rows_changed(session.execute(statement.execution_options(synchronize_session=False))) == 1
    removed = delete(BotState).where(condition).execution_options(synchronize_session=False)
    return rows_changed(session.execute(removed)) == 1


def close_dialogs(session: Session, *where: ColumnElement[bool], untouched_since: datetime | None = None,
                  showing: Callable[[Any], bool] | None = None) -> int:
    """Clear every saved state that ``where`` selects (and, when given, was last written
    before ``untouched_since`` and whose document ``showing`` holds) of all but what is not
    personal (:func:`without_dialog`), each by :func:`replace_state`; returns how many changed."""
    if untouched_since is not None:
        where += (BotState.updated_at < untouched_since,)
    rows = session.execute(select(BotState.key, BotState.etag, BotState.document).where(*where)).all()
    changed = 0
    for key, etag, document in rows:
        kept = without_dialog(document)
        if kept != document and (showing is None or showing(document)):
            changed += replace_state(session, key, etag, kept, untouched_since=untouched_since)
    return changed


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
