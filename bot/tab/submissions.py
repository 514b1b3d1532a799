"""The Hub workspace's API for submissions: the queue, one record, and the changes.

Every handler signs the caller in first (:class:`bot.tab.signin.TabSignIn`): without a valid
sign-in, or for anyone who is not Hub staff, the answer is 401 or 403 and nothing is read,
changed or audited. Reads and changes are the chat's own calls (:class:`bot.hub.triage.Hub`),
so the audit rows, the history and the messages to submitters are the same: reading the queue
is one ``submission.list`` row, opening a record one ``submission.read`` row, and each change
one row of its kind.

Officers' text travels as JSON strings; the page only ever puts it in the document as text.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Awaitable, Callable

from aiohttp import web

from bot.hub.arguments import Invalid
from bot.hub.triage import Hub, Opened
from bot.tab.signin import SignedIn, TabSignIn, json_refusal
from bot.tab_tokens import TokenRefused
from domain.hub.records import NotHubStaff, QueueItem, StaleCard
from domain.portal.records import TRANSITIONS, InvalidTransition, Status, SubmissionNotFound, normalise_reference
from indexer.taxonomy import Taxonomy

__all__ = ["SubmissionsApi", "signed_in", "OPEN_STATUSES"]

# Everything the Hub still has in hand: the queue lists these; finished ones are in the record.
OPEN_STATUSES = tuple(s for s in Status if s not in (Status.CLOSED, Status.MERGED, Status.DECLINED))
MAX_BODY = 64 * 1024

Handler = Callable[[web.Request, SignedIn], Awaitable[web.StreamResponse]]


def signed_in(sign_in: TabSignIn, handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """``handler`` run only for a Hub member; anyone else gets 401 or 403 and nothing else."""

    async def checked(request: web.Request) -> web.StreamResponse:
        try:
            member = await sign_in.hub_member(request)
        except TokenRefused as refused:
            return json_refusal(refused.status, refused.reason)
        return await handler(request, member)

    return checked


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _person(aad: str | None, names: dict[str, str]) -> dict[str, str] | None:
    return {"id": aad, "name": names.get(aad.lower(), aad)} if aad else None


class SubmissionsApi:
    """The queue, the record and the changes, as JSON.

    Args:
        hub: the chat's Hub commands, whose reads and changes the workspace shares.
        taxonomy: crime-type labels.
        districts: the areas a submission may name.
    """

    def __init__(self, hub: Hub, taxonomy: Taxonomy, districts: tuple[str, ...]) -> None:
        self._hub = hub
        self._taxonomy = taxonomy
        self._districts = districts

    def _crime_types(self, codes: tuple[str, ...]) -> list[dict[str, str]]:
        return [{"code": code, "label": self._taxonomy.label(code)} for code in codes]

    def _queue_item(self, item: QueueItem, names: dict[str, str]) -> dict[str, Any]:
        return {
            "reference": item.reference, "title": item.title, "kind": item.kind.value, "status": item.status.value,
            "status_label": item.status.label, "area": item.area, "crime_types": self._crime_types(item.crime_types),
            "assigned_to": _person(item.assigned_to, names), "received_at": _iso(item.received_at),
            "age_days": item.age_days, "question": item.question,
        }

    async def queue(self, request: web.Request, member: SignedIn) -> web.StreamResponse:
        """Every submission the Hub still has in hand, oldest first, with what the filters need."""
        items = await asyncio.to_thread(
            self._hub.triage.queue, member.user.aad_object_id, statuses=OPEN_STATUSES, similar=False)
        staff = await asyncio.to_thread(self._hub.roles.staff)
        names = await asyncio.to_thread(self._hub.triage.names, [item.assigned_to for item in items])
        return web.json_response({
            "items": [self._queue_item(item, names) for item in items],
            "statuses": [{"value": s.value, "label": s.label} for s in OPEN_STATUSES],
            "areas": list(self._districts),
            "crime_types": [{"code": code, "label": term.label} for code, term in self._taxonomy.terms.items()],
            "staff": [{"id": person.aad_object_id, "name": person.name or person.aad_object_id} for person in staff],
        })

    def _record(self, opened: Opened) -> dict[str, Any]:
        record, names = opened.record, opened.names
        view = record.view
        return {
            "reference": view.reference, "version": record.last.version, "title": view.title,
            "description": view.description, "kind": view.kind.value, "status": view.status.value,
            "status_label": view.status.label, "area": view.area, "crime_types": self._crime_types(view.crime_types),
            "tried": view.tried, "success": view.success, "partners": view.partners,
            "personal_data": bool(view.personal_data), "submitter": _person(view.owner_aad, names),
            "assigned_to": _person(view.assigned_to, names), "merged_into": view.merged_into,
            "received_at": _iso(view.created_at), "updated_at": _iso(view.updated_at),
            "history": [{"at": _iso(h.at), "by": _person(h.by, names), "from": h.from_status.value if h.from_status
                         else None, "to": h.to_status.value, "to_label": h.to_status.label, "note": h.note}
                        for h in view.history],
            "supporters": [{"person": _person(s.aad_object_id, names), "notes": s.notes, "since": _iso(s.created_at)}
                           for s in view.supporters],
            "questions": [{"asked_by": _person(q.asked_by, names), "asked_at": _iso(q.asked_at),
                           "question": q.question, "answer": q.answer, "answered_at": _iso(q.answered_at)}
                          for q in record.questions],
            "similar": [{"reference": s.reference, "title": s.title, "status_label": s.status.label,
                         "score": round(s.score, 2)} for s in opened.similar],
            "evidence": [{"id": hit.id, "title": hit.title, "kind": hit.kind} for hit in opened.entries],
            "followers": [{"person": _person(aad, names), "topic": topic} for aad, topic in opened.followers],
            "next_statuses": [{"value": s.value, "label": s.label} for s in Status if s in TRANSITIONS[view.status]],
            "staff": [{"id": p.aad_object_id, "name": p.name or p.aad_object_id} for p in opened.staff],
            "last": {"action": record.last.action, "by": _person(record.last.by, names), "at": _iso(record.last.at)},
        }

    async def record(self, request: web.Request, member: SignedIn) -> web.StreamResponse:
        """One submission as the Hub opens it (one ``submission.read`` audit row)."""
        reference = normalise_reference(request.match_info["reference"])
        if reference is None:
            return json_refusal(404, "There is no such submission.")
        try:
            opened = await self._hub.gather(reference, member.user, audited=True)
        except SubmissionNotFound:
            return json_refusal(404, f"There is no submission {reference}.")
        return web.json_response(self._record(opened))

    async def change(self, request: web.Request, member: SignedIn) -> web.StreamResponse:
        """A change: ``op`` status (with ``status``, ``note``, and ``target`` for a merge),
        assign (``assignee``: an object id, or none) or ask (``question``); each with the
        ``version`` the page showed. 409 with the record as it is now when someone else
        changed it first."""
        reference = normalise_reference(request.match_info["reference"])
        op = request.match_info["op"]
        if reference is None:
            return json_refusal(404, "There is no such submission.")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return json_refusal(413, "That is too long to send.")
        try:
            data = await request.json()
        except ValueError:
            return json_refusal(400, "The change could not be read. Reload the page and try again.")
        if not isinstance(data, dict):
            return json_refusal(400, "The change could not be read. Reload the page and try again.")
        try:
            done = await self._hub.perform(op, reference, data, member.user)
        except StaleCard as stale:
            message = await self._hub.stale_notice(stale)
            opened = await self._hub.gather(reference, member.user, audited=True)
            return web.json_response({"error": message, "record": self._record(opened)}, status=409)
        except SubmissionNotFound:
            return json_refusal(404, f"There is no submission {reference}.")
        except (InvalidTransition, NotHubStaff, Invalid) as problem:
            return json_refusal(400, str(problem))
        opened = await self._hub.gather(reference, member.user, audited=False)
        return web.json_response({"message": done.message, "record": self._record(opened)})

    def routes(self, sign_in: TabSignIn, prefix: str) -> list[web.RouteDef]:
        """The API's routes under ``prefix``."""
        return [
            web.get(f"{prefix}/queue", signed_in(sign_in, self.queue)),
            web.get(f"{prefix}/submissions/{{reference}}", signed_in(sign_in, self.record)),
            web.post(f"{prefix}/submissions/{{reference}}/{{op:status|assign|ask}}", signed_in(sign_in, self.change)),
        ]
