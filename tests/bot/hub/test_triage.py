"""The Hub in Teams, through HTTP as Teams calls the bot: roles checked on the server, the
triage queue, the submission card and its ``Action.Execute`` buttons, typed commands, merge,
questions to submitters, and exactly one audit row for every Hub read and change."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.app import SERVICES, Services, create_app
from bot.hub.feature import ADMIN_ONLY, REFUSAL
from domain.settings import Settings
from domain.audit import Audit
from domain.db import Database
from domain.hub.changes import HubChanges
from domain.models import Notification, Role, Submission, SubmissionQuestion, SubmissionTriage, utcnow
from domain.portal import Kind, NewSubmission, Status
from tests.fakes import OFFICER_AAD, card_of, replies, teams_activity
from tests.nodetools import validate_cards

HUB_AAD = "1a000000-0000-4000-8000-000000000001"
HUB2_AAD = "1a000000-0000-4000-8000-000000000002"
ADMIN_AAD = "1a000000-0000-4000-8000-0000000000ad"
SUPPORTER_AAD = "1a000000-0000-4000-8000-000000000005"
OTHER_AAD = "1a000000-0000-4000-8000-000000000006"
NAMES = {
    OFFICER_AAD: "Alex Morgan", HUB_AAD: "Sam Patel", HUB2_AAD: "Jo Reid", ADMIN_AAD: "Chris Wood",
    SUPPORTER_AAD: "Pat Lee", OTHER_AAD: "Robin Shaw",
}


class Teams:
    """The people in a test, talking to the bot over HTTP; proactive messages reach the
    FakeConnector, whose ``told(aad)`` gives the texts sent to one person's chat once the
    sender has tried what it was handed (it sends beside the conversation, after the answer)."""

    def __init__(self, client, connector) -> None:  # type: ignore[no-untyped-def]
        self.client, self.connector = client, connector
        self.services: Services = client.app[SERVICES]

    def _activity(self, aad: str, text: str | None, **extra: Any) -> dict:
        return teams_activity(text, aad_object_id=aad, name=NAMES[aad], service_url=self.connector.service_url, **extra)

    async def say(self, aad: str, text: str | None = None, *, value: dict | None = None) -> list[dict]:
        activity = self._activity(aad, text)
        if value is not None:
            activity["value"] = value
        response = await self.client.post("/api/messages", json=activity)
        assert response.status == 200
        return [a for a in replies(await response.json()) if a["type"] == "message"]

    async def text(self, aad: str, text: str) -> str:
        return "\n".join(a.get("text") or "" for a in await self.say(aad, text))

    async def card(self, aad: str, text: str) -> dict:
        cards = [card_of(a) for a in await self.say(aad, text) if card_of(a)]
        assert cards, f"no card for {text!r}"
        return cards[-1]

    async def press(self, aad: str, data: dict) -> dict:
        """An ``Action.Execute`` press (Teams merges the card's inputs into ``data``)."""
        invoke = self._activity(aad, None, activity_type="invoke", expect_replies=False,
                                value={"action": {"type": "Action.Execute", "verb": "hub", "data": data},
                                       "trigger": "manual"})
        invoke["name"] = "adaptiveCard/action"
        response = await self.client.post("/api/messages", json=invoke)
        assert response.status == 200
        return await response.json()

    async def told(self, aad: str) -> list[str]:
        await self.services.notifications.drain()
        return [a.get("text") or "" for a in self.connector.sent
                if a.get("type") == "message" and a["conversation"]["id"] == f"a:personal-{aad}"]


@pytest.fixture
async def teams(aiohttp_client, tmp_path: Path, connector) -> Teams:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "INDEX_DIR": str(tmp_path / "index"),
        "BOOTSTRAP_ADMINS": ADMIN_AAD,
    })
    chat = Teams(await aiohttp_client(create_app(settings)), connector)
    for aad in NAMES:  # everyone says hello once: the bot learns their names and chats
        await chat.say(aad, "help")
    chat.services.users.set_role(HUB_AAD, Role.HUB)
    chat.services.users.set_role(HUB2_AAD, Role.HUB)
    return chat


