"""The Hub workspace's API for the knowledge base: the entries, one entry's editor, its live
check, the preview of its answer card, publishing, new entries and retiring.

An entry travels as its front matter's fields (``fields``) and its Markdown ``body``; the
server writes the file from them (:func:`compose`), so the check is the indexer's own
validator on exactly the text that will be published, and each problem names its field.

Publishing writes the file through :class:`domain.whatworks.revisions.KnowledgeFiles` (the
text it replaces kept as a revision, a change made from an older text refused), then builds
incrementally and serves the new version at once; the bot's other processes load it within
``INDEX_POLL_SECONDS``. An entry with errors is not published.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from bot.cards import adaptive_card
from bot.hub.knowledge import KnowledgeAdmin
from bot.tab.signin import SignedIn, TabSignIn, json_refusal
from bot.tab.submissions import signed_in
from bot.whatworks import entry_items
from domain.audit import Action, Audit
from domain.whatworks.revisions import FOLDERS, BadPath, ChangedSince, KnowledgeFiles, digest
from indexer.entries import Entry, ParseCache, Problem, knowledge_files, load_entries, parse_file
from indexer.results import Hit
from indexer.taxonomy import Taxonomy, taxonomy_path

__all__ = ["KnowledgeApi", "compose", "FIELDS"]

# The front matter's fields in the order a file lists them; lists are sent as lists.
FIELDS = ("id", "title", "kind", "summary", "crime_types", "settings", "effect", "quality", "source", "link",
          "force", "contact", "published", "review_by", "tags", "asked")
LISTS = frozenset({"crime_types", "settings", "tags", "asked"})
MAX_BODY = 256 * 1024


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def compose(fields: dict[str, Any], body: str) -> str:
    """The knowledge file for the form's ``fields`` and Markdown ``body``: empty fields are
    left out, ``effect`` and ``quality`` go under ``evidence``."""
    front: dict[str, Any] = {}
    for name in FIELDS:
        value = fields.get(name)
        if name in LISTS:
            items = [_text(v) for v in (value if isinstance(value, list) else [])]
            if any(items):
                front[name] = [item for item in items if item]
        elif name in ("effect", "quality"):
            if _text(value):
                front.setdefault("evidence", {})[name] = _text(value)
        elif _text(value):
            front[name] = _text(value) if name != "summary" else str(value).strip()
    head = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None)
    return f"---\n{head}---\n{body.strip()}\n"


def decompose(text: str) -> tuple[dict[str, Any], str]:
    """The form's fields and the body of a file as it is (even an invalid one)."""
    fields: dict[str, Any] = {name: ([] if name in LISTS else "") for name in FIELDS}
    if not text.startswith("---"):
        return fields, text
    head, _, body = text[3:].partition("\n---")
    try:
        meta = yaml.safe_load(head)
    except yaml.YAMLError:
        return fields, text
    if isinstance(meta, dict):
        evidence = meta.pop("evidence", None)
        if isinstance(evidence, dict):
            meta.update({k: evidence.get(k) for k in ("effect", "quality")})
        for name in FIELDS:
            value = meta.get(name)
            if name in LISTS:
                fields[name] = [str(v) for v in value] if isinstance(value, list) else ([str(value)] if value else [])
            elif value is not None:
                fields[name] = str(value)
    return fields, body.lstrip("\n").removeprefix("\n")


def _problem(problem: Problem) -> dict[str, str]:
    return {"field": problem.field, "reason": problem.reason, "severity": problem.severity}


