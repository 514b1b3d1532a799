"""Changing knowledge files from the Hub workspace: each change writes one file of the
knowledge folder and keeps the text it replaced as a revision, with who and when.

A change names the text it was made from (its SHA-256, ``base``; None for a new file). If
the file changed since, nothing is written and :class:`ChangedSince` says who changed it: two
Hub members editing one entry never overwrite each other unseen.

The check, the write and the revision are one transaction, serialised across every bot
process on every host by the database (PostgreSQL's advisory lock; on SQLite, its single
write lock, taken first): two publishes at once are applied one after the other. The file is
written whole beside its place and renamed over it, so a reader (a build in another process)
sees the old text or the new, never half of one.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from domain.clock import aware, utcnow
from domain.db import Database
from domain.models import KnowledgeRevision

__all__ = ["KnowledgeFiles", "Revision", "ChangedSince", "BadPath", "digest", "FOLDERS"]

FOLDERS = ("research", "practice")
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,99}\.md")
_LOCK_KEY = 0x50464B4E  # "PFKN": the knowledge folder's one writer at a time, on PostgreSQL


def digest(text_: str) -> str:
    """The SHA-256 of a file's text, as a change names the text it was made from."""
    return hashlib.sha256(text_.encode("utf-8")).hexdigest()


class BadPath(ValueError):
    """The path is not a knowledge file the workspace may write (``research/`` or
    ``practice/``, then a lower-case name ending ``.md``)."""


class ChangedSince(RuntimeError):
    """The file is not as the change's author last saw it; ``by`` and ``at`` say who changed
    it last from the workspace, when known."""

    def __init__(self, path: str, by: str | None, at: datetime | None) -> None:
        super().__init__(path)
        self.path, self.by, self.at = path, by, at


@dataclass(frozen=True)
class Revision:
    """One change to a knowledge file: what was done, by whom, when, and the texts."""

    id: int
    path: str
    action: str
    by: str | None
    at: datetime
    previous_text: str | None
    text: str | None


def _revision(row: KnowledgeRevision) -> Revision:
    return Revision(row.id, row.path, row.action, row.by_aad, aware(row.at), row.previous_text, row.text)


class KnowledgeFiles:
    """The knowledge folder as the workspace changes it.

    Args:
        database: where revisions are kept (and the lock taken).
        folder: the knowledge folder (``KNOWLEDGE_DIR``), on storage every instance shares.
    """

    def __init__(self, database: Database, folder: Path) -> None:
        self._db = database
        self.folder = Path(folder)

    def checked(self, path: str) -> Path:
        """The file ``path`` (``practice/ask-for-angela.md``) names inside the folder.

        Raises:
            BadPath: it is not a file the workspace may write.
        """
        parts = path.split("/")
        if len(parts) != 2 or parts[0] not in FOLDERS or not _NAME.fullmatch(parts[1]):
            raise BadPath(f"{path!r} is not a knowledge file: research/ or practice/, then a name like hot-spots.md")
        return self.folder / parts[0] / parts[1]

    def read(self, path: str) -> str | None:
        """The file's text now; None when there is no such file."""
        try:
            return self.checked(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def _lock(self, session: Session) -> None:
        if self._db.engine.dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})

    def write(self, path: str, new_text: str | None, base: str | None, by_aad: str) -> Revision:
        """Write ``new_text`` to ``path`` (None retires it: the file is removed), if the file is
        still the text whose digest is ``base`` (None: there must be no such file yet).

        Raises:
            BadPath: the path is not a knowledge file.
            ChangedSince: the file is not what ``base`` says.
            FileNotFoundError: a file to retire does not exist.
        """
        target = self.checked(path)
        with self._db.session() as session:
            self._lock(session)
            row = KnowledgeRevision(path=path, action="edit", previous_text=None, text=new_text,
                                    by_aad=by_aad.lower(), at=utcnow())
            session.add(row)
            session.flush()  # on SQLite the write lock is held from here to the commit
            current = self.read(path)
            if (digest(current) if current is not None else None) != base:
                last = session.scalars(select(KnowledgeRevision).where(KnowledgeRevision.path == path,
                                                                       KnowledgeRevision.id != row.id)
                                       .order_by(KnowledgeRevision.id.desc()).limit(1)).first()
                raise ChangedSince(path, last.by_aad if last else None, aware(last.at) if last else None)
            if new_text is None and current is None:
                raise FileNotFoundError(path)
            row.action = "retire" if new_text is None else ("new" if current is None else "edit")
            row.previous_text = current
            if new_text is None:
                target.unlink()
            else:
                _replace(target, new_text)
            session.flush()
            return _revision(row)

    def history(self, path: str, limit: int = 20) -> list[Revision]:
        """The file's latest revisions, newest first."""
        with self._db.session() as session:
            rows = session.scalars(select(KnowledgeRevision).where(KnowledgeRevision.path == path)
                                   .order_by(KnowledgeRevision.id.desc()).limit(limit)).all()
            return [_revision(row) for row in rows]


def _replace(target: Path, content: str) -> None:
    """Write ``content`` whole beside ``target`` and rename it over: readers never see half."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
