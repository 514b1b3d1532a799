"""Build the Teams app package (the zip uploaded to Teams) with the bot's app id filled in.

``manifest.json`` in this folder carries the placeholder GUID
``00000000-0000-0000-0000-000000000000`` for both the app ``id`` and the bot's ``botId``.
Packaging replaces both with the bot's Azure app registration id (``MicrosoftAppId``), so the
Teams app and the bot share one id, optionally sets the app ``version``, and writes a zip with
``manifest.json``, ``color.png`` and ``outline.png`` at its root.

The bot's command menu (``commandLists``) is written from the bot's command tables: each
command declared with a ``menu`` line is listed, in the order the bot registers them.
``--sync`` writes it into this folder's ``manifest.json`` too.

Example::

    MicrosoftAppId=1b4e28ba-2fa1-41d2-883f-0016d3cca427 \\
        python -m manifest.package --version 1.0.1 --out build/prevention-first.zip
    node tools/validate_manifest.js build/prevention-first.zip
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import sys
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "APP_ID_VARIABLE",
    "DEFAULT_OUT",
    "MANIFEST_DIR",
    "PLACEHOLDER_ID",
    "ManifestError",
    "app_id_from_environment",
    "build_package",
    "command_menu",
    "load_manifest",
    "main",
    "sync_manifest",
]

MANIFEST_DIR = Path(__file__).resolve().parent
REPO_ROOT = MANIFEST_DIR.parent
DEFAULT_OUT = REPO_ROOT / "build" / "prevention-first.zip"
APP_ID_VARIABLE = "MicrosoftAppId"
PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"
PACKAGE_FILES = ("manifest.json", "color.png", "outline.png")
# Where the bot (and its Hub workspace tab) is served, as manifest.json names it; --host replaces it.
PLACEHOLDER_HOST = "prevention-first.example.police.uk"
_HOST = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

# The same pattern as the manifest schema's "guid" definition.
_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# Teams wants major.minor.patch, numbers only.
_SEMVER = re.compile(r"^(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)$")
# A fixed timestamp makes the zip byte-for-byte reproducible for the same inputs.
_ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
# Teams shows at most this many commands in a bot's menu.
MAX_MENU_COMMANDS = 10


class ManifestError(ValueError):
    """The app package cannot be built from the given id, version or manifest folder."""


def load_manifest(manifest_dir: Path = MANIFEST_DIR) -> dict[str, Any]:
    """Read ``manifest.json`` from a folder.

    Args:
        manifest_dir: Folder holding ``manifest.json``; by default this package's folder.

    Returns:
        The parsed manifest.

    Raises:
        ManifestError: The file is missing or is not a JSON object.
    """
    path = manifest_dir / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as error:
        raise ManifestError(f"{path} does not exist") from error
    except json.JSONDecodeError as error:
        raise ManifestError(f"{path} is not valid JSON: {error}") from error
    if not isinstance(manifest, dict):
        raise ManifestError(f"{path} must hold a JSON object")
    return manifest


def command_menu() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The bot's command menus as its command tables declare them (title and description):
    the personal chat's, and the one for teams and group chats (commands answered there).

    The tables are read from the assistant built as the server builds it (against an empty
    database it does not touch).

    Raises:
        ManifestError: The tables ask for more commands than Teams shows.
    """
    from bot.app import SERVICES, create_app  # the whole bot is loaded only when a menu is made
    from bot.commands import menu_commands
    from domain.settings import Settings

    with tempfile.TemporaryDirectory(prefix="manifest-") as folder:
        settings = Settings.from_env({"DATABASE_URL": f"sqlite:///{Path(folder) / 'menu.db'}",
                                      "INDEX_DIR": str(Path(folder) / "index")})
        services = create_app(settings, migrate=False)[SERVICES]
        try:
            commands = services.bot.commands
            menu = menu_commands(commands)
            shared = menu_commands([command for command in commands if command.anywhere])
        finally:
            services.database.dispose()
    if len(menu) > MAX_MENU_COMMANDS:
        raise ManifestError(f"the command tables ask for {len(menu)} menu commands; Teams shows at most "
                            f"{MAX_MENU_COMMANDS}: {', '.join(item['title'] for item in menu)}")
    return menu, shared