class KnowledgeApi:
    """The knowledge pages' calls.

    Args:
        admin: the chat's knowledge curation, whose build and swap publishing shares.
        files: the knowledge folder's writer, with its revisions.
        audit: where each publish and retirement is recorded.
        names: display names by Azure AD object id, for the revisions' authors.
    """

    def __init__(self, admin: KnowledgeAdmin, files: KnowledgeFiles, audit: Audit, names: Any) -> None:
        self._admin = admin
        self._files = files
        self._audit = audit
        self._names = names
        self._cache: ParseCache = {}

    @property
    def _folder(self) -> Path:
        return self._files.folder

    def _taxonomy(self) -> Taxonomy:
        return Taxonomy.load(taxonomy_path(self._folder, self._folder.parent / "taxonomy.yaml"))

    def _listing(self, today: date) -> dict[str, Any]:
        taxonomy = self._taxonomy()
        found = load_entries(self._folder, taxonomy, cache=self._cache)
        problems: dict[str, list[dict[str, str]]] = {}
        for each in found.problems:
            problems.setdefault(each.path, []).append(_problem(each))
        valid = {entry.path: entry for entry in found.entries}
        rows = []
        for path in knowledge_files(self._folder):
            relative = path.relative_to(self._folder).as_posix()
            entry = valid.get(relative)
            rows.append({
                "path": relative, "id": entry.id if entry else None, "title": entry.title if entry else relative,
                "kind": entry.kind if entry else None, "effect": entry.effect if entry else None,
                "quality": entry.quality if entry else None, "review_by": entry.review_by if entry else None,
                "stale": bool(entry and entry.review_by and date.fromisoformat(entry.review_by) < today),
                "problems": problems.get(relative, []),
            })
        rows.sort(key=lambda row: (row["kind"] or "", str(row["title"]).lower()))
        return {"entries": rows, "served_version": self._admin.knowledge.version,
                "crime_types": [{"code": code, "label": term.label} for code, term in taxonomy.terms.items()]}

    async def entries(self, request: web.Request, member: SignedIn) -> web.StreamResponse:
        """Every knowledge file with its kind, effect, quality, review date, staleness and problems."""
        return web.json_response(await asyncio.to_thread(self._listing, date.today()))

    async def entry(self, request: web.Request, member: SignedIn) -> web.StreamResponse:
        """One file for the editor: its fields, body, digest and latest revisions."""
        path = request.query.get("path", "")
        try:
            current = await asyncio.to_thread(self._files.read, path)
        except BadPath as bad:
            return json_refusal(400, str(bad))
        if current is None:
            return json_refusal(404, f"There is no knowledge file {path}.")
        fields, body = decompose(current)
        history = await asyncio.to_thread(self._files.history, path)
        names = await asyncio.to_thread(self._names, [r.by for r in history])
        return web.json_response({
            "path": path, "fields": fields, "body": body, "base": digest(current),
            "revisions": [{"action": r.action, "by": names.get(r.by, r.by) if r.by else "someone since erased",
                           "at": r.at.isoformat()} for r in history],
        })

    def _check(self, path: str, text: str) -> tuple[Entry | None, list[Problem]]:
        taxonomy = self._taxonomy()
        with tempfile.TemporaryDirectory(prefix="entry-") as folder:
            draft = Path(folder) / "draft.md"
            draft.write_text(text, encoding="utf-8")
            entry, problems = parse_file(draft, path, taxonomy)
        if entry is not None:
            others = load_entries(self._folder, taxonomy, cache=self._cache)
            taken = next((e.path for e in others.entries if e.id == entry.id and e.path != path), None)
            if taken is not None:
                problems.append(Problem(path, "id", f"{entry.id!r} is already the id of {taken}"))
                entry = None
        return entry, problems

    @staticmethod
    def _preview(entry: Entry, today: date) -> dict[str, Any]:
        hit = Hit(entry.id, entry.title, entry.kind, 1.0, 1.0, entry.card_fields())
        return adaptive_card([{"type": "TextBlock", "text": "Preview: how officers see this entry in an answer",
                               "isSubtle": True, "wrap": True}, *entry_items(hit, today)], entry.title)

    async def _read_form(self, request: web.Request) -> tuple[str, str, Any, bool] | web.Response:
        """The form as its file's path, text and base, and whether that path is the one the
        entry's kind and id make (a new entry with no usable id yet is checked all the same)."""
        if request.content_length is not None and request.content_length > MAX_BODY:
            return json_refusal(413, "That entry is too long to send.")
        try:
            data = await request.json()
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("fields"), dict):
            return json_refusal(400, "The entry could not be read. Reload the page and try again.")
        fields, given = data["fields"], data.get("path")
        kind = _text(fields.get("kind"))
        path = given if isinstance(given, str) and given else f"{kind}/{_text(fields.get('id'))}.md"
        usable = True
        try:
            self._files.checked(path)
        except BadPath:
            if given:
                return json_refusal(400, "That is not a knowledge file. Reload the page and try again.")
            path, usable = f"{kind if kind in FOLDERS else 'research'}/new-entry.md", False
        return path, compose(fields, str(data.get("body") or "")), data.get("base"), usable

    async def _checked_form(
        self, request: web.Request
    ) -> tuple[str, str, Any, Entry | None, list[Problem]] | web.Response:
        """The form sent, as its path, file text and base, with the entry it makes and its problems."""
        form = await self._read_form(request)
        if isinstance(form, web.Response):
            return form
        path, text, base, usable = form
        entry, problems = await asyncio.to_thread(self._check, path, text)
        if entry is not None and not usable:
            problems.append(Problem(path, "id", f"{entry.id!r} cannot be a file name: start it with a letter or digit"))
            entry = None
        return path, text, base, entry, problems

    async def check(self, request: web.Request, member: SignedIn) -> web.StreamResponse:
        """The indexer's problems with the entry as the form has it, and its answer preview."""
        checked = await self._checked_form(request)
        if isinstance(checked, web.Response):
            return checked
        path, _, _, entry, problems = checked
        return web.json_response({"path": path, "problems": [_problem(p) for p in problems],
                                  "card": self._preview(entry, date.today()) if entry else None})

    async def publish(self, request: web.Request, member: SignedIn) -> web.StreamResponse:
        """Write the entry (its previous text kept as a revision), build and serve it."""
        checked = await self._checked_form(request)
        if isinstance(checked, web.Response):
            return checked
        path, text, base, entry, problems = checked
        if entry is None:
            return web.json_response({"error": "Correct the fields marked before publishing.",
                                      "problems": [_problem(p) for p in problems]}, status=400)
        return await self._write(path, text, base if isinstance(base, str) else None, member)

    async def retire(self, request: web.Request, member: SignedIn) -> web.StreamResponse:
        """Take an entry out of the knowledge base (its text kept as a revision)."""
        try:
            data = await request.json()
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("path"), str) or not isinstance(data.get("base"), str):
            return json_refusal(400, "Say which entry to retire. Reload the page and try again.")
        return await self._write(data["path"], None, data["base"], member)

    async def _write(self, path: str, text: str | None, base: str | None, member: SignedIn) -> web.StreamResponse:
        try:
            revision = await asyncio.to_thread(self._files.write, path, text, base, member.user.aad_object_id)
        except BadPath as bad:
            return json_refusal(400, str(bad))
        except FileNotFoundError:
            return json_refusal(404, f"There is no knowledge file {path}.")
        except ChangedSince as changed:
            who = (await asyncio.to_thread(self._names, [changed.by])).get(changed.by, "someone") if changed.by \
                else "someone"
            return json_refusal(409, f"{path} has changed since you opened it (last changed by {who}). "
                                     "Nothing was written: reload it, then make your change again.")
        await asyncio.to_thread(self._audit.record, member.user.aad_object_id, Action.KNOWLEDGE_REINDEX,
                                "knowledge", path[:100])
        message = await self._admin.reindex()
        done = {"edit": "Published", "new": "Published the new entry", "retire": "Retired"}[revision.action]
        return web.json_response({"message": f"{done} {path}. {message}", "path": path,
                                  "served_version": self._admin.knowledge.version,
                                  "base": digest(text) if text is not None else None})

    def routes(self, sign_in: TabSignIn, prefix: str) -> list[web.RouteDef]:
        """The knowledge API's routes under ``prefix``."""
        return [
            web.get(f"{prefix}/knowledge", signed_in(sign_in, self.entries)),
            web.get(f"{prefix}/knowledge/entry", signed_in(sign_in, self.entry)),
            web.post(f"{prefix}/knowledge/check", signed_in(sign_in, self.check)),
            web.post(f"{prefix}/knowledge/publish", signed_in(sign_in, self.publish)),
            web.post(f"{prefix}/knowledge/retire", signed_in(sign_in, self.retire)),
        ]
