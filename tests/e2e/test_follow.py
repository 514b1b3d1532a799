"""Following, end to end through Microsoft 365 Agents Playground: one officer follows a crime
type in a district from their Teams chat, a second officer (in a second Teams client) submits a
problem about it, and the next morning's digest reaches the first officer's chat."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import update

from bench.startup import start_bot
from domain.clock import utcnow
from domain.db import Database
from domain.models import ScheduledJob
from domain.portal.follows import DIGEST_KIND
from tests.conftest import MODEL_CACHE
from tests.e2e.journeys import submit_bike_thefts
from tests.e2e.playground import Playground, adaptive_cards, reply_text

pytestmark = [pytest.mark.e2e, pytest.mark.node]

LEAD = {"id": "29:e2e-lead", "name": "Pat Lead", "aadObjectId": "5c1d2e3f-0000-4000-8000-0000000000a1"}
OFFICER = {"id": "29:e2e-officer", "name": "Jo Patel", "aadObjectId": "5c1d2e3f-0000-4000-8000-0000000000e2"}


@pytest.fixture
def bot(tmp_path: Path, shipped_index: Path) -> Iterator[tuple[str, Database]]:
    """The bot on a free loopback port, running its scheduler every half second, and its database."""
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    process, base, _ = start_bot({"DATABASE_URL": url, "INDEX_DIR": str(shipped_index),
                                  "MODEL_CACHE_DIR": str(MODEL_CACHE), "SCHEDULER_SECONDS": "0.5"})
    database = Database(url)
    yield f"{base}/api/messages", database
    database.dispose()
    process.terminate()
    process.wait(timeout=10)


async def test_an_officer_follows_a_crime_type_a_colleague_submits_and_the_digest_arrives(bot):
    bot_url, database = bot
    async with Playground(bot_url, users=[LEAD]) as lead, Playground(bot_url, users=[OFFICER]) as officer:
        await lead.send("follow theft in Stevenage")
        done = await lead.wait_for(lambda a: reply_text(a).startswith("Done. You now follow"), timeout=30)
        assert "Theft in Stevenage" in reply_text(done)

        reference = await submit_bike_thefts(officer)

        # The digest is due at 08:00 UK time; the morning comes.
        with database.session() as session:
            moved = session.execute(update(ScheduledJob).where(ScheduledJob.kind == DIGEST_KIND)
                                    .values(due_at=utcnow() - timedelta(seconds=1))).rowcount
        assert moved == 1
        # Teams shows the message's text and its card as two messages; the card is the digest.
        digest = await lead.wait_for(lambda a: bool(adaptive_cards(a)) and "what you follow" in reply_text(a),
                                     timeout=30)
        shown = reply_text(digest)
        assert "Your daily digest: 1 update on what you follow" in shown
        assert f"New submission: {reference} Bike thefts at Stevenage station" in shown
        assert "Operational problem · Stevenage · Theft · Status: Received" in shown
        assert "racks are out of sight" not in str(digest) and "Jo Patel" not in str(digest)
        assert adaptive_cards(digest)[0]["version"] == "1.5"
