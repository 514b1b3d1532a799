"""Drive the bot through a real Teams emulator: Microsoft 365 Agents Playground.

The playground (npm ``@microsoft/m365agentsplayground``, pinned in ``package.json``) is started
headless on a free loopback port and pointed at the bot's ``/api/messages``. It plays the Teams
client *and* the Bot Connector service: it posts Teams-shaped activities to the bot (``channelId``
``msteams``, a personal chat, tenant, ``from.aadObjectId``, ``serviceUrl`` pointing back at
itself) and receives the bot's replies on its ``/_connector`` routes, forwarding them to a
WebSocket that this harness reads. No auth is used: the bot under test must run with no
``MicrosoftAppId``; the playground sends no ``Authorization`` header.

Example::

    from tests.e2e.playground import Playground, adaptive_cards, reply_text

    async def test_echo(bot_url):              # the bot is already listening on bot_url
        async with Playground(f"{bot_url}/api/messages") as pg:
            await pg.install()                 # what Teams does when the app is added
            welcome = await pg.next_reply()
            await pg.send("hello")
            reply = await pg.wait_for(lambda a: "hello" in reply_text(a))
            card = await pg.wait_for(lambda a: bool(adaptive_cards(a)))
            await pg.submit_card({"action": "pick", "note": "typed input"})  # Action.Submit

API (all coroutines need the loop the ``async with`` ran in):

``Playground(bot_endpoint, *, repo_root=None, port=None, users=None, tenant_id=None,
bot_id=None, bot_name=None, conversation_id=None, timeout=60.0, install=False)``
    ``users``: mappings with ``id``, ``name``, ``aadObjectId``, ``email``, ``givenName``,
    ``surname``, ``userPrincipalName`` (missing keys are made up). The first is the user the
    harness chats as; the rest (at most five) are the other tenant users - the playground
    requires exactly five, so the list is padded. ``timeout`` bounds start-up (not ``npm ci``).
    ``install=True`` calls :meth:`Playground.install` on entry.
``user_id``, ``aad_object_id``, ``user_name``, ``conversation_id``, ``tenant_id``, ``bot_id``,
``base_url``, ``log_dir``, ``startup_seconds``, ``replies`` (every reply so far), ``events``
(every raw WebSocket event, typing included), ``group_chat_id`` and ``channel_id`` (the
configured group chat and the team's channel; the user and the bot are members of both).
``await send(text) -> str``: a user message; returns the playground's message id.
``await send(text, conversation_id=pg.group_chat_id or pg.channel_id, mention_bot=True)``: the
    same in the group chat or the channel (a channel message starts a new thread there). The
    playground passes a group message to the bot only when it @mentions the bot:
    ``mention_bot`` puts ``<at>bot name</at>`` in front of the text with its mention entity,
    as the Teams client does. The bot gets ``conversation.conversationType`` ``groupChat`` or
    ``channel`` and ``isGroup``; its replies arrive in :attr:`replies` like any other.
``await submit_card(value, *, reply_to_id=None)``: an ``Action.Submit`` click, exactly as the
    playground's web client does it: a ``message`` activity with ``value`` (the action's
    ``data`` merged with the card's input values - pass that merged dict), no ``text``,
    ``replyToId`` = the card message (default: the latest reply carrying an Adaptive Card).
``await execute_card(verb, data=None, *, reply_to_id=None) -> dict``: an ``Action.Execute``
    click: an ``invoke`` ``adaptiveCard/action``; returns the bot's invoke response.
``await invoke(name, value, *, conversation_id=None) -> dict``: any other invoke, such as a
    message extension's ``composeExtension/query`` or ``composeExtension/selectItem``.
``await install()``: ``installationUpdate`` (``action: add``) and ``conversationUpdate``
    (``membersAdded``: user and bot) - what the web client sends when the chat is opened. Both
    are posted concurrently, so their order at the bot is not fixed. Nothing is sent unless
    this is called: a headless playground sends the bot nothing on start-up.
``await send_activity(activity)`` / ``await activity_template(kind)``: raw custom activities
    (kinds: ``install``, ``uninstall``, ``botAdded``, ``userAdded``, ``botRemoved``, ...).
``await next_reply(timeout=30) -> dict``, ``await wait_for(predicate, timeout=30) -> dict``
    (non-matching replies are skipped but stay in ``replies``), ``await collect(quiet=1.0,
    timeout=30) -> list[dict]`` (replies until none arrives for ``quiet`` seconds).
Module helpers: ``reply_text(activity_or_list)``, ``adaptive_cards(activity)``,
``card_actions(activity)``, ``ensure_playground(repo_root)``.

A reply is a dict shaped like a message activity: ``type`` ``"message"``, ``id`` (use as
``reply_to_id``), ``text``, ``textFormat``, ``attachments`` (``contentType``/``content``),
``attachmentLayout``, ``suggestedActions``, ``from``, ``conversation``, ``timestamp`` (ms),
plus ``event`` (``"createMessage"`` or ``"updateMessage"`` - the latter when the bot
updates an earlier message; ``id`` is then that message's id) and ``raw``. The playground splits
one bot activity that has text *and* attachments into separate replies (text first, then one
per attachment) unless ``attachmentLayout`` is ``carousel``; use :meth:`collect` and pass
the list to :func:`reply_text`. ``typing`` activities and traces are not replies.

Isolation: every instance gets its own process, port, temp dir (config file, logs) and
conversation. The Node process binds 127.0.0.1 only (``loopback.cjs`` preload; checked against
``/proc/net/tcp*``) and may only connect to loopback addresses; proxy, auth and telemetry
settings are removed from its environment. Failures raise :class:`PlaygroundError` with the tail
of the playground's logs; the log dir is kept when start-up failed, when the ``async with`` body
raised, or when ``PLAYGROUND_KEEP_LOGS`` is set.
When ``node_modules`` lacks the pinned playground, ``npm ci`` installs it (``tests.nodetools``).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp

from tests.nodetools import ensure_node_modules

__all__ = [
    "PACKAGE",
    "Playground",
    "PlaygroundError",
    "PlaygroundTimeout",
    "adaptive_cards",
    "card_actions",
    "ensure_playground",
    "reply_text",
]

PACKAGE = "@microsoft/m365agentsplayground"
HERE = Path(__file__).resolve().parent
LOOPBACK_PRELOAD = HERE / "loopback.cjs"
DEFAULT_REPO_ROOT = HERE.parents[1]
CONFIG_FILE_NAME = ".m365agentsplayground.yml"
NPM_TIMEOUT = 600.0
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
LOG_TAIL_CHARS = 4000

_LISTENING = re.compile(rb"Listening on (\d+)")
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
# Settings the playground reads from its environment that must not leak in from the caller's:
# auth (it would fetch tokens from login.microsoftonline.com), proxies, ports, config paths.
_SCRUBBED_ENV_PREFIXES = ("M365_AGENTS_PLAYGROUND_", "TEAMSAPPTESTER_", "TEAMS_APP_TEST_TOOL_", "AUTH_")
_SCRUBBED_ENV = {
    "BOT_ENDPOINT", "DEFAULT_CHANNEL_ID", "SEND_INSTALLATION_ACTIVITY", "HTTP_PROXY", "HTTPS_PROXY",
    "ALL_PROXY", "NODE_OPTIONS", "APPLICATIONINSIGHTS_CONNECTION_STRING", "APPINSIGHTS_INSTRUMENTATIONKEY",
}  # fmt: skip

_DEFAULT_USERS: list[dict[str, str]] = [
    {"id": "user-id-0", "name": "Alex Wilber", "givenName": "Alex", "surname": "Wilber"},
    {"id": "user-id-1", "name": "Megan Bowen", "givenName": "Megan", "surname": "Bowen"},
    {"id": "user-id-2", "name": "Adele Vance", "givenName": "Adele", "surname": "Vance"},
    {"id": "user-id-3", "name": "Isaiah Langer", "givenName": "Isaiah", "surname": "Langer"},
    {"id": "user-id-4", "name": "Patti Fernandez", "givenName": "Patti", "surname": "Fernandez"},
    {"id": "user-id-5", "name": "Lynne Robbins", "givenName": "Lynne", "surname": "Robbins"},
]
_USER_KEYS = {"id", "name", "aadObjectId", "email", "givenName", "surname", "userPrincipleName"}


class PlaygroundError(RuntimeError):
    """The playground could not be installed, started or driven, or it crashed."""


class PlaygroundTimeout(PlaygroundError, TimeoutError):
    """No (matching) bot reply arrived in time."""


# --------------------------------------------------------------------------- installation


def _pinned_version(repo_root: Path) -> str:
    manifest = json.loads((repo_root / "package.json").read_text(encoding="utf-8"))
    wanted = {**manifest.get("dependencies", {}), **manifest.get("devDependencies", {})}
    if PACKAGE not in wanted:
        raise PlaygroundError(f"{repo_root / 'package.json'} does not list {PACKAGE}")
    return str(wanted[PACKAGE])


def _installed_ok(node_modules: Path, version: str) -> bool:
    package_json = node_modules / PACKAGE / "package.json"
    if not (package_json.is_file() and (node_modules / PACKAGE / "cli.js").is_file()):
        return False
    installed = json.loads(package_json.read_text(encoding="utf-8")).get("version")
    return installed == version or not version[:1].isdigit()


def ensure_playground(repo_root: Path | None = None) -> Path:
    """Return the installed playground package folder (holding ``cli.js``).

    The pinned npm packages are installed with ``npm ci`` by :func:`tests.nodetools.ensure_node_modules`
    when missing, under the lock it shares with every other test process.
    """
    root = Path(repo_root or DEFAULT_REPO_ROOT).resolve()
    version = _pinned_version(root)
    if not _installed_ok(root / "node_modules", version):
        ensure_node_modules()
    if not _installed_ok(root / "node_modules", version):
        raise PlaygroundError(f"npm ci ran in {root} but {PACKAGE}@{version} is still not installed")
    return root / "node_modules" / PACKAGE


# --------------------------------------------------------------------------- card helpers


def adaptive_cards(activity: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The Adaptive Card contents (dicts) among an activity's attachments."""
    cards = []
    for attachment in activity.get("attachments") or []:
        if str(attachment.get("contentType", "")).lower() != ADAPTIVE_CARD:
            continue
        content = attachment.get("content")
        if isinstance(content, str):
            with suppress(ValueError):
                content = json.loads(content)
        if isinstance(content, dict):
            cards.append(content)
    return cards


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _card_texts(card: Mapping[str, Any]) -> list[str]:
    texts = []
    for node in _walk(card):
        kind = node.get("type")
        if kind in ("TextBlock", "TextRun") and isinstance(node.get("text"), str):
            texts.append(node["text"])
        elif kind == "FactSet":
            for fact in node.get("facts") or []:
                texts.append(f"{fact.get('title', '')}: {fact.get('value', '')}")
    return texts


