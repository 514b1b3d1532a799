"""The Teams app: manifest, icons, packaging, and the Node validators that check them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from manifest.make_icons import draw_color_icon, draw_outline_icon
from manifest.package import (
    MANIFEST_DIR, PLACEHOLDER_HOST, PLACEHOLDER_ID, ManifestError, build_package, load_manifest, main,
)
from tests.nodetools import REPO_ROOT, card_problems, ensure_node_modules, validate_cards, validate_manifest

pytestmark = pytest.mark.node

TEST_APP_ID = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"

BOT_COMMANDS = [
    ("help", "What the assistant can do"),
    ("what works", "Find evidence on what reduces a crime problem"),
    ("submit", "Send an idea or problem to the Hub"),
    ("my submissions", "See your submissions and their status"),
    ("journal", "Write a reflective journal entry"),
    ("my journal", "Read back your journal"),
    ("six hats", "Reflect on a topic with the six thinking hats"),
    ("action plan", "Work on your SARA action plan"),
    ("queue", "Hub staff: submissions awaiting triage"),
    ("report", "Hub staff: monthly board report"),
]

GOOD_CARD: dict[str, Any] = {
    "type": "AdaptiveCard",
    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
    "version": "1.5",
    "body": [
        {"type": "TextBlock", "text": "Check your submission", "size": "Large", "weight": "Bolder", "wrap": True},
        {
            "type": "FactSet",
            "facts": [{"title": "Reference", "value": "PF-2026-0042"}, {"title": "Status", "value": "received"}],
        },
        {
            "type": "Input.Text",
            "id": "title",
            "label": "Title",
            "isRequired": True,
            "errorMessage": "Give the submission a short title",
            "maxLength": 4000,
            "placeholder": "For example: cycle thefts at the railway station",
        },
        {
            "type": "Input.ChoiceSet",
            "id": "kind",
            "label": "Kind",
            "style": "expanded",
            "choices": [{"title": "1. Idea", "value": "idea"}, {"title": "2. Operational problem", "value": "problem"}],
        },
    ],
    "actions": [
        {"type": "Action.Submit", "title": "Submit", "data": {"action": "submit", "msteams": {"type": "messageBack"}}},
        {
            "type": "Action.ShowCard",
            "title": "Change an answer",
            "card": {
                "type": "AdaptiveCard",
                "body": [{"type": "Input.Text", "id": "note", "label": "New answer", "isMultiline": True}],
                "actions": [{"type": "Action.Submit", "title": "Save", "data": {"action": "change"}}],
            },
        },
    ],
}


@pytest.fixture(scope="module", autouse=True)
def node_modules() -> None:
    """Install the pinned npm packages once for this module if they are missing."""
    ensure_node_modules()


def _pixels(image: Image.Image) -> list[tuple[int, ...]]:
    """Return the pixels of an image as tuples, one per pixel."""
    data = image.tobytes()
    channels = len(image.getbands())
    return [tuple(data[i : i + channels]) for i in range(0, len(data), channels)]


def _personal_commands(manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """Return (title, description) of the bot's personal-scope commands."""
    (bot,) = manifest["bots"]
    (command_list,) = [entry for entry in bot["commandLists"] if "personal" in entry["scopes"]]
    return [(command["title"], command["description"]) for command in command_list["commands"]]


# The shipped manifest


def test_shipped_manifest_is_valid() -> None:
    assert validate_manifest(MANIFEST_DIR / "manifest.json") == []


def test_shipped_manifest_folder_with_icons_is_valid() -> None:
    assert validate_manifest(MANIFEST_DIR) == []


def test_manifest_uses_a_recent_bundled_schema() -> None:
    manifest = load_manifest()
    version = manifest["manifestVersion"]
    assert tuple(int(part) for part in version.split(".")) >= (1, 19)
    assert manifest["$schema"].endswith(f"/teams/v{version}/MicrosoftTeams.schema.json")
    bundled = REPO_ROOT / "node_modules/@microsoft/app-manifest/build/json-schemas/teams" / f"v{version}"
    assert (bundled / "MicrosoftTeams.schema.json").is_file()


