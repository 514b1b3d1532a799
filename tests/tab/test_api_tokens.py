"""The Hub workspace's API with Teams sign-in on: tokens checked against a stub Entra ID key
set. A missing, expired, wrong-audience or wrong-tenant token, or one naming an officer, gets
401 or 403 with no data, and nothing is read into the audit log or written; a Hub member's
valid token reads and changes, with the role from the database, never from the token."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import SERVICES, Services, create_app
from bot.signing_keys import SigningKeys
from bot.tab import CONTENT_SECURITY_POLICY, TAB_TOKENS
from domain.models import AuditLog, KnowledgeRevision, Notification, Role, Submission
from domain.portal import Kind, NewSubmission
from domain.settings import Settings
from tests.bot.test_tab_tokens import APP_ID_URI, CLIENT_ID, OTHER_TENANT, SIGNING, TENANT, key_set, token
from tests.fakes import OFFICER_AAD

HUB_AAD = "5c1d2e3f-0000-4000-8000-0000000000e2"  # the stub tokens' oid
TITLE = "Shed burglaries on allotments in Hatfield"


@pytest.fixture
async def api(aiohttp_client, tmp_path: Path, knowledge_copy: Path):  # type: ignore[no-untyped-def]
    settings = Settings.from_env({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "INDEX_DIR": str(tmp_path / "index"),
        "KNOWLEDGE_DIR": str(knowledge_copy), "MicrosoftAppId": CLIENT_ID, "MicrosoftAppPassword": "not-used",
        "ALLOWED_TENANT_IDS": TENANT, "TAB_APP_ID_URI": APP_ID_URI, "HOST": "127.0.0.1",
    })
    client = await aiohttp_client(create_app(settings))
    tokens = client.app[TAB_TOKENS]
    assert tokens is not None
    tokens.keys = SigningKeys("https://login.example/keys", lambda url: key_set(("k1", SIGNING)))
    services: Services = client.app[SERVICES]
    services.users.seen(OFFICER_AAD, "Alex Morgan")
    reference = services.portal.submissions.create(
        OFFICER_AAD, NewSubmission(Kind.PROBLEM, TITLE, "Sheds broken into at night.", ["burglary"], "Welwyn Hatfield"),
    ).reference
    client.reference = reference
    return client


def counts(services: Services) -> dict[str, int]:
    with services.database.session() as session:
        return {model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
                for model in (AuditLog, Notification, KnowledgeRevision, Submission)}


def bearer(**claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(**claims)}"}


CALLS = [
    ("get", "/hub/api/queue", None),
    ("get", "/hub/api/submissions/{reference}", None),
    ("post", "/hub/api/submissions/{reference}/status", {"status": "triaged", "note": "x", "version": 0}),
    ("get", "/hub/api/knowledge", None),
    ("post", "/hub/api/knowledge/retire", {"path": "research/hot-spots-policing.md", "base": "x"}),
    ("get", "/hub/api/gaps", None),
    ("get", "/hub/api/report/download?format=csv", None),
]
BAD = {
    "missing": ({}, 401),
    "expired": (bearer(exp=int(time.time()) - 600, iat=int(time.time()) - 4000), 401),
    "wrong audience": (bearer(aud="api://another-app.example.org/0000"), 401),
    "wrong tenant": (bearer(tid=OTHER_TENANT, iss=f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0"), 403),
    "an officer": (bearer(oid=OFFICER_AAD), 403),
    "unknown person": (bearer(oid="5c1d2e3f-0000-4000-8000-00000000ffff"), 403),
}


@pytest.mark.parametrize("who", list(BAD))
async def test_a_bad_token_or_an_officer_gets_no_data_and_changes_nothing(api, who: str) -> None:  # type: ignore[no-untyped-def]
    services: Services = api.app[SERVICES]
    before = counts(services)
    headers, status = BAD[who]
    for method, path, body in CALLS:
        response = await getattr(api, method)(path.format(reference=api.reference), headers=headers, json=body)
        assert response.status == status, (who, path)
        text = await response.text()
        assert api.reference not in text and TITLE not in text and "hot-spots" not in text
        assert set((await response.json()).keys()) == {"error"}
        if status == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "Set-Cookie" not in response.headers
    assert counts(services) == before


async def test_a_hub_members_token_reads_and_changes_with_the_role_from_the_database(api) -> None:  # type: ignore[no-untyped-def]
    services: Services = api.app[SERVICES]
    services.users.seen(HUB_AAD, "Hana Hub")
    # The token claims an admin role; the database says officer: refused.
    assert (await api.get("/hub/api/queue", headers=bearer(roles=["Hub.Admin"]))).status == 403
    services.users.set_role(HUB_AAD, Role.HUB)
    me = await (await api.get("/hub/api/me", headers=bearer())).json()
    assert me == {"name": "Hana Hub", "role": "hub", "local": False}
    queue = await api.get("/hub/api/queue", headers=bearer())
    assert queue.status == 200
    assert queue.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert queue.headers["Cache-Control"] == "no-store"
    items = (await queue.json())["items"]
    assert [(i["reference"], i["title"], i["area"]) for i in items] == [(api.reference, TITLE, "Welwyn Hatfield")]
    record = await (await api.get(f"/hub/api/submissions/{api.reference}", headers=bearer())).json()
    changed = await api.post(f"/hub/api/submissions/{api.reference}/status", headers=bearer(),
                             json={"status": "triaged", "note": "To the burglary team.", "version": record["version"]})
    assert changed.status == 200
    assert (await changed.json())["record"]["status"] == "triaged"
    # The same version again: someone else got there first, and nothing changes.
    stale = await api.post(f"/hub/api/submissions/{api.reference}/status", headers=bearer(),
                           json={"status": "scanning", "note": "", "version": record["version"]})
    assert stale.status == 409
    body = await stale.json()
    assert body["error"].startswith("Already handled by Hana Hub") and body["record"]["status"] == "triaged"
    with services.database.session() as session:
        actions = [row.action for row in session.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert actions == ["submission.list", "submission.read", "submission.status", "submission.read"]


async def test_the_page_is_framed_only_by_teams_and_microsoft_365(api) -> None:  # type: ignore[no-untyped-def]
    page = await api.get("/hub/")
    assert page.status == 200
    policy = page.headers["Content-Security-Policy"]
    ancestors = policy.split("frame-ancestors ")[1].split(";")[0].split()
    assert ancestors == ["https://teams.microsoft.com", "https://*.teams.microsoft.com", "https://*.cloud.microsoft",
                         "https://*.microsoft365.com", "https://*.office.com", "https://outlook.office.com",
                         "https://outlook.office365.com", "https://outlook-sdf.office.com",
                         "https://outlook-sdf.office365.com"]
    assert "script-src 'self';" in policy and "unsafe" not in policy
    assert (await api.get("/hub/lib/teams.js")).status == 200
    assert (await api.get("/hub/static/../../app.py")).status == 404
    assert (await api.get("/hub/lib/other.js")).status == 404
