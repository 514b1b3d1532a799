"""No message stalls anyone: a long pasted answer is answered promptly, and another officer
writing at the same moment is answered promptly too.

Through the app's protocol (POST /api/messages with expectReplies). The bounds are generous
stall bounds: each turn takes milliseconds; an answer that held up the bot took seconds.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.fakes import card_of, replies, teams_activity

OTHER_AAD = "0b6f1b3c-2222-4a4a-9b9b-000000000002"
STALL = 1.0  # seconds

# A crime-reference word, then thousands of digits: once a pattern tried every split of them.
ADVERSARIAL_ANSWER = "crn    " + "1" * 3992 + "/"
ADVERSARIAL_FIELD = "crn " + "1" * 11995 + "/"


async def post(client, activity: dict[str, Any]) -> tuple[list[str], float]:  # type: ignore[no-untyped-def]
    """Send one activity; each reply's text (or its card's fallback text), and how long it took."""
    started = time.perf_counter()
    response = await client.post("/api/messages", json=activity)
    took = time.perf_counter() - started
    assert response.status == 200
    return [a.get("text") or (card_of(a) or {}).get("fallbackText", "") for a in replies(await response.json())], took


async def test_a_4000_character_answer_and_another_officers_help_are_both_answered_promptly(client) -> None:
    assert len(ADVERSARIAL_ANSWER) == 4000
    started, _ = await post(client, teams_activity("journal"))
    assert started[0].startswith("What happened?")
    await post(client, teams_activity("help", aad_object_id=OTHER_AAD))  # the other officer is known

    (answered, answer_took), (helped, help_took) = await asyncio.gather(
        post(client, teams_activity(ADVERSARIAL_ANSWER)),
        post(client, teams_activity("help", aad_object_id=OTHER_AAD)),
    )

    assert answered[0].startswith("What were you thinking")  # kept; the next question asked
    assert helped[0].startswith("Prevention First assistant.")
    assert answer_took < STALL, f"the long answer took {answer_took:.2f} s"
    assert help_took < STALL, f"the other officer waited {help_took:.2f} s"


async def test_a_12000_character_journal_card_field_is_refused_promptly_without_stalling_anyone(client) -> None:
    assert len(ADVERSARIAL_FIELD) == 12000
    await post(client, teams_activity("help"))
    await post(client, teams_activity("help", aad_object_id=OTHER_AAD))
    card = {"action": "journal", "op": "save", "description": ADVERSARIAL_FIELD, "feelings": "Calm."}

    (refused, refusal_took), (helped, help_took) = await asyncio.gather(
        post(client, teams_activity(None, value=card)),
        post(client, teams_activity("help", aad_object_id=OTHER_AAD)),
    )

    assert refused[0] == ("I haven't saved it yet: your answer to “What happened?” is 12,000 characters; "
                          "the limit is 4,000. Let's go through that part.")
    assert refused[1].startswith("What happened?")  # asked again, one question at a time
    assert helped[0].startswith("Prevention First assistant.")
    assert refusal_took < STALL, f"the refusal took {refusal_took:.2f} s"
    assert help_took < STALL, f"the other officer waited {help_took:.2f} s"