def test_shipped_manifest_has_placeholder_ids() -> None:
    manifest = load_manifest()
    assert manifest["id"] == PLACEHOLDER_ID
    assert [bot["botId"] for bot in manifest["bots"]] == [PLACEHOLDER_ID]


def test_the_find_evidence_search_works_in_any_chat_and_describes_itself_for_copilot() -> None:
    manifest = load_manifest()
    (extension,) = manifest["composeExtensions"]
    assert extension["botId"] == manifest["bots"][0]["botId"]
    (command,) = extension["commands"]
    assert command["id"] == "searchEvidence" and command["type"] == "query"
    assert set(command["context"]) == {"compose", "commandBox"}
    assert "what works" in command["semanticDescription"] and "does not answer" in command["semanticDescription"]
    query, kind = command["parameters"]
    assert query["name"] == "query" and query["isRequired"] and "personal data" in query["semanticDescription"]
    assert kind["name"] == "kind" and [c["value"] for c in kind["choices"]] == ["research", "practice"]
    assert all(p["description"] and p["semanticDescription"] for p in command["parameters"])


def test_command_list_matches_the_bot_commands() -> None:
    assert _personal_commands(load_manifest()) == BOT_COMMANDS


def test_the_bot_can_be_added_to_teams_and_group_chats_whose_menu_holds_only_what_is_answered_there() -> None:
    (bot,) = load_manifest()["bots"]
    assert {"personal", "team", "groupChat"} <= set(bot["scopes"])
    (shared,) = [entry for entry in bot["commandLists"] if "groupChat" in entry["scopes"]]
    assert shared["scopes"] == ["team", "groupChat"]
    assert [command["title"] for command in shared["commands"]] == ["help", "what works"]


def test_bot_is_personal_and_sends_files() -> None:
    (bot,) = load_manifest()["bots"]
    assert "personal" in bot["scopes"]
    assert bot["supportsFiles"] is True
    assert bot.get("isNotificationOnly", False) is False


def test_developer_and_domains_are_the_fictional_force() -> None:
    manifest = load_manifest()
    assert manifest["name"]["short"] == "Prevention First"
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        assert manifest["developer"][key].startswith("https://www.example.police.uk/")
    assert all(domain.endswith("example.police.uk") for domain in manifest["validDomains"])


# Icons


def test_icons_have_the_sizes_teams_needs() -> None:
    with Image.open(MANIFEST_DIR / "color.png") as color, Image.open(MANIFEST_DIR / "outline.png") as outline:
        assert color.format == outline.format == "PNG"
        assert color.size == (192, 192)
        assert outline.size == (32, 32)


def test_color_icon_is_full_colour() -> None:
    with Image.open(MANIFEST_DIR / "color.png") as color:
        rgb = color.convert("RGB")
    assert len(set(_pixels(rgb))) > 3


def test_outline_icon_is_white_on_transparent() -> None:
    with Image.open(MANIFEST_DIR / "outline.png") as outline:
        assert outline.mode == "RGBA"
        pixels = _pixels(outline)
    assert {pixel[:3] for pixel in pixels} == {(255, 255, 255)}
    alphas = {pixel[3] for pixel in pixels}
    assert 0 in alphas and 255 in alphas


@pytest.mark.parametrize(("name", "draw"), [("color.png", draw_color_icon), ("outline.png", draw_outline_icon)])
def test_committed_icons_match_make_icons(name: str, draw: Any) -> None:
    with Image.open(MANIFEST_DIR / name) as committed:
        committed_pixels = _pixels(committed)
    drawn = _pixels(draw())
    assert len(drawn) == len(committed_pixels)
    # A little tolerance so a Pillow upgrade's resampling changes do not fail the build.
    worst = max(abs(a - b) for old, new in zip(committed_pixels, drawn, strict=True) for a, b in zip(old, new))
    assert worst <= 3, f"{name} differs from manifest/make_icons.py; run python -m manifest.make_icons"


# Packaging


