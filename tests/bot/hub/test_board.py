"""`report` in the chat: the headline figures on a card and the HTML report as a file, for
Hub staff only (checked again when the file is accepted)."""

from __future__ import annotations

from pathlib import Path

import pytest
from botbuilder.schema import Activity

from bot.app import SERVICES, Services, create_app
from domain.settings import Settings
from domain.models import Role
from domain.portal import Kind, NewSubmission
from tests.dialogs.test_submission import Chat
from tests.fakes import OFFICER_AAD
from tests.nodetools import validate_cards

HUB_AAD = "0b6f1b3c-4444-4a4a-9b9b-000000000004"


@pytest.fixture
async def services(aiohttp_client, tmp_path: Path) -> Services:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
                                  "INDEX_DIR": str(tmp_path / "no-index"), "SCHEDULER_SECONDS": "3600"})
    return (await aiohttp_client(create_app(settings))).app[SERVICES]


def replies_of(chat: Chat) -> list[Activity]:
    out = []
    while (reply := chat.adapter.get_next_activity()) is not None:
        out.append(reply)
    return out


async def test_hub_staff_get_the_figures_and_the_report_file(services, connector):
    services.users.seen(HUB_AAD, "Hana Hub")
    services.users.set_role(HUB_AAD, Role.HUB)
    services.portal.submissions.create(OFFICER_AAD, NewSubmission(Kind.IDEA, "Bins", "Knife bins", [], "Watford"))
    hub = Chat(services, connector.service_url, aad=HUB_AAD, name="Hana Hub")
    month = services.portal.submissions.list_for(OFFICER_AAD)[0].last_update.strftime("%Y-%m")
    await hub.adapter.receive_activity(Activity(type="message", text=f"report {month}"))
    replies = replies_of(hub)
    card = next(r.attachments[0].content for r in replies
                if r.attachments and r.attachments[0].content_type == "application/vnd.microsoft.card.adaptive")
    assert card["body"][0]["text"].startswith("Board report: ") and validate_cards([card]) == []
    assert card["body"][1]["text"] == "- Submissions this month: 1 (1 so far this year)"
    consent = next(r.attachments[0] for r in replies
                   if r.attachments and r.attachments[0].content_type.endswith("file.consent"))
    assert consent.name == f"board-report-{month}.html"

    upload = {"name": consent.name, "uploadUrl": f"{connector.service_url}upload/{consent.name}",
              "contentUrl": "https://contoso.sharepoint.com/r.html", "uniqueId": "u-2", "fileType": "html"}
    value = {"type": "fileUpload", "action": "accept", "context": consent.content["acceptContext"], "uploadInfo": upload}
    await hub.adapter.receive_activity(Activity(type="invoke", name="fileConsent/invoke", value=value))
    replies_of(hub)
    body, _ = connector.uploads[consent.name]
    assert body.startswith(b"<!DOCTYPE html>") and b"data:image/png;base64," in body

    # An officer who replays the same consent gets nothing.
    officer = Chat(services, connector.service_url)
    await officer.say("help")
    del connector.uploads[consent.name]
    await officer.adapter.receive_activity(Activity(type="invoke", name="fileConsent/invoke", value=value))
    assert any(r.text == "That document is not available to you." for r in replies_of(officer))
    assert connector.uploads == {}


async def test_officers_are_refused_the_report(services, connector):
    officer = Chat(services, connector.service_url)
    assert await officer.say("report 2026-10") == ["The board report is for Hub staff."]


async def test_a_bad_month_is_explained(services, connector):
    services.users.seen(HUB_AAD, "Hana Hub")
    services.users.set_role(HUB_AAD, Role.HUB)
    hub = Chat(services, connector.service_url, aad=HUB_AAD, name="Hana Hub")
    replies = await hub.say("report 2026-13")
    assert replies[-1].startswith("'2026-13' is not a month") and replies[-1].endswith("For example: report 2026-10.")
