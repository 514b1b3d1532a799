"""Proactive messages: the sender of the outbox, to each user's personal chat.

Every message is first a pending row of the ``notifications`` table: written by a use case
in the transaction of the change it reports (:mod:`domain.ops.outbox`), or by
:meth:`NotificationService.notify`. The sender claims a row, then sends it through
``continue_conversation`` on the user's saved conversation reference: right after the turn
that wrote it (:meth:`NotificationService.deliver`), and on the background sweep
(:meth:`NotificationService.deliver_due`) for any still due. Teams' answers decide what
happens next:

* 403 or 404 (the app was removed, the chat is gone): the user is marked unreachable and
  the message is not retried; it goes out again only after the user talks to the bot.
* 429 and 5xx, and network failures: retried with exponential backoff, honouring
  ``Retry-After``; after a few quick attempts the message waits for :meth:`deliver_due`.
* Anything else: recorded as failed.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, Iterable

import aiohttp
from botbuilder.core import BotAdapter, MessageFactory, TurnContext
from botbuilder.schema import Activity, ConversationReference
from sqlalchemy import select, update

from domain.clock import utcnow
from domain.db import Database
from domain.models import Notification, NotificationStatus
from domain.ops.outbox import Outbox
from domain.users import Users

__all__ = ["NotificationService", "RetryPolicy", "send_status_of"]

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before leaving a message for the next sweep."""

    quick_attempts: int = 3
    max_attempts: int = 8
    base_delay: float = 1.0
    max_delay: float = 60.0
    later: timedelta = timedelta(minutes=5)


def send_status_of(error: BaseException) -> tuple[int | None, float | None]:
    """The HTTP status and ``Retry-After`` seconds of a failed send, where the error has them."""
    response = getattr(error, "response", None)
    if response is None:
        return None, None
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    retry_after = None
    headers = getattr(response, "headers", None) or {}
    raw = headers.get("Retry-After") if hasattr(headers, "get") else None
    if raw is not None:
        try:
            retry_after = max(0.0, float(raw))
        except ValueError:
            retry_after = None
    return (int(status) if status is not None else None), retry_after


