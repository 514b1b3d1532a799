"""The command recogniser and its agreement with the Teams manifest's command list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.commands import Recognised, recognise
from domain.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parents[2]


def test_every_command_in_the_teams_manifest_is_recognised():
    manifest = json.loads((ROOT / "manifest" / "manifest.json").read_text())
    titles = [c["title"] for c in manifest["bots"][0]["commandLists"][0]["commands"]]
    assert titles and all(recognise(title) is not None for title in titles)
    assert {recognise(t).name for t in titles} == set(titles)


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
