"""Subject access in Teams, for admins (the router checks the role from the database):

- ``sar export <person>``: everything held about one person, offered as a JSON file;
- ``erase <person>``: a card naming the person and what erasure does; only an admin's press
  of its Erase button erases (the role and the person are checked again, from the
  database), and the admin is told how many rows were deleted or changed;
- ``audit export FROM TO``: the audit log for those days, offered as a CSV file.

The person is @mentioned or named by Azure AD object id (:mod:`bot.people`). Files go
through Teams' file consent, which only works in the personal chat, so these commands are
answered there only. A file is made, and its export audited, when the admin allows it to be
saved (the size offered is an estimate): a declined offer reads nothing. Each run adds one
audit row, written by the domain function that does the work
(:mod:`domain.ops.subject_access`, :meth:`domain.audit.Audit.export_csv`); a refusal or a
cancelled erasure adds none.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import AdaptiveCardInvokeResponse

from bot.cards import adaptive_card, card_activity
from bot.commands import Command, Recognised
from bot.features import Feature
from bot.files import FileOffers
from bot.people import person_named
from bot.text import plain
from domain.audit import Audit
from domain.clock import london_today
from domain.db import Database
from domain.hub.records import is_object_id
from domain.hub.roles import Roles
from domain.models import Role
from domain.ops.sar import audit_csv, erasure_lines, export_json, is_admin, parse_days
from domain.ops.erasure import ERASED_NAME, erase_user
from domain.users import UnknownUserError, UserInfo

__all__ = ["SubjectAccess", "subject_access_feature", "ERASE", "ADMIN_REFUSAL", "PERSONAL_ONLY"]

EXPORT_FILE = "subject-access"
AUDIT_FILE = "audit-log"
ERASE = "erase-person"  # the erase card's buttons: Action.Execute verb, and Action.Submit action
ADMIN_REFUSAL = "Subject access, erasure and the audit log are for admins, so nothing was done."
PERSONAL_ONLY = ("I can only do that in our personal chat, where Teams lets me send files and nobody else sees "
                 "the answer. Nothing was done; ask me there.")
# The size offered before a file is made (it is made, and audited, only when allowed).
_ESTIMATED_BYTES = 32 * 1024
AUDIT_EXAMPLE = "audit export 2026-11-01 2026-11-30"

_WHAT_ERASURE_DOES = (
    "Their journal entries, six-hats reflections, action plans, self-assessments, enrolments, drafts, "
    "questions, feedback and support for others' submissions are deleted.",
    "Their submissions stay for the Hub's figures, but everything they wrote in them becomes [erased].",
    "Their name and Teams ids are removed. The audit log keeps its rows and records this erasure.",
    "Messages already in Teams chats and channels are not reached. This cannot be undone.",
)


def erase_card(person: UserInfo) -> dict[str, Any]:
    """The confirmation card: who, what erasure does, and the Erase and Cancel buttons."""
    name = plain(person.name or "(no name)", limit=200)
    data = {"action": ERASE, "person": person.aad_object_id}
    return adaptive_card(
        [
            {"type": "TextBlock", "text": f"Erase the personal data of {name}?", "weight": "Bolder",
             "size": "Medium", "wrap": True},
            {"type": "TextBlock", "text": f"Azure AD object id: {person.aad_object_id}", "isSubtle": True,
             "wrap": True},
            *({"type": "TextBlock", "text": f"- {line}", "wrap": True, "spacing": "Small"}
              for line in _WHAT_ERASURE_DOES),
        ],
        f"Erase the personal data of {name} ({person.aad_object_id})? " + " ".join(_WHAT_ERASURE_DOES)
        + " Press Erase on the card to go ahead, or Cancel.",
        [
            {"type": "Action.Execute", "title": "Erase", "verb": ERASE, "style": "destructive",
             "data": {**data, "op": "erase"}},
            {"type": "Action.Execute", "title": "Cancel", "verb": ERASE, "data": {**data, "op": "cancel"}},
        ],
    )


def _outcome_card(message: str) -> dict[str, Any]:
    return adaptive_card([{"type": "TextBlock", "text": message, "wrap": True}], message)


class SubjectAccess:
    """The admins' subject access commands, their files and the erase card's buttons.

    Args:
        database: the assistant's database.
        files: the file offers, through which the exports are sent.
    """

    def __init__(self, database: Database, files: FileOffers) -> None:
        self._db = database
        self._roles = Roles(database, Audit(database))
        self._files = files
        files.register(EXPORT_FILE, self._export_file)
        files.register(AUDIT_FILE, self._audit_file)

    @staticmethod
    async def _in_personal_chat(turn_context: TurnContext) -> bool:
        conversation = turn_context.activity.conversation
        if conversation is None or conversation.conversation_type in (None, "personal"):
            return True
        await turn_context.send_activity(PERSONAL_ONLY)
        return False

    async def on_export(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``sar export <person>``: the file consent card for the person's JSON export."""
        if not await self._in_personal_chat(turn_context):
            return
        person = await person_named(turn_context, self._roles, recognised.argument, example="sar export @Sam Patel")
        if person is None:
            return
        await self._files.offer(
            turn_context, EXPORT_FILE, name=f"subject-access-{london_today():%Y-%m-%d}.json", size=_ESTIMATED_BYTES,
            description="Subject access export: everything the assistant holds about one person (JSON)",
            arguments={"person": person.aad_object_id},
            text=f"Here is the subject access export for {plain(person.name or person.aad_object_id, limit=200)}. "
                 "It is made, and recorded in the audit log, when you allow it to be saved to your OneDrive.",
        )

    async def _export_file(self, user: UserInfo, arguments: dict) -> bytes | None:
        person = arguments.get("person")
        if not isinstance(person, str) or not is_object_id(person):
            return None
        return await asyncio.to_thread(self._export_now, user.aad_object_id, person)

    def _export_now(self, by: str, person: str) -> bytes | None:
        if not is_admin(self._db, by):  # whoever accepted, checked again from the database
            return None
        try:
            return export_json(self._db, person, by=by)
        except UnknownUserError:
            return None

    async def on_audit_export(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``audit export FROM TO``: the file consent card for the audit log of those days."""
        if not await self._in_personal_chat(turn_context):
            return
        try:
            start, end = parse_days(recognised.argument)
        except ValueError as problem:
            await turn_context.send_activity(f"{plain(str(problem))} For example: {AUDIT_EXAMPLE}")
            return
        await self._files.offer(
            turn_context, AUDIT_FILE, name=f"audit-log-{start.isoformat()}-to-{end.isoformat()}.csv",
            size=_ESTIMATED_BYTES,
            description=f"The audit log from {start:%d %B %Y} to {end:%d %B %Y} (UTC), as CSV",
            arguments={"first": start.isoformat(), "last": end.isoformat()},
            text=f"Here is the audit log from {start:%d %B %Y} to {end:%d %B %Y}. It is made, and the export "
                 "recorded in the audit log, when you allow it to be saved to your OneDrive.",
        )

    async def _audit_file(self, user: UserInfo, arguments: dict) -> bytes | None:
        try:
            start, end = date.fromisoformat(str(arguments.get("first"))), date.fromisoformat(str(arguments.get("last")))
        except ValueError:
            return None
        return await asyncio.to_thread(self._audit_now, user.aad_object_id, start, end)

    def _audit_now(self, by: str, start: date, end: date) -> bytes | None:
        if end < start or not is_admin(self._db, by):
            return None
        return audit_csv(self._db, start, end, by=by)

    async def on_erase(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``erase <person>``: the confirmation card; nothing is erased until its button is pressed."""
        if not await self._in_personal_chat(turn_context):
            return
        person = await person_named(turn_context, self._roles, recognised.argument, example="erase @Sam Patel")
        if person is None:
            return
        if person.aad_object_id == user.aad_object_id:
            await turn_context.send_activity("You cannot erase yourself: ask another admin. Nothing was erased.")
            return
        await turn_context.send_activity(card_activity(erase_card(person)))

    async def act(self, data: dict[str, Any], user: UserInfo) -> tuple[str, int]:
        """Carry out a press of the erase card: what to tell the admin, and the status (403
        for anyone the database does not say is an admin, 400 for a press that cannot be done)."""
        if not await asyncio.to_thread(is_admin, self._db, user.aad_object_id):
            return ADMIN_REFUSAL, 403
        op, person = data.get("op"), data.get("person")
        if op not in ("erase", "cancel") or not isinstance(person, str) or not is_object_id(person):
            return "That button is not recognised. Nothing was erased.", 400
        if op == "cancel":
            return "Cancelled: nothing was erased.", 200
        if person.lower() == user.aad_object_id:
            return "You cannot erase yourself: ask another admin. Nothing was erased.", 400
        try:
            name, lines = await asyncio.to_thread(self._erase_now, person, user.aad_object_id)
        except UnknownUserError:
            return "No one with that object id has used the assistant, so nothing was erased.", 400
        if not lines:  # a second press of the same card
            return "Their personal data is already erased, so nothing more was done.", 200
        return (f"Erased the personal data of {plain(name, limit=200)}. Rows deleted or changed: {', '.join(lines)}. "
                "The erasure is recorded in the audit log."), 200

    def _erase_now(self, person: str, by: str) -> tuple[str, list[str]]:
        """Erase the person; no lines (and no erasure, no audit row) when they already are."""
        name = self._roles.person(aad=person).name or "(no name)"
        if name == ERASED_NAME:
            return name, []
        return name, erasure_lines(erase_user(self._db, person, by=by))

    async def on_execute(self, turn_context: TurnContext, data: dict[str, Any],
                         user: UserInfo) -> AdaptiveCardInvokeResponse:
        """An ``Action.Execute`` press: the card is replaced by what was done; a refusal is
        shown by Teams while the card stays as it was."""
        message, status = await self.act(data, user)
        if status != 200:
            code = "Forbidden" if status == 403 else "BadRequest"
            return AdaptiveCardInvokeResponse(
                status_code=status, type="application/vnd.microsoft.error", value={"code": code, "message": message})
        return AdaptiveCardInvokeResponse(
            status_code=200, type="application/vnd.microsoft.card.adaptive", value=_outcome_card(message))

    async def on_card_action(self, turn_context: TurnContext, data: dict[str, Any], user: UserInfo) -> None:
        """The same press arriving as an ``Action.Submit``: answered in a new message."""
        message, _ = await self.act(data, user)
        await turn_context.send_activity(message)


def names_a_person(argument: str) -> bool:
    """Whether the words after ``erase`` name a person (an @mention or an object id);
    "erase graffiti from the underpass" is a what-works question."""
    return "<at>" in argument.lower() or is_object_id(argument.split(" ")[0] if argument else "")


def subject_access_feature(database: Database, files: FileOffers) -> Feature:
    """The admins' subject access commands and the erase card's buttons."""
    access = SubjectAccess(database, files)
    admin: dict[str, Any] = {"role": Role.ADMIN, "refusal": ADMIN_REFUSAL}
    return Feature(
        commands=(
            Command("sar export", access.on_export, phrases=("sar export",), prefixes=("sar export",),
                    help="For admins: sar export @person (or their object id): everything held about them, "
                         "as a file", **admin),
            Command("erase", access.on_erase, phrases=("erase",), prefixes=("erase",), takes=names_a_person,
                    help="For admins: erase @person (or their object id): erase their personal data, after you "
                         "confirm on a card", **admin),
            Command("audit export", access.on_audit_export, phrases=("audit export",), prefixes=("audit export",),
                    help=f"For admins: the audit log for a range of days, as a file: {AUDIT_EXAMPLE}", **admin),
        ),
        card_actions={ERASE: access.on_card_action},
        executes={ERASE: access.on_execute},
    )