def seed(services: Services, owner: str, title: str, vector: list[float], *, days_ago: int = 0) -> str:
    new = NewSubmission(Kind.PROBLEM, title, f"{title}: since September, mostly at night.", ["burglary"], "Watford")
    reference = services.portal.submissions.create(owner, new, vector=vector).reference
    with services.database.session() as session:
        session.execute(update(Submission).where(Submission.reference == reference)
                        .values(created_at=utcnow() - timedelta(days=days_ago, hours=1)))
    return reference


def record(services: Services, reference: str) -> Submission:
    with services.database.session() as session:
        return session.scalars(select(Submission).where(Submission.reference == reference)).one()


def audit(services: Services) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.record_id) for e in Audit(services.database).entries(None, None)]


def execute_data(card: dict, title: str) -> dict:
    """The data of the ``Action.Execute`` button under the card's ``title`` button."""
    for action in card["actions"]:
        if action["title"] == title:
            if action["type"] == "Action.ShowCard":
                return dict(action["card"]["actions"][0]["data"])
            return dict(action["data"])
    raise AssertionError(f"no {title!r} button in {[a['title'] for a in card['actions']]}")


def texts(card: dict) -> str:
    """Every text block and fact of a card, one per line."""
    lines = []
    for item in card["body"]:
        lines += [item.get("text", "")] + [f"{f['title']}: {f['value']}" for f in item.get("facts", [])]
        lines += [sub.get("text", "") for sub in item.get("items", [])]
    return "\n".join(lines)


@pytest.fixture
def burglary(teams: Teams) -> str:
    return seed(teams.services, OFFICER_AAD, "Shed burglaries on allotments", [1, 0, 0, 0], days_ago=9)


# --- roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [
    "queue", "open {ref}", "change status {ref} to triaged: fine", "assign {ref} me", "assign {ref} Sam Patel",
    "merge {ref} into {other}", "ask {ref} Which nights?", "roles", "grant hub Robin Shaw", "grant admin Alex Morgan",
    "revoke Sam Patel",
])
async def test_an_officer_is_refused_every_hub_command_and_nothing_changes(teams, burglary, command):
    other = seed(teams.services, OTHER_AAD, "Bike thefts at the station", [0, 1, 0, 0])
    answer = await teams.text(OFFICER_AAD, command.format(ref=burglary, other=other))
    assert answer == (ADMIN_ONLY if command.split()[0] in ("roles", "grant", "revoke") else REFUSAL)
    row = record(teams.services, burglary)
    assert (row.status, row.assigned_to, record(teams.services, other).status) == ("received", None, "received")
    assert audit(teams.services) == []
    assert [teams.services.users.role_of(a) for a in (OFFICER_AAD, OTHER_AAD, HUB_AAD)] == [
        Role.OFFICER, Role.OFFICER, Role.HUB]
    assert await teams.told(OFFICER_AAD) == [] and teams.connector.sent == []


FORGED = {"by": HUB_AAD, "user": HUB_AAD, "aadObjectId": HUB_AAD, "role": "admin", "is_hub": True}


@pytest.mark.parametrize("op, inputs", [
    ("open", {}), ("status", {"status": "triaged", "note": "ok"}), ("status", {"status": "merged", "target": "PF-2026-0002"}),
    ("assign", {"assignee": OFFICER_AAD}), ("ask", {"question": "Which nights?"}),
])
@pytest.mark.parametrize("how", ["execute", "submit"])
async def test_an_officer_pressing_a_forged_hub_card_is_refused_and_nothing_changes(teams, burglary, op, inputs, how):
    data = {"action": "hub", "op": op, "reference": burglary, "version": 0, **inputs, **FORGED}
    if how == "execute":
        body = await teams.press(OFFICER_AAD, data)
        assert body == {"statusCode": 403, "type": "application/vnd.microsoft.error",
                        "value": {"code": "Forbidden", "message": REFUSAL}}
    else:
        [message] = await teams.say(OFFICER_AAD, value=data)
        assert message["text"] == REFUSAL and not card_of(message)
    row = record(teams.services, burglary)
    assert (row.status, row.assigned_to) == ("received", None)
    with teams.services.database.session() as session:
        assert session.scalars(select(SubmissionTriage)).all() == []
        assert session.scalars(select(SubmissionQuestion)).all() == []
    await teams.services.notifications.drain()
    assert audit(teams.services) == [] and teams.connector.sent == []


