"""The sender's reads and writes of the ``notifications`` table.

Each method opens its own session and blocks: the sender calls them in worker threads
(``asyncio.to_thread``), never on the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from domain.clock import utcnow
from domain.db import Database
from domain.models import Notification, NotificationStatus
from domain.ops.outbox import Outbox
from domain.users import Users

__all__ = ["SendStore", "Outgoing", "SWEEP_BATCH"]

# The most due messages one sweep takes; the rest are taken by the next sweep.
SWEEP_BATCH = 200


@dataclass(frozen=True)
class Outgoing:
    """A claimed message, as read for sending."""

    id: int
    aad_object_id: str
    payload: dict[str, Any]
    attempts: int
    reference: dict[str, Any] | None


class SendStore:
    """Claims, loads and records the outbox's messages for the sender.

    Args:
        database: the assistant's database.
        users: the user directory (conversation references live there).
        later: how far a claim moves a message's next attempt ahead, so another process
            sweeping at the same moment leaves it alone.
    """

    def __init__(self, database: Database, users: Users, later: timedelta) -> None:
        self._db = database
        self._users = users
        self._later = later
        self._outbox = Outbox(database)

    def claim_all(self, notification_ids: list[int], now: datetime, new: bool) -> list[int]:
        """Claim messages for this process, in id order, in one transaction.

        ``new``: messages this process has just written (never tried, and still within the
        writer's grace, :data:`~domain.ops.outbox.WRITER_GRACE`, which the sweep leaves alone);
        otherwise messages that are due. A claimed message's next attempt moves
        ``later`` ahead, so another process sweeping at the same moment leaves it alone.
        """
        if new:
            condition = ((Notification.status == NotificationStatus.PENDING.value)
                         & (Notification.attempts == 0) & (Notification.next_attempt_at > now))
        else:
            condition = (Notification.status.in_([NotificationStatus.PENDING.value, NotificationStatus.RETRYING.value])
                         & (Notification.next_attempt_at.is_(None) | (Notification.next_attempt_at <= now)))
        claimed: list[int] = []
        with self._db.session() as session:
            for notification_id in notification_ids:
                row = session.execute(
                    update(Notification)
                    .where(Notification.id == notification_id, condition)
                    .values(next_attempt_at=now + self._later)
                    .returning(Notification.id)
                ).first()
                if row is not None:
                    claimed.append(notification_id)
        return claimed

    def claim_due(self, now: datetime, skip: frozenset[int]) -> list[int]:
        with self._db.session() as session:
            due = session.scalars(
                select(Notification.id)
                .where(
                    Notification.status.in_([NotificationStatus.PENDING.value, NotificationStatus.RETRYING.value]),
                    Notification.next_attempt_at.is_(None) | (Notification.next_attempt_at <= now),
                )
                .order_by(Notification.id)
                .limit(SWEEP_BATCH + len(skip))
            ).all()
        wanted = [notification_id for notification_id in due if notification_id not in skip][:SWEEP_BATCH]
        return self.claim_all(wanted, now, False) if wanted else []

    def load(self, notification_ids: list[int]) -> list[Outgoing]:
        with self._db.session() as session:
            rows = session.scalars(
                select(Notification).where(Notification.id.in_(notification_ids)).order_by(Notification.id)
            ).all()
            found = [(row.id, row.aad_object_id, dict(row.payload), row.attempts) for row in rows]
        references: dict[str, dict[str, Any] | None] = {}
        for _, aad, _, _ in found:
            if aad not in references:
                references[aad] = self._users.reference_for(aad)
        return [Outgoing(i, aad, payload, attempts, references[aad]) for i, aad, payload, attempts in found]

    def unreachable(self, notification_ids: tuple[int, ...]) -> set[int]:
        with self._db.session() as session:
            rows = session.execute(
                select(Notification.id, Notification.aad_object_id).where(Notification.id.in_(notification_ids))
            ).all()
        return {row.id for row in rows if self._users.reference_for(row.aad_object_id) is None}

    def postpone(self, notification_ids: list[int], next_attempt_at: datetime) -> None:
        with self._db.session() as session:
            session.execute(
                update(Notification).where(Notification.id.in_(notification_ids))
                .values(next_attempt_at=next_attempt_at)
            )

    def record(self, aad_object_id: str, kind: str, payload: dict[str, Any], dedupe_key: str | None) -> int | None:
        with self._db.session() as session:
            return self._outbox.add(session, aad_object_id, kind, payload, dedupe_key)

    def record_outcome(
        self,
        notification_id: int,
        status: NotificationStatus,
        attempts: int,
        reason: str | None,
        next_attempt_at: datetime | None,
    ) -> None:
        with self._db.session() as session:
            row = session.get(Notification, notification_id)
            if row is None:
                return  # erased meanwhile (a subject access erasure): nothing left to record
            row.status = status.value
            row.attempts = attempts
            row.last_error = reason
            row.next_attempt_at = next_attempt_at
            if status is NotificationStatus.SENT:
                row.sent_at = utcnow()
