"""What an officer types in Teams for the longer journeys, shared by the end-to-end tests."""

from __future__ import annotations

from typing import Any

from tests.e2e.playground import Playground, reply_text

BIKE_THEFTS = "Bike thefts at Stevenage station"
BIKE_THEFTS_DESCRIPTION = ("Bikes locked at the station racks are stolen on weekday mornings; the racks are out of "
                           "sight of the ticket office.")


async def answer(teams: Playground, text: str, next_question: str) -> dict[str, Any]:
    """Type ``text``; the bot's next message that starts with ``next_question``."""
    await teams.send(text)
    return await teams.wait_for(lambda a: reply_text(a).startswith(next_question), timeout=30)


async def submit_bike_thefts(teams: Playground, success: str = "skip") -> str:
    """Submit an operational problem about cycle theft in Stevenage by typing every answer;
    returns its reference."""
    await answer(teams, "submit", "What are you sending the Hub?")
    await answer(teams, "operational problem", "Give it a short title.")
    await answer(teams, BIKE_THEFTS, "Describe it:")
    await answer(teams, BIKE_THEFTS_DESCRIPTION, "Which crime types")
    await answer(teams, "cycle theft", "Which district is it in?")
    await answer(teams, "Stevenage", "What has been tried already")
    await answer(teams, "skip", "What would success look like?")
    await answer(teams, success, "Which partners")
    await teams.send("skip")
    offer_or_summary = await teams.wait_for(
        lambda a: reply_text(a).startswith(("Before you submit", "Here is your submission")), timeout=30)
    if reply_text(offer_or_summary).startswith("Before you submit"):
        await answer(teams, "carry on", "Here is your submission")
    done = await answer(teams, "submit", "Submitted. Your reference is PF-")
    return reply_text(done).split("Your reference is ")[1][:12]
