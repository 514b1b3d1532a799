"""The reflective journal in Teams: written step by step or in the daily prompt's card, read
back with `my journal`, and the prompt sent on time by the scheduler through the bot."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from botbuilder.schema import Activity

from bot.app import SERVICES, Services, create_app
from bot.notifications import NotificationService
from domain.settings import Settings
from domain.models import Notification, NotificationStatus
from domain.ops.scheduler import Scheduler
from tests.dialogs.test_submission import Chat
from tests.fakes import OFFICER_AAD, card_of
from tests.nodetools import validate_cards


@pytest.fixture
async def services(aiohttp_client, tmp_path: Path, connector) -> Services:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "INDEX_DIR": str(tmp_path / "no-index"),
        "SCHEDULER_SECONDS": "3600",  # the tests run the scheduler themselves
    })
    client = await aiohttp_client(create_app(settings))
    return client.app[SERVICES]


@pytest.fixture
def chat(services: Services, connector) -> Chat:  # type: ignore[no-untyped-def]
    return Chat(services, connector.service_url)


async def test_a_journal_entry_step_by_step_then_read_back(chat):
    assert (await chat.say("journal"))[0].startswith("What happened?")
    assert (await chat.say("Third call about youths at the skate park."))[0].startswith("What were you thinking")
    await chat.say("skip")
    await chat.say("The youths talked to me.")
    await chat.say("skip")
    summary = await chat.say("Speak to the youth club manager.")
    assert summary[0].startswith("Here is your journal entry:") and "2. Feelings: (not answered)" in summary[0]
    saved = await chat.say("save")
    assert saved[0].startswith("Saved your journal entry for") and "Your streak: 1 day." in saved[0]
    back = await chat.say("my journal")
    assert back[0].startswith("Your journal (page 1 of 1, 1 entries; streak 1 day):")
    assert "- What happened? Third call about youths at the skate park." in back[0]
    assert "- What will you do next? Speak to the youth club manager." in back[0]


async def test_my_journal_pages_latest_first(services, chat):
    academy = services.academy.academy
    for n in range(7):
        academy.add_journal_entry(OFFICER_AAD, {"description": f"Day {n} on patrol"},
                                  written_on=date(2026, 11, 1) + timedelta(days=n))
    await chat.say("help")  # the officer is known to the bot
    first = await chat.say("my journal")
    assert "page 1 of 2, 7 entries" in first[0] and first[0].index("Day 6") < first[0].index("Day 2")
    assert "Day 1" not in first[0] and first[0].endswith("Type my journal 2 for older entries.")
    second = await chat.say("my journal 2")
    assert "page 2 of 2" in second[0] and "Day 0 on patrol" in second[0]


def course_day() -> date:
    """Today if it is a weekday, else the next Monday: prompts come on weekdays only."""
    today = date.today()
    return today + timedelta(days=(7 - today.weekday()) % 7 if today.weekday() >= 5 else 0)


def enrol_today(services: Services, aad: str = OFFICER_AAD, today: date | None = None) -> None:
    academy = services.academy.academy
    today = today or date.today()
    academy.create_cohort("Leaders 1", "leadership", today - timedelta(days=1), today + timedelta(days=3),
                          created_by="hub")
    academy.enrol("Leaders 1", aad, by="hub")


async def test_the_prompt_arrives_at_the_london_time_once_and_is_answered_in_its_card(services, chat, connector):
    await chat.say("help")  # the officer's chat is known
    today = course_day()
    enrol_today(services, today=today)
    six_pm = datetime.combine(today, time(18, 0), ZoneInfo("Europe/London")).astimezone(timezone.utc)
    planned = services.academy.plan_jobs(six_pm - timedelta(hours=2))
    assert planned >= 1

    clock = {"now": six_pm - timedelta(minutes=1)}
    services.academy.clock = lambda: clock["now"]
    scheduler = Scheduler(services.database, services.academy.handle, instance="test", clock=lambda: clock["now"])
    await scheduler.run_due()
    prompts = [a for a in connector.sent if "Reflective journal" in str(card_of(a))]
    assert prompts == []  # not before six
    clock["now"] = six_pm + timedelta(seconds=30)
    await scheduler.run_due()
    await Scheduler(services.database, services.academy.handle, instance="other", clock=lambda: clock["now"]).run_due()
    prompts = [card_of(a) for a in connector.sent if "Reflective journal" in str(card_of(a))]
    assert len(prompts) == 1  # once, although two schedulers ran
    assert validate_cards(prompts) == []

    save = next(a for a in prompts[0]["actions"] if a["title"] == "Save")["data"]
    done = await chat.say(value={**save, "description": "Skate park calls again.", "action": "journal",
                                 "feelings": "Curious why Fridays."})
    assert done[0].startswith("Saved your journal entry for")
    page = services.academy.academy.journal_page(OFFICER_AAD)
    assert page.total == 1 and page.entries[0].answers["feelings"] == "Curious why Fridays."


async def test_personal_data_in_the_card_is_asked_about_before_anything_is_kept(services, chat):
    await chat.say("help")
    replies = await chat.say(value={"action": "journal", "op": "save", "description": "Spoke to the victim, Sarah Jones.",
                                    "feelings": "Calm."})
    assert replies[0].startswith("I haven't saved it yet: your answer seems to include personal data: a name")
    assert replies[1].startswith("What happened?")  # the flagged answer asked again; the rest kept
    assert services.academy.academy.journal_page(OFFICER_AAD).total == 0


async def test_an_answer_in_the_card_over_the_limit_is_refused_with_its_length(services, chat):
    await chat.say("help")
    replies = await chat.say(value={"action": "journal", "op": "save", "description": "Skate park calls again.",
                                    "feelings": "Long day. " * 401})
    assert replies[0] == ("I haven't saved it yet: your answer to “What were you thinking and feeling?” is "
                          "4,009 characters; the limit is 4,000. Let's go through that part.")
    assert replies[1].startswith("What were you thinking")  # "what happened" kept; the long answer asked again
    assert services.academy.academy.journal_page(OFFICER_AAD).total == 0


async def test_two_bot_processes_sweeping_retries_send_a_message_once(services, connector):
    await Chat(services, connector.service_url).say("help")
    connector.fail_next(503, times=3)
    notifications = services.notifications
    status = await notifications.notify(OFFICER_AAD, "Your plan is due.", kind="plan-reminder")
    assert status is NotificationStatus.RETRYING
    other = NotificationService(services.adapter, services.database, services.users)
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    await asyncio.gather(notifications.deliver_due(later), other.deliver_due(later))
    assert connector.texts().count("Your plan is due.") == 1
    with services.database.session() as session:
        assert session.query(Notification).one().status == NotificationStatus.SENT.value


async def test_export_sends_the_record_as_a_file_after_consent(services, chat, connector):
    academy = services.academy.academy
    academy.add_journal_entry(OFFICER_AAD, {"description": "# Not a heading: skate park calls"},
                              written_on=date(2026, 11, 2))
    await chat.say("help")
    await chat.adapter.receive_activity(Activity(type="message", text="export"))
    consent = chat.adapter.get_next_activity()
    [attachment] = consent.attachments
    assert attachment.content_type == "application/vnd.microsoft.teams.card.file.consent"
    assert attachment.name.endswith(".md") and attachment.content["sizeInBytes"] > 0

    upload = {"name": attachment.name, "uploadUrl": f"{connector.service_url}upload/{attachment.name}",
              "contentUrl": "https://contoso.sharepoint.com/file.md", "uniqueId": "u-1", "fileType": "md"}
    await chat.adapter.receive_activity(Activity(
        type="invoke", name="fileConsent/invoke",
        value={"type": "fileUpload", "action": "accept", "context": attachment.content["acceptContext"],
               "uploadInfo": upload}))
    replies = []
    while (reply := chat.adapter.get_next_activity()) is not None:
        replies.append(reply)
    body, headers = connector.uploads[attachment.name]
    text = body.decode("utf-8")
    assert "skate park calls" in text and "\n# Not a heading" not in text  # their text cannot break it
    assert headers["Content-Range"] == f"bytes 0-{len(body) - 1}/{len(body)}"
    info = next(r for r in replies if r.type == "message")
    assert info.attachments[0].content_type == "application/vnd.microsoft.teams.card.file.info"
    assert info.attachments[0].content_url == "https://contoso.sharepoint.com/file.md"
    assert any(r.type == "invokeResponse" and r.value.status == 200 for r in replies)


async def test_a_declined_export_saves_nothing(services, chat, connector):
    await chat.say("help")
    await chat.adapter.receive_activity(Activity(
        type="invoke", name="fileConsent/invoke",
        value={"type": "fileUpload", "action": "decline", "context": {"file": "academy-export"}}))
    reply = chat.adapter.get_next_activity()
    assert reply.text == "No problem: the document was not saved." and connector.uploads == {}


async def test_the_background_work_starts_with_the_app_and_runs_the_retention_rules(services):
    from domain.models import RetentionRun

    for _ in range(100):  # the first round runs as the app starts
        with services.database.session() as session:
            runs = session.query(RetentionRun).all()
        if runs:
            break
        await asyncio.sleep(0.05)
    assert len(runs) == 1 and runs[0].query_days == services.settings.retention.days_query_logs
