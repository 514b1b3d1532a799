"""Following in Teams: ``follow``, ``following``, ``unfollow`` and ``follow updates`` in the
personal chat, the digest or update that reaches a follower's chat (through the connector),
and the Hub's record card naming who follows the topic."""

from __future__ import annotations

from datetime import timezone
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import Services
from domain.audit import Audit
from domain.models import Role, ScheduledJob
from domain.ops.background import by_kind
from domain.ops.scheduler import Scheduler
from domain.portal import Kind, NewSubmission
from domain.portal.follows import DIGEST_KIND, NOW_KIND
from tests.dialogs.test_submission import Chat
from tests.fakes import OFFICER_AAD, card_of
from tests.nodetools import validate_cards

UTC = timezone.utc
LEAD_AAD = "0b6f1b3c-3333-4a4a-9b9b-000000000003"
HUB_AAD = "0b6f1b3c-4444-4a4a-9b9b-000000000004"
DESCRIPTION = "zqx-description: Darren Smith's brother carries a knife"
TITLE = "Knives *carried* near <b>the</b> bus station"


@pytest.fixture
async def services(make_services) -> Services:  # type: ignore[no-untyped-def]
    return await make_services()


@pytest.fixture
async def chats(services: Services, connector) -> dict[str, Chat]:  # type: ignore[no-untyped-def]
    people = {"lead": (LEAD_AAD, "Pat Lead"), "officer": (OFFICER_AAD, "Alex Morgan"), "hub": (HUB_AAD, "Hana Hub")}
    chats = {key: Chat(services, connector.service_url, aad=aad, name=name) for key, (aad, name) in people.items()}
    for chat in chats.values():
        await chat.say("help")  # their chats are known
    services.users.set_role(HUB_AAD, Role.HUB)
    return chats


def submit(services: Services, title: str = TITLE, area: str = "Stevenage", crime_types: tuple[str, ...] = ("knife-crime",)) -> str:
    new = NewSubmission(Kind.PROBLEM, title, DESCRIPTION, list(crime_types), area, partners="zqx-partners")
    return services.portal.submissions.create(OFFICER_AAD, new).reference


async def run_jobs(services: Services) -> None:
    """Run every job scheduled so far, as the scheduler does when the last falls due."""
    with services.database.session() as s:
        due = [row.due_at for row in s.scalars(select(ScheduledJob).where(ScheduledJob.status == "pending"))]
    if not due:
        return
    latest = max(at.replace(tzinfo=UTC) if at.tzinfo is None else at for at in due)
    handler = by_kind({DIGEST_KIND: services.following.handle, NOW_KIND: services.following.handle},
                      services.academy.handle)
    await Scheduler(services.database, handler, instance="test", clock=lambda: latest).run_due()


def arrived(connector: Any, aad: str) -> list[dict[str, Any]]:
    return [a for a in connector.sent if a.get("conversation", {}).get("id") == f"a:personal-{aad}"
            and card_of(a) is not None and "what you follow" in (a.get("text") or "")]


# --- the commands -------------------------------------------------------------------------------


async def test_an_officer_follows_a_crime_type_in_a_district_and_sees_it_listed(chats):
    lead = chats["lead"]
    (reply,) = await lead.say("follow knife crime in Stevenage")
    assert reply.startswith("Done. You now follow Knife crime in Stevenage.")
    assert "title, kind, area, crime types and status" in reply and "one digest a day, at 08:00 UK time" in reply
    (listed,) = await lead.say("following")
    assert "You follow 1 topic:" in listed and "- Knife crime in Stevenage" in listed
    (again,) = await lead.say("follow knife crime in stevenage")
    assert again.startswith("You already follow Knife crime in Stevenage.")


@pytest.mark.parametrize("typed, listed", [
    ("follow Stevenage", "Stevenage (every crime type)"),
    ("follow cuckooing", "County lines"),  # a synonym in the taxonomy
    ("follow nicking motors", "Vehicle crime"),  # officers' words, through the glossary
    ("follow burglary and robbery in Watford", "Burglary in Watford; Robbery in Watford"),
    ("follow ASB force-wide", "Anti-social behaviour, force-wide submissions"),
])
async def test_crime_types_come_through_the_taxonomy_and_glossary_and_areas_from_the_districts(chats, typed, listed):
    (reply,) = await chats["lead"].say(typed)
    assert reply.startswith(f"Done. You now follow {listed}.")


