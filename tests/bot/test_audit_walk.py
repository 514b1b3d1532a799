"""Every Hub and admin command, and every card action, leaves exactly one row in the audit
log: a walk through all of them as a person holding both roles, counting rows. A command
added later without an example here fails the first test, so nothing escapes the walk."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import SERVICES, create_app
from domain.academy.records import Module
from domain.audit import Audit
from domain.clock import london_today
from domain.models import Role, utcnow
from domain.settings import Settings
from tests.bot.hub.test_triage import (
    ADMIN_AAD, HUB2_AAD, HUB_AAD, NAMES, OFFICER_AAD, OTHER_AAD, Teams, execute_data, seed,
)
from tests.bot.hub.admin_chat import AdminChat, cards_of, consent_of
from tests.conftest import MODEL_CACHE

# How each command of Hub staff and admins is typed in the walk; None for the one that reads
# and changes no record (``hub`` lists the Hub's commands).
WALK: dict[str, str | None] = {
    "hub": None,
    "queue": "queue",
    "open": "open {ref}",
    "change status": "change status {ref} to triaged: passed to the burglary team",
    "assign": "assign {ref} me",
    "merge": "merge {other} into {ref}",
    "ask": "ask {ref} Which nights does it happen?",
    "roles": "roles",
    "grant": f"grant hub {OTHER_AAD}",
    "revoke": f"revoke {HUB2_AAD}",
    "report": "report {month}",
    "knowledge status": "knowledge status",
    "reindex": "reindex",
    "gaps": "gaps 30",
    "cohort": "cohort",
    "enrol": f"enrol Leaders 7: {OFFICER_AAD}",
    # The admins' subject access commands act once the admin accepts the file or presses Erase.
    "sar export": f"sar export {OTHER_AAD}",
    "audit export": "audit export {day} {day}",
    "erase": f"erase {OTHER_AAD}",
}
# Commands whose answer is a file to accept or a card to confirm: the walk does so, and
# the whole run is one row. (The board report's figures are a read in themselves; accepting
# its file is a second action, walked below.)
ACT_ON_ANSWER = {"sar export", "audit export", "erase"}
# Further ways of typing a command that read or change something else.
ALSO = ["cohort new Leaders 8, leadership, {start}, {end}"]


@pytest.fixture
async def teams(aiohttp_client, tmp_path: Path, connector) -> Teams:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "INDEX_DIR": str(tmp_path / "index"),
        "MODEL_CACHE_DIR": str(MODEL_CACHE),
        "BOOTSTRAP_ADMINS": ADMIN_AAD,
        "SCHEDULER_SECONDS": "3600",
    })
    chat = Teams(await aiohttp_client(create_app(settings)), connector)
    for aad in NAMES:
        await chat.say(aad, "help")
    chat.services.users.set_role(HUB_AAD, Role.HUB)
    chat.services.users.set_role(HUB2_AAD, Role.HUB)
    return chat


def _rows(teams: Teams) -> list[tuple[str, str, str, str]]:
    return [(e.actor, e.action, e.record_type, e.record_id) for e in Audit(teams.services.database).entries(None, None)]


def _values(teams: Teams) -> dict[str, str]:
    ref = seed(teams.services, OFFICER_AAD, "Shed burglaries on allotments", [1, 0, 0, 0], days_ago=3)
    other = seed(teams.services, OTHER_AAD, "Allotment shed break-ins", [0.9, 0.1, 0, 0], days_ago=1)
    start = london_today() + timedelta(days=7)
    teams.services.academy.academy.create_cohort("Leaders 7", Module.LEADERSHIP, start, start + timedelta(days=11),
                                                 created_by=HUB_AAD)
    return {"ref": ref, "other": other, "month": utcnow().strftime("%Y-%m"), "day": utcnow().date().isoformat(),
            "start": (start + timedelta(days=7)).isoformat(), "end": (start + timedelta(days=18)).isoformat()}


async def _carry_out(teams: Teams, replies: list[dict]) -> None:
    """Accept a file the answer offers, or press Erase on the card it shows."""
    admin = AdminChat(teams.client, teams.connector)
    consent = consent_of(replies)
    if consent is not None:
        await admin.consent(ADMIN_AAD, consent)
    for card in cards_of(replies):
        erase = next((a for a in card.get("actions", []) if a.get("title") == "Erase"), None)
        if erase is not None:
            assert (await admin.press(ADMIN_AAD, erase["verb"], erase["data"]))["statusCode"] == 200


def test_the_walk_names_every_command_of_hub_staff_and_admins(client) -> None:  # type: ignore[no-untyped-def]
    commands = client.app[SERVICES].bot.commands
    restricted = {command.name for command in commands if command.role is not None}
    assert restricted == set(WALK), "add an example of each new Hub or admin command to WALK"


@pytest.mark.model
@pytest.mark.parametrize("name", sorted(WALK))
async def test_each_hub_and_admin_command_writes_exactly_one_audit_row(teams, name: str) -> None:
    values = _values(teams)
    before = _rows(teams)
    typed = WALK[name]
    replies = await teams.say(ADMIN_AAD, (typed or name).format(**values))
    answer = "\n".join(a.get("text") or "" for a in replies)
    assert not any(word in answer for word in ("only for Hub staff", "Sorry", "failed", "There is no")), answer
    if name in ACT_ON_ANSWER:
        await _carry_out(teams, replies)
    added = _rows(teams)[len(before):]
    if typed is None:
        assert added == []
    else:
        assert len(added) == 1, (name, added)
        assert added[0][0] == ADMIN_AAD


async def test_creating_a_cohort_writes_one_audit_row(teams) -> None:
    values = _values(teams)
    before = _rows(teams)
    for typed in ALSO:
        answer = await teams.text(ADMIN_AAD, typed.format(**values))
        assert "Nothing was created" not in answer, answer
    assert len(_rows(teams)) - len(before) == len(ALSO)


CARD_OPS: list[tuple[str, dict[str, Any]]] = [
    ("Refresh", {}),
    ("Change status", {"status": "triaged", "note": "Passed to the burglary team"}),
    ("Assign", {"assignee": HUB_AAD}),
    ("Ask the submitter", {"question": "Which nights does it happen?"}),
]


@pytest.mark.parametrize("button,inputs", CARD_OPS, ids=[op for op, _ in CARD_OPS])
@pytest.mark.parametrize("how", ["execute", "submit"])
async def test_each_hub_card_action_writes_exactly_one_audit_row(teams, button: str, inputs: dict, how: str) -> None:
    values = _values(teams)
    card = await teams.card(HUB_AAD, f"open {values['ref']}")
    data = {**execute_data(card, button), **inputs}
    before = _rows(teams)
    if how == "execute":
        body = await teams.press(HUB_AAD, data)
        assert body["statusCode"] == 200, body
    else:
        replies = await teams.say(HUB_AAD, value={**data, "action": "hub"})
        assert replies
    added = _rows(teams)[len(before):]
    assert len(added) == 1 and added[0][0] == HUB_AAD and added[0][3] == values["ref"], added


async def test_accepting_the_board_report_file_writes_exactly_one_audit_row(teams) -> None:
    values = _values(teams)
    replies = await teams.say(ADMIN_AAD, f"report {values['month']}")
    before = _rows(teams)
    await AdminChat(teams.client, teams.connector).consent(ADMIN_AAD, consent_of(replies))
    assert [row[1] for row in _rows(teams)[len(before):]] == ["report.export"]
