"""The notification sender: a turn answers without waiting on Teams, and the messages it wrote
go out beside the conversation, each exactly once, within Teams' rate limits; a chat whose
sends fail never holds up another, and Teams' ``Retry-After`` is honoured without sleeping
on it."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import pytest
from sqlalchemy import event, select

from bot.app import SERVICES, Services, create_app
from bot.notifications import NotificationService, RetryPolicy, SendLimits
from domain.db import Database
from domain.models import Notification, NotificationStatus, Role, utcnow
from domain.ops.outbox import Outbox
from domain.portal import Kind, NewSubmission
from domain.settings import Settings
from domain.users import Users
from tests.fakes import ChatsAdapter, OutageConnector, StatusError, card_of, replies, teams_activity

HUB_AAD = "1a000000-0000-4000-8000-000000000001"
OFFICERS = [f"0b6f1b3c-2222-4a4a-9b9b-{n:012d}" for n in range(1, 7)]  # a submitter and five supporters


async def no_wait(_: float) -> None:
    return None


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait for ``condition`` (a generous stall bound, not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        await asyncio.sleep(0.01)


def rows(db: Database) -> list[Notification]:
    with db.session() as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)).all())


def aware(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


# --- through the app: the Hub member's answer does not wait --------------------------------------


@pytest.fixture
async def outage() -> AsyncIterator[OutageConnector]:
    fake = await OutageConnector().start()
    yield fake
    await fake.close()


class Hub:
    """A Hub member and six officers talking to the bot, whose proactive messages go to ``outage``."""

    def __init__(self, client: Any, outage: OutageConnector) -> None:
        self.client, self.outage = client, outage
        self.services: Services = client.app[SERVICES]

    async def post(self, aad: str, text: str | None, *, invoke: str | None = None, **extra: Any) -> Any:
        activity = teams_activity(text, aad_object_id=aad, name=f"Person {aad[-2:]}",
                                  service_url=self.outage.service_url, **extra)
        if invoke is not None:  # an invoke's name (``name`` above is the sender's)
            activity["name"] = invoke
        response = await self.client.post("/api/messages", json=activity)
        assert response.status == 200
        return await response.json()

    async def card(self, text: str) -> dict[str, Any]:
        [card] = [card_of(a) for a in replies(await self.post(HUB_AAD, text)) if card_of(a)]
        assert card is not None
        return card


@pytest.fixture
async def hub(aiohttp_client: Any, tmp_path: Path, outage: OutageConnector) -> Hub:
    settings = Settings.from_env({"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "INDEX_DIR": str(tmp_path / "index")})
    chat = Hub(await aiohttp_client(create_app(settings)), outage)
    for aad in (HUB_AAD, *OFFICERS):  # each says hello once: the bot learns their chats
        await chat.post(aad, "help")
    chat.services.users.set_role(HUB_AAD, Role.HUB)
    return chat


def submission_with_five_supporters(services: Services) -> str:
    new = NewSubmission(Kind.PROBLEM, "Shed burglaries", "Sheds broken into at night.", ["burglary"], "Watford")
    reference = services.portal.submissions.create(OFFICERS[0], new, vector=[1, 0, 0, 0]).reference
    for supporter in OFFICERS[1:]:
        services.portal.submissions.add_support(reference, supporter, "Same here.")
    return reference


@pytest.mark.parametrize("fault", ["503", "429", "refused"])
@pytest.mark.parametrize("how", ["execute", "typed"])
async def test_the_answer_to_a_status_change_does_not_wait_for_a_failing_connector(hub: Hub, how: str,
                                                                                  fault: str) -> None:
    reference = submission_with_five_supporters(hub.services)
    card = await hub.card(f"open {reference}")
    data = dict(next(a for a in card["actions"] if a["title"] == "Change status")["card"]["actions"][0]["data"])
    # The answer itself goes back in the HTTP response (expectReplies, or the invoke's body).
    if fault == "refused":
        await hub.outage.refuse()
    else:
        hub.outage.down(int(fault), {"Retry-After": "1"} if fault == "429" else None)

    started = time.monotonic()
    if how == "execute":
        body = await hub.post(HUB_AAD, None, activity_type="invoke", expect_replies=False, invoke="adaptiveCard/action",
                              value={"action": {"type": "Action.Execute", "verb": "hub",
                                                "data": {**data, "status": "triaged", "note": "Passed on"}},
                                     "trigger": "manual"})
        answered = time.monotonic() - started
        assert body["statusCode"] == 200
        answer = body["value"]["body"][0]["text"]
    else:
        body = await hub.post(HUB_AAD, f"change status {reference} to triaged: passed on")
        answered = time.monotonic() - started
        answer = replies(body)[0]["text"]
    print(f"answered in {answered:.3f} s")
    assert answered < 1.0  # six sends behind a failing connector take seconds; the answer does not wait
    assert answer == f"{reference} is now triaged. Its submitter and supporters will be told. Sending to 6 people."

    # The sender tries everyone beside the conversation; nothing gets through yet.
    if fault == "refused":
        await until(lambda: {row.status for row in rows(hub.services.database)} == {"retrying"})
        await hub.outage.listen_again()
    else:
        await until(lambda: hub.outage.attempts >= 6)
        hub.outage.recover()
    assert hub.outage.sent == []
    assert {row.status for row in rows(hub.services.database)} <= {"pending", "retrying"}

    await asyncio.wait_for(hub.services.notifications.drain(), 30)
    await hub.services.notifications.deliver_due(now=utcnow() + timedelta(minutes=30))  # the next sweeps
    assert [hub.outage.delivered(f"a:personal-{aad}") for aad in OFFICERS] == [1] * 6
    assert [row.status for row in rows(hub.services.database)] == ["sent"] * 6
    # Nothing is left for the sweep, so nothing goes twice.
    assert await hub.services.notifications.deliver_due(now=utcnow() + timedelta(hours=1)) == 0
    assert [hub.outage.delivered(f"a:personal-{aad}") for aad in OFFICERS] == [1] * 6


# --- the sender on its own -----------------------------------------------------------------------


def people(db: Database, count: int) -> tuple[Users, list[str]]:
    users = Users(db)
    aads = OFFICERS[:count]
    for n, aad in enumerate(aads):
        users.seen(aad, f"Person {n}")
        users.save_reference(aad, {
            "channelId": "msteams", "serviceUrl": "https://smba.example/", "conversation": {"id": f"a:{aad}"},
            "user": {"id": f"29:{aad}", "aadObjectId": aad}, "bot": {"id": "28:bot"},
        })
    return users, aads


def write(db: Database, aads: list[str], *, due: bool = False) -> list[int]:
    """One message to each of ``aads`` (in order), as a use case writes them; ``due``: written
    long enough ago that the writer's grace is over and the sweep takes them."""
    clock = (lambda: utcnow() - timedelta(minutes=2)) if due else utcnow
    outbox = Outbox(db, clock=clock)
    with db.session() as session:
        added = [outbox.add(session, aad, "status-change", f"message {n}") for n, aad in enumerate(aads)]
    assert None not in added
    return [i for i in added if i is not None]


