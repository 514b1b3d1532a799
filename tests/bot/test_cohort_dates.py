"""The Hub's ``cohort new`` command refuses course dates out of range (a course lasts at most a
year and starts within two years of today) with the limit and an example; nothing is created
and nothing is scheduled."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import SERVICES, Services, create_app
from domain.clock import london_today
from domain.models import Role, ScheduledJob
from domain.settings import Settings
from tests.dialogs.test_submission import Chat

HUB_AAD = "0b6f1b3c-4444-4a4a-9b9b-000000000004"


@pytest.fixture
async def services(aiohttp_client, tmp_path: Path) -> Services:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "INDEX_DIR": str(tmp_path / "no-index"),
        "SCHEDULER_SECONDS": "3600",
    })
    client = await aiohttp_client(create_app(settings))
    return client.app[SERVICES]


@pytest.fixture
async def hub(services: Services, connector) -> Chat:  # type: ignore[no-untyped-def]
    chat = Chat(services, connector.service_url, aad=HUB_AAD, name="Hub Lead")
    chat.adapter.on_turn_error = services.adapter.on_turn_error
    await chat.say("help")
    services.users.set_role(HUB_AAD, Role.HUB)
    return chat


def scheduled(services: Services) -> int:
    with services.database.session() as session:
        return session.scalar(select(func.count()).select_from(ScheduledJob)) or 0


async def test_out_of_range_course_dates_are_refused_and_nothing_is_created_or_scheduled(services, hub):
    today = london_today()
    monday = today + timedelta(days=7 - today.weekday())
    example = f"For example: {monday.isoformat()} to {(monday + timedelta(days=11)).isoformat()}. Nothing was created."
    start = today + timedelta(days=3)

    two_centuries = await hub.say(f"cohort new Leaders 9, leadership, {start.isoformat()}, "
                                  f"{(start + timedelta(days=200 * 365)).isoformat()}")
    assert two_centuries[0].startswith("A course can last at most a year (366 days);")
    assert two_centuries[0].endswith(example)
    year_9999 = await hub.say(f"cohort new Leaders 9, leadership, {start.isoformat()}, 20/12/9999")
    assert year_9999[0].startswith("A course can last at most a year (366 days);") and year_9999[0].endswith(example)
    far = today + timedelta(days=3 * 365)
    too_far = await hub.say(f"cohort new Leaders 9, leadership, {far.isoformat()}, {far.isoformat()}")
    assert too_far[0].startswith("A course must start within two years of today, between ")
    assert too_far[0].endswith(example)
    assert services.academy.academy.cohorts() == []
    assert services.academy.plan_jobs() == 0 and scheduled(services) == 0

    created = await hub.say(f"cohort new Leaders 9, leadership, {monday.isoformat()}, "
                            f"{(monday + timedelta(days=11)).isoformat()}")
    assert created[0].startswith("Created the cohort Leaders 9: Leadership,")
    assert [c.name for c in services.academy.academy.cohorts()] == ["Leaders 9"]


async def test_a_date_in_digits_of_another_script_is_not_read(services, hub):
    replies = await hub.say("cohort new Leaders 9, leadership, ٢٠٢٧-٠٣-٠١, 2027-03-12")
    assert replies[0].startswith("I can't read the date ٢٠٢٧-٠٣-٠١: use YYYY-MM-DD")
    assert services.academy.academy.cohorts() == []