def test_package_contains_the_app_id_and_validates(tmp_path: Path) -> None:
    out = build_package(TEST_APP_ID, tmp_path / "nested" / "app.zip", version="1.2.3")

    assert out == tmp_path / "nested" / "app.zip"
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        assert archive.read("color.png") == (MANIFEST_DIR / "color.png").read_bytes()
    assert manifest["id"] == TEST_APP_ID
    assert [bot["botId"] for bot in manifest["bots"]] == [TEST_APP_ID]
    assert [extension["botId"] for extension in manifest["composeExtensions"]] == [TEST_APP_ID]
    assert manifest["version"] == "1.2.3"
    assert _personal_commands(manifest) == BOT_COMMANDS
    assert validate_manifest(out) == []


def test_package_is_reproducible(tmp_path: Path) -> None:
    first = build_package(TEST_APP_ID.upper(), tmp_path / "a.zip")
    second = build_package(TEST_APP_ID, tmp_path / "b.zip")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["id"] == TEST_APP_ID  # normalised to lower case
    assert manifest["version"] == load_manifest()["version"]


def test_cli_reads_microsoft_app_id_from_the_environment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "app.zip"
    assert main(["--out", str(out)], environ={"MicrosoftAppId": TEST_APP_ID}) == 0
    assert str(out) in capsys.readouterr().out
    with zipfile.ZipFile(out) as archive:
        assert json.loads(archive.read("manifest.json"))["bots"][0]["botId"] == TEST_APP_ID