async def test_a_hub_members_forged_payload_cannot_act_as_someone_else_or_assign_an_officer(teams, burglary):
    card = await teams.card(HUB_AAD, f"open {burglary}")
    # Assigning to an officer is refused, whatever the payload claims about them.
    refused = await teams.press(HUB_AAD, {**execute_data(card, "Assign"), "assignee": OFFICER_AAD, **FORGED,
                                          "role": "hub"})
    assert (refused["statusCode"], refused["type"]) == (400, "application/vnd.microsoft.error")
    assert refused["value"]["message"] == "Alex Morgan is not Hub staff, so cannot be assigned a submission."
    assert record(teams.services, burglary).assigned_to is None
    # The change is made, and recorded, as the person who pressed, not the one named.
    done = await teams.press(HUB_AAD, {**execute_data(card, "Change status"), "status": "triaged", "by": HUB2_AAD})
    assert "Status set to triaged by Sam Patel" in texts(done["value"])
    view = teams.services.portal.submissions.get(burglary, HUB_AAD, True)
    assert view.history[-1].by == HUB_AAD
    assert audit(teams.services) == [(HUB_AAD, "submission.read", burglary), (HUB_AAD, "submission.status", burglary)]


async def test_admins_grant_and_revoke_roles_by_id_and_keep_one_admin(teams):
    assert await teams.text(HUB_AAD, "grant hub Robin Shaw") == (
        "Sorry, only admins can see or change roles, so I have not changed anything.")
    assert teams.services.users.role_of(OTHER_AAD) is Role.OFFICER
    assert await teams.text(ADMIN_AAD, f"grant hub {OTHER_AAD}") == "Robin Shaw is now Hub staff (was an officer)."
    assert teams.services.users.role_of(OTHER_AAD) is Role.HUB
    assert "Chris Wood has made you Hub staff" in (await teams.told(OTHER_AAD))[0]
    assert (await teams.text(ADMIN_AAD, f"grant admin {HUB_AAD}")).startswith("Sam Patel is now an admin")
    listed = await teams.text(ADMIN_AAD, "roles")
    assert listed.index("Chris Wood: admin") < listed.index("Robin Shaw: hub") and "Sam Patel: admin" in listed
    assert await teams.text(ADMIN_AAD, f"revoke {OTHER_AAD}") == "Robin Shaw is now an officer (was Hub staff)."
    assert teams.services.users.role_of(OTHER_AAD) is Role.OFFICER
    # An admin cannot leave the assistant without an admin.
    assert (await teams.text(HUB_AAD, f"revoke {HUB_AAD}")).startswith("Sam Patel is now an officer")
    assert await teams.text(ADMIN_AAD, f"revoke {ADMIN_AAD}") == (
        "Chris Wood is the only admin; grant admin to someone else first. Nothing was changed.")
    assert teams.services.users.role_of(ADMIN_AAD) is Role.ADMIN
    assert (await teams.text(ADMIN_AAD, "grant hub Nobody Known")).startswith(
        "I can't tell who Nobody Known is from a name alone")
    assert [a for _, a, _ in audit(teams.services)] == ["user.role"] * 2 + ["user.roles"] + ["user.role"] * 2


# --- triage ----------------------------------------------------------------------------------


async def test_the_queue_lists_what_awaits_triage_oldest_first_with_age_and_similar_ones(teams, burglary):
    services = teams.services
    newer = seed(services, OTHER_AAD, "Allotment sheds broken into", [0.9, 0.2, 0, 0], days_ago=2)
    unrelated = seed(services, SUPPORTER_AAD, "Bike thefts at the station", [0, 0, 1, 0], days_ago=30)
    done = seed(services, SUPPORTER_AAD, "Already triaged", [0, 0, 0, 1], days_ago=40)
    HubChanges(services.database, services.portal.submissions, Audit(services.database)).change_status(
        done, Status.TRIAGED, HUB_AAD, None, None)
    card = await teams.card(HUB_AAD, "queue")
    shown = texts(card)
    assert done not in shown
    assert shown.index(unrelated) < shown.index(burglary) < shown.index(newer)
    assert f"{burglary}: Shed burglaries on allotments\n9 days old; Received; similar: {newer}" in shown
    assert f"{newer}: Allotment sheds broken into\n2 days old; Received; similar: {burglary}" in shown
    assert f"{unrelated}: Bike thefts at the station\n30 days old; Received\n" in shown
    assert card["body"][1]["selectAction"]["data"]["msteams"]["value"] == f"open {unrelated}"
    assert audit(services) == [(HUB_AAD, "submission.status", done),  # the change made before
                               (HUB_AAD, "submission.list", "triage")]  # officers' titles: one read of the list


