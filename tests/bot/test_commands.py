"""Commands declared once: the recogniser, and every table's commands reachable, documented,
role-checked as declared, and listed on the help card, in the Hub's list and in the Teams
manifest exactly as the tables say."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from botbuilder.core import ConversationState, MemoryStorage, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import DialogSet
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount

from bot.app import SERVICES, Services
from bot.cards import help_lines, hub_lines
from bot.commands import DEFAULT_REFUSAL, Command, Recognised, Recogniser, menu_commands, strip_mentions
from bot.core import recognise
from bot.handler import PreventionFirstBot
from bot.middleware import RecordUser
from domain.models import Role
from domain.settings import Settings, SettingsError
from manifest.package import MAX_MENU_COMMANDS, load_manifest
from tests.fakes import OFFICER_AAD, TENANT_ID, card_of

ROOT = Path(__file__).resolve().parents[2]
HUB_AAD = "0b6f1b3c-2222-4a4a-9b9b-000000000002"
ADMIN_AAD = "0b6f1b3c-3333-4a4a-9b9b-000000000003"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("HELP", Recognised("help")),
        ("  my   submissions. ", Recognised("my submissions")),
        ("<at>Prevention First</at> help", Recognised("help")),
        ("status PF-2026-0042", Recognised("status", "PF-2026-0042")),
        ("what works for Knife crime near schools", Recognised("what works", "Knife crime near schools")),
        ("What works", Recognised("what works")),
        ("journal", Recognised("journal")),
        ("my journal", Recognised("my journal")),
    ],
)
def test_commands_match_exactly_or_with_an_argument(text, expected):
    assert recognise(text) == expected


@pytest.mark.parametrize("text", ["helpful", "journalism", "my submissions are late", "statusquo", "", None])
def test_words_that_only_contain_a_command_are_not_commands(text):
    assert recognise(text) is None


async def _noop(turn_context: TurnContext, recognised: Recognised, user: Any) -> None:
    """A handler that does nothing."""


def test_the_longest_prefix_wins_and_its_command_decides_whether_the_words_are_its_own():
    recognise_ = Recogniser([
        Command("gaps", _noop, prefixes=("gaps", "knowledge gaps"), takes=str.isdigit),
        Command("knowledge", _noop, prefixes=("knowledge",)),
    ])
    assert recognise_("knowledge gaps 30") == Recognised("gaps", "30")
    assert recognise_("gaps in the fence") is None
    assert recognise_("knowledge of the area") == Recognised("knowledge", "of the area")


def test_strip_mentions_removes_teams_mentions():
    assert strip_mentions("<at>Prevention First</at>  what   works") == "what works"


@pytest.mark.parametrize(
    "env, variable",
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"MicrosoftAppId": "not-a-guid"}, "MicrosoftAppId"),
        ({"MicrosoftAppId": "3d6a7b8c-1234-4abc-9def-0123456789ab"}, "MicrosoftAppPassword"),
        ({"MicrosoftAppType": "Weird"}, "MicrosoftAppType"),
        ({"ALLOWED_TENANT_IDS": "abc"}, "ALLOWED_TENANT_IDS"),
        ({"BOOTSTRAP_ADMINS": "x,y"}, "BOOTSTRAP_ADMINS"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"HOST": "0.0.0.0"}, "HOST"),
        ({"QUERY_PRECISION": "int4"}, "QUERY_PRECISION"),
    ],
)
def test_a_malformed_setting_is_refused_naming_the_variable(env, variable):
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env(env)


def test_questions_are_embedded_as_this_machine_does_quicker_unless_the_precision_is_set():
    assert Settings.from_env({}).query_precision == "auto"
    assert Settings.from_env({"QUERY_PRECISION": " Float32 "}).query_precision == "float32"


# --- every table's commands, through the app's router -----------------------------------------


@pytest.fixture
def services(client) -> Services:  # type: ignore[no-untyped-def]
    services: Services = client.app[SERVICES]
    for aad, name, role in ((OFFICER_AAD, "Alex Morgan", Role.OFFICER), (HUB_AAD, "Sam Hub", Role.HUB),
                            (ADMIN_AAD, "Ari Admin", Role.ADMIN)):
        services.users.seen(aad, name)
        services.users.set_role(aad, role)
    return services


class Router:
    """The app's commands behind a router whose handlers only record that they ran."""

    def __init__(self, services: Services) -> None:
        self.ran: list[Recognised] = []
        self.commands = services.bot.commands
        state = ConversationState(MemoryStorage())
        self.bot = PreventionFirstBot(
            conversation_state=state, dialogs=DialogSet(state.create_property("dialog_state")),
            commands=[replace(command, handler=self._record) for command in self.commands],
        )
        self.middleware = [RecordUser(services.users)]

    async def _record(self, turn_context: TurnContext, recognised: Recognised, user: Any) -> None:
        self.ran.append(recognised)

    async def say(self, text: str, aad: str) -> list[Activity]:
        adapter = TestAdapter(self.bot.on_turn, template_or_conversation=Activity(
            channel_id="msteams", from_property=ChannelAccount(id=f"29:{aad}", name="Someone", aad_object_id=aad),
            recipient=ChannelAccount(id="28:bot"),
            conversation=ConversationAccount(id=f"a:{aad}", conversation_type="personal", tenant_id=TENANT_ID)))
        for each in self.middleware:
            adapter.use(each)
        await adapter.receive_activity(Activity(type="message", text=text))
        sent = []
        while (reply := adapter.get_next_activity()) is not None:
            sent.append(reply)
        return sent


