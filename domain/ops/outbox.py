"""The outbox: proactive messages written in the same transaction as the change they report.

A use case that tells someone about a change adds a pending row to ``notifications`` in
the session that makes the change, so the change and the messages about it commit, or roll
back, together. After the commit the chat layer hands the new rows to its sender, which
sends them beside the conversation (the answer to the user does not wait for Teams), and
its background sweep retries those it could not deliver; no message is lost when Teams is
unreachable, and none is sent for a change that did not happen.

A new row is the writer's for its first :data:`WRITER_GRACE`: the writer sends it straight
after the commit, and the sweep takes it only if the writer did not (its process stopped).

A ``dedupe_key`` names a message for good: adding a row whose key is already used adds
nothing (and leaves the transaction usable), so a repeated change never messages twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy.orm import Session

from domain.clock import utcnow
from domain.db import Database
from domain.models import Notification, NotificationStatus

__all__ = ["Outbox", "message", "WRITER_GRACE"]

# How long a new message is left to the process that wrote it before the sweep may send it.
WRITER_GRACE = timedelta(minutes=1)


def message(text: str) -> dict[str, Any]:
    """The payload of a plain text message, as the Bot Framework serialises one."""
    return {"type": "message", "text": text, "inputHint": "acceptingInput"}


class Outbox:
    """Pending proactive messages, added in the caller's transaction.

    Args:
        database: the assistant's database (its dialect decides the ``ON CONFLICT`` form).
        clock: the current time (aware, UTC).
    """

    def __init__(self, database: Database, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = database
        self._clock = clock

    def add(
        self,
        session: Session,
        aad_object_id: str,
        kind: str,
        payload: dict[str, Any] | str,
        dedupe_key: str | None = None,
    ) -> int | None:
        """Add a pending message to one user, in ``session``'s transaction.

        Args:
            aad_object_id: who to tell (a known user).
            kind: what it is about (``status-change``, ``submission-question``...).
            payload: the activity to send, or its text.
            dedupe_key: when given and already used, nothing is added.

        Returns:
            The new row's id, or None when ``dedupe_key`` was already used.
        """
        body = message(payload) if isinstance(payload, str) else dict(payload)
        statement = (
            self._db.insert(Notification)
            .values(
                aad_object_id=aad_object_id.lower(), kind=kind, payload=body, dedupe_key=dedupe_key,
                status=NotificationStatus.PENDING.value, attempts=0,
                next_attempt_at=self._clock() + WRITER_GRACE,
            )
            .on_conflict_do_nothing(index_elements=[Notification.dedupe_key])
            .returning(Notification.id)
        )
        added: int | None = session.execute(statement).scalar_one_or_none()
        return added