async def test_after_an_outage_the_sweep_sends_every_message_exactly_once_across_two_processes(db: Database) -> None:
    users, aads = people(db, 6)
    adapter = ChatsAdapter()
    adapter.failing = {f"a:{aad}": StatusError(503) for aad in aads}
    sender = NotificationService(adapter, db, users, policy=RetryPolicy(quick_attempts=2), sleep=no_wait)
    sender.dispatch(write(db, aads))
    await asyncio.wait_for(sender.drain(), 30)
    assert [row.status for row in rows(db)] == ["retrying"] * 6 and adapter.sent == []
    assert await sender.deliver_due() == 0  # not due yet

    adapter.failing.clear()
    other = NotificationService(adapter, db, users)  # a second bot process sweeping at the same moment
    later = utcnow() + timedelta(hours=1)
    tried = await asyncio.gather(sender.deliver_due(later), other.deliver_due(later))
    assert sum(tried) == 6
    assert [adapter.delivered(f"a:{aad}") for aad in aads] == [1] * 6
    assert [row.status for row in rows(db)] == ["sent"] * 6
    assert await sender.deliver_due(now=utcnow() + timedelta(hours=2)) == 0


async def test_429_with_retry_after_30_is_tried_again_no_sooner_and_never_slept_on(sqlite_db: Database) -> None:
    users, [aad] = people(sqlite_db, 1)
    adapter = ChatsAdapter()
    adapter.failing[f"a:{aad}"] = StatusError(429, {"Retry-After": "30"})
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    sender = NotificationService(adapter, sqlite_db, users, policy=RetryPolicy(later=timedelta(seconds=1)), sleep=record)
    before = utcnow()
    [notification] = write(sqlite_db, [aad])
    assert await sender.deliver([notification]) == {notification: NotificationStatus.RETRYING}
    assert waits == [] and adapter.attempts == {f"a:{aad}": 1}  # too long to wait for here
    [row] = rows(sqlite_db)
    assert aware(row.next_attempt_at) >= before + timedelta(seconds=30)
    assert row.last_error == "HTTP 429"

    adapter.failing.clear()
    assert await sender.deliver_due(now=before + timedelta(seconds=20)) == 0
    assert await sender.deliver_due(now=aware(row.next_attempt_at)) == 1
    assert adapter.delivered(f"a:{aad}") == 1 and rows(sqlite_db)[0].status == "sent"