def _phrases(command: Command) -> list[tuple[str, str]]:
    """(text to type, the argument it gives) for every way a command is declared to be typed."""
    typed = [(phrase, "") for phrase in command.phrases]
    # An argument each command takes: a reference, a number of days, or a person's object id.
    candidates = ("PF-2026-0042", "30", "1a000000-0000-4000-8000-000000000006")
    for prefix in command.prefixes:
        argument = next(a for a in candidates if command.takes is None or command.takes(a))
        typed.append((f"{prefix} {argument}", argument))
    return typed


async def test_every_command_is_reachable_from_each_of_its_phrases(services: Services) -> None:
    router = Router(services)
    recognise_ = Recogniser(router.commands)
    assert router.commands, "no commands registered"
    for command in router.commands:
        assert command.phrases or command.prefixes, command.name
        for text, argument in _phrases(command):
            assert recognise_(text) == Recognised(command.name, argument), text
            if command.handler is None:
                assert services.bot.dialog_of(command.name) is not None, f"{command.name} starts no dialog"
                continue
            router.ran.clear()
            await router.say(text, ADMIN_AAD)
            assert router.ran == [Recognised(command.name, argument)], text


async def test_every_command_is_documented(services: Services) -> None:
    assert [c.name for c in services.bot.commands if not c.help.strip()] == []


async def test_each_role_is_checked_before_anything_runs(services: Services) -> None:
    router = Router(services)
    for command in router.commands:
        text = _phrases(command)[0][0]
        for aad, role in ((OFFICER_AAD, Role.OFFICER), (HUB_AAD, Role.HUB), (ADMIN_AAD, Role.ADMIN)):
            allowed = command.role is None or role is Role.ADMIN or (command.role is Role.HUB and role is Role.HUB)
            router.ran.clear()
            sent = await router.say(text, aad)
            if command.handler is None:
                continue
            assert bool(router.ran) is allowed, (command.name, role)
            if not allowed:
                assert [a.text for a in sent] == [command.refusal or DEFAULT_REFUSAL]


@pytest.mark.parametrize("aad", [OFFICER_AAD, HUB_AAD, ADMIN_AAD])
async def test_the_help_card_lists_what_the_role_may_use(services: Services, aad: str) -> None:
    router = Router(services)
    user = services.users.get(aad)
    sent = await Router.say(_Helping(services), "help", aad)
    card = card_of(sent[0].serialize())
    assert card is not None
    listed = [(fact["title"], fact["value"]) for block in card["body"] if block["type"] == "FactSet"
              for fact in block["facts"]][4:]  # after the four jobs
    expected = [(c.example, c.help) for c in router.commands if c.help and c.allows(user)]
    assert listed == expected == help_lines(router.commands, user)
    assert ("hub", "The Hub's tools") in listed or not user.is_hub


class _Helping(Router):
    """The app's own commands (help and hub run for real)."""

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        state = ConversationState(MemoryStorage())
        self.bot = PreventionFirstBot(conversation_state=state, dialogs=DialogSet(state.create_property("d")),
                                      commands=self.commands)


async def test_the_hub_list_is_the_hub_and_admin_commands_of_the_tables(services: Services) -> None:
    sent = await _Helping(services).say("hub", HUB_AAD)
    lines = [f"- {typed}: {what}" for typed, what in hub_lines(services.bot.commands)]
    assert lines and sent[0].text == "Hub tools. Type:\n\n" + "\n".join(lines)
    declared = {c.name for c in services.bot.commands if c.role in (Role.HUB, Role.ADMIN)} - {"hub"}
    assert {typed for typed, _ in hub_lines(services.bot.commands)} == {
        c.example for c in services.bot.commands if c.name in declared}


async def test_the_teams_manifest_lists_the_menu_commands_of_the_tables(services: Services) -> None:
    manifest = json.loads((ROOT / "manifest" / "manifest.json").read_text())
    (listed,) = [entry for entry in manifest["bots"][0]["commandLists"] if "personal" in entry["scopes"]]
    menu = menu_commands(services.bot.commands)
    assert listed["commands"] == menu == load_manifest()["bots"][0]["commandLists"][0]["commands"]
    assert 0 < len(menu) <= MAX_MENU_COMMANDS
    recognise_ = Recogniser(services.bot.commands)
    assert [recognise_(item["title"]) for item in menu] == [Recognised(item["title"]) for item in menu]
