"""Tenants fail closed: with authentication on, the bot will not start until
``ALLOWED_TENANT_IDS`` names the tenants it serves (or ``*`` for any, said in the log at
start-up); local mode is unchanged."""

from __future__ import annotations

import logging
import os

import pytest
from botframework.connector.auth import ChannelValidation

from bot import __main__ as entry
from bot.app import create_app
from domain.settings import Settings, SettingsError
from tests.bot.test_auth import APP_ID, SERVICE_URL, _token, key_server  # noqa: F401 - key_server is a fixture
from tests.fakes import TENANT_ID, replies, teams_activity

OTHER_TENANT = "99999999-8888-4777-8666-555555555555"
SECURED = {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "not-used-offline"}


def test_with_an_app_id_the_bot_refuses_to_start_without_allowed_tenants(monkeypatch, tmp_path, capsys):
    served = []  # the settings of each app that was started
    monkeypatch.setattr(entry, "configure_logging", lambda level: None)
    monkeypatch.setattr(entry, "create_app", lambda settings: settings)
    monkeypatch.setattr(entry.web, "run_app", lambda app, **kwargs: served.append(app))
    monkeypatch.setenv("OMP_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", "1"))
    for name, value in {**SECURED, "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
                        "INDEX_DIR": str(tmp_path / "index")}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ALLOWED_TENANT_IDS", raising=False)
    with pytest.raises(SystemExit) as stopped:
        entry.main()
    assert stopped.value.code == 2 and served == []
    error = capsys.readouterr().err
    assert error.startswith("Configuration error: ALLOWED_TENANT_IDS is required when MicrosoftAppId is set")
    assert "or * to allow any tenant" in error

    with pytest.raises(SettingsError, match="ALLOWED_TENANT_IDS"):
        Settings.from_env({**SECURED, "ALLOWED_TENANT_IDS": "  "})

    # Local mode (no app id) starts as before, for any tenant.
    monkeypatch.delenv("MicrosoftAppId")
    assert entry.main() == 0 and [settings.tenants for settings in served] == [None]


async def _post(client, tenant: str):  # type: ignore[no-untyped-def]
    activity = teams_activity("help", service_url=SERVICE_URL, tenant_id=tenant)
    return await client.post("/api/messages", json=activity, headers={"Authorization": f"Bearer {_token()}"})


async def test_star_serves_any_tenant_and_says_so_at_start_up(aiohttp_client, key_server, tmp_path,  # noqa: F811
                                                              monkeypatch, caplog):
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", key_server)
    settings = Settings.from_env({**SECURED, "ALLOWED_TENANT_IDS": "*", "DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"})
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        client = await aiohttp_client(create_app(settings))
    assert "ALLOWED_TENANT_IDS is *: people of any Microsoft 365 tenant can use the bot" in caplog.messages
    response = await _post(client, OTHER_TENANT)
    assert response.status == 200 and len(replies(await response.json())) == 1


async def test_with_an_app_id_and_no_tenant_named_every_activity_is_refused(aiohttp_client, key_server,  # noqa: F811
                                                                           tmp_path, monkeypatch):
    # Settings made without reading the environment cannot open the bot to every tenant either.
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", key_server)
    settings = Settings(app_id=APP_ID, app_password="not-used-offline",
                        database_url=f"sqlite:///{tmp_path / 'b.db'}", index_dir=tmp_path / "index")
    client = await aiohttp_client(create_app(settings))
    for tenant in (TENANT_ID, OTHER_TENANT):
        assert (await _post(client, tenant)).status == 403