def test_cli_app_id_option_wins_over_the_environment(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    assert main(["--out", str(out), "--app-id", TEST_APP_ID], environ={"MicrosoftAppId": "not-a-guid"}) == 0
    with zipfile.ZipFile(out) as archive:
        assert json.loads(archive.read("manifest.json"))["id"] == TEST_APP_ID


@pytest.mark.parametrize("environ", [{}, {"MicrosoftAppId": ""}, {"MicrosoftAppId": "   "}])
def test_cli_missing_app_id_names_the_variable(
    environ: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "app.zip"
    assert main(["--out", str(out)], environ=environ) == 1
    error = capsys.readouterr().err
    assert "MicrosoftAppId is not set" in error
    assert not out.exists()


@pytest.mark.parametrize(
    "app_id",
    ["not-a-guid", "1b4e28ba2fa141d2883f0016d3cca427", "{1b4e28ba-2fa1-41d2-883f-0016d3cca427}", PLACEHOLDER_ID],
)
def test_invalid_app_id_names_the_variable(app_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ManifestError, match="MicrosoftAppId"):
        build_package(app_id, tmp_path / "app.zip")
    assert main(["--out", str(tmp_path / "app.zip")], environ={"MicrosoftAppId": app_id}) == 1
    assert "MicrosoftAppId" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("version", ["1.2", "v1.2.3", "1.2.3-beta", "01.2.3"])
def test_invalid_version_is_refused(version: str, tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="--version"):
        build_package(TEST_APP_ID, tmp_path / "app.zip", version=version)
    assert list(tmp_path.iterdir()) == []


def test_cli_help_shows_an_example() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "manifest.package", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    assert "example:" in completed.stdout
    assert "MicrosoftAppId=" in completed.stdout
    assert completed.stderr == ""


# The validators can fail


def _broken_manifests() -> list[Any]:
    """Manifests with one deliberate mistake each, and a word the error must contain."""
    cases: list[tuple[str, dict[str, Any], str]] = []
    manifest = load_manifest()
    bad_version = {**manifest, "manifestVersion": "1.99"}
    cases.append(("bad manifestVersion", bad_version, "/manifestVersion"))
    no_developer = {key: value for key, value in manifest.items() if key != "developer"}
    cases.append(("missing developer", no_developer, "developer"))
    bad_id = {**manifest, "id": "prevention-first"}
    cases.append(("id not a GUID", bad_id, "/id"))
    bad_bot = {**manifest, "bots": [{**manifest["bots"][0], "supportsFile": True}]}
    cases.append(("unknown bot property", bad_bot, "supportsFile"))
    schema_url = "https://developer.microsoft.com/json-schemas/teams/v9.9/MicrosoftTeams.schema.json"
    cases.append(("schema not bundled", {**manifest, "$schema": schema_url}, "not bundled"))
    return [pytest.param(broken, expected, id=case) for case, broken, expected in cases]


@pytest.mark.parametrize(("manifest", "expected"), _broken_manifests())
def test_broken_manifest_is_reported(manifest: dict[str, Any], expected: str, tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    errors = validate_manifest(path)
    assert any(expected in error for error in errors), errors


def test_package_with_wrong_icon_size_or_folders_is_reported(tmp_path: Path) -> None:
    manifest = json.loads(json.dumps(load_manifest()).replace(PLACEHOLDER_ID, TEST_APP_ID))
    path = tmp_path / "bad.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr("color.png", (MANIFEST_DIR / "color.png").read_bytes())
        archive.writestr("outline.png", (MANIFEST_DIR / "color.png").read_bytes())
        archive.writestr("icons/extra.png", (MANIFEST_DIR / "outline.png").read_bytes())
    errors = validate_manifest(path)
    assert any("/icons/outline" in error and "32x32" in error for error in errors), errors
    assert any("icons/extra.png" in error for error in errors), errors


# Adaptive Cards


def test_good_card_passes() -> None:
    assert validate_cards([GOOD_CARD]) == []
    assert card_problems([GOOD_CARD]) == []


def test_bad_cards_are_reported_in_one_run() -> None:
    unknown_element = {**GOOD_CARD, "body": [*GOOD_CARD["body"], {"type": "Carousel2000", "text": "x"}]}
    bad_value = {**GOOD_CARD, "body": [{"type": "TextBlock", "text": "x", "size": "enormous"}]}
    too_new = {**GOOD_CARD, "version": "1.6"}
    no_version = {key: value for key, value in GOOD_CARD.items() if key != "version"}
    unlabelled = {**GOOD_CARD, "body": [{"type": "Input.Text", "id": "a", "isRequired": True}]}

    problems = validate_cards([GOOD_CARD, unknown_element, bad_value, too_new, no_version, unlabelled])

    def for_card(index: int) -> str:
        return "\n".join(line for line in problems if line.startswith(f"card {index}:"))

    assert for_card(0) == ""
    assert "UnknownElementType" in for_card(1) and "Carousel2000" in for_card(1)
    assert "InvalidPropertyValue" in for_card(2) and "enormous" in for_card(2)
    assert "UnsupportedCardVersion" in for_card(3)
    assert "MissingVersion" in for_card(4)
    assert "RequiredInputsShouldHaveLabel" in for_card(5)


def test_element_newer_than_declared_version_is_a_warning() -> None:
    card = {"type": "AdaptiveCard", "version": "1.2", "body": [{"type": "Table", "columns": [{"width": 1}], "rows": []}]}
    assert validate_cards([card]) == []
    (warning,) = validate_cards([card], include_warnings=True)
    assert "NewerThanCardVersion" in warning and "Table" in warning


# The Hub workspace tab


def test_the_hub_workspace_is_a_personal_tab_signed_in_with_the_apps_own_registration() -> None:
    manifest = load_manifest()
    (tab,) = manifest["staticTabs"]
    assert tab["name"] == "Hub workspace" and tab["scopes"] == ["personal"]
    assert tab["contentUrl"] == f"https://{PLACEHOLDER_HOST}/hub/"
    assert manifest["webApplicationInfo"] == {"id": PLACEHOLDER_ID, "resource": f"api://{PLACEHOLDER_HOST}/{PLACEHOLDER_ID}"}


def test_package_fills_the_tabs_host_and_sign_in_and_validates(tmp_path: Path) -> None:
    out = build_package(TEST_APP_ID, tmp_path / "app.zip", host="bot.herts.police.example")
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["staticTabs"][0]["contentUrl"] == "https://bot.herts.police.example/hub/"
    assert manifest["webApplicationInfo"] == {"id": TEST_APP_ID,
                                              "resource": f"api://bot.herts.police.example/{TEST_APP_ID}"}
    assert "bot.herts.police.example" in manifest["validDomains"]
    assert validate_manifest(out) == []


@pytest.mark.parametrize("host", ["https://bot.example.org", "bot", "bot.example.org/hub", "BOT..example.org"])
def test_a_host_that_is_not_a_host_name_is_refused(host: str, tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="--host must be the bot's host name"):
        build_package(TEST_APP_ID, tmp_path / "app.zip", host=host)
