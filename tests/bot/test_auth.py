"""Bot Framework token checks with a stubbed signing-key set served on loopback.

The SDK fetches the OpenID metadata and signing keys with blocking HTTP, so the stub runs
in a thread of its own rather than on the test's event loop.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from botframework.connector.auth import ChannelValidation
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import func, select

from bot import signing_keys
from bot.app import SERVICES, create_app
from domain.settings import Settings
from domain.models import User
from tests.fakes import TENANT_ID, replies, teams_activity

APP_ID = "3d6a7b8c-1234-4abc-9def-0123456789ab"
ISSUER = "https://api.botframework.com"
SERVICE_URL = "https://smba.trafficmanager.net/uk/"


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


SIGNING_KEY = _key()
OTHER_KEY = _key()


class _KeyServer(ThreadingHTTPServer):
    jwks: dict


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        port = self.server.server_address[1]
        if self.path == "/openid":
            body = {"issuer": ISSUER, "jwks_uri": f"http://127.0.0.1:{port}/keys"}
        elif self.path == "/keys":
            body = self.server.jwks  # type: ignore[attr-defined]
        else:
            self.send_error(404)
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def key_server() -> Iterator[str]:
    public = json.loads(RSAAlgorithm.to_jwk(SIGNING_KEY.public_key()))
    public.update({"kid": "key-1", "use": "sig", "endorsements": ["msteams"]})
    server = _KeyServer(("127.0.0.1", 0), _Handler)
    server.jwks = {"keys": [public]}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/openid"
    server.shutdown()
    server.server_close()


@pytest.fixture
async def secured(aiohttp_client, key_server, tmp_path, monkeypatch):
    # The SDK's hook for where channel signing keys are published; points at the stub.
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", key_server)
    settings = Settings.from_env(
        {
            "MicrosoftAppId": APP_ID,
            "MicrosoftAppPassword": "not-used-offline",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
            "ALLOWED_TENANT_IDS": TENANT_ID,
        }
    )
    return await aiohttp_client(create_app(settings))


def _claims(**overrides):
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": APP_ID,
        "serviceurl": SERVICE_URL,
        "nbf": now - 60,
        "iat": now - 60,
        "exp": now + 3600,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _token(claims=None, key=SIGNING_KEY, kid="key-1", algorithm="RS256") -> str:
    return jwt.encode(claims or _claims(), key, algorithm=algorithm, headers={"kid": kid})


def _unsigned(claims) -> str:
    def b64(obj) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': 'key-1'})}.{b64(claims)}."


def _post(client, authorization: str | None):
    headers = {} if authorization is None else {"Authorization": authorization}
    return client.post("/api/messages", json=teams_activity("help", service_url=SERVICE_URL), headers=headers)


async def test_a_valid_channel_token_is_accepted(secured):
    response = await _post(secured, f"Bearer {_token()}")
    assert response.status == 200
    assert len(replies(await response.json())) == 1


BAD_TOKENS = {
    "missing header": None,
    "empty bearer": "Bearer ",
    "not bearer scheme": f"Basic {_token()}",
    "not a jwt": "Bearer not-a-token",
    "garbage segments": "Bearer abc.def.ghi",
    "expired": f"Bearer {_token(_claims(exp=int(time.time()) - 600, nbf=int(time.time()) - 7200))}",
    "wrong audience": f"Bearer {_token(_claims(aud='11111111-2222-4333-8444-555555555555'))}",
    "no audience": f"Bearer {_token(_claims(aud=None))}",
    "wrong issuer": f"Bearer {_token(_claims(iss='https://evil.example.org'))}",
    "alg none": f"Bearer {_unsigned(_claims())}",
    "unknown key id": f"Bearer {_token(kid='key-unknown')}",
    "signed by another key": f"Bearer {_token(key=OTHER_KEY)}",
    "service url mismatch": f"Bearer {_token(_claims(serviceurl='https://evil.example.org/'))}",
    "not yet valid": f"Bearer {_token(_claims(nbf=int(time.time()) + 3600))}",
}


@pytest.mark.parametrize("authorization", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
async def test_bad_tokens_get_401_and_reach_no_handler(secured, authorization):
    response = await _post(secured, authorization)
    assert response.status == 401
    database = secured.app[SERVICES].database
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0


async def test_activity_from_another_tenant_is_dropped_before_anything_is_written(aiohttp_client, tmp_path):
    settings = Settings.from_env(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "ALLOWED_TENANT_IDS": TENANT_ID}
    )
    client = await aiohttp_client(create_app(settings))
    other = "99999999-8888-4777-8666-555555555555"
    response = await client.post("/api/messages", json=teams_activity("help", tenant_id=other))
    assert response.status == 403
    with client.app[SERVICES].database.session() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0

    allowed = await client.post("/api/messages", json=teams_activity("help"))
    assert allowed.status == 200


class _StubKeySet:
    """Stands in for the key service: counts fetches and notes which thread made each."""

    def __init__(self, reachable: bool = True) -> None:
        public = json.loads(RSAAlgorithm.to_jwk(SIGNING_KEY.public_key()))
        public.update({"kid": "key-1", "use": "sig", "endorsements": ["msteams"]})
        self.keys = [public]
        self.reachable = reachable
        self.calls = 0
        self.on_loop_thread = 0

    def __call__(self, url: str) -> list:
        self.calls += 1
        if threading.current_thread() is threading.main_thread():
            self.on_loop_thread += 1
        if not self.reachable:
            raise requests.ConnectionError("the key service is unreachable")
        return self.keys


async def _secured_with(aiohttp_client, tmp_path, monkeypatch, stub: _StubKeySet):
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", "http://127.0.0.1:9/openid")
    settings = Settings.from_env({
        "MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "not-used-offline",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "ALLOWED_TENANT_IDS": TENANT_ID,
    })
    app = create_app(settings)
    app[SERVICES].adapter.bot_framework_authentication.signing_keys.fetch = stub
    return await aiohttp_client(app)


HS256 = jwt.encode(_claims(), "a-shared-secret-of-thirty-two-bytes!", algorithm="HS256", headers={"kid": "key-1"})
WRONG_ALGORITHM = {
    "alg none": f"Bearer {_unsigned(_claims())}",
    "HS256": f"Bearer {HS256}",
    "RS384": f"Bearer {_token(algorithm='RS384')}",
    "not a jwt": "Bearer not-a-token",
    "header not json": "Bearer e30K.e30.x",
}


@pytest.mark.parametrize("authorization", WRONG_ALGORITHM.values(), ids=WRONG_ALGORITHM.keys())
async def test_tokens_not_signed_with_rs256_get_401_without_a_key_fetch(aiohttp_client, tmp_path, monkeypatch,
                                                                        authorization):
    stub = _StubKeySet(reachable=False)
    client = await _secured_with(aiohttp_client, tmp_path, monkeypatch, stub)
    fetched_at_start = stub.calls
    response = await _post(client, authorization)
    assert response.status == 401
    assert stub.calls == fetched_at_start  # refused before any key was looked up


async def test_keys_are_fetched_at_start_in_a_worker_thread_and_a_valid_token_is_accepted(
        aiohttp_client, tmp_path, monkeypatch):
    stub = _StubKeySet()
    client = await _secured_with(aiohttp_client, tmp_path, monkeypatch, stub)
    assert stub.calls == 1 and stub.on_loop_thread == 0
    response = await _post(client, f"Bearer {_token()}")
    assert response.status == 200
    assert len(replies(await response.json())) == 1
    assert stub.calls == 1  # the keys fetched at start served the token


async def test_with_the_key_service_down_the_bot_starts_and_fetches_the_keys_later(
        aiohttp_client, tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(signing_keys, "RETRY_SECONDS", 0.05)
    stub = _StubKeySet(reachable=False)
    with caplog.at_level(logging.WARNING, logger="bot.signing_keys"):
        client = await _secured_with(aiohttp_client, tmp_path, monkeypatch, stub)
    assert any("could not fetch the Bot Framework signing keys" in r.getMessage() for r in caplog.records)
    assert (await client.get("/healthz")).status == 200

    unavailable = await _post(client, f"Bearer {_token()}")
    assert unavailable.status == 503

    stub.reachable = True
    for _ in range(100):
        if client.app[SERVICES].adapter.bot_framework_authentication.signing_keys.get(
                "http://127.0.0.1:9/openid").held:
            break
        await asyncio.sleep(0.02)
    response = await _post(client, f"Bearer {_token()}")
    assert response.status == 200
    assert stub.on_loop_thread == 0