class NotificationService:
    """Sends the outbox's messages and keeps a record of each attempt.

    Args:
        adapter: the Bot Framework adapter that owns the connector credentials.
        database: the assistant's database.
        users: the user directory (conversation references live there).
        app_id: the bot's Microsoft app id ("" in local mode).
        policy: retry rules.
        sleep: awaited between quick retries (tests pass a recorder).
    """

    def __init__(
        self,
        adapter: BotAdapter,
        database: Database,
        users: Users,
        app_id: str = "",
        policy: RetryPolicy = RetryPolicy(),
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._adapter = adapter
        self._db = database
        self._users = users
        self._app_id = app_id
        self._policy = policy
        self._sleep = sleep
        self._outbox = Outbox(database)

    async def notify(
        self,
        aad_object_id: str,
        message: Activity | str,
        *,
        kind: str,
        dedupe_key: str | None = None,
    ) -> NotificationStatus:
        """Write one message to a user to the outbox and send it now.

        Args:
            aad_object_id: who to tell.
            message: the text or activity to send.
            kind: what the message is about (``status-change``, ``journal-prompt``...).
            dedupe_key: when given, a second call with the same key sends nothing more.

        Returns:
            The delivery status after the quick attempts.
        """
        activity = MessageFactory.text(message) if isinstance(message, str) else message
        notification_id = await asyncio.to_thread(
            self._record, aad_object_id.lower(), kind, activity.serialize(), dedupe_key
        )
        if notification_id is None:
            return NotificationStatus.SENT  # already handled under this dedupe key
        return (await self.deliver([notification_id])).get(notification_id, NotificationStatus.PENDING)

    async def deliver(self, notification_ids: Iterable[int]) -> dict[int, NotificationStatus]:
        """Send the pending messages a use case has just written, in order.

        Each is claimed first, so the background sweep does not send it too; one another
        process is already sending is left to it. Failures are recorded on the row (and
        retried by :meth:`deliver_due`), never raised into the turn.

        Returns:
            The delivery status of each message sent from here, by id.
        """
        now = utcnow()
        statuses: dict[int, NotificationStatus] = {}
        for notification_id in notification_ids:
            if await asyncio.to_thread(self._claim_new, notification_id, now):
                statuses[notification_id] = await self._deliver(notification_id)
        return statuses

    async def deliver_due(self, now: datetime | None = None) -> int:
        """Retry every message whose next attempt is due; returns how many this process tried
        (each is claimed first, so two processes sweeping together do not both send it)."""
        now = now or utcnow()
        with self._db.session() as session:
            due = session.scalars(
                select(Notification.id).where(
                    Notification.status.in_(
                        [NotificationStatus.PENDING.value, NotificationStatus.RETRYING.value]
                    ),
                    (Notification.next_attempt_at.is_(None)) | (Notification.next_attempt_at <= now),
                )
            ).all()
        tried = 0
        for notification_id in due:
            if self._claim(notification_id, now):
                await self._deliver(notification_id)
                tried += 1
        return tried

    def _claim(self, notification_id: int, now: datetime) -> bool:
        """Take a due message for this process: another bot process sweeping at the same
        moment finds it pushed into the future and leaves it alone."""
        with self._db.session() as session:
            claimed = session.execute(
                update(Notification)
                .where(
                    Notification.id == notification_id,
                    Notification.status.in_([NotificationStatus.PENDING.value, NotificationStatus.RETRYING.value]),
                    (Notification.next_attempt_at.is_(None)) | (Notification.next_attempt_at <= now),
                )
                .values(next_attempt_at=now + self._policy.later)
                .returning(Notification.id)
            ).first()
            return claimed is not None

    def _claim_new(self, notification_id: int, now: datetime) -> bool:
        """Take a message this process has just written: never tried, and still within the
        writer's grace (:data:`~domain.ops.outbox.WRITER_GRACE`), which the sweep leaves alone."""
        with self._db.session() as session:
            claimed = session.execute(
                update(Notification)
                .where(
                    Notification.id == notification_id,
                    Notification.status == NotificationStatus.PENDING.value,
                    Notification.attempts == 0,
                    Notification.next_attempt_at > now,
                )
                .values(next_attempt_at=now + self._policy.later)
                .returning(Notification.id)
            ).first()
            return claimed is not None

    def _record(self, aad_object_id: str, kind: str, payload: dict[str, Any], dedupe_key: str | None) -> int | None:
        with self._db.session() as session:
            return self._outbox.add(session, aad_object_id, kind, payload, dedupe_key)

    async def _deliver(self, notification_id: int) -> NotificationStatus:
        with self._db.session() as session:
            row = session.get(Notification, notification_id)
            assert row is not None
            aad_object_id, payload, attempts = row.aad_object_id, row.payload, row.attempts
        reference = self._users.reference_for(aad_object_id)
        if reference is None:
            return self._finish(notification_id, NotificationStatus.UNREACHABLE, attempts, "no reachable chat")

        quick = 0
        while True:
            attempts += 1
            quick += 1
            try:
                await self._send(reference, Activity().deserialize(payload))
                return self._finish(notification_id, NotificationStatus.SENT, attempts, None)
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
                status, retry_after, reason = None, None, type(error).__name__
            except Exception as error:  # noqa: BLE001 - the SDK raises assorted types; sorted below
                status, retry_after = send_status_of(error)
                if status is None:
                    log.exception("proactive send failed", extra={"notification": notification_id})
                    return self._finish(notification_id, NotificationStatus.FAILED, attempts, type(error).__name__)
                reason = f"HTTP {status}"
            if status in (403, 404):
                self._users.mark_unreachable(aad_object_id)
                return self._finish(notification_id, NotificationStatus.UNREACHABLE, attempts, reason)
            retryable = status is None or status == 429 or status >= 500
            if not retryable:
                return self._finish(notification_id, NotificationStatus.FAILED, attempts, reason)
            if attempts >= self._policy.max_attempts:
                return self._finish(notification_id, NotificationStatus.FAILED, attempts, reason)
            delay = self._delay(quick, retry_after)
            if quick >= self._policy.quick_attempts:
                later = max(self._policy.later, timedelta(seconds=retry_after or 0))
                return self._finish(notification_id, NotificationStatus.RETRYING, attempts, reason, utcnow() + later)
            log.info("proactive send will be retried", extra={"notification": notification_id, "reason": reason})
            await self._sleep(delay)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self._policy.max_delay)
        backoff = self._policy.base_delay * 2.0 ** (attempt - 1)
        return min(backoff * (0.8 + 0.4 * random.random()), self._policy.max_delay)

    async def _send(self, reference: dict[str, Any], activity: Activity) -> None:
        # The adapter hands errors raised inside a turn to its on_turn_error, which would
        # answer the user; a failed proactive send is ours to classify, so carry it out.
        failure: list[BaseException] = []

        async def callback(turn_context: TurnContext) -> None:
            try:
                await turn_context.send_activity(activity)
            except Exception as error:  # noqa: BLE001 - re-raised below, outside the turn
                failure.append(error)

        await self._adapter.continue_conversation(
            ConversationReference().deserialize(reference), callback, self._app_id
        )
        if failure:
            raise failure[0]

    def _finish(
        self,
        notification_id: int,
        status: NotificationStatus,
        attempts: int,
        reason: str | None,
        next_attempt_at: datetime | None = None,
    ) -> NotificationStatus:
        with self._db.session() as session:
            row = session.get(Notification, notification_id)
            assert row is not None
            row.status = status.value
            row.attempts = attempts
            row.last_error = reason
            row.next_attempt_at = next_attempt_at
            if status is NotificationStatus.SENT:
                row.sent_at = utcnow()
        if status is not NotificationStatus.SENT:
            log.warning("proactive send %s", status.value, extra={"notification": notification_id, "reason": reason})
        return status