def reply_text(activity: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> str:
    """The activity's text plus every TextBlock/TextRun text and FactSet fact of its Adaptive Cards.

    Accepts one reply or a list of them (joined), one part per line.
    """
    if isinstance(activity, Sequence) and not isinstance(activity, (str, bytes)):
        return "\n".join(reply_text(item) for item in activity)
    parts = [activity["text"]] if activity.get("text") else []
    for card in adaptive_cards(activity):
        parts.extend(_card_texts(card))
    return "\n".join(parts)


def card_actions(activity: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every ``Action.*`` in the activity's Adaptive Cards (ActionSets and ShowCards included)."""
    return [
        node
        for card in adaptive_cards(activity)
        for node in _walk(card)
        if isinstance(node.get("type"), str) and node["type"].startswith("Action.")
    ]


# --------------------------------------------------------------------------- the harness


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _non_loopback_listeners(port: int) -> list[str]:
    """Addresses other than 127.0.0.1 listening on ``port``, from /proc (empty where unavailable)."""
    found = []
    for name, loopback in (("tcp", "0100007F"), ("tcp6", "00000000000000000000000001000000")):
        path = Path("/proc/net") / name
        if not path.is_file():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            if len(fields) < 4 or fields[3] != "0A":  # 0A = LISTEN
                continue
            address, _, hex_port = fields[1].partition(":")
            if int(hex_port, 16) == port and address != loopback:
                found.append(f"{name}:{address}")
    return found


def _tail(path: Path, chars: int = LOG_TAIL_CHARS) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - chars))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _user_entry(given: Mapping[str, Any] | None, default: Mapping[str, str], index: int) -> dict[str, str]:
    given = dict(given or {})
    if "userPrincipalName" in given:  # the playground's schema spells it "userPrincipleName"
        given.setdefault("userPrincipleName", given.pop("userPrincipalName"))
    unknown = set(given) - _USER_KEYS
    if unknown:
        raise ValueError(f"unknown user keys {sorted(unknown)}; allowed: {sorted(_USER_KEYS)}")
    user = {key: str(value) for key, value in given.items()}
    user.setdefault("id", default["id"])
    user.setdefault("name", default["name"])
    user.setdefault("givenName", user["name"].split(" ")[0] if "name" in given else default["givenName"])
    user.setdefault("surname", user["name"].split(" ")[-1] if "name" in given else default["surname"])
    slug = re.sub(r"[^a-z0-9]+", ".", user["name"].lower()).strip(".") or f"user{index}"
    user.setdefault("email", f"{slug}@example.com")
    user.setdefault("userPrincipleName", user["email"])
    user.setdefault("aadObjectId", f"00000000-0000-0000-0000-{20 + index:012d}")
    return user