@pytest.mark.parametrize("typed, said", [
    ("follow potholes", "I don't know potholes as a crime type or a district."),
    ("follow knife crime in Narnia", "I don't know Narnia as a district."),
    ("follow", "Type follow and a crime type, a district or both, for example: follow knife crime"),
    ("follow <b>*x*", "I don't know \\<b\\>\\*x\\* as a crime type"),  # typed text shown escaped
])
async def test_words_that_name_no_topic_are_refused_with_an_example_and_nothing_changes(chats, typed, said):
    (reply,) = await chats["lead"].say(typed)
    assert said in reply
    assert reply.endswith("Nothing was changed.")
    (listed,) = await chats["lead"].say("following")
    assert listed.startswith("You don't follow any crime type or district yet.")


async def test_follow_up_is_a_question_not_a_command(chats):
    replies = await chats["lead"].say("follow up with repeat victims of burglary")
    assert not any(reply.startswith(("Done.", "I don't know")) for reply in replies)


async def test_only_hub_staff_may_have_updates_as_they_happen(chats):
    (refused,) = await chats["lead"].say("follow updates immediate")
    assert refused.startswith("Updates as they happen are for Hub staff, so nothing was changed.")
    (done,) = await chats["hub"].say("follow updates immediate")
    assert done == "Done. You hear of each update as it happens (type follow updates daily for one digest a day)."
    (back,) = await chats["hub"].say("follow updates daily")
    assert back.startswith("Done. Updates come in one digest a day")


# --- what arrives -------------------------------------------------------------------------------


async def test_a_matching_submission_reaches_the_follower_in_the_digest_with_the_listed_fields_only(
        services, chats, connector):
    await chats["lead"].say("follow knife crime in Stevenage")
    reference = submit(services)
    submit(services, "Bike thefts at the station", area="Stevenage", crime_types=("theft",))  # not followed
    await run_jobs(services)

    (digest,) = arrived(connector, LEAD_AAD)
    card = card_of(digest)
    assert card is not None and validate_cards([card]) == []
    text = card["fallbackText"]
    assert text.startswith("Your daily digest: 1 update on what you follow.")
    assert f"New submission: {reference} Knives \\*carried\\* near \\<b\\>the\\</b\\> bus station" in text
    assert "(Operational problem · Stevenage · Knife crime · Status: Received)" in text
    assert "zqx" not in str(digest) and "Darren" not in str(digest) and "Alex Morgan" not in str(digest)
    assert "Bike thefts" not in str(digest)
    # The follower's read is audited like any other non-owner read.
    (row,) = Audit(services.database).entries(None, None, actor=LEAD_AAD, record=reference)
    assert row.action == "submission.read"
    # Nothing more arrives when the scheduler runs again.
    await run_jobs(services)
    assert len(arrived(connector, LEAD_AAD)) == 1


async def test_after_unfollowing_nothing_arrives(services, chats, connector):
    await chats["lead"].say("follow knife crime")
    (reply,) = await chats["lead"].say("unfollow knife crime")
    assert reply.startswith("Done. You no longer follow Knife crime")
    submit(services)
    await run_jobs(services)
    assert arrived(connector, LEAD_AAD) == []
    (nothing,) = await chats["lead"].say("unfollow all")
    assert nothing == "You don't follow anything, so nothing changed."


async def test_a_hub_lead_who_chose_immediate_hears_at_once_and_the_record_names_the_followers(
        services, chats, connector):
    await chats["hub"].say("follow updates immediate")
    await chats["hub"].say("follow Stevenage")
    await chats["lead"].say("follow knife crime")
    reference = submit(services)
    with services.database.session() as s:
        kinds = sorted(row.kind for row in s.scalars(select(ScheduledJob)))
    assert kinds == [DIGEST_KIND, NOW_KIND]
    await run_jobs(services)
    (update,) = arrived(connector, HUB_AAD)
    assert update["text"] == "An update on what you follow"

    card = await chats["hub"].last_card(f"open {reference}")
    texts = [block.get("text", "") for block in card["body"]]
    heading = texts.index("Following this topic")
    assert sorted(texts[heading + 1:heading + 3]) == ["Hana Hub: follows Stevenage (every crime type)",
                                                       "Pat Lead: follows Knife crime"]