def _with_menu(manifest: dict[str, Any], menus: tuple[list[dict[str, str]], list[dict[str, str]]]) -> dict[str, Any]:
    """``manifest`` with its bot's command lists replaced by ``menus``: the personal chat's,
    and the one for teams and group chats (the commands answered there)."""
    personal, shared = menus
    for bot in manifest.get("bots") or []:
        bot["commandLists"] = [{"scopes": ["personal"], "commands": personal}]
        if shared:
            bot["commandLists"].append({"scopes": ["team", "groupChat"], "commands": shared})
    return manifest


def sync_manifest(
    manifest_dir: Path = MANIFEST_DIR, menu: tuple[list[dict[str, str]], list[dict[str, str]]] | None = None
) -> bool:
    """Write the command menu from the tables into ``manifest.json``.

    Args:
        manifest_dir: Folder holding ``manifest.json``; this package's by default.
        menu: The menus to write (personal, shared); :func:`command_menu` when omitted.

    Returns:
        Whether the file changed.
    """
    manifest = load_manifest(manifest_dir)
    before = json.dumps(manifest)
    _with_menu(manifest, command_menu() if menu is None else menu)
    if json.dumps(manifest) == before:
        return False
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    (manifest_dir / "manifest.json").write_text(text, encoding="utf-8")
    return True


def app_id_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """Return the bot's app id from the ``MicrosoftAppId`` environment variable.

    Args:
        environ: Environment to read; ``os.environ`` when omitted.

    Returns:
        The value, stripped of surrounding white space. Its format is checked by
        :func:`build_package`.

    Raises:
        ManifestError: The variable is missing or empty.
    """
    env = os.environ if environ is None else environ
    value = env.get(APP_ID_VARIABLE, "").strip()
    if not value:
        raise ManifestError(
            f"{APP_ID_VARIABLE} is not set: set it to the bot's Azure app registration id "
            f"(a GUID such as 1b4e28ba-2fa1-41d2-883f-0016d3cca427) or pass --app-id"
        )
    return value


def _checked_app_id(app_id: str) -> str:
    """Return ``app_id`` in lower case, or raise if it cannot be the bot's app id."""
    value = app_id.strip()
    if not _GUID.match(value):
        # The value is not echoed: a misplaced secret must not end up in a build log.
        raise ManifestError(
            f"{APP_ID_VARIABLE} must be a GUID in the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx; "
            f"the value given ({len(value)} characters) is not one"
        )
    if value == PLACEHOLDER_ID:
        raise ManifestError(
            f"{APP_ID_VARIABLE} is the placeholder {PLACEHOLDER_ID}: "
            "set it to the bot's Azure app registration id"
        )
    return value.lower()


def _with_host(manifest: dict[str, Any], host: str) -> dict[str, Any]:
    """``manifest`` with the Hub workspace tab and its sign-in served from ``host``."""
    if not _HOST.match(host):
        raise ManifestError(f"--host must be the bot's host name, for example bot.police.example, not {host!r}")
    for tab in manifest.get("staticTabs") or ():
        for key in ("contentUrl", "websiteUrl"):
            if key in tab:
                tab[key] = tab[key].replace(PLACEHOLDER_HOST, host)
    info = manifest.get("webApplicationInfo")
    if isinstance(info, dict) and isinstance(info.get("resource"), str):
        info["resource"] = info["resource"].replace(PLACEHOLDER_HOST, host)
    domains = manifest.setdefault("validDomains", [])
    if host not in domains:
        domains.append(host)
    return manifest


def _filled_manifest(
    manifest: Mapping[str, Any], app_id: str, version: str | None, host: str | None = None
) -> dict[str, Any]:
    """Return a copy of ``manifest`` with the app id, bot ids, sign-in, host and version filled in."""
    filled = copy.deepcopy(dict(manifest))
    if host is not None:
        _with_host(filled, host.strip().lower())
    info = filled.get("webApplicationInfo")
    if isinstance(info, dict):
        info["id"] = app_id
        info["resource"] = str(info.get("resource", "")).replace(PLACEHOLDER_ID, app_id)
    filled["id"] = app_id
    bots = filled.get("bots")
    if not isinstance(bots, list) or not bots:
        raise ManifestError("manifest.json has no bots entry to fill the bot id into")
    for bot in bots:
        bot["botId"] = app_id
    for extension in filled.get("composeExtensions") or ():
        extension["botId"] = app_id
    if version is not None:
        if not _SEMVER.match(version):
            raise ManifestError(f"--version must be major.minor.patch, for example 1.2.0 (got {version!r})")
        filled["version"] = version
    if PLACEHOLDER_ID in json.dumps(filled):
        raise ManifestError(f"manifest.json still contains the placeholder id {PLACEHOLDER_ID} after filling in")
    return filled