class Playground:
    """An Agents Playground process chatting with one bot as one Teams user. See the module doc."""

    def __init__(
        self,
        bot_endpoint: str,
        *,
        repo_root: Path | None = None,
        port: int | None = None,
        users: Sequence[Mapping[str, Any]] | None = None,
        tenant_id: str | None = None,
        bot_id: str | None = None,
        bot_name: str | None = None,
        conversation_id: str | None = None,
        timeout: float = 60.0,
        install: bool = False,
    ) -> None:
        host = urlsplit(bot_endpoint).hostname
        if urlsplit(bot_endpoint).scheme not in ("http", "https") or host not in _LOOPBACK_HOSTS:
            raise ValueError(f"bot_endpoint must be an http URL on a loopback host, not {bot_endpoint!r}")
        users = list(users or [])
        if len(users) > 6:
            raise ValueError("at most six users: the chatting user and five others")
        self.bot_endpoint = bot_endpoint
        self.repo_root = Path(repo_root or DEFAULT_REPO_ROOT).resolve()
        self.timeout = timeout
        self._requested_port = port
        self._install_on_enter = install
        entries = [_user_entry(users[i] if i < len(users) else None, _DEFAULT_USERS[i], i) for i in range(6)]
        self._config: dict[str, Any] = {
            "version": "0.1.1",
            "tenantId": tenant_id or "00000000-0000-0000-0000-0000000000001",
            "bot": {"id": bot_id or "00000000-0000-0000-0000-00000000000011", "name": bot_name or "Test Bot"},
            "currentUser": entries[0],
            "users": entries[1:],
            "personalChat": {"id": conversation_id or f"personal-{uuid.uuid4()}"},
            "groupChat": {"id": f"group-{uuid.uuid4()}", "name": "Group Chat"},
            "team": {
                "id": f"team-{uuid.uuid4()}",
                "name": "My Team",
                "aadGroupId": "00000000-0000-0000-0000-000000000031",
                "channels": [{"id": f"channel-{uuid.uuid4()}", "name": "Announcements"}],
            },
        }
        self.user_id: str = entries[0]["id"]
        self.user_name: str = entries[0]["name"]
        self.aad_object_id: str | None = entries[0]["aadObjectId"]
        self.conversation_id: str = self._config["personalChat"]["id"]
        self.tenant_id: str = self._config["tenantId"]
        self.bot_id: str = self._config["bot"]["id"]
        self.bot_name: str = self._config["bot"]["name"]
        self.group_chat_id: str = self._config["groupChat"]["id"]
        self.channel_id: str = self._config["team"]["channels"][0]["id"]
        self.port: int | None = None
        self.base_url = ""
        self.log_dir: Path | None = None
        self.startup_seconds: float | None = None
        self.replies: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self._proc: subprocess.Popen[bytes] | None = None
        self._outputs: list[Any] = []
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._reader_error: BaseException | None = None
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Playground:
        started = time.monotonic()
        try:
            package_dir = await asyncio.to_thread(ensure_playground, self.repo_root)
            started = time.monotonic()  # start-up time excludes any npm install
            await self._start(package_dir, deadline=started + self.timeout)
            self.startup_seconds = time.monotonic() - started
            if self._install_on_enter:
                await self.install()
        except BaseException:
            await self._shutdown(keep_logs=True)
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._shutdown(keep_logs=exc_type is not None)

    async def _start(self, package_dir: Path, deadline: float) -> None:
        node = shutil.which("node")
        if node is None:
            raise PlaygroundError("node is not on the PATH; install Node.js 20 to run the e2e tests")
        self.log_dir = Path(tempfile.mkdtemp(prefix="agents-playground-"))
        config_path = self.log_dir / CONFIG_FILE_NAME
        config_path.write_text(json.dumps(self._config, indent=2), encoding="utf-8")  # JSON is YAML
        env = {
            key: value
            for key, value in os.environ.items()
            if key.upper() not in _SCRUBBED_ENV and not key.upper().startswith(_SCRUBBED_ENV_PREFIXES)
        }
        env.update(
            TEAMSAPPTESTER_BROWSER="none",
            M365_AGENTS_PLAYGROUND_CONFIG_PATH=str(config_path),
            M365_AGENTS_PLAYGROUND_LOGFILE=str(self.log_dir / "playground.log"),
            M365_AGENTS_PLAYGROUND_RECORDING_FILE=str(self.log_dir / "events_recording.log"),
            NO_PROXY="127.0.0.1,localhost,::1",
            no_proxy="127.0.0.1,localhost,::1",
            APPLICATION_INSIGHTS_NO_STATSBEAT="true",
            APPLICATION_INSIGHTS_NO_DIAGNOSTIC_CHANNEL="true",
        )
        for attempt in range(3):
            port = self._requested_port or _free_port()
            args = [
                node, "--require", str(LOOPBACK_PRELOAD), str(package_dir / "cli.js"), "start",
                "--app-endpoint", self.bot_endpoint, "--channel-id", "msteams", "--port", str(port),
                "--service-url", f"http://127.0.0.1:{port}/_connector", "--disable-telemetry",
            ]  # fmt: skip
            actual = await self._launch(args, env, deadline)
            if actual == port:
                break
            # The port was taken between choosing it and binding it; the playground then picks a
            # random one, which would not match --service-url. Try again.
            await self._stop_process()
            if self._requested_port is not None or attempt == 2:
                raise self._error(f"playground could not bind port {port} (it bound {actual})")
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        config = await self._wait_ready(deadline)
        current = config.get("currentUser") or {}
        if current.get("id") != self.user_id or (config.get("personalChat") or {}).get("id") != self.conversation_id:
            raise self._error(f"playground did not load {config_path}: got {json.dumps(config)[:1000]}")
        exposed = _non_loopback_listeners(port)
        if exposed:
            raise self._error(f"playground is listening beyond loopback on port {port}: {exposed}")
        await self._wait_for_bot(deadline)
        try:
            self._ws = await asyncio.wait_for(
                self._session.ws_connect(f"ws://127.0.0.1:{port}/_ws_conversation/v1/conversations/stream"),
                timeout=max(0.1, deadline - time.monotonic()),
            )
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise self._error(f"could not open the playground WebSocket: {error!r}") from error
        self._reader = asyncio.get_running_loop().create_task(self._read_events(self._ws))

    async def _launch(self, args: list[str], env: dict[str, str], deadline: float) -> int:
        assert self.log_dir is not None
        for handle in self._outputs:
            handle.close()
        stdout = (self.log_dir / "node.stdout.log").open("ab")
        stderr = (self.log_dir / "node.stderr.log").open("ab")
        self._outputs = [stdout, stderr]
        self._proc = subprocess.Popen(
            args,
            cwd=self.log_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,  # its own process group, killed as a whole on exit
        )
        offset = stdout.tell()  # earlier attempts' output stays in the file
        while True:
            matches = _LISTENING.findall((self.log_dir / "node.stdout.log").read_bytes()[offset:])
            if matches:
                return int(matches[-1])
            if self._proc.poll() is not None:
                raise self._error(f"playground exited with status {self._proc.returncode} before listening")
            if time.monotonic() > deadline:
                raise self._error(f"playground did not start listening within {self.timeout:.0f}s")
            await asyncio.sleep(0.05)

    async def _wait_ready(self, deadline: float) -> dict[str, Any]:
        """Poll ``/_internal/v1/testConfig`` (``/v1/config`` would first wait up to 15 s for the bot)."""
        assert self._session is not None
        last: object = None
        while True:
            try:
                async with self._session.get(f"{self.base_url}/_internal/v1/testConfig") as response:
                    if response.status == 200:
                        return dict((await response.json()).get("config") or {})
                    last = f"HTTP {response.status}: {(await response.text())[:500]}"
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                last = error
            if self._proc is not None and self._proc.poll() is not None:
                raise self._error(f"playground exited with status {self._proc.returncode} during start-up")
            if time.monotonic() > deadline:
                raise self._error(f"playground not ready within {self.timeout:.0f}s (last: {last!r})")
            await asyncio.sleep(0.1)

    async def _wait_for_bot(self, deadline: float) -> None:
        """Wait until the bot endpoint accepts TCP connections (the bot may still be starting)."""
        parts = urlsplit(self.bot_endpoint)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        last: object = None
        while True:
            try:
                _, writer = await asyncio.wait_for(asyncio.open_connection(parts.hostname, port), timeout=2)
                writer.close()
                with suppress(OSError):
                    await writer.wait_closed()
                return
            except (OSError, asyncio.TimeoutError) as error:
                last = error
            if time.monotonic() > deadline:
                raise self._error(
                    f"bot endpoint {self.bot_endpoint} not reachable within {self.timeout:.0f}s: {last!r}"
                )
            await asyncio.sleep(0.1)

    async def _read_events(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        try:
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                event = json.loads(message.data)
                self.events.append(event)
                if event.get("action") in ("createMessage", "updateMessage") and isinstance(event.get("message"), dict):
                    reply = self._to_activity(event)
                    self.replies.append(reply)
                    self._queue.put_nowait(reply)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - surfaced by next_reply
            self._reader_error = error

    @staticmethod
    def _to_activity(event: Mapping[str, Any]) -> dict[str, Any]:
        message = event["message"]
        return {
            "type": "message",
            "event": event["action"],
            "id": message.get("messageId"),
            "timestamp": message.get("timestamp"),
            "from": message.get("from") or {},
            "conversation": {"id": event.get("actionConversationId")},
            "text": message.get("text"),
            "textFormat": message.get("textFormat"),
            "attachments": message.get("attachments") or [],
            "attachmentLayout": message.get("attachmentLayout"),
            "suggestedActions": message.get("suggestedActions"),
            "raw": dict(event),
        }

    async def _stop_process(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
                with suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, sig)
                end = time.monotonic() + grace
                while proc.poll() is None and time.monotonic() < end:
                    await asyncio.sleep(0.05)
                if proc.poll() is not None:
                    break
        if proc is not None:
            with suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=1)
            # Children of the playground (none are expected) go with the group.
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)

    async def _shutdown(self, keep_logs: bool) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await self._reader
            self._reader = None
        if self._ws is not None:
            with suppress(Exception):
                await self._ws.close()
            self._ws = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        await self._stop_process()
        for handle in self._outputs:
            handle.close()
        self._outputs = []
        if self.log_dir is not None and not keep_logs and not os.environ.get("PLAYGROUND_KEEP_LOGS"):
            shutil.rmtree(self.log_dir, ignore_errors=True)

    # ------------------------------------------------------------------ diagnostics

    def log_tail(self) -> str:
        """The end of the playground's stdout, stderr and own log file."""
        if self.log_dir is None:
            return "(not started)"
        parts = []
        for name in ("node.stdout.log", "node.stderr.log", "playground.log"):
            text = _tail(self.log_dir / name).strip()
            if text:
                parts.append(f"--- {name} ---\n{text}")
        return "\n".join(parts) or "(no output)"

    def _error(self, message: str, kind: type[PlaygroundError] = PlaygroundError) -> PlaygroundError:
        return kind(f"{message}\nlogs in {self.log_dir}\n{self.log_tail()}")

    def _check_alive(self) -> None:
        if self._proc is None:
            raise PlaygroundError("the playground is not running (use `async with Playground(...)`)")
        if self._proc.poll() is not None:
            raise self._error(f"the playground exited with status {self._proc.returncode}")
        if self._reader_error is not None:
            raise self._error(f"the playground WebSocket failed: {self._reader_error!r}")
        if self._reader is not None and self._reader.done() and self._queue.empty():
            raise self._error("the playground closed its WebSocket")

    # ------------------------------------------------------------------ user actions

    async def _post(self, path: str, body: Mapping[str, Any]) -> Any:
        self._check_alive()
        assert self._session is not None
        async with self._session.post(f"{self.base_url}{path}", json=body) as response:
            text = await response.text()
            if response.status != 200:
                raise self._error(f"POST {path} -> HTTP {response.status}: {text[:2000]}")
            return json.loads(text) if text.strip() else None

    async def send(
        self, text: str, *, text_format: str = "plain", conversation_id: str | None = None, mention_bot: bool = False
    ) -> str:
        """Send a message as the user, as typed into the Teams compose box; return its message id.

        ``conversation_id``: the chat to send it in (default: the personal chat), for example
        :attr:`group_chat_id` or :attr:`channel_id`. ``mention_bot``: @mention the bot first.
        """
        body: dict[str, Any] = {"from": {"id": self.user_id}, "text": text, "textFormat": text_format}
        if mention_bot:
            mention = f"<at>{self.bot_name}</at>"
            body["text"] = f"{mention} {text}"
            body["mentions"] = [{"mentioned": {"id": self.bot_id}, "text": mention}]
        conversation = conversation_id or self.conversation_id
        path = f"/_conversation/v1/conversations/{quote(conversation, safe='')}/messages"
        result = await self._post(path, body)
        return str((result or {}).get("messageId", ""))

    def _card_message_id(self, reply_to_id: str | None) -> str:
        if reply_to_id:
            return reply_to_id
        for reply in reversed(self.replies):
            if adaptive_cards(reply):
                return str(reply["id"])
        raise PlaygroundError("no Adaptive Card reply has arrived yet; pass reply_to_id")

    async def submit_card(self, value: Mapping[str, Any], *, reply_to_id: str | None = None) -> None:
        """Click an ``Action.Submit``: the bot gets a ``message`` with this ``value`` and no text.

        ``value`` is what Teams would send: the action's ``data`` merged with the card's input
        values (``{"id of Input.*": "entered value", ...}``).
        """
        body = {
            "conversation": {"id": self.conversation_id},
            "from": {"id": self.user_id},
            "replyToId": self._card_message_id(reply_to_id),
            "value": dict(value),
        }
        await self._post("/_conversation/v1/submit", body)

    async def execute_card(
        self, verb: str, data: Mapping[str, Any] | None = None, *, reply_to_id: str | None = None, title: str = ""
    ) -> Any:
        """Click an ``Action.Execute``: an ``adaptiveCard/action`` invoke; returns the bot's response."""
        body = {
            "name": "adaptiveCard/action",
            "conversation": {"id": self.conversation_id},
            "from": {"id": self.user_id},
            "replyToId": self._card_message_id(reply_to_id),
            "value": {"action": {"type": "Action.Execute", "title": title, "verb": verb, "data": dict(data or {})}},
        }
        return await self._post("/_conversation/v1/invoke", body)

    async def invoke(self, name: str, value: Any, *, conversation_id: str | None = None) -> Any:
        """Any invoke from the user in a chat (default: the personal chat), as the Teams client
        sends it, for example ``composeExtension/query`` from a compose box; returns the bot's answer."""
        body = {"name": name, "conversation": {"id": conversation_id or self.conversation_id},
                "from": {"id": self.user_id}, "value": value}
        return await self._post("/_conversation/v1/invoke", body)

    async def install(self) -> None:
        """Add the app to the personal chat: ``installationUpdate`` + ``conversationUpdate`` to the bot."""
        await self._post(f"/_debug/conversation/{quote(self.conversation_id, safe='')}/installation", {})

    async def activity_template(self, kind: str | None = None) -> dict[str, Any]:
        """The playground's template for a custom activity in this chat (``install``, ``botAdded``...)."""
        self._check_alive()
        assert self._session is not None
        params = {"conversationId": self.conversation_id, **({"type": kind} if kind else {})}
        async with self._session.get(f"{self.base_url}/_internal/v1/customActivities/template", params=params) as r:
            if r.status != 200:
                raise self._error(f"activity template {kind!r} -> HTTP {r.status}: {(await r.text())[:2000]}")
            return dict(await r.json())

    async def send_activity(self, activity: Mapping[str, Any]) -> None:
        """Post a raw activity to the bot through the playground (fire and forget)."""
        await self._post("/_internal/v1/customActivities", activity)

    # ------------------------------------------------------------------ bot replies

    async def next_reply(self, timeout: float = 30) -> dict[str, Any]:
        """The next bot message (new or updated) from the stream."""
        deadline = time.monotonic() + timeout
        while True:
            if not self._queue.empty():
                return self._queue.get_nowait()
            self._check_alive()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._error(f"no bot reply within {timeout:g}s", PlaygroundTimeout)
            with suppress(asyncio.TimeoutError):
                return await asyncio.wait_for(self._queue.get(), timeout=min(remaining, 0.5))

    async def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30) -> dict[str, Any]:
        """The next reply satisfying ``predicate``; earlier non-matching ones are skipped."""
        deadline = time.monotonic() + timeout
        skipped: list[str] = []
        while True:
            try:
                reply = await self.next_reply(timeout=max(0.0, deadline - time.monotonic()))
            except PlaygroundTimeout as error:
                raise PlaygroundTimeout(f"no matching reply within {timeout:g}s; skipped: {skipped}\n{error}") from None
            if predicate(reply):
                return reply
            skipped.append(reply_text(reply)[:200])

    async def collect(self, quiet: float = 1.0, timeout: float = 30) -> list[dict[str, Any]]:
        """Replies until none arrives for ``quiet`` seconds (at least one, within ``timeout``)."""
        deadline = time.monotonic() + timeout
        replies = [await self.next_reply(timeout=timeout)]
        while time.monotonic() < deadline:
            try:
                replies.append(await self.next_reply(timeout=min(quiet, max(0.0, deadline - time.monotonic()))))
            except PlaygroundTimeout:
                break
        return replies
