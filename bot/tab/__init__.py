"""The Hub workspace: a personal tab in Teams ("Hub workspace" in the manifest's
``staticTabs``) where Hub staff work through the queue, open and act on submissions, edit and
publish knowledge entries, read the gaps and the board report.

It is served by the bot's own aiohttp app under ``/hub/``: the page and its scripts, the
Teams JavaScript client and the Adaptive Cards renderer (from ``node_modules``, installed
from the pinned ``package.json``; nothing comes from a CDN), and the JSON API under
``/hub/api/``. Every API call is signed in (:mod:`bot.tab.signin`); the pages themselves
hold no data.

Every answer under ``/hub/`` carries a Content-Security-Policy allowing the page's own
scripts and styles only, and whose ``frame-ancestors`` lists only the Teams and Microsoft 365
hosts Microsoft documents for tabs, so no other site can frame it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from bot.hub.feature import hub_of
from bot.hub.knowledge import KnowledgeAdmin
from bot.tab.knowledge import KnowledgeApi
from bot.tab.reports import ReportsApi
from bot.tab.signin import SignedIn, TabSignIn
from bot.tab.submissions import SubmissionsApi, signed_in
from bot.tab_tokens import TabTokens, entra_keys
from domain.audit import Audit
from domain.settings import PROJECT_ROOT
from domain.whatworks.revisions import KnowledgeFiles

__all__ = ["add_hub_workspace", "PREFIX", "CONTENT_SECURITY_POLICY", "FRAME_ANCESTORS", "TAB_TOKENS"]

# The Teams token check (None in local mode), for the server's start and stop and for tests.
TAB_TOKENS: web.AppKey[TabTokens | None] = web.AppKey("tab_tokens")
PREFIX = "/hub"
API = f"{PREFIX}/api"
STATIC = Path(__file__).resolve().parent / "static"
NODE_MODULES = PROJECT_ROOT / "node_modules"
# The browser libraries, served from the pinned npm packages.
LIBRARIES = {
    "teams.js": NODE_MODULES / "@microsoft" / "teams-js" / "dist" / "umd" / "MicrosoftTeams.min.js",
    "adaptivecards.js": NODE_MODULES / "adaptivecards" / "dist" / "adaptivecards.min.js",
}
PAGE_FILES = {"app.js": "text/javascript", "app.css": "text/css", "pages.js": "text/javascript",
              "knowledge.js": "text/javascript"}
# Microsoft's list of the hosts that frame a tab: Teams, Microsoft 365 and Outlook.
FRAME_ANCESTORS = (
    "https://teams.microsoft.com", "https://*.teams.microsoft.com", "https://*.cloud.microsoft",
    "https://*.microsoft365.com", "https://*.office.com", "https://outlook.office.com",
    "https://outlook.office365.com", "https://outlook-sdf.office.com", "https://outlook-sdf.office365.com",
)
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    # In Teams, the Teams library reads Microsoft's list of its hosts from here.
    "connect-src 'self' https://res.cdn.office.net; "
    "font-src 'self'; base-uri 'none'; form-action 'none'; object-src 'none'; "
    f"frame-ancestors {' '.join(FRAME_ANCESTORS)}"
)


async def _secure(request: web.Request, response: web.StreamResponse) -> None:
    if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if request.path.startswith(API):
            response.headers["Cache-Control"] = "no-store"


async def _page(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Content-Type": "text/html; charset=utf-8"})


async def _to_page(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound(f"{PREFIX}/")


async def _page_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in PAGE_FILES:
        raise web.HTTPNotFound()
    return web.FileResponse(STATIC / name, headers={"Content-Type": f"{PAGE_FILES[name]}; charset=utf-8"})


async def _library(request: web.Request) -> web.StreamResponse:
    path = LIBRARIES.get(request.match_info["name"])
    if path is None:
        raise web.HTTPNotFound()
    if not path.is_file():
        return web.Response(status=503, text="The tab's browser libraries are not installed: run make run.")
    return web.FileResponse(path, headers={"Content-Type": "text/javascript; charset=utf-8"})


def _me(sign_in: TabSignIn) -> Any:
    async def me(request: web.Request, member: SignedIn) -> web.StreamResponse:
        user = member.user
        return web.json_response({"name": user.name or "Hub member", "role": user.role.value, "local": member.local})

    return signed_in(sign_in, me)


def add_hub_workspace(app: web.Application, services: Any) -> None:
    """Serve the Hub workspace from ``app``, built on the app's ``services``."""
    settings = services.settings
    tokens = (TabTokens(entra_keys(), [settings.tab_app_id_uri, settings.app_id], settings.allowed_tenant_ids,
                        any_tenant=settings.any_tenant) if settings.auth_enabled else None)
    app[TAB_TOKENS] = tokens
    sign_in = TabSignIn(settings, tokens, services.users)
    hub = hub_of(database=services.database, submissions=services.portal.submissions,
                 taxonomy=services.portal.taxonomy, knowledge=services.knowledge, notifications=services.notifications)
    audit = Audit(services.database)
    admin = KnowledgeAdmin(settings, services.knowledge, services.search_log, audit)
    files = KnowledgeFiles(services.database, settings.knowledge_dir)
    app.router.add_routes([
        web.get(PREFIX, _to_page),
        web.get(f"{PREFIX}/", _page),
        web.get(f"{PREFIX}/static/{{name}}", _page_file),
        web.get(f"{PREFIX}/lib/{{name}}", _library),
        web.get(f"{API}/me", _me(sign_in)),
        *SubmissionsApi(hub, services.portal.taxonomy, settings.districts).routes(sign_in, API),
        *KnowledgeApi(admin, files, audit, hub.triage.names).routes(sign_in, API),
        *ReportsApi(admin, services.database).routes(sign_in, API),
    ])
    app.on_response_prepare.append(_secure)