def _zip_entry(name: str) -> zipfile.ZipInfo:
    """Return a zip entry header with a fixed timestamp and ordinary file permissions."""
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIMESTAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def build_package(
    app_id: str,
    out: Path,
    version: str | None = None,
    *,
    manifest_dir: Path = MANIFEST_DIR,
    host: str | None = None,
) -> Path:
    """Write the Teams app package.

    Args:
        app_id: The bot's Azure app registration id (``MicrosoftAppId``); used as both the
            Teams app ``id`` and the bot's ``botId``.
        out: Path of the zip to write; missing parent folders are created and an existing
            file is replaced.
        version: App version (``major.minor.patch``) to set; the manifest's own when omitted.
        manifest_dir: Folder with ``manifest.json`` and the icons; this package's by default.
        host: Where the bot is served (its Hub workspace tab and the tab's sign-in resource,
            ``api://<host>/<app id>``); manifest.json's placeholder host when omitted.

    Returns:
        The path of the zip written.

    Raises:
        ManifestError: The app id is not a GUID (or is the placeholder), the version is not
            ``major.minor.patch``, or the manifest folder is incomplete.
    """
    checked_id = _checked_app_id(app_id)
    manifest = _filled_manifest(_with_menu(load_manifest(manifest_dir), command_menu()), checked_id, version, host)
    icons = []
    for name in PACKAGE_FILES[1:]:
        icon = manifest_dir / name
        if not icon.is_file():
            raise ManifestError(f"{icon} is missing; run python -m manifest.make_icons")
        icons.append(icon)

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so a failed build never leaves half a zip behind.
    handle, temp_name = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        with zipfile.ZipFile(temp, "w") as archive:
            text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
            archive.writestr(_zip_entry("manifest.json"), text.encode("utf-8"))
            for icon in icons:
                archive.writestr(_zip_entry(icon.name), icon.read_bytes())
        temp.chmod(0o644)  # mkstemp creates the file private to its owner
        temp.replace(out)
    finally:
        temp.unlink(missing_ok=True)
    return out


def _parser() -> argparse.ArgumentParser:
    """Build the command line parser."""
    return argparse.ArgumentParser(
        prog="python -m manifest.package",
        description=(
            "Build the Teams app package for the Prevention First assistant: manifest.json "
            f"with the bot's app id as both the app id and the bot id, plus the two icons. "
            f"The id is read from the {APP_ID_VARIABLE} environment variable unless --app-id is given."
        ),
        epilog=(
            "example:\n"
            f"  {APP_ID_VARIABLE}=1b4e28ba-2fa1-41d2-883f-0016d3cca427 \\\n"
            "    python -m manifest.package --version 1.0.1 --host bot.police.example --out build/prevention-first.zip\n"
            "then check it with: node tools/validate_manifest.js build/prevention-first.zip"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run the command line interface.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` when omitted.
        environ: Environment to read ``MicrosoftAppId`` from; ``os.environ`` when omitted.

    Returns:
        The process exit code: 0 on success, 1 when the package cannot be built.
    """
    parser = _parser()
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="zip file to write (default: build/prevention-first.zip in the repository)",
    )
    parser.add_argument(
        "--app-id",
        help=f"the bot's Azure app registration id (default: ${APP_ID_VARIABLE})",
    )
    parser.add_argument("--version", help="app version to set, major.minor.patch (default: as in manifest.json)")
    parser.add_argument("--host", help=f"the bot's public host name, where the Hub workspace tab is served "
                                       f"(default: {PLACEHOLDER_HOST})")
    parser.add_argument("--sync", action="store_true",
                        help="only write the command menu from the bot's command tables into manifest.json")
    args = parser.parse_args(argv)
    if args.sync:
        try:
            changed = sync_manifest()
        except ManifestError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print("manifest.json's command menu " + ("updated" if changed else "already matches the command tables"))
        return 0
    try:
        app_id = args.app_id if args.app_id is not None else app_id_from_environment(environ)
        out = build_package(app_id, args.out, args.version, host=args.host)
    except ManifestError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
