"""Users are recorded from Teams activities, and proactive messages reach them (or are
recorded as undeliverable) through their saved personal chat."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import SERVICES, create_app
from bot.notifications import NotificationService, RetryPolicy
from domain.settings import Settings
from domain.models import Notification, NotificationStatus, Role
from tests.fakes import OFFICER_AAD, card_of, replies, teams_activity

ADMIN_AAD = "aaaaaaaa-0000-4000-8000-00000000000a"


@pytest.fixture
async def bootstrapped(aiohttp_client, tmp_path):
    settings = Settings.from_env(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "BOOTSTRAP_ADMINS": ADMIN_AAD.upper()}
    )
    return await aiohttp_client(create_app(settings))


async def test_first_message_creates_an_officer_and_bootstrap_admins_are_admins(bootstrapped):
    await bootstrapped.post("/api/messages", json=teams_activity("help"))
    await bootstrapped.post("/api/messages", json=teams_activity("help", aad_object_id=ADMIN_AAD, name="Sam Hub"))
    users = bootstrapped.app[SERVICES].users
    assert users.get(OFFICER_AAD).role is Role.OFFICER
    assert users.get(ADMIN_AAD).role is Role.ADMIN
    assert users.get(OFFICER_AAD).name == "Alex Morgan"


async def test_installation_sends_the_welcome_card_once(client):
    install = teams_activity(None, activity_type="installationUpdate", action="add")
    response = await client.post("/api/messages", json=install)
    welcome = replies(await response.json())
    assert card_of(welcome[0])["body"][0]["text"] == "Prevention First assistant"

    joined = teams_activity(
        None,
        activity_type="conversationUpdate",
        membersAdded=[{"id": f"29:{OFFICER_AAD}", "aadObjectId": OFFICER_AAD}],
    )
    again = await client.post("/api/messages", json=joined)
    assert replies(await again.json()) == []


async def test_a_user_added_to_a_web_chat_is_welcomed(client):
    joined = teams_activity(
        None,
        activity_type="conversationUpdate",
        membersAdded=[{"id": f"29:{OFFICER_AAD}", "aadObjectId": OFFICER_AAD}],
    )
    joined["channelId"] = "webchat"
    response = await client.post("/api/messages", json=joined)
    assert card_of(replies(await response.json())[0]) is not None


async def _register(client, connector) -> NotificationService:
    await client.post(
        "/api/messages", json=teams_activity("help", service_url=connector.service_url, expect_replies=False)
    )
    connector.sent.clear()
    connector.attempts = 0
    return client.app[SERVICES].notifications


def _row(services, notification_id=None) -> Notification:
    with services.database.session() as session:
        return session.scalars(select(Notification).order_by(Notification.id.desc())).first()


async def test_proactive_message_reaches_the_users_personal_chat(client, connector):
    notifications = await _register(client, connector)
    status = await notifications.notify(OFFICER_AAD, "PF-2026-0001 is now being triaged.", kind="status-change")
    assert status is NotificationStatus.SENT
    assert connector.texts() == ["PF-2026-0001 is now being triaged."]
    assert connector.sent[0]["conversation"]["id"] == f"a:personal-{OFFICER_AAD}"
    assert _row(client.app[SERVICES]).sent_at is not None


async def test_the_same_dedupe_key_sends_once(client, connector):
    notifications = await _register(client, connector)
    for _ in range(2):
        await notifications.notify(OFFICER_AAD, "Reminder", kind="reminder", dedupe_key="plan-7-week-1")
    assert connector.texts() == ["Reminder"]


@pytest.mark.parametrize("status", [403, 404])
async def test_removed_app_is_recorded_and_not_retried(client, connector, status):
    notifications = await _register(client, connector)
    connector.fail_next(status)
    result = await notifications.notify(OFFICER_AAD, "Update", kind="status-change")
    assert result is NotificationStatus.UNREACHABLE
    assert connector.attempts == 1
    assert _row(client.app[SERVICES]).last_error == f"HTTP {status}"

    # Later messages are not attempted until the user talks to the bot again.
    assert await notifications.notify(OFFICER_AAD, "Another", kind="status-change") is NotificationStatus.UNREACHABLE
    assert connector.attempts == 1
    await _register(client, connector)
    assert await notifications.notify(OFFICER_AAD, "Back", kind="status-change") is NotificationStatus.SENT


async def test_throttling_is_retried_honouring_retry_after(client, connector):
    services = client.app[SERVICES]
    await _register(client, connector)
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    notifications = NotificationService(services.adapter, services.database, services.users, sleep=record)
    connector.fail_next(429, headers={"Retry-After": "7"})
    connector.fail_next(503)
    assert await notifications.notify(OFFICER_AAD, "Hello", kind="status-change") is NotificationStatus.SENT
    assert connector.texts() == ["Hello"]
    assert waits[0] == 7.0
    assert 1.0 <= waits[1] <= 4.0  # exponential backoff with jitter
    assert _row(services).attempts == 3


async def test_persistent_server_errors_wait_for_the_next_sweep_then_give_up(client, connector):
    services = client.app[SERVICES]
    await _register(client, connector)

    async def no_wait(_: float) -> None:
        return None

    policy = RetryPolicy(quick_attempts=2, max_attempts=4)
    notifications = NotificationService(services.adapter, services.database, services.users, policy=policy, sleep=no_wait)
    connector.fail_next(500, times=10)
    assert await notifications.notify(OFFICER_AAD, "Hello", kind="k") is NotificationStatus.RETRYING
    assert connector.attempts == 2
    assert _row(services).next_attempt_at is not None

    from datetime import timedelta
    from domain.models import utcnow

    await notifications.deliver_due(now=utcnow() + timedelta(hours=1))
    assert connector.attempts == 4
    assert _row(services).status == NotificationStatus.FAILED.value
    assert await notifications.deliver_due(now=utcnow() + timedelta(hours=2)) == 0


async def test_a_user_never_seen_is_unreachable(client):
    notifications = client.app[SERVICES].notifications
    client.app[SERVICES].users.seen("cccccccc-0000-4000-8000-00000000000c", "Never Chatted")
    assert await notifications.notify("cccccccc-0000-4000-8000-00000000000c", "Hi", kind="k") is NotificationStatus.UNREACHABLE
