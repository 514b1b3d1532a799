"""Knowledge curation in Teams, for Hub staff: ``knowledge status``, ``reindex`` and ``gaps``.

``knowledge status`` shows the version being served (when it was built, its entries by
kind and its build's validation problems) and the knowledge folder as it is now: entries
by kind, entries past their review date and any problem in its files.

``reindex`` validates the knowledge folder and builds from it on a worker thread, one
build at a time, then has the running bot load the new version at once: officers' searches
carry on throughout, and a failed build leaves the previous version served.

``gaps [days]`` lists the questions the evidence did not answer well over the period (no
good match, or marked not helpful), grouped by meaning so the Hub sees what evidence to
write next. Each question counts once, as first asked: "more results" and the filter
buttons are not counted again.

The commands are declared for Hub staff: the router checks the role from the database on
every command; an officer is told politely and nothing runs. Everything typed by officers or read from the knowledge files is escaped.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Sequence

import numpy as np
from botbuilder.core import TurnContext

from bot.commands import Command, Recognised
from bot.features import Feature
from bot.text import plain
from domain.audit import Action, Audit
from domain.clock import LONDON, utcnow
from domain.models import Role
from domain.settings import Settings
from domain.whatworks.knowledge import KnowledgeService
from domain.whatworks.searchlog import SearchLog
from domain.whatworks.gaps import GapGroup, distinct_wordings, fold_wording, group_gaps
from domain.users import UserInfo
from indexer.build import BuildBusy, BuildReport, build, current_version, version_dir
from indexer.embedder import load_embedder
from indexer.entries import LoadResult, Problem, load_entries
from indexer.taxonomy import Taxonomy, taxonomy_path

__all__ = ["knowledge_feature", "KnowledgeAdmin", "HUB_ONLY"]

log = logging.getLogger(__name__)

DEFAULT_DAYS = 30
MAX_DAYS = 366
MAX_WORDINGS = 2000  # the latest distinct wordings grouped; more would be slow to cluster
EMBED_BATCH = 64  # officers' searches share the embedding worker: embed a batch at a time
GROUPS_SHOWN = 15
PROBLEMS_SHOWN = 10
BUSY_WAIT = 120.0  # seconds a build waits for another process's build of the same index
STALE_SHOWN = 5
_DAYS = re.compile(r"(?:last\s+|past\s+)?(\d{1,6})(?:\s*(?:d|days?))?", re.IGNORECASE)

HUB_ONLY = ("Curating the knowledge base (knowledge status, reindex and gaps) is for Prevention First Hub staff, "
            "so nothing was done. If you know of evidence or practice the Hub should add, type submit to tell them.")


def _day(moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%b %Y}"


def _when(moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%b %Y} at {local:%H:%M}"


def _problem_lines(problems: Sequence[Problem]) -> list[str]:
    lines = [f"- {plain(str(p), limit=300)}" for p in problems[:PROBLEMS_SHOWN]]
    if len(problems) > PROBLEMS_SHOWN:
        lines.append(f"- and {len(problems) - PROBLEMS_SHOWN} more (python -m indexer validate lists them all)")
    return lines


def _kinds(research: int, practice: int) -> str:
    return f"{research} research and {practice} practice"


class KnowledgeAdmin:
    """The Hub's knowledge curation commands.

    Args:
        settings: where the knowledge folder and the index are, and the embedding model.
        knowledge: the search service whose served version is reported and refreshed.
        search_log: the officers' searches, for the gaps.
    """

    def __init__(self, settings: Settings, knowledge: KnowledgeService, search_log: SearchLog,
                 audit: Audit | None = None) -> None:
        self.settings = settings
        self.knowledge = knowledge
        self.search_log = search_log
        self._audit = audit
        self._building: tuple[str, datetime] | None = None  # who started the running build, when

    # knowledge status

    async def on_status(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """The served version and its build's problems; the folder's entries, stale ones and problems."""
        await turn_context.send_activity(await asyncio.to_thread(self._status_text, date.today()))
        await self._audited(user, Action.KNOWLEDGE_STATUS)

    async def _audited(self, user: UserInfo, action: Action) -> None:
        """One audit row for a Hub member's look at, or change to, the evidence base."""
        if self._audit is not None:
            await asyncio.to_thread(self._audit.record, user.aad_object_id, action, "knowledge", "index")

    def _status_text(self, today: date) -> str:
        lines = ["**Knowledge status**", ""]
        served = self.knowledge.version
        meta = self._meta(served) if served else None
        served_problems: list[Problem] = []
        if meta is None:
            lines.append("No index is being served yet. Type reindex to build one from the knowledge folder.")
        else:
            served_problems = [Problem(**p) for p in meta.get("problems") or []]
            lines.append(f"Served: version {plain(meta['version'])}, built {_when(datetime.fromisoformat(meta['built_at']))}"
                         f" (UK time): {meta['entries']} entries, {_kinds(meta.get('research', 0), meta.get('practice', 0))}.")
            if served_problems:
                lines.append(f"Its build found {len(served_problems)} problem{'s' if len(served_problems) > 1 else ''}"
                             " (files with errors were left out):")
                lines.extend(_problem_lines(served_problems))
            else:
                lines.append("Its build found no problems in the knowledge files.")
        published = current_version(self.settings.index_dir)
        if published and published != served:
            lines.append(f"Version {plain(published)} is published but not yet served: the bot loads it within "
                         f"{self.settings.index_poll_seconds:g} seconds, unless it cannot be read (see the bot's log).")

        lines.append("")
        folder = self.settings.knowledge_dir
        try:
            found = self._load_folder()
        except Exception as error:  # noqa: BLE001 - an unreadable folder or taxonomy is reported
            lines.append(f"The knowledge folder {plain(folder.name)} cannot be read: {plain(str(error), limit=300)}")
            return "\n".join(lines)
        research = sum(e.kind == "research" for e in found.entries)
        lines.append(f"Knowledge folder now: {len(found.entries)} valid entries in {found.files} files, "
                     f"{_kinds(research, len(found.entries) - research)}.")
        stale = sorted((e for e in found.entries if e.review_by and date.fromisoformat(e.review_by) < today),
                       key=lambda e: (e.review_by or "", e.title))
        if stale:
            lines.append(f"Past their review date: {len(stale)}, oldest first:")
            lines.extend(f"- {plain(e.title, limit=120)} (review by {e.review_by}; {plain(e.path)})"
                         for e in stale[:STALE_SHOWN])
            if len(stale) > STALE_SHOWN:
                lines.append(f"- and {len(stale) - STALE_SHOWN} more")
        else:
            lines.append("No entry is past its review date.")
        if meta is not None and set(found.problems) == set(served_problems):
            lines.append("The files have the same problems as the served build." if found.problems else
                         "The files have no problems.")
        elif found.problems:
            lines.append(f"Problems in the files now ({len(found.problems)}):")
            lines.extend(_problem_lines(found.problems))
        else:
            lines.append("The files have no problems now.")
        lines.append("\nType reindex to publish the folder as it is now.")
        return "\n".join(lines)

    def _meta(self, version: str) -> dict | None:
        try:
            return json.loads((version_dir(self.settings.index_dir, version) / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _load_folder(self) -> LoadResult:
        folder = self.settings.knowledge_dir
        if not folder.is_dir():
            raise FileNotFoundError(f"{folder} does not exist")
        return load_entries(folder, Taxonomy.load(taxonomy_path(folder, folder.parent / "taxonomy.yaml")))

    # reindex

    async def on_reindex(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """Validate and build from the knowledge folder, publish, and serve the new version."""
        if self._building is not None:
            who, since = self._building
            await turn_context.send_activity(
                f"A reindex started by {plain(who or 'a Hub member', limit=80)} at {since.astimezone(LONDON):%H:%M} "
                "is still running, so I have not started another. Type knowledge status when it has finished.")
            return
        self._building = (user.name, utcnow())  # set before any await: one build at a time
        try:
            await self._audited(user, Action.KNOWLEDGE_REINDEX)
            await turn_context.send_activity(
                "Checking the knowledge folder and building the index. This takes a few seconds, "
                "longer when many entries have changed; officers can keep searching meanwhile.")
            await turn_context.send_activity(await self.reindex())
        finally:
            self._building = None

    async def reindex(self) -> str:
        """Build from the knowledge folder, publish, and serve the new version now (other
        processes load it within ``INDEX_POLL_SECONDS``); what happened, as the Hub reads it."""
        before = self.knowledge.version
        try:
            report = await asyncio.to_thread(self._build)
        except Exception as error:  # noqa: BLE001 - every failure leaves the served version in place
            log.warning("reindex failed", exc_info=True)
            reason = plain(str(error), limit=400)
            if before is None:
                return f"Build failed, and no version is served yet: {reason}"
            return f"Build failed, the previous version ({plain(before)}) is still served: {reason}"
        lines: list[str] = []
        if report.published:
            meta = self._meta(report.version) or {}
            lines.append(
                f"Published version {plain(report.version)}: {report.entries} entries "
                f"({_kinds(meta.get('research', 0), meta.get('practice', 0))}) from {report.files} files, "
                f"{report.embedded_entries or 'none'} of them embedded afresh, in {report.seconds:.1f} s.")
        else:
            lines.append(f"Nothing has changed since version {plain(report.version)}, so nothing was published.")
        if report.problems:
            lines.append(f"{len(report.problems)} problem{'s' if len(report.problems) > 1 else ''} in the files "
                         "(files with errors were left out):")
            lines.extend(_problem_lines(report.problems))
        if report.published:
            # In the service's own loader thread, so it never loads two versions at once.
            await asyncio.get_running_loop().run_in_executor(self.knowledge._loader, self.knowledge.refresh)
        now = self.knowledge.version
        if now == report.version:
            lines.append(f"{'Now' if report.published else 'Still'} serving version {plain(now)}.")
        else:
            lines.append(f"Version {plain(report.version)} could not be loaded, so version {plain(now or 'none')} "
                         "is still served; the bot's log says why.")
        return "\n".join(lines)

    def _build(self) -> BuildReport:
        """One build, on a worker thread, with its own copy of the model (dropped afterwards).
        While another process builds the same index folder, it waits its turn (up to
        ``BUSY_WAIT`` seconds), then builds what the folder holds by then."""
        folder = self.settings.knowledge_dir
        embedder = load_embedder(self.settings.embedding_model, cache_dir=self.settings.model_cache_dir,
                                 threads=max(1, (os.cpu_count() or 2) // 2))
        deadline = time.monotonic() + BUSY_WAIT
        while True:
            try:
                return build(folder, self.settings.index_dir, embedder, model=self.settings.embedding_model,
                             fallback_taxonomy=folder.parent / "taxonomy.yaml",
                             fallback_slang=folder.parent / "slang.yaml")
            except BuildBusy:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.25)

    # gaps

    async def on_gaps(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``gaps [days]``: unanswered questions over the period, grouped by meaning."""
        match = _DAYS.fullmatch(recognised.argument.strip())
        days = int(match.group(1)) if match else DEFAULT_DAYS
        if not 1 <= days <= MAX_DAYS:
            await turn_context.send_activity(
                f"Give a number of days from 1 to {MAX_DAYS}, for example: gaps 90. Without one it is {DEFAULT_DAYS}.")
            return
        period = "day" if days == 1 else f"{days} days"
        groups, searches, left_out = await self.gaps(days, user)
        if not groups:
            await turn_context.send_activity(
                f"No gaps in the last {period}: every question found a good match, and no officer "
                "said the results did not help.")
            return
        await turn_context.send_activity(_gaps_text(groups, period, searches, left_out))

    async def gaps(self, days: int, user: UserInfo) -> tuple[list[GapGroup], int, int]:
        """The questions not answered well over the last ``days``, grouped by meaning, largest
        first; how many questions they hold; and how many older wordings were left out (only
        the latest ``MAX_WORDINGS`` are grouped). The read is audited for ``user``."""
        rows = await asyncio.to_thread(functools.partial(
            self.search_log.question_gaps, utcnow() - timedelta(days=days), by=user.aad_object_id))
        if not rows:
            return [], 0, 0
        wordings = distinct_wordings(rows)
        left_out = max(0, len(wordings) - MAX_WORDINGS)
        if left_out:
            latest = set(list(wordings)[-MAX_WORDINGS:])
            rows = [r for r in rows if fold_wording(r.text) in latest]
            wordings = distinct_wordings(rows)
        texts = list(wordings.values())
        vectors = np.concatenate([await self.knowledge.embed(texts[i:i + EMBED_BATCH])
                                  for i in range(0, len(texts), EMBED_BATCH)])
        groups = await asyncio.to_thread(group_gaps, rows, vectors)  # clustering is O(n²): off the loop
        return groups, len(rows), left_out


def _gaps_text(groups: list[GapGroup], period: str, searches: int, left_out: int) -> str:
    lines = [f"**Questions the evidence did not answer well, last {period}**", "",
             f"{searches} question{'s' if searches > 1 else ''} in {len(groups)} group{'s' if len(groups) > 1 else ''} "
             f"of similar wording, the largest gaps in the evidence first (no good match, or marked not helpful; "
             "each question counted once, not its further pages or filters):", ""]
    for group in groups[:GROUPS_SHOWN]:
        why = ", ".join(f"{n} {reason}" for n, reason in (
            (group.no_match, "no good match"), (group.asks_for_other, "asked for law, figures, procedure or admin"),
            (group.not_helpful, "not helpful")) if n)
        worded = f" in {group.wordings} wordings" if group.wordings > 1 else ""
        times = {1: "once", 2: "twice"}.get(group.count, f"{group.count} times")
        lines.append(f"- {plain(group.question, limit=160)}: asked {times}{worded}, last on "
                     f"{_day(group.last_asked)} ({why})")
    if len(groups) > GROUPS_SHOWN:
        rest = groups[GROUPS_SHOWN:]
        lines.append(f"\nAnd {len(rest)} smaller groups holding {sum(g.count for g in rest)} questions.")
    if left_out:
        lines.append(f"\nOnly the latest {MAX_WORDINGS:,} wordings were grouped; {left_out:,} older ones were not.")
    return "\n".join(lines)


def _is_days(argument: str) -> bool:
    """Whether the words after ``gaps`` are a period; "gaps in the fence by the allotments" is a question."""
    return _DAYS.fullmatch(argument.strip()) is not None


def knowledge_feature(settings: Settings, knowledge: KnowledgeService, search_log: SearchLog,
                      audit: Audit | None = None) -> Feature:
    """The Hub's knowledge curation commands (see :class:`KnowledgeAdmin` for the arguments)."""
    admin = KnowledgeAdmin(settings, knowledge, search_log, audit)
    return Feature(commands=(
        Command("knowledge status", admin.on_status,
                phrases=("knowledge status", "knowledge base status", "index status"),
                help="The evidence base served and the knowledge folder now", role=Role.HUB, refusal=HUB_ONLY),
        Command("reindex", admin.on_reindex, phrases=("reindex", "re-index", "rebuild the index"),
                help="Check the knowledge folder and publish it", role=Role.HUB, refusal=HUB_ONLY),
        Command("gaps", admin.on_gaps, phrases=("gaps", "knowledge gaps", "gap report"),
                prefixes=("gaps", "knowledge gaps", "gap report"), takes=_is_days,
                help="Questions the evidence did not answer well, for example: gaps 90", role=Role.HUB,
                refusal=HUB_ONLY),
    ))
