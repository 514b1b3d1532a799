"""The Hub workspace's gaps and board report.

- ``gaps?days=30``: the questions the evidence did not answer well, grouped by meaning, with
  their counts, as the chat's ``gaps`` works them out (the read is audited there).
- ``report?month=YYYY-MM``: the month's headline figures and charts (one ``report.read``
  row); ``report/download?month=...&format=csv|html`` the full report or its figures as a
  file (one ``report.export`` row). The month defaults to the last complete one.
"""

from __future__ import annotations

import asyncio
import base64
import tempfile
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.hub.board import last_month
from bot.hub.knowledge import DEFAULT_DAYS, MAX_DAYS, KnowledgeAdmin
from bot.tab.signin import SignedIn, TabSignIn, json_refusal
from bot.tab.submissions import signed_in
from domain.audit import Action, Audit
from domain.db import Database
from domain.hub.figures import BadMonth
from domain.numbers import ascii_int

__all__ = ["ReportsApi"]


class ReportsApi:
    """Gaps and the board report, as JSON and files.

    Args:
        admin: the chat's knowledge curation (its gap grouping).
        database: the records the board report's figures come from.
    """

    def __init__(self, admin: KnowledgeAdmin, database: Database) -> None:
        self._admin = admin
        self._database = database
        self._audit = Audit(database)

    async def gaps(self, request: web.Request, member: SignedIn) -> web.StreamResponse:
        """The gap report's groups, largest first."""
        days = ascii_int(request.query.get("days", "") or str(DEFAULT_DAYS))
        if days is None or not 1 <= days <= MAX_DAYS:
            return json_refusal(400, f"Give a number of days from 1 to {MAX_DAYS}.")
        groups, searches, left_out = await self._admin.gaps(days, member.user)
        return web.json_response({
            "days": days, "questions": searches, "left_out": left_out,
            "groups": [{"question": g.question, "count": g.count, "wordings": g.wordings, "no_match": g.no_match,
                        "asks_for_other": g.asks_for_other, "not_helpful": g.not_helpful,
                        "last_asked": g.last_asked.isoformat()} for g in groups],
        })

    def _report(self, month: str) -> dict[str, Any]:
        from domain.hub.report import build_report  # drawn on demand: matplotlib is not loaded at start-up

        with tempfile.TemporaryDirectory(prefix="board-report-") as folder:
            files = build_report(self._database, month, Path(folder))
            charts = [{"title": chart.title, "alt": chart.alt, "section": chart.section,
                       "png": base64.b64encode(chart.path.read_bytes()).decode("ascii")} for chart in files.described]
            return {"month": f"{files.summary.month:%Y-%m}", "title": files.summary.title,
                    "lines": files.summary.summary_lines(), "charts": charts,
                    "csv": files.csv.read_text(encoding="utf-8"), "html": files.html.read_text(encoding="utf-8")}

    async def _built(self, request: web.Request) -> dict[str, Any] | web.Response:
        month = request.query.get("month", "").strip() or last_month()
        try:
            return await asyncio.to_thread(self._report, month)
        except BadMonth as error:
            return json_refusal(400, str(error))

    async def report(self, request: web.Request, member: SignedIn) -> web.StreamResponse:
        """The month's headline figures and charts."""
        built = await self._built(request)
        if isinstance(built, web.Response):
            return built
        await asyncio.to_thread(self._audit.record, member.user.aad_object_id, Action.REPORT_READ, "report",
                                built["month"])
        return web.json_response({key: built[key] for key in ("month", "title", "lines", "charts")})

    async def download(self, request: web.Request, member: SignedIn) -> web.StreamResponse:
        """The full report (HTML) or its figures (CSV), as a file."""
        kind = request.query.get("format", "html")
        if kind not in ("csv", "html"):
            return json_refusal(400, "Ask for the csv or the html.")
        built = await self._built(request)
        if isinstance(built, web.Response):
            return built
        await asyncio.to_thread(self._audit.record, member.user.aad_object_id, Action.REPORT_EXPORT, "report",
                                built["month"])
        name = f"board-report-{built['month']}.{kind}"
        content_type = "text/csv" if kind == "csv" else "text/html"
        return web.Response(text=built[kind], content_type=content_type, charset="utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})

    def routes(self, sign_in: TabSignIn, prefix: str) -> list[web.RouteDef]:
        """The routes under ``prefix``."""
        return [
            web.get(f"{prefix}/gaps", signed_in(sign_in, self.gaps)),
            web.get(f"{prefix}/report", signed_in(sign_in, self.report)),
            web.get(f"{prefix}/report/download", signed_in(sign_in, self.download)),
        ]
