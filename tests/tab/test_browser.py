"""The Hub workspace in Debian's chromium: the queue, a submission made in the chat opened and
moved on (the submitter told, the change audited), the knowledge editor's live check and a
publish the bot answers from, keyboard-only triage, the themes, narrow screens, no console
errors and no serious or critical accessibility violations (axe-core)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from domain.clock import LONDON
from domain.models import AuditLog, Role
from tests.fakes import OFFICER_AAD
from tests.tab.workspace import BIKE_TITLE, DESKTOP, HUB_AAD, MOBILE, new_tab, say, services_of, submit_through_chat

pytestmark = pytest.mark.node


def audit_rows(client: Any, action: str) -> list[AuditLog]:
    with services_of(client).database.session() as session:
        return list(session.scalars(select(AuditLog).where(AuditLog.action == action)).all())


@pytest.fixture
async def submitted(make_workspace, connector):  # type: ignore[no-untyped-def]
    """The workspace, with a problem an officer submitted in the chat; (client, reference)."""
    client = await make_workspace()
    return client, await submit_through_chat(client, connector.service_url)


async def told(client: Any, connector: Any) -> list[str]:
    await services_of(client).notifications.drain()
    return [a.get("text") or "" for a in connector.sent
            if a.get("type") == "message" and a["conversation"]["id"] == f"a:personal-{OFFICER_AAD}"]


async def test_a_submission_made_in_the_chat_is_opened_and_moved_on_from_the_queue(
    submitted, connector, browser  # type: ignore[no-untyped-def]
) -> None:
    client, reference = submitted
    tab = await new_tab(browser, str(client.make_url("/hub/")))
    await tab.open()
    row = tab.page.locator("table.queue tbody tr", has_text=reference)
    await row.wait_for()
    assert BIKE_TITLE in await row.inner_text()
    assert "Local mode: signed in as Sam Patel" in await tab.page.inner_text("#banner")
    assert await tab.axe() == []
    await tab.shot("queue-desktop")

    await row.get_by_role("link", name=reference).click()
    await tab.page.wait_for_selector(f"h2:has-text('{reference}')")
    assert "Bikes locked at the station racks" in await tab.page.inner_text("main")
    assert len(audit_rows(client, "submission.read")) == 1
    assert await tab.axe() == []
    await tab.shot("record-desktop")

    await tab.page.select_option("#a-status", "triaged")
    await tab.page.fill("#a-note", "Passed to the Stevenage problem-solving team.")
    await tab.page.get_by_role("button", name="Change status").click()
    await tab.page.wait_for_selector("#status.good")
    assert f"{reference} is now triaged" in await tab.page.inner_text("#status")
    assert "Triaged" in await tab.page.inner_text("dl.facts")
    sent = await told(client, connector)
    assert any(reference in text and "Passed to the Stevenage problem-solving team" in text for text in sent)
    changes = audit_rows(client, "submission.status")
    assert [(row.actor, row.record_id) for row in changes] == [(HUB_AAD, reference)]
    assert tab.errors == []


async def test_the_workspace_fits_a_phone_and_follows_the_dark_and_high_contrast_themes(
    submitted, browser  # type: ignore[no-untyped-def]
) -> None:
    client, reference = submitted
    phone = await new_tab(browser, str(client.make_url("/hub/")), MOBILE)
    await phone.open()
    await phone.page.locator("td", has_text=reference).wait_for()
    # Nothing wider than the screen: no sideways scrolling at 375 px.
    assert await phone.page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    assert await phone.axe() == []
    await phone.shot("queue-mobile")
    await phone.open(f"#/submission/{reference}")
    assert await phone.page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    await phone.shot("record-mobile")
    for theme in ("dark", "contrast"):
        tab = await new_tab(browser, str(client.make_url("/hub/")), DESKTOP)
        await tab.open(query=f"?theme={theme}")
        assert await tab.page.evaluate("document.documentElement.dataset.theme") == theme
        assert await tab.axe() == [], theme
        await tab.shot(f"queue-{theme}")
        assert tab.errors == []
    assert phone.errors == []


async def test_triage_by_keyboard_alone_with_the_focus_always_visible(
    submitted, browser  # type: ignore[no-untyped-def]
) -> None:
    client, reference = submitted
    tab = await new_tab(browser, str(client.make_url("/hub/")))
    await tab.open()
    page = tab.page

    async def tab_to(selector: str, limit: int = 60) -> None:
        for _ in range(limit):
            await page.keyboard.press("Tab")
            if await page.evaluate(f"document.activeElement.matches({selector!r})"):
                outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
                assert outline != "none", f"no visible focus on {selector}"
                return
        raise AssertionError(f"Tab never reached {selector}")

    await tab_to(f"a[href='#/submission/{reference}']")
    await page.keyboard.press("Enter")
    await page.wait_for_selector(f"h2:has-text('{reference}')")
    await tab_to("#a-status")
    await page.keyboard.press("ArrowDown")  # received -> the second status offered
    chosen = await page.eval_on_selector("#a-status", "s => s.value")
    await tab_to("#a-note")
    await page.keyboard.type("Checked by keyboard.")
    await tab_to("form[aria-label='Change status'] button")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#status.good")
    assert f"is now {chosen.replace('-', ' ')}" in await page.inner_text("#status")
    assert tab.errors == []


async def test_an_entry_edited_into_an_invalid_state_shows_the_error_beside_the_field_then_publishes(
    make_workspace, connector, browser  # type: ignore[no-untyped-def]
) -> None:
    client = await make_workspace()
    before = await say(client, "what works for operation nightjar at the bus station")
    assert "Hot spots policing" not in before.split("no good match")[0] or "no good match" in before
    tab = await new_tab(browser, str(client.make_url("/hub/")))
    await tab.open("#/entry/research/hot-spots-policing.md")
    page = tab.page
    await page.wait_for_selector(".preview .ac-adaptiveCard")
    await page.fill("#e-published", "2025-13-45")
    error = page.locator("#e-published-error")
    await error.filter(has_text="is not a date written as YYYY-MM-DD").wait_for()
    assert await page.get_attribute("#e-published", "aria-invalid") == "true"
    assert await page.locator(".preview .ac-adaptiveCard").count() == 0
    assert await tab.axe() == []
    await tab.shot("editor-invalid-desktop")

    await page.fill("#e-published", "2025-11-02")
    await page.wait_for_selector(".preview .ac-adaptiveCard")
    assert await error.inner_text() == ""
    asked = page.locator("#e-asked")
    await asked.fill((await asked.input_value()) + "\noperation nightjar at the bus station")
    await page.get_by_role("button", name="Publish").click()
    await page.wait_for_selector("#status.good", timeout=120_000)
    assert "Published research/hot-spots-policing.md" in await page.inner_text("#status")
    after = await say(client, "what works for operation nightjar at the bus station")
    assert "Hot spots policing" in after and "no good match" not in after
    revisions = await page.evaluate("fetch('api/knowledge/entry?path=research/hot-spots-policing.md')"
                                    ".then(r => r.json())")
    assert revisions["revisions"][0]["action"] == "edit" and revisions["revisions"][0]["by"] == "Sam Patel"
    assert tab.errors == []


async def test_an_officer_sees_a_polite_page_and_no_data(make_workspace, connector, browser) -> None:  # type: ignore[no-untyped-def]
    client = await make_workspace(local=OFFICER_AAD)
    reference = await submit_through_chat(client, connector.service_url)
    tab = await new_tab(browser, str(client.make_url("/hub/")))
    await tab.page.goto(tab.base)
    await tab.page.wait_for_selector("h2:has-text('Hub staff only')")
    text = await tab.page.inner_text("body")
    assert "The Hub workspace is for Prevention First Hub staff" in text
    assert reference not in text and BIKE_TITLE not in text
    assert await tab.page.is_hidden("#nav")
    assert audit_rows(client, "submission.list") == []
    assert await tab.axe() == []
    # The browser logs the 403 it was given; nothing else.
    assert all("403" in error for error in tab.errors)
    await asyncio.sleep(0)


async def test_a_gap_opens_the_editor_with_its_question_and_the_board_report_shows_its_figures(
    make_workspace, browser  # type: ignore[no-untyped-def]
) -> None:
    client = await make_workspace()
    await say(client, "what works for badger sett interference")
    tab = await new_tab(browser, str(client.make_url("/hub/")))
    await tab.open("#/gaps")
    page = tab.page
    row = page.locator("table.queue tbody tr", has_text="badger sett interference")
    await row.wait_for()
    assert await tab.axe() == []
    await row.get_by_role("button", name="Write an entry for this").click()
    await page.wait_for_selector("h2:has-text('New entry')")
    assert await page.input_value("#e-asked") == "badger sett interference"
    # Checked at once, beside the field (waited for: a slow host renders it a moment later).
    await page.wait_for_selector("#e-id-error:has-text('is required')")

    this_month = datetime.now(LONDON).strftime("%Y-%m")  # the officer's question was asked this month
    await tab.open(f"#/report?month={this_month}")
    await page.wait_for_selector("h2:has-text('Board report')")
    assert await page.locator(".charts img").count() >= 1
    assert all(await page.eval_on_selector_all(".charts img", "imgs => imgs.map(i => i.alt.length > 0)"))
    assert await tab.axe() == []
    await tab.shot("report-desktop")
    assert tab.errors == []
