"""Typed settings, read once from the environment.

Every value is checked when the server starts: a malformed value stops start-up with an
error that names the variable, rather than surfacing later as a confusing failure.
"""

from __future__ import annotations

import ipaddress
import os
import re
import sys
from dataclasses import dataclass, field, fields
from datetime import time
from pathlib import Path
from typing import Mapping, Self

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from domain.numbers import ascii_int
from indexer.query_embedder import QUERY_PRECISIONS

__all__ = ["Settings", "SettingsError", "RetentionDays", "RetentionConfigError", "RETENTION_DEFAULTS", "DEFAULT_DISTRICTS",
           "settings_or_exit"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_APP_TYPES = {"MultiTenant", "SingleTenant", "UserAssignedMSI"}

DEFAULT_DISTRICTS = (
    "Broxbourne",
    "Dacorum",
    "East Hertfordshire",
    "Hertsmere",
    "North Hertfordshire",
    "St Albans",
    "Stevenage",
    "Three Rivers",
    "Watford",
    "Welwyn Hatfield",
)


class RetentionConfigError(ValueError):
    """A retention setting is malformed; the message names the variable."""


# In the order of RetentionDays' fields (from_env passes them in this order).
RETENTION_DEFAULTS = {
    "RETENTION_SUBMISSION_DAYS": 730, "RETENTION_JOURNAL_DAYS": 1095, "RETENTION_QUERY_DAYS": 365,
    "RETENTION_NOTIFICATION_DAYS": 30, "RETENTION_DRAFT_DAYS": 30, "RETENTION_STATE_DAYS": 7,
}
_MAX_DAYS = 36500


@dataclass(frozen=True)
class RetentionDays:
    """How long closed submissions, journals, query logs, the text of proactive messages,
    abandoned drafts and untouched chat state are kept, in days."""

    days_closed_submissions: int = RETENTION_DEFAULTS["RETENTION_SUBMISSION_DAYS"]
    days_journals: int = RETENTION_DEFAULTS["RETENTION_JOURNAL_DAYS"]
    days_query_logs: int = RETENTION_DEFAULTS["RETENTION_QUERY_DAYS"]
    days_notifications: int = RETENTION_DEFAULTS["RETENTION_NOTIFICATION_DAYS"]
    days_drafts: int = RETENTION_DEFAULTS["RETENTION_DRAFT_DAYS"]
    days_state: int = RETENTION_DEFAULTS["RETENTION_STATE_DAYS"]

    def __post_init__(self) -> None:
        for name in ("days_closed_submissions", "days_journals", "days_query_logs", "days_notifications",
                     "days_drafts", "days_state"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _MAX_DAYS:
                raise RetentionConfigError(
                    f"{name} must be a whole number of days from 1 to {_MAX_DAYS}, not {value!r}"
                )

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Self:
        """The limits from ``RETENTION_SUBMISSION_DAYS``, ``RETENTION_JOURNAL_DAYS``,
        ``RETENTION_QUERY_DAYS``, ``RETENTION_NOTIFICATION_DAYS``, ``RETENTION_DRAFT_DAYS`` and
        ``RETENTION_STATE_DAYS`` (defaults 730, 1095, 365, 30, 30 and 7 when unset or empty).

        Raises:
            RetentionConfigError: a value is not a whole number of days from 1 to 36500.
        """
        values = []
        for name, default in RETENTION_DEFAULTS.items():
            raw = (env.get(name) or "").strip()
            if not raw:
                values.append(default)
                continue
            days = ascii_int(raw)
            if days is None or not 1 <= days <= _MAX_DAYS:
                raise RetentionConfigError(f"{name} must be a whole number of days from 1 to {_MAX_DAYS}, not {raw!r}")
            values.append(days)
        return cls(*values)


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


def _guid_list(env: Mapping[str, str], name: str) -> frozenset[str]:
    raw = env.get(name, "").strip()
    if not raw:
        return frozenset()
    values = [part.strip() for part in raw.split(",") if part.strip()]
    bad = [v for v in values if not _GUID.match(v)]
    if bad:
        raise SettingsError(
            f"{name} must be a comma-separated list of GUIDs "
            f"(for example 72f988bf-86f1-41af-91ab-2d7cd011db47); not a GUID: {bad[0]!r}"
        )
    return frozenset(v.lower() for v in values)


def _port(env: Mapping[str, str]) -> int:
    raw = env.get("PORT", "3978").strip()
    port = ascii_int(raw)
    if port is None or not 0 <= port <= 65535:
        raise SettingsError(f"PORT must be a whole number from 0 to 65535, not {raw!r}")
    return port


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _database_url(env: Mapping[str, str]) -> str:
    raw = env.get("DATABASE_URL", "").strip()
    if not raw:
        return f"sqlite:///{PROJECT_ROOT / 'data' / 'prevention_first.db'}"
    if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", raw):
        raise SettingsError(
            "DATABASE_URL must start with sqlite:// or postgresql:// "
            "(for example postgresql://user@127.0.0.1:5432/prevention)"
        )
    return raw


def _shown_url(url: str) -> str:
    """``url`` as it may be shown: any password in it (before the host or as a query
    parameter) replaced by ``***``."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url.split("://", 1)[0] + "://***"
    hidden = {key: "***" for key in parsed.query if "password" in key.lower() or "secret" in key.lower()}
    shown = parsed.update_query_dict(hidden) if hidden else parsed
    return shown.render_as_string(hide_password=True).replace("=%2A%2A%2A", "=***")


@dataclass(frozen=True)
class Settings:
    """The assistant's configuration.

    Build it with :meth:`from_env`; tests pass their own mapping instead of the process
    environment.
    """

    host: str = "127.0.0.1"
    port: int = 3978
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'data' / 'prevention_first.db'}"
    knowledge_dir: Path = PROJECT_ROOT / "knowledge" / "entries"
    index_dir: Path = PROJECT_ROOT / "data" / "index"
    embedding_model: str = "all-MiniLM-L6-v2"
    model_cache_dir: Path = PROJECT_ROOT / "data" / "models"
    query_precision: str = "auto"
    index_poll_seconds: float = 10.0
    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_type: str = "MultiTenant"
    app_tenant_id: str = ""
    allowed_tenant_ids: frozenset[str] = frozenset()
    # ALLOWED_TENANT_IDS=*: people of any Microsoft 365 tenant may use the bot.
    any_tenant: bool = False
    bootstrap_admins: frozenset[str] = frozenset()
    districts: tuple[str, ...] = DEFAULT_DISTRICTS
    # The Hub's Teams channel (its conversation id, 19:...@thread.tacv2) and the service
    # address of its tenant: new submissions are announced there when both are set.
    hub_channel_id: str = ""
    hub_service_url: str = ""
    # The Academy's daily journal prompt (Europe/London), how long prompts go on after a
    # course, and how often due prompts, reminders and retries are looked for.
    journal_prompt_time: time = time(18, 0)
    journal_days_after: int = 14
    scheduler_seconds: float = 30.0
    retention: RetentionDays = field(default_factory=RetentionDays)
    log_level: str = "INFO"
    # Threads for database sessions and other blocking work (see bot.app.WORKER_THREADS).
    worker_threads: int = 4
    # Turns a process runs at the same time; more requests wait in arrival order.
    turns_at_once: int = 16
    # The Hub workspace tab: the app id URI its Teams sign-in token is issued for
    # (api://<host>/<app id>), and in local mode the user it is signed in as.
    tab_app_id_uri: str = ""
    tab_local_user: str = ""

    @property
    def auth_enabled(self) -> bool:
        """True when inbound requests must carry a valid Bot Framework token."""
        return bool(self.app_id)

    @property
    def tenants(self) -> frozenset[str] | None:
        """The tenants whose activities are served; None for any tenant (``*``, or local
        mode with none named). With authentication on and none named, no tenant is served."""
        if self.any_tenant or (not self.auth_enabled and not self.allowed_tenant_ids):
            return None
        return self.allowed_tenant_ids

    def __repr__(self) -> str:
        """Every setting but the secrets: the app password is left out and the database
        URL is shown without its password."""
        shown = []
        for each in fields(self):
            if each.repr:
                value = _shown_url(self.database_url) if each.name == "database_url" else getattr(self, each.name)
                shown.append(f"{each.name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Settings":
        """Read and check every setting.

        Args:
            env: the environment, usually ``os.environ``.

        Raises:
            SettingsError: a value is malformed; the message names the variable.
        """
        app_id = env.get("MicrosoftAppId", "").strip()
        if app_id and not _GUID.match(app_id):
            raise SettingsError(
                "MicrosoftAppId must be the bot's Azure app registration id, a GUID "
                f"(for example 8f9a1c2e-0000-4000-8000-1234567890ab), not {app_id!r}"
            )
        password = env.get("MicrosoftAppPassword", "")
        app_type = env.get("MicrosoftAppType", "").strip() or "MultiTenant"
        if app_type not in _APP_TYPES:
            raise SettingsError(
                f"MicrosoftAppType must be one of {', '.join(sorted(_APP_TYPES))}, not {app_type!r}"
            )
        tenant_id = env.get("MicrosoftAppTenantId", "").strip()
        if tenant_id and not _GUID.match(tenant_id):
            raise SettingsError(f"MicrosoftAppTenantId must be a GUID, not {tenant_id!r}")
        if app_id and app_type == "SingleTenant" and not tenant_id:
            raise SettingsError("MicrosoftAppTenantId is required when MicrosoftAppType is SingleTenant")
        if app_id and app_type != "UserAssignedMSI" and not password:
            raise SettingsError("MicrosoftAppPassword is required when MicrosoftAppId is set")

        any_tenant = env.get("ALLOWED_TENANT_IDS", "").strip() == "*"
        tenants = frozenset[str]() if any_tenant else _guid_list(env, "ALLOWED_TENANT_IDS")
        if app_id and not any_tenant and not tenants:
            raise SettingsError(
                "ALLOWED_TENANT_IDS is required when MicrosoftAppId is set: the tenant GUIDs whose people may use "
                "the bot (for example 72f988bf-86f1-41af-91ab-2d7cd011db47), or * to allow any tenant"
            )

        host = env.get("HOST", "").strip() or "127.0.0.1"
        if not app_id and not _is_loopback(host):
            raise SettingsError(
                f"HOST={host} needs MicrosoftAppId: without an app id authentication is off, "
                "so the bot only listens on 127.0.0.1"
            )

        districts_raw = env.get("DISTRICTS", "").strip()
        districts = (
            tuple(d.strip() for d in districts_raw.split(",") if d.strip())
            if districts_raw
            else DEFAULT_DISTRICTS
        )
        poll_raw = env.get("INDEX_POLL_SECONDS", "").strip() or "10"
        try:
            poll = float(poll_raw)
        except ValueError:
            poll = -1.0
        if not 0.1 <= poll <= 30:
            raise SettingsError(f"INDEX_POLL_SECONDS must be a number of seconds from 0.1 to 30, not {poll_raw!r}")
        precision = env.get("QUERY_PRECISION", "").strip().lower() or "auto"
        if precision not in QUERY_PRECISIONS:
            raise SettingsError(f"QUERY_PRECISION must be {' or '.join(QUERY_PRECISIONS)}, not {precision!r}")
        hub_channel = env.get("HUB_CHANNEL_ID", "").strip()
        hub_service = env.get("HUB_SERVICE_URL", "").strip() or (
            "https://smba.trafficmanager.net/uk/" if hub_channel else ""
        )
        if hub_channel and not hub_channel.startswith("19:"):
            raise SettingsError(
                "HUB_CHANNEL_ID must be a Teams channel id (for example 19:abc123@thread.tacv2), "
                f"not {hub_channel!r}"
            )
        if hub_service and not hub_service.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise SettingsError(f"HUB_SERVICE_URL must be an https address, not {hub_service!r}")
        prompt_raw = env.get("JOURNAL_PROMPT_TIME", "").strip() or "18:00"
        try:
            prompt_time = time.fromisoformat(prompt_raw)
        except ValueError:
            raise SettingsError(f"JOURNAL_PROMPT_TIME must be a time of day such as 18:00, not {prompt_raw!r}") from None
        days_raw = env.get("JOURNAL_DAYS_AFTER", "").strip() or "14"
        days_after = ascii_int(days_raw)
        if days_after is None or days_after > 90:
            raise SettingsError(f"JOURNAL_DAYS_AFTER must be a number of days from 0 to 90, not {days_raw!r}")
        every_raw = env.get("SCHEDULER_SECONDS", "").strip() or "30"
        try:
            every = float(every_raw)
        except ValueError:
            every = -1.0
        if not 0.05 <= every <= 3600:
            raise SettingsError(f"SCHEDULER_SECONDS must be a number of seconds from 0.05 to 3600, not {every_raw!r}")
        threads_raw = env.get("WORKER_THREADS", "").strip() or "4"
        threads = ascii_int(threads_raw)
        if threads is None or not 1 <= threads <= 64:
            raise SettingsError(f"WORKER_THREADS must be a number of threads from 1 to 64, not {threads_raw!r}")
        turns_raw = env.get("TURNS_AT_ONCE", "").strip() or "16"
        turns = ascii_int(turns_raw)
        if turns is None or not 1 <= turns <= 1000:
            raise SettingsError(f"TURNS_AT_ONCE must be a number of turns from 1 to 1000, not {turns_raw!r}")
        try:
            retention = RetentionDays.from_env(env)
        except RetentionConfigError as error:
            raise SettingsError(str(error)) from None
        app_id_uri = env.get("TAB_APP_ID_URI", "").strip()
        if app_id_uri and not (app_id_uri.startswith("api://") and app_id.lower() in app_id_uri.lower()):
            raise SettingsError("TAB_APP_ID_URI must be the app registration's application id URI, "
                                f"api://<host>/{app_id or '<MicrosoftAppId>'}, not {app_id_uri!r}")
        local_user = env.get("TAB_LOCAL_USER", "").strip().lower()
        if local_user and not _GUID.match(local_user):
            raise SettingsError(f"TAB_LOCAL_USER must be an Azure AD object id (a GUID), not {local_user!r}")
        level = env.get("LOG_LEVEL", "INFO").strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level!r}")

        return cls(
            host=host,
            port=_port(env),
            database_url=_database_url(env),
            knowledge_dir=Path(env.get("KNOWLEDGE_DIR") or PROJECT_ROOT / "knowledge" / "entries"),
            index_dir=Path(env.get("INDEX_DIR") or PROJECT_ROOT / "data" / "index"),
            embedding_model=env.get("EMBEDDING_MODEL", "").strip() or "all-MiniLM-L6-v2",
            model_cache_dir=Path(env.get("MODEL_CACHE_DIR") or PROJECT_ROOT / "data" / "models"),
            query_precision=precision,
            index_poll_seconds=poll,
            app_id=app_id,
            app_password=password,
            app_type=app_type,
            app_tenant_id=tenant_id,
            allowed_tenant_ids=tenants,
            any_tenant=any_tenant,
            bootstrap_admins=_guid_list(env, "BOOTSTRAP_ADMINS"),
            districts=districts,
            hub_channel_id=hub_channel,
            hub_service_url=hub_service,
            journal_prompt_time=prompt_time,
            journal_days_after=days_after,
            scheduler_seconds=every,
            retention=retention,
            log_level=level,
            worker_threads=threads,
            turns_at_once=turns,
            tab_app_id_uri=app_id_uri,
            tab_local_user=local_user,
        )


def settings_or_exit() -> Settings:
    """The settings from the process environment, or exit 2 with the reason on stderr."""
    try:
        return Settings.from_env(os.environ)
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