async def test_a_chat_that_keeps_failing_does_not_hold_up_the_others_in_the_same_sweep(sqlite_db: Database) -> None:
    users, aads = people(sqlite_db, 6)
    failing = f"a:{aads[0]}"
    adapter = ChatsAdapter()
    adapter.failing[failing] = StatusError(503)
    backing_off = asyncio.Event()
    release = asyncio.Event()

    async def backoff(_: float) -> None:  # the failing chat's backoff lasts until the test ends it
        backing_off.set()
        await release.wait()

    sender = NotificationService(adapter, sqlite_db, users, sleep=backoff)
    ids = write(sqlite_db, [aads[0], *aads[1:], aads[0]], due=True)  # the failing chat first and last
    sweep = asyncio.create_task(sender.deliver_due())
    await until(lambda: len(adapter.sent) == 5)
    assert backing_off.is_set() and not sweep.done()  # the others went while it backs off
    assert sorted(c for c, _, _ in adapter.sent) == sorted(f"a:{aad}" for aad in aads[1:])

    release.set()
    assert await asyncio.wait_for(sweep, 30) == len(ids)
    by_id = {row.id: row for row in rows(sqlite_db)}
    assert [by_id[i].status for i in ids] == ["retrying", "sent", "sent", "sent", "sent", "sent", "pending"]
    assert by_id[ids[0]].attempts == 3
    # The failing chat's next message waits with the first (in order), without an attempt of its own.
    last = by_id[ids[-1]]
    assert (last.status, last.attempts) == ("pending", 0)
    assert aware(last.next_attempt_at) == aware(by_id[ids[0]].next_attempt_at)
    assert adapter.attempts[failing] == 3


class FakeTime:
    """A monotonic clock that moves only when slept on."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


async def test_twenty_messages_to_one_chat_go_in_order_at_most_seven_a_second(sqlite_db: Database) -> None:
    users, [aad] = people(sqlite_db, 1)
    clock = FakeTime()
    adapter = ChatsAdapter(clock=clock)
    sender = NotificationService(adapter, sqlite_db, users, limits=SendLimits(clock=clock, sleep=clock.sleep))
    ids = write(sqlite_db, [aad] * 20)
    assert set((await sender.deliver(ids)).values()) == {NotificationStatus.SENT}
    assert [text for _, text, _ in adapter.sent] == [f"message {n}" for n in range(20)]
    stamps = [at for _, _, at in adapter.sent]
    assert all(stamps[n + 7] - stamps[n] >= 1.0 for n in range(len(stamps) - 7))  # 7 in any second
    assert all(stamps[n + 8] - stamps[n] >= 2.0 for n in range(len(stamps) - 8))  # and 8 in any two
    assert stamps[-1] - stamps[0] <= 6.0  # no longer than those limits need


async def test_the_global_budget_spaces_sends_across_chats() -> None:
    clock = FakeTime()
    limits = SendLimits(per_second=10, burst=10, clock=clock, sleep=clock.sleep)
    stamps = []
    for n in range(30):
        await limits.acquire(f"a:chat-{n}")
        stamps.append(clock())
    assert stamps[9] == stamps[0]  # a burst of ten at once
    assert all(later - earlier >= 0.1 - 1e-9 for earlier, later in zip(stamps[10:], stamps[11:]))
    assert stamps[-1] - stamps[0] >= 2.0 - 1e-9


async def test_every_database_session_of_the_sender_runs_off_the_event_loop(sqlite_db: Database) -> None:
    users, aads = people(sqlite_db, 3)
    adapter = ChatsAdapter()
    adapter.failing[f"a:{aads[0]}"] = StatusError(503)
    sender = NotificationService(adapter, sqlite_db, users, policy=RetryPolicy(quick_attempts=1), sleep=no_wait)
    fresh, due = write(sqlite_db, aads[1:]), write(sqlite_db, aads, due=True)
    loop_thread = threading.get_ident()
    on_loop: list[bool] = []

    def seen(*_: Any) -> None:
        on_loop.append(threading.get_ident() == loop_thread)

    event.listen(sqlite_db.engine, "before_cursor_execute", seen)
    try:
        sender.dispatch(fresh)
        await sender.drain()
        assert await sender.deliver_due() == len(due)
        assert await sender.notify(aads[1], "Hello", kind="k") is NotificationStatus.SENT
        assert await sender.unreachable(due) == set()
    finally:
        event.remove(sqlite_db.engine, "before_cursor_execute", seen)
    assert on_loop and not any(on_loop)


async def test_on_shutdown_a_send_in_flight_is_stopped_and_a_later_sweep_sends_it_once(sqlite_db: Database) -> None:
    users, [aad] = people(sqlite_db, 1)
    adapter = ChatsAdapter()
    adapter.hold = asyncio.Event()  # Teams does not answer
    sender = NotificationService(adapter, sqlite_db, users)
    [notification] = write(sqlite_db, [aad])
    sender.dispatch([notification])
    await until(lambda: adapter.attempts.get(f"a:{aad}") == 1)
    await asyncio.wait_for(sender.close(grace=0.05), 10)
    sender.dispatch(write(sqlite_db, [aad]))  # after closing, new messages are left to the sweep
    assert adapter.sent == [] and [row.status for row in rows(sqlite_db)] == ["pending", "pending"]

    adapter.hold = None
    restarted = NotificationService(adapter, sqlite_db, users)
    assert await restarted.deliver_due(now=utcnow() + timedelta(minutes=10)) == 2
    assert [text for _, text, _ in adapter.sent] == ["message 0", "message 0"]  # each of the two, once
    assert await restarted.deliver_due(now=utcnow() + timedelta(hours=1)) == 0