async def test_status_change_from_the_card_notifies_the_submitter_and_refreshes_the_card(teams, burglary):
    teams.services.portal.submissions.add_support(burglary, SUPPORTER_AAD, "Same at Oak Lane allotments.")
    card = await teams.card(HUB_AAD, f"open {burglary}")
    choices = next(i for i in card["actions"][0]["card"]["body"] if i["id"] == "status")["choices"]
    assert [c["value"] for c in choices] == ["triaged", "more-information-needed", "merged", "declined"]
    body = await teams.press(HUB_AAD, {**execute_data(card, "Change status"), "status": "triaged",
                                       "note": "Passed to the *burglary* team"})
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    refreshed = texts(body["value"])
    assert refreshed.startswith(f"{burglary} is now triaged. Its submitter and supporters will be told. "
                                "Sending to 2 people.")
    assert "Status: Triaged" in refreshed and "Status set to triaged by Sam Patel at" in refreshed
    assert execute_data(body["value"], "Change status")["version"] == 1
    [told] = await teams.told(OFFICER_AAD)
    assert "it is now triaged" in told and "Note from the Hub: Passed to the \\*burglary\\* team" in told
    assert "it is now triaged" in (await teams.told(SUPPORTER_AAD))[0]
    assert record(teams.services, burglary).status == "triaged"
    assert audit(teams.services) == [(HUB_AAD, "submission.read", burglary), (HUB_AAD, "submission.status", burglary)]


async def test_a_message_teams_cannot_take_now_leaves_the_answer_and_the_change_and_goes_later(teams, burglary):
    teams.connector.fail_next(500, times=3, headers={"Retry-After": "0"})
    answer = await teams.text(HUB_AAD, f"change status {burglary} to triaged: passed on")
    assert answer == f"{burglary} is now triaged. Its submitter will be told. Sending to 1 person."
    assert record(teams.services, burglary).status == "triaged"
    assert audit(teams.services) == [(HUB_AAD, "submission.status", burglary)]
    assert await teams.told(OFFICER_AAD) == []
    with teams.services.database.session() as session:
        assert [(n.aad_object_id, n.status) for n in session.scalars(select(Notification))] == [
            (OFFICER_AAD, "retrying")]
    assert await teams.services.notifications.deliver_due(now=utcnow() + timedelta(hours=1)) == 1
    [told] = await teams.told(OFFICER_AAD)
    assert "it is now triaged" in told and "Note from the Hub: passed on" in told
    assert await teams.services.notifications.deliver_due(now=utcnow() + timedelta(hours=2)) == 0


async def test_two_hub_members_on_one_card_the_second_is_told_it_was_already_handled(teams, burglary):
    first = await teams.card(HUB_AAD, f"open {burglary}")
    second = await teams.card(HUB2_AAD, f"open {burglary}")
    await teams.press(HUB_AAD, {**execute_data(first, "Change status"), "status": "triaged"})
    for op, inputs in (("Change status", {"status": "declined", "note": "Out of scope"}),
                       ("Assign", {"assignee": HUB2_AAD}), ("Ask the submitter", {"question": "Where?"})):
        body = await teams.press(HUB2_AAD, {**execute_data(second, op), **inputs})
        shown = texts(body["value"])
        assert shown.startswith("Already handled by Sam Patel at ") and "Nothing was changed" in shown
        assert "Status: Triaged" in shown  # the card now shows the record as it is
    row = record(teams.services, burglary)
    assert (row.status, row.assigned_to) == ("triaged", None)
    with teams.services.database.session() as session:
        assert session.scalars(select(SubmissionQuestion)).all() == []
    assert len(await teams.told(OFFICER_AAD)) == 1
    # A refreshed card acts on the new version.
    fresh = await teams.press(HUB2_AAD, {**execute_data(second, "Refresh")})
    body = await teams.press(HUB2_AAD, {**execute_data(fresh["value"], "Assign"), "assignee": HUB2_AAD})
    assert texts(body["value"]).startswith(f"{burglary} is now assigned to Jo Reid.")
    assert record(teams.services, burglary).assigned_to == HUB2_AAD
    assert audit(teams.services) == [
        (HUB_AAD, "submission.read", burglary), (HUB2_AAD, "submission.read", burglary),
        (HUB_AAD, "submission.status", burglary),
        *[(HUB2_AAD, "submission.read", burglary)] * 3,  # the three refusals showed the record as it is
        (HUB2_AAD, "submission.read", burglary), (HUB2_AAD, "submission.assign", burglary),
    ]


