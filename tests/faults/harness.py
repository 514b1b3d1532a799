"""Officers submitting to a real bot process, for the fault tests.

The bot runs as ``python -m bot`` (so it can be killed with SIGKILL or cut off from its
database); replies reach a Bot Connector stand-in in the test (:class:`tests.fakes.FakeConnector`).
An officer answers whatever the bot last asked, as a person would, until told a reference.
A message whose delivery failed is delivered again with the same activity id, as Teams does.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import subprocess
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from dialogs.submission import CARRY_ON
from tests.fakes import TENANT_ID, FakeConnector

REFERENCE = re.compile(r"Submitted\. Your reference is (PF-\d{4}-\d{4,})")
_IDS = itertools.count(1)


def officer_aad(n: int) -> str:
    return f"0b6f1b3c-2222-4a4a-9b9b-{n:012d}"


def answer_to(reply: str, n: int) -> str:
    """What officer ``n`` types after the bot said ``reply``."""
    rules = (
        ("You have an unfinished", "Continue"),
        ("What are you sending the Hub?", "idea"),
        ("Give it a short title.", f"Bike shed thefts at block {n}"),
        ("Describe it", f"Bikes are taken from the shared shed at block {n} overnight, twice a week."),
        ("Which crime types", "not crime specific"),
        ("Which district", "2"),
        ("What has been tried", "skip"),
        ("What would success", "skip"),
        ("Which partners", "skip"),
        ("Before you submit", CARRY_ON),
        ("Here is your submission", "Submit"),
    )
    for start, typed in rules:
        if start in reply:
            return typed
    raise AssertionError(f"officer {n} did not expect: {reply[:200]!r}")


@dataclass
class Officer:
    """One officer's conversation with the bot."""

    n: int
    told: str | None = None  # the reference the bot told them
    pending: dict[str, object] | None = None  # a message whose delivery failed, to deliver again
    seen: int = 0  # replies read so far
    said: list[str] = field(default_factory=list)

    @property
    def conversation(self) -> str:
        return f"a:fault-officer-{self.n}"

    def activity(self, text: str) -> dict[str, object]:
        return {
            "type": "message", "id": f"fault-{next(_IDS)}", "channelId": "msteams", "text": text,
            "from": {"id": f"29:officer-{self.n}", "name": f"Officer {self.n}", "aadObjectId": officer_aad(self.n)},
            "recipient": {"id": "28:prevention-first", "name": "Prevention First"},
            "conversation": {"id": self.conversation, "conversationType": "personal", "tenantId": TENANT_ID},
            "channelData": {"tenant": {"id": TENANT_ID}}, "locale": "en-GB",
        }


def replies_for(connector: FakeConnector, officer: Officer) -> list[str]:
    return [a.get("text") or "" for a in connector.sent
            if a.get("type") == "message" and (a.get("conversation") or {}).get("id") == officer.conversation]


async def deliver(session: aiohttp.ClientSession, url: str, connector: FakeConnector, officer: Officer,
                  activity: dict[str, object]) -> int | None:
    """POST one activity; the HTTP status, or None when the bot could not be reached."""
    activity = {**activity, "serviceUrl": connector.service_url}
    try:
        async with session.post(f"{url}/api/messages", json=activity,
                                timeout=aiohttp.ClientTimeout(total=30)) as response:
            await response.read()
            return response.status
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return None


async def submit_until_told(session: aiohttp.ClientSession, url: str, connector: FakeConnector, officer: Officer,
                            first: str = "submit", max_turns: int = 30) -> None:
    """Talk until told a reference, the bot becomes unreachable, or ``max_turns`` pass.

    A message the bot did not take (no answer, or a 5xx) is kept in ``pending`` and
    delivered again, with the same id, on the next call.
    """
    activity = officer.pending or officer.activity(first)
    for _ in range(max_turns):
        status = await deliver(session, url, connector, officer, activity)
        if status is None or status >= 500:
            officer.pending = activity
            return
        officer.pending = None
        assert status < 300, f"officer {officer.n}: HTTP {status}"
        replies = replies_for(connector, officer)
        new, officer.seen = replies[officer.seen:], len(replies)
        officer.said.extend(new)
        for reply in new:
            if found := REFERENCE.search(reply):
                officer.told = found.group(1)
                return
        if not new:
            raise AssertionError(f"officer {officer.n} got no reply to {activity['text']!r}")
        activity = officer.activity(answer_to(new[-1], officer.n))
    raise AssertionError(f"officer {officer.n} was not told a reference in {max_turns} turns: {officer.said[-3:]}")


async def all_of(*talks: Any) -> None:
    """Run every officer to the end, then raise the first failure (none is left running)."""
    outcomes = await asyncio.gather(*talks, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome


def stop(process: Any) -> None:
    """Stop a bot process: SIGTERM, and SIGKILL if it has not ended in 30 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
