"""The Hub workspace in a real browser: Debian's chromium driven by Playwright (its own
driver, nothing downloaded), against the whole bot served on loopback in local mode."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, ConsoleMessage, Page

from bot.app import SERVICES, Services
from domain.settings import PROJECT_ROOT
from tests.fakes import OFFICER_AAD, replies, teams_activity

CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Screenshots are kept here for people to look at; build/ is not in git.
ARTEFACTS = PROJECT_ROOT / "build" / "test-artefacts" / "hub-workspace"
HUB_AAD = "1a000000-0000-4000-8000-0000000000b1"
HUB_NAME = "Sam Patel"
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 375, "height": 812}
BIKE_TITLE = "Bike thefts at Stevenage station"


async def say(client: Any, text: str, aad: str = OFFICER_AAD, name: str = "Alex Morgan",
              service_url: str = "http://127.0.0.1:9/") -> str:
    """What the bot answers in the chat to ``text`` (texts joined; a card's fallback text)."""
    response = await client.post("/api/messages", json=teams_activity(text, aad_object_id=aad, name=name,
                                                                      service_url=service_url))
    assert response.status == 200
    messages = [a for a in replies(await response.json()) if a["type"] == "message"]
    parts = []
    for message in messages:
        parts.append(message.get("text") or "")
        for attachment in message.get("attachments") or []:
            parts.append(json.dumps(attachment.get("content")))
    return "\n".join(parts)


async def submit_through_chat(client: Any, service_url: str) -> str:
    """An officer submits a problem in the personal chat by typing every answer; its reference."""
    steps = ["submit", "operational problem", BIKE_TITLE,
             "Bikes locked at the station racks are stolen on weekday mornings, out of sight of the ticket office.",
             "cycle theft", "Stevenage", "skip", "skip", "skip"]
    answer = ""
    for text in steps:
        answer = await say(client, text, service_url=service_url)
    if answer.startswith("Before you submit"):  # evidence that may already answer it is offered first
        await say(client, "carry on", service_url=service_url)
    answer = await say(client, "submit", service_url=service_url)
    return answer.split("Your reference is ")[1][:12]


@dataclass
class Tab:
    """One page of the workspace, with the console errors and failed requests it had."""

    page: Page
    base: str
    errors: list[str] = field(default_factory=list)

    async def open(self, route: str = "#/queue", query: str = "") -> None:
        await self.page.goto(f"{self.base}{query}{route}")
        await self.page.wait_for_selector("main h2")

    async def axe(self) -> list[dict[str, Any]]:
        """axe-core's serious and critical violations on the page as it is now."""
        await self.page.evaluate(AXE.read_text(encoding="utf-8"))
        result = await self.page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        return [{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]), "help": v["help"]}
                for v in result["violations"] if v["impact"] in ("serious", "critical")]

    async def shot(self, name: str) -> Path:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTEFACTS / f"{name}.png"
        await self.page.screenshot(path=str(path), full_page=True)
        return path


async def new_tab(browser: Browser, base: str, viewport: dict[str, int] = DESKTOP) -> Tab:
    context = await browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = await context.new_page()
    tab = Tab(page, base)

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            tab.errors.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: tab.errors.append(str(error)))
    return tab


def services_of(client: Any) -> Services:
    return client.app[SERVICES]