async def test_merge_carries_supporters_and_notes_over_and_tells_both_submitters(teams, burglary):
    services = teams.services
    original = seed(services, OTHER_AAD, "Allotment sheds broken into", [0.9, 0.2, 0, 0], days_ago=20)
    services.portal.submissions.add_support(burglary, SUPPORTER_AAD, "Same at Oak Lane allotments.")
    answer = await teams.text(HUB_AAD, f"merge {burglary} into {original}: same problem")
    assert answer == (f"{burglary} is merged into {original}. Its submitter and supporters now support {original}, "
                      "and both submitters will be told. Sending to 3 people.")
    row = record(services, burglary)
    assert (row.status, row.merged_into) == ("merged", original)
    view = services.portal.submissions.get(original, HUB_AAD, True)
    notes = {s.aad_object_id: s.notes for s in view.supporters}
    assert set(notes) == {OFFICER_AAD, SUPPORTER_AAD}
    assert notes[OFFICER_AAD] == f"Merged from {burglary}: Shed burglaries on allotments"
    assert notes[SUPPORTER_AAD].endswith("Same at Oak Lane allotments.")
    assert f"joined with {original}" in (await teams.told(OFFICER_AAD))[0]
    assert f"joined with {original}" in (await teams.told(SUPPORTER_AAD))[0]
    assert f"{burglary} (Shed burglaries on allotments) has been merged into your submission {original}" in \
        (await teams.told(OTHER_AAD))[0]
    shown = texts(await teams.card(HUB_AAD, f"open {original}"))
    assert "Alex Morgan: Merged from" in shown and "Pat Lee: Merged from" in shown
    assert audit(services) == [(HUB_AAD, "submission.merge", burglary), (HUB_AAD, "submission.read", original)]


async def test_merge_from_the_card_needs_the_original_and_is_audited_once(teams, burglary):
    original = seed(teams.services, OTHER_AAD, "Allotment sheds broken into", [0.9, 0.2, 0, 0], days_ago=20)
    card = await teams.card(HUB_AAD, f"open {burglary}")
    data = {**execute_data(card, "Change status"), "status": "merged", "note": "Same sites"}
    missing = await teams.press(HUB_AAD, {**data, "target": "  "})
    assert missing["value"]["message"] == (
        f"Which submission does {burglary} join? Give its reference, for example PF-2026-0001.")
    itself = await teams.press(HUB_AAD, {**data, "target": burglary.lower()})
    assert itself["value"]["message"] == f"{burglary} cannot be merged into itself."
    assert record(teams.services, burglary).status == "received"
    done = await teams.press(HUB_AAD, {**data, "target": original.lower()})
    shown = texts(done["value"])
    assert shown.startswith(f"{burglary} is merged into {original}.") and f"Status: Merged into {original}" in shown
    assert [a["title"] for a in done["value"]["actions"]] == ["Refresh"]  # merged is final
    assert audit(teams.services) == [(HUB_AAD, "submission.read", burglary), (HUB_AAD, "submission.merge", burglary)]


async def test_ask_stores_the_submitters_reply_and_tells_the_hub_member(teams, burglary):
    answer = await teams.text(HUB_AAD, f"ask {burglary} Which nights are the sheds broken into?")
    assert answer.startswith(f"Your question is on its way to the submitter of {burglary}. It is now waiting for more")
    assert record(teams.services, burglary).status == "more-information-needed"
    [question] = await teams.told(OFFICER_AAD)
    assert "Which nights are the sheds broken into?" in question and "your next message" in question
    thanks = await teams.text(OFFICER_AAD, "Mostly Friday and Saturday nights, after 11pm <b>")
    assert thanks == f"Thank you. Your reply is added to {burglary} and Sam Patel in the Hub will be told."
    with teams.services.database.session() as session:
        [stored] = session.scalars(select(SubmissionQuestion)).all()
    assert stored.answer == "Mostly Friday and Saturday nights, after 11pm <b>" and stored.asked_by == HUB_AAD
    [told] = await teams.told(HUB_AAD)
    assert "has replied to your question" in told and "They replied: Mostly Friday and Saturday nights, after 11pm \\<b\\>" in told
    # Only the next message is the reply; the one after is an ordinary question again.
    assert (await teams.text(OFFICER_AAD, "burglary of sheds")).startswith("The knowledge base is not available")
    shown = texts(await teams.card(HUB_AAD, f"open {burglary}"))
    assert "Sam Patel asked: Which nights are the sheds broken into? Reply (" in shown
    assert shown.count("Mostly Friday and Saturday nights") == 1
    assert audit(teams.services) == [(HUB_AAD, "submission.ask", burglary), (HUB_AAD, "submission.read", burglary)]


