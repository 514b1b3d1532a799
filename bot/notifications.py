"""Proactive messages: the sender of the outbox, to each user's personal chat.

Every message is first a pending row of the ``notifications`` table: written by a use case
in the transaction of the change it reports (:mod:`domain.ops.outbox`), or by
:meth:`NotificationService.notify`. The sender claims a row, then sends it through
``continue_conversation`` on the user's saved conversation reference:

* right after the turn that wrote it: the chat layer hands the new rows to
  :meth:`NotificationService.dispatch` and answers at once; the sending runs beside the
  conversation, never inside a turn;
* on the background sweep (:meth:`NotificationService.deliver_due`) for any still due, in
  this process or another (each row is claimed first, so only one process sends it).

Messages to different chats go out concurrently (a bounded number of sends at once), those
to one chat in order; a chat whose sends fail never holds up another. Every send keeps to
Teams' limits (:class:`~bot.send_limits.SendLimits`). Teams' answers decide what happens next
(:mod:`bot.send_retry`):

* 403 or 404 (the app was removed, the chat is gone): the user is marked unreachable and
  the message is not retried; it goes out again only after the user talks to the bot.
* 429, 412 and 5xx, and network failures: retried with exponential backoff, honouring
  ``Retry-After``; after a few quick attempts (or when Teams asks for a longer wait) the
  message waits for :meth:`deliver_due`, and that chat's other messages wait with it.
* Anything else: recorded as failed.

Every database session runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Iterable

from botbuilder.core import BotAdapter, MessageFactory, TurnContext
from botbuilder.schema import Activity, ConversationReference

from domain.clock import utcnow
from domain.db import Database
from domain.models import NotificationStatus
from domain.users import Users

from bot.send_limits import GLOBAL_PER_SECOND, PER_CONVERSATION, SendLimits, Sleep
from bot.send_retry import UNREACHABLE, Failure, RetryPolicy, failure_of, send_status_of
from bot.send_store import SWEEP_BATCH, Outgoing, SendStore

__all__ = [
    "NotificationService", "RetryPolicy", "SendLimits", "send_status_of",
    "PER_CONVERSATION", "GLOBAL_PER_SECOND", "CONCURRENT_SENDS", "SWEEP_BATCH",
]

log = logging.getLogger(__name__)

# Sends waiting on Teams at once (each to its own chat); more chats wait for a free place.
CONCURRENT_SENDS = 8


class NotificationService:
    """Sends the outbox's messages and keeps a record of each attempt.

    Args:
        adapter: the Bot Framework adapter that owns the connector credentials.
        database: the assistant's database.
        users: the user directory (conversation references live there).
        app_id: the bot's Microsoft app id ("" in local mode).
        policy: retry rules.
        sleep: awaited between quick retries (tests pass a recorder).
        limits: Teams' rate limits (tests pass one on a fake clock).
        concurrency: how many sends may wait on Teams at once.
    """

    def __init__(
        self,
        adapter: BotAdapter,
        database: Database,
        users: Users,
        app_id: str = "",
        policy: RetryPolicy = RetryPolicy(),
        sleep: Sleep = asyncio.sleep,
        *,
        limits: SendLimits | None = None,
        concurrency: int = CONCURRENT_SENDS,
    ) -> None:
        self._adapter = adapter
        self._users = users
        self._app_id = app_id
        self._policy = policy
        self._sleep = sleep
        self._limits = limits or SendLimits()
        self._slots = asyncio.Semaphore(concurrency)
        self._store = SendStore(database, users, policy.later)
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight: set[int] = set()  # claimed here and not yet settled
        self._closing = False

    # --- handing messages over ------------------------------------------------------------

    def dispatch(self, notification_ids: Iterable[int]) -> None:
        """Send the messages a use case has just written, beside the conversation: returns at
        once, so a turn answers without waiting on Teams. Failures are recorded on the rows
        and retried by :meth:`deliver_due`."""
        wanted = tuple(notification_ids)
        if not wanted or self._closing:
            return  # when closing, the sweep sends them once the writer's grace has passed
        task = asyncio.get_running_loop().create_task(self._dispatched(wanted), name="notifications")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _dispatched(self, notification_ids: tuple[int, ...]) -> None:
        try:
            await self.deliver(notification_ids)
        except Exception as error:  # noqa: BLE001 - a background send must not end unseen; the sweep retries
            log.error("sending new notifications failed", extra={"reason": type(error).__name__})

    async def drain(self) -> None:
        """Wait until every message handed to :meth:`dispatch` so far has been tried."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self, grace: float = 5.0) -> None:
        """Stop taking new work, give the sends in flight ``grace`` seconds, then stop them
        (what they had claimed goes out with a later sweep)."""
        self._closing = True
        tasks = list(self._tasks)
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def notify(
        self,
        aad_object_id: str,
        message: Activity | str,
        *,
        kind: str,
        dedupe_key: str | None = None,
    ) -> NotificationStatus:
        """Write one message to a user to the outbox and send it now (for timed work, such as
        the Academy's prompts, which waits for the outcome; a turn uses :meth:`dispatch`).

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
            self._store.record, aad_object_id.lower(), kind, activity.serialize(), dedupe_key
        )
        if notification_id is None:
            return NotificationStatus.SENT  # already handled under this dedupe key
        return (await self.deliver([notification_id])).get(notification_id, NotificationStatus.PENDING)

    async def unreachable(self, notification_ids: Iterable[int]) -> set[int]:
        """Those of the messages whose recipient has no chat the bot can reach now."""
        wanted = tuple(notification_ids)
        return await asyncio.to_thread(self._store.unreachable, wanted) if wanted else set()

    # --- sending ----------------------------------------------------------------------------

    async def deliver(self, notification_ids: Iterable[int]) -> dict[int, NotificationStatus]:
        """Send the pending messages a use case has just written, and wait for the outcome.

        Each is claimed first, so the background sweep does not send it too; one another
        process is already sending is left to it. Failures are recorded on the row (and
        retried by :meth:`deliver_due`), never raised.

        Returns:
            The delivery status of each message sent from here, by id.
        """
        wanted = sorted(set(notification_ids))
        if not wanted:
            return {}
        claimed = await asyncio.to_thread(self._store.claim_all, wanted, utcnow(), True)
        return await self._send_claimed(claimed)

    async def deliver_due(self, now: datetime | None = None) -> int:
        """Retry the messages whose next attempt is due (up to :data:`SWEEP_BATCH`); returns
        how many this process tried (each is claimed first, so two processes sweeping
        together do not both send it)."""
        now = now or utcnow()
        skip = frozenset(self._in_flight)
        claimed = await asyncio.to_thread(self._store.claim_due, now, skip)
        await self._send_claimed(claimed)
        return len(claimed)

    async def _send_claimed(self, claimed: list[int]) -> dict[int, NotificationStatus]:
        if not claimed:
            return {}
        self._in_flight.update(claimed)
        try:
            outgoing = await asyncio.to_thread(self._store.load, claimed)
            chats: dict[str, list[Outgoing]] = {}
            for message in outgoing:
                chats.setdefault(message.aad_object_id, []).append(message)
            results = await asyncio.gather(*(self._send_chat(messages) for messages in chats.values()),
                                           return_exceptions=True)
        finally:
            self._in_flight.difference_update(claimed)
        statuses: dict[int, NotificationStatus] = {}
        for result in results:
            if isinstance(result, BaseException):
                # A chat left half done (the database failed): its claims lapse and a sweep retries.
                log.error("sending to one chat failed", extra={"reason": type(result).__name__})
            else:
                statuses.update(result)
        return statuses

    async def _send_chat(self, messages: list[Outgoing]) -> dict[int, NotificationStatus]:
        """One user's messages, in order; when one must wait for a later sweep, the rest wait too."""
        statuses: dict[int, NotificationStatus] = {}
        for index, message in enumerate(messages):
            status, next_at = await self._send_one(message)
            statuses[message.id] = status
            rest = messages[index + 1:]
            if not rest:
                break
            if status is NotificationStatus.UNREACHABLE:
                for other in rest:
                    statuses[other.id] = await self._finish(
                        other.id, NotificationStatus.UNREACHABLE, other.attempts, "no reachable chat")
                break
            if status is NotificationStatus.RETRYING and next_at is not None:
                await asyncio.to_thread(self._store.postpone, [other.id for other in rest], next_at)
                statuses.update({other.id: NotificationStatus.PENDING if other.attempts == 0
                                 else NotificationStatus.RETRYING for other in rest})
                break
        return statuses

    async def _send_one(self, message: Outgoing) -> tuple[NotificationStatus, datetime | None]:
        """Attempt one message until it is sent, fails for good, or must wait for a sweep."""
        if message.reference is None:
            return await self._finish(message.id, NotificationStatus.UNREACHABLE, message.attempts,
                                      "no reachable chat"), None
        reference = ConversationReference().deserialize(message.reference)
        conversation = reference.conversation.id if reference.conversation is not None else message.aad_object_id
        attempts, quick = message.attempts, 0
        while True:
            await self._limits.acquire(conversation)
            attempts += 1
            quick += 1
            async with self._slots:
                failure = await self._attempt(message.id, reference, Activity().deserialize(message.payload))
            if failure is None:
                return await self._finish(message.id, NotificationStatus.SENT, attempts, None), None
            if failure.status in UNREACHABLE:
                await asyncio.to_thread(self._users.mark_unreachable, message.aad_object_id)
                return await self._finish(message.id, NotificationStatus.UNREACHABLE, attempts, failure.reason), None
            if not failure.retryable or attempts >= self._policy.max_attempts:
                return await self._finish(message.id, NotificationStatus.FAILED, attempts, failure.reason), None
            delay = self._policy.delay(quick, failure.retry_after)
            if quick >= self._policy.quick_attempts or delay > self._policy.quick_wait or self._closing:
                next_at = utcnow() + self._policy.later_after(attempts, failure.retry_after)
                status = await self._finish(message.id, NotificationStatus.RETRYING, attempts, failure.reason, next_at)
                return status, next_at
            log.info("proactive send will be retried", extra={"notification": message.id, "reason": failure.reason})
            await self._sleep(delay)

    async def _attempt(self, notification_id: int, reference: ConversationReference,
                       activity: Activity) -> Failure | None:
        """One send; None when Teams took it, else what went wrong."""
        try:
            await self._send(reference, activity)
            return None
        except Exception as error:  # noqa: BLE001 - the SDK raises assorted types; sorted by failure_of
            return failure_of(error, notification_id)

    async def _send(self, reference: ConversationReference, activity: Activity) -> None:
        # The adapter hands errors raised inside a turn to its on_turn_error, which would
        # answer the user; a failed proactive send is ours to classify, so carry it out.
        failure: list[BaseException] = []

        async def callback(turn_context: TurnContext) -> None:
            try:
                await turn_context.send_activity(activity)
            except Exception as error:  # noqa: BLE001 - re-raised below, outside the turn
                failure.append(error)

        await self._adapter.continue_conversation(reference, callback, self._app_id)
        if failure:
            raise failure[0]

    async def _finish(
        self,
        notification_id: int,
        status: NotificationStatus,
        attempts: int,
        reason: str | None,
        next_attempt_at: datetime | None = None,
    ) -> NotificationStatus:
        await asyncio.to_thread(self._store.record_outcome, notification_id, status, attempts, reason, next_attempt_at)
        if status is not NotificationStatus.SENT:
            log.warning("proactive send %s", status.value, extra={"notification": notification_id, "reason": reason})
        return status
