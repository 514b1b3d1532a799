"""``report [YYYY-MM]`` in the chat, for Hub staff: the month's headline figures on a card
and the full board report (charts, tables, every figure) as a self-contained HTML file.

Each showing of the figures is one ``report.read`` audit row, each file made one
``report.export``. The month defaults to the last complete one. The report is drawn in a worker thread
(matplotlib); the file is made again for whoever accepts it, after checking again, from
the database, that they are Hub staff.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import datetime
from pathlib import Path

from botbuilder.core import TurnContext

from bot.cards import adaptive_card, card_activity
from bot.commands import Command, Recognised
from bot.features import Feature
from bot.files import FileOffers
from bot.text import plain
from domain.audit import Action, Audit
from domain.clock import LONDON
from domain.db import Database
from domain.hub.figures import BadMonth, MonthFigures
from domain.models import Role
from domain.users import UserInfo, Users

__all__ = ["board_feature", "BoardReport", "REPORT"]

REPORT = "board-report"


def last_month(now: datetime | None = None) -> str:
    """The last complete month in Europe/London, as YYYY-MM."""
    today = (now or datetime.now(LONDON)).date()
    return f"{today.year - 1}-12" if today.month == 1 else f"{today.year}-{today.month - 1:02d}"


class BoardReport:
    """The board report in the chat.

    Args:
        database: the records the figures are worked out from.
        users: the user directory, to check the role again when the file is accepted.
        files: the file offers, through which the HTML report is sent.
    """

    def __init__(self, database: Database, users: Users, files: FileOffers) -> None:
        self.database = database
        self.users = users
        self.files = files
        self.audit = Audit(database)
        files.register(REPORT, self._produce)

    def _build(self, month: str) -> tuple[MonthFigures, bytes]:
        from domain.hub.report import build_report  # drawn on demand: matplotlib is not loaded at start-up

        with tempfile.TemporaryDirectory(prefix="board-report-") as folder:
            files = build_report(self.database, month, Path(folder))
            return files.summary, files.html.read_bytes()

    async def on_command(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``report [YYYY-MM]``: the month's figures on a card and the full report as a file."""
        month = recognised.argument.strip() or last_month()
        await turn_context.send_activity("Working out the figures and drawing the charts...")
        try:
            summary, html = await asyncio.to_thread(self._build, month)
        except BadMonth as error:
            await turn_context.send_activity(f"{plain(str(error))} For example: report 2026-10.")
            return
        await asyncio.to_thread(self.audit.record, user.aad_object_id, Action.REPORT_READ, "report",
                                summary.month.strftime("%Y-%m"))
        lines = summary.summary_lines()
        card = adaptive_card(
            [
                {"type": "TextBlock", "text": f"Board report: {summary.title}", "weight": "Bolder", "size": "Medium",
                 "wrap": True},
                *({"type": "TextBlock", "text": f"- {line}", "wrap": True, "spacing": "Small"} for line in lines),
            ],
            f"Board report: {summary.title}\n" + "\n".join(lines),
        )
        await turn_context.send_activity(card_activity(card))
        await self.files.offer(
            turn_context, REPORT, name=f"board-report-{summary.month:%Y-%m}.html", size=len(html),
            description=f"The Prevention First board report for {summary.title}", arguments={"month": month},
            text="The full report, with its charts and every figure, opens in any browser.",
        )

    async def _produce(self, user: UserInfo, arguments: dict) -> bytes | None:
        if not self.users.get(user.aad_object_id).is_hub:  # checked again, from the database
            return None
        try:
            summary, html = await asyncio.to_thread(self._build, str(arguments.get("month") or ""))
        except BadMonth:
            return None
        await asyncio.to_thread(self.audit.record, user.aad_object_id, Action.REPORT_EXPORT, "report",
                                summary.month.strftime("%Y-%m"))
        return html


def board_feature(database: Database, users: Users, files: FileOffers) -> Feature:
    """The Hub's board report command (see :class:`BoardReport` for the arguments)."""
    return Feature(commands=(
        Command("report", BoardReport(database, users, files).on_command, phrases=("report",), prefixes=("report",),
                help="The monthly board report, for example: report 2026-10", role=Role.HUB,
                refusal="The board report is for Hub staff.", menu="Hub staff: monthly board report"),
    ))