async def test_a_reply_with_personal_data_is_held_back_until_the_submitter_confirms_it(teams, burglary):
    await teams.text(HUB_AAD, f"ask {burglary} Which nights are the sheds broken into?")
    warned = await teams.text(OFFICER_AAD, "Fridays; call the plot holder on 07700 900123")
    assert warned.startswith(f"Your reply to the Hub's question about {burglary} seems to include personal data: "
                             "a phone number (07700 900123).")
    with teams.services.database.session() as session:
        assert session.scalars(select(SubmissionQuestion)).one().answer is None  # nothing kept yet
    thanks = await teams.text(OFFICER_AAD, "keep: Fridays; the plot holder's number is 07700 900123")
    assert thanks.startswith(f"Thank you. Your reply is added to {burglary}")
    with teams.services.database.session() as session:
        assert session.scalars(select(SubmissionQuestion)).one().answer == (
            "Fridays; the plot holder's number is 07700 900123")


async def test_typed_commands_change_records_and_explain_what_they_cannot_do(teams, burglary):
    services = teams.services
    assert await teams.text(HUB_AAD, f"assign {burglary} me") == f"{burglary} is now assigned to Sam Patel."
    assert await teams.text(HUB_AAD, f"assign {burglary} to Jo Reid") == (
        f"{burglary} is now assigned to Jo Reid, who will be told.")
    assert "Sam Patel has assigned" not in " ".join(await teams.told(HUB_AAD))
    assert f"Sam Patel has assigned {burglary} to you" in (await teams.told(HUB2_AAD))[0]
    assert await teams.text(HUB_AAD, f"change status {burglary} to declined") == (
        f"Declining {burglary} needs a reason for the officer who submitted it.")
    assert await teams.text(HUB_AAD, f"change status {burglary} to scanning") == (
        f"{burglary} is received; from there it can go to triaged, more information needed, merged or declined, "
        "not scanning.")
    assert (await teams.text(HUB_AAD, f"set status {burglary} more information needed: see question")).startswith(
        f"{burglary} is now more information needed.")
    assert (await teams.text(HUB_AAD, "open PF-2031-0099")).startswith("There is no submission PF-2031-0099.")
    assert (await teams.text(HUB_AAD, "open 42")).startswith("Which submission?")
    assert record(services, burglary).status == "more-information-needed"
    # Everyday words that only start like a command are still what-works questions.
    assert (await teams.text(OFFICER_AAD, "ask the neighbours about it")).startswith("The knowledge base is not")
    assert [a for _, a, _ in audit(services)] == ["submission.assign", "submission.assign", "submission.status"]
    # Each change raised the version once; the refused ones changed nothing, not even that.
    with services.database.session() as session:
        assert session.scalars(select(SubmissionTriage.version)).one() == 3


@pytest.mark.node
async def test_the_hub_cards_are_valid_adaptive_cards(teams, burglary):
    services = teams.services
    seed(services, OTHER_AAD, "Allotment sheds broken into", [0.9, 0.2, 0, 0], days_ago=2)
    services.portal.submissions.add_support(burglary, SUPPORTER_AAD, "Same at Oak Lane.")
    await teams.text(HUB_AAD, f"ask {burglary} Which nights?")
    await teams.text(OFFICER_AAD, "Fridays")
    queue = await teams.card(HUB_AAD, "queue")
    opened = await teams.card(HUB_AAD, f"open {burglary}")
    changed = (await teams.press(HUB_AAD, {**execute_data(opened, "Change status"), "status": "triaged"}))["value"]
    stale = (await teams.press(HUB2_AAD, {**execute_data(opened, "Assign"), "assignee": HUB2_AAD}))["value"]
    assert validate_cards([queue, opened, changed, stale]) == []


# --- the domain, on SQLite and PostgreSQL ------------------------------------------------------


def test_changes_are_compare_and_set_and_only_one_of_two_at_once_wins(db):
    from concurrent.futures import ThreadPoolExecutor

    from domain.hub.changes import HubChanges
    from domain.hub import StaleCard, Triage
    from domain.portal.records import InvalidTransition
    from domain.portal import Submissions
    from domain.users import Users

    submissions = Submissions(db)
    reference = submissions.create(OFFICER_AAD, NewSubmission(Kind.IDEA, "Idea", "Text", [], "Watford")).reference
    triage, changes = Triage(db, submissions, Audit(db)), HubChanges(db, submissions, Audit(db))
    users = Users(db, [])
    users.seen(HUB2_AAD, "Jo Reid")
    users.set_role(HUB2_AAD, Role.HUB)
    # A change that fails changes nothing, not even the version: the card pressed is still current.
    with pytest.raises(InvalidTransition):
        changes.change_status(reference, Status.DECLINED, HUB_AAD, None, 0)
    assert triage.last_action(reference).version == 0
    first = changes.change_status(reference, Status.TRIAGED, HUB_AAD, None, 0)
    assert (first.to_status, triage.last_action(reference).by, triage.last_action(reference).version) == (
        Status.TRIAGED, HUB_AAD, 1)
    with pytest.raises(StaleCard) as stale:
        changes.assign(reference, HUB2_AAD, HUB2_AAD, 0)
    assert (stale.value.last.by, stale.value.last.version) == (HUB_AAD, 1)
    assert record_in(db, reference).assigned_to is None

    def attempt(who: str) -> bool:
        try:
            changes.assign(reference, HUB2_AAD, who, 1)
            return True
        except StaleCard:
            return False

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert sorted(pool.map(attempt, [HUB_AAD, HUB2_AAD])) == [False, True]
    assert triage.last_action(reference).version == 2


def record_in(db: Database, reference: str) -> Submission:
    with db.session() as session:
        return session.scalars(select(Submission).where(Submission.reference == reference)).one()


def test_the_last_admin_cannot_stop_being_one_and_roles_are_audited(db):
    from domain.hub import LastAdmin, Roles
    from domain.users import Users

    users = Users(db, [ADMIN_AAD])
    users.seen(ADMIN_AAD, "Chris Wood")
    users.seen(HUB_AAD, "Sam Patel")
    roles = Roles(db, Audit(db))
    with pytest.raises(LastAdmin):
        roles.change(ADMIN_AAD, ADMIN_AAD, Role.HUB)
    assert roles.change(ADMIN_AAD, HUB_AAD, Role.ADMIN).before is Role.OFFICER
    assert roles.change(ADMIN_AAD, ADMIN_AAD, Role.OFFICER).user.role is Role.OFFICER
    assert [p.aad_object_id for p in roles.staff()] == [HUB_AAD]
    assert roles.find("sam PATEL").aad_object_id == HUB_AAD
    assert [e.action for e in Audit(db).entries(None, None)] == ["user.role", "user.role"]


@pytest.mark.model
async def test_open_shows_the_knowledge_entries_that_match_the_submission(
    aiohttp_client, tmp_path: Path, shipped_index: Path, connector
):  # type: ignore[no-untyped-def]
    import shutil

    from tests.conftest import MODEL_CACHE

    shutil.copytree(shipped_index, tmp_path / "index")
    settings = Settings.from_env({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "INDEX_DIR": str(tmp_path / "index"),
        "MODEL_CACHE_DIR": str(MODEL_CACHE), "BOOTSTRAP_ADMINS": ADMIN_AAD,
    })
    chat = Teams(await aiohttp_client(create_app(settings)), connector)
    await chat.say(ADMIN_AAD, "help")
    reference = seed(chat.services, OFFICER_AAD, "Shed burglaries on allotments", [1, 0, 0, 0])
    card = await chat.card(ADMIN_AAD, f"open {reference}")
    shown = texts(card)
    entries = shown[shown.index("What works entries that may help"):].splitlines()[1:]
    assert 1 <= len(entries) <= 3 and all(e.endswith(("(research)", "(practice)")) for e in entries)
    assert audit(chat.services) == [(ADMIN_AAD, "submission.read", reference)]
