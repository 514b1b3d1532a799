"""The Hub in Teams: roles, the triage queue, opening a submission and acting on it.

Commands (Hub staff, except where it says admin):

- ``queue``: submissions awaiting triage, oldest first, with their age and similar ones;
- ``open PF-2026-0042``: the record as a card, with its history, supporters, questions,
  similar submissions and the knowledge entries that match it, and buttons to act on it;
- ``change status PF-2026-0042 to triaged: note``; ``assign PF-2026-0042 Sam Patel`` (or
  ``me``, ``nobody``); ``merge PF-2026-0042 into PF-2026-0007``; ``ask PF-2026-0042 question``;
- ``roles``, ``grant hub <user>``, ``grant admin <user>``, ``revoke <user>`` (admin), a user
  being named by Azure AD object id or by a display name only they have.

The card's buttons are ``Action.Execute`` (verb ``hub``): Teams replaces the pressed card
with the one answered, which shows who acted and the record as it now is. Each card carries
the record's version; an action on an out-of-date card changes nothing and shows who
handled it first. The same data sent as an ``Action.Submit`` (``{"action": "hub"}``) is
answered with a new message, for clients without Universal Actions.

Roles come from the user read from the database for this turn, never from card data: an
officer gets a polite refusal and nothing is read, changed or audited. Everything officers
typed is escaped with :func:`bot.text.plain`.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from botbuilder.core import TurnContext
from botbuilder.schema import AdaptiveCardInvokeResponse

from bot.cards import adaptive_card, card_activity
from bot.commands import Recognised
from bot.features import Feature
from bot.text import plain
from bot.whatworks import WhatWorks
from domain.audit import Action, Audit
from domain.personal_data import describe, find_personal_data
from domain.models import NotificationStatus, Role
from domain.portal.submissions import (
    TRANSITIONS,
    InvalidTransition,
    SimilarSubmission,
    Status,
    SubmissionNotFound,
    normalise_reference,
)
from domain.hub.triage import (
    MAX_TEXT,
    AmbiguousUser,
    LastAction,
    LastAdmin,
    NotHubStaff,
    QueueItem,
    Record,
    Roles,
    StaleCard,
    Triage,
)
from domain.users import UnknownUserError, UserInfo

if TYPE_CHECKING:
    from bot.app import Services

__all__ = ["Hub", "hub_feature", "VERB", "record_card", "queue_card"]

VERB = "hub"
QUEUE_SHOWN = 25
_LONDON = ZoneInfo("Europe/London")
_REFERENCE = re.compile(r"\s*(PF[\s\-_–—]*\d{4}[\s\-_–—]*\d{1,6})(?=$|[\s,.:;!?])", re.IGNORECASE)
_SEPARATORS = " :,;.-–—"
_NOBODY = {"nobody", "no one", "none", "unassigned"}

REFUSAL = ("Sorry, that is only for Hub staff, so I have not done anything. "
           "If you work in the Hub, ask an admin to give you access.")
ADMIN_ONLY = "Sorry, only admins can see or change roles, so I have not changed anything."


class _Invalid(ValueError):
    """What the Hub member asked for cannot be done as given; the message says why."""


def _when(moment: datetime) -> str:
    """A moment as a Hub member in the UK reads it: "10:15 on 26 Nov 2026"."""
    local = moment.astimezone(_LONDON)
    return f"{local:%H:%M} on {local.day} {local:%b %Y}"


def _day(moment: datetime) -> str:
    return f"{moment.astimezone(_LONDON).day} {moment.astimezone(_LONDON):%b %Y}"


def _split_reference(text: str) -> tuple[str | None, str]:
    """The reference a command's argument starts with (canonical), and the rest."""
    match = _REFERENCE.match(text or "")
    if match is None:
        return None, (text or "").strip()
    return normalise_reference(match.group(1)), text[match.end():].lstrip(_SEPARATORS).strip()


def _strip_word(text: str, *words: str) -> str:
    for word in words:
        if text.lower().startswith(word + " "):
            return text[len(word) + 1:].strip()
    return text


def _parse_status(text: str) -> tuple[Status | None, str]:
    """The status named at the start of ``text`` ("to triaged: note"), and the note."""
    rest = _strip_word(text.strip(), "to", "as")
    folded = rest.lower()
    for status in sorted(Status, key=lambda s: -len(s.value)):
        for name in (status.value, status.value.replace("-", " ")):
            if folded == name or (folded.startswith(name) and folded[len(name)] in _SEPARATORS):
                return status, rest[len(name):].lstrip(_SEPARATORS).strip()
    return None, rest


def _is_question(argument: str) -> bool:
    """Whether a Hub command's argument reads as words rather than a reference attempt."""
    return bool(argument.strip()) and _split_reference(argument)[0] is None \
        and re.search(r"pf|\d", argument, re.IGNORECASE) is None


def _note(value: Any, what: str = "The note") -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    if len(value.strip()) > MAX_TEXT:
        raise _Invalid(f"{what} is {len(value.strip()):,} characters; please keep it to {MAX_TEXT:,}.")
    return value.strip()


def _version(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 <= number < 2**31 else None


def _block(text: str, **style: Any) -> dict:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _heading(text: str) -> dict:
    return _block(text, weight="Bolder", spacing="Medium", separator=True)


def _last_line(last: LastAction, names: dict[str, str], status: Status) -> str | None:
    if last.action is None or last.by is None or last.at is None:
        return None
    what = {
        "assign": "assigned",
        "merge": "merged",
        "ask": "asked the submitter a question",
    }.get(last.action) or f"status set to {last.action.partition(':')[2].replace('-', ' ') or status.label.lower()}"
    return f"{what.capitalize()} by {plain(names.get(last.by, last.by))} at {_when(last.at)}"


def record_card(
    record: Record,
    *,
    names: dict[str, str],
    crime_types: str,
    similar: list[SimilarSubmission],
    entries: list[Any],
    staff: list[UserInfo],
    notice: tuple[str, str] | None = None,
) -> dict:
    """The Hub's card of one submission, with its actions for the version it shows.

    Args:
        names: display names by Azure AD object id.
        crime_types: the crime types as labels.
        similar: submissions that may be the same work.
        entries: knowledge index hits that may answer it.
        staff: Hub staff, for the assign choice.
        notice: a line shown first, and its colour ("Good", "Attention").
    """
    view, last = record.view, record.last
    reference = view.reference
    name = lambda aad: plain(names.get(aad, aad)) if aad else "Nobody"  # noqa: E731
    age = (datetime.now(view.created_at.tzinfo) - view.created_at).days
    facts = [
        {"title": "Status", "value": view.status.label + (f" into {view.merged_into}" if view.merged_into else "")},
        {"title": "Kind", "value": view.kind.label},
        {"title": "Crime types", "value": crime_types},
        {"title": "Area", "value": plain(view.area)},
        {"title": "Received", "value": f"{_day(view.created_at)} ({age} days ago)"},
        {"title": "Submitter", "value": name(view.owner_aad)},
        {"title": "Assigned to", "value": name(view.assigned_to)},
        {"title": "Supporters", "value": str(len(view.supporters))},
    ]
    last_line = _last_line(last, names, view.status)
    if last_line:
        facts.append({"title": "Last action", "value": last_line})
    body: list[dict] = []
    if notice:
        body.append(_block(notice[0], color=notice[1], weight="Bolder"))
    body += [
        _block(f"{reference}: {plain(view.title, limit=200)}", weight="Bolder", size="Medium"),
        {"type": "FactSet", "facts": facts},
        _block(plain(view.description, limit=2000)),
    ]
    more = [("Tried so far", view.tried), ("Success would be", view.success), ("Partners", view.partners)]
    if any(value for _, value in more):
        body.append({"type": "FactSet", "facts": [
            {"title": title, "value": plain(value, limit=600)} for title, value in more if value
        ]})
    history = [
        f"{_day(h.at)}: {h.to_status.label} by {name(h.by)}" + (f". {plain(h.note, limit=300)}" if h.note else "")
        for h in view.history
    ]
    supporters = [f"{name(s.aad_object_id)}: {plain(s.notes, limit=300) or '(no notes)'}" for s in view.supporters]
    questions = [
        f"{_day(q.asked_at)}, {name(q.asked_by)} asked: {plain(q.question, limit=600)}"
        + (f" Reply ({_day(q.answered_at)}): {plain(q.answer, limit=600)}" if q.answer and q.answered_at
           else " No reply yet.")
        for q in record.questions
    ]
    similar_lines = [f"{s.reference}: {plain(s.title, limit=120)} ({s.status.label}, {s.score:.2f})" for s in similar]
    entry_lines = [f"{plain(e.title, limit=160)} ({e.kind})" for e in entries]
    sections = [
        ("History", history), ("Supporters and their notes", supporters), ("Questions to the submitter", questions),
        ("Similar submissions", similar_lines), ("What works entries that may help", entry_lines),
    ]
    for title, lines in sections:
        if lines:
            body.append(_heading(title))
            body += [_block(line, spacing="Small") for line in lines]

    data = {"action": VERB, "reference": reference, "version": last.version}
    actions: list[dict] = []
    allowed = sorted(TRANSITIONS[view.status], key=list(Status).index)
    if allowed:
        status_inputs: list[dict] = [
            {"type": "Input.ChoiceSet", "id": "status", "label": "New status", "isRequired": True,
             "errorMessage": "Choose the new status.", "placeholder": "Choose a status",
             "choices": [{"title": s.label, "value": s.value} for s in allowed]},
            {"type": "Input.Text", "id": "note", "label": "Note for the submitter (a reason is needed to decline)",
             "isMultiline": True, "maxLength": MAX_TEXT},
        ]
        if Status.MERGED in allowed:
            status_inputs.append({"type": "Input.Text", "id": "target", "label": "Merged into (only for merged)",
                                  "placeholder": "PF-2026-0001", "maxLength": 20})
        actions.append({"type": "Action.ShowCard", "title": "Change status", "card": {
            "type": "AdaptiveCard", "body": status_inputs,
            "actions": [{"type": "Action.Execute", "title": "Save status", "verb": VERB,
                         "data": {**data, "op": "status"}}],
        }})
    if view.status not in (Status.MERGED, Status.DECLINED):
        choices = [{"title": plain(p.name or p.aad_object_id), "value": p.aad_object_id} for p in staff]
        actions.append({"type": "Action.ShowCard", "title": "Assign", "card": {
            "type": "AdaptiveCard",
            "body": [{"type": "Input.ChoiceSet", "id": "assignee", "label": "Assign to",
                      "value": view.assigned_to or "nobody", "choices": [{"title": "Nobody", "value": "nobody"}, *choices]}],
            "actions": [{"type": "Action.Execute", "title": "Save assignment", "verb": VERB,
                         "data": {**data, "op": "assign"}}],
        }})
        actions.append({"type": "Action.ShowCard", "title": "Ask the submitter", "card": {
            "type": "AdaptiveCard",
            "body": [{"type": "Input.Text", "id": "question", "label": "Your question", "isMultiline": True,
                      "isRequired": True, "errorMessage": "Type your question.", "maxLength": MAX_TEXT,
                      "placeholder": "For example: which nights are the sheds broken into?"}],
            "actions": [{"type": "Action.Execute", "title": "Send question", "verb": VERB,
                         "data": {**data, "op": "ask"}}],
        }})
    actions.append({"type": "Action.Execute", "title": "Refresh", "verb": VERB, "data": {**data, "op": "open"}})
    fallback = "\n".join([
        *([notice[0]] if notice else []),
        f"{reference}: {plain(view.title, limit=200)}. Status: {view.status.label}. "
        f"Assigned to: {name(view.assigned_to)}. Supporters: {len(view.supporters)}.",
        *(f"- {line}" for line in history),
        f"Act on it by typing, for example: change status {reference} to triaged: note, "
        f"assign {reference} me, ask {reference} your question, merge {reference} into <the original's reference>.",
    ])
    return adaptive_card(body, fallback, actions)


def queue_card(items: list[QueueItem], names: dict[str, str]) -> dict:
    """The triage queue: oldest first, each line opening its submission when pressed."""
    body: list[dict] = [_block(
        f"Triage queue: {len(items)} awaiting triage" if items else "Triage queue", weight="Bolder", size="Medium"
    )]
    lines = []
    for item in items[:QUEUE_SHOWN]:
        details = [f"{item.age_days} days old", item.status.label]
        if item.assigned_to:
            details.append(f"assigned to {plain(names.get(item.assigned_to, item.assigned_to))}")
        if item.question:
            details.append("reply received" if item.question == "replied" else "waiting for a reply")
        if item.similar:
            details.append("similar: " + ", ".join(s.reference for s in item.similar))
        line = f"{item.reference}: {plain(item.title, limit=120)}"
        lines.append(f"- {line} ({'; '.join(details)})")
        body.append({
            "type": "Container", "separator": True, "spacing": "Small",
            "selectAction": {"type": "Action.Submit", "title": f"Open {item.reference}",
                             "data": {"msteams": {"type": "imBack", "value": f"open {item.reference}"}}},
            "items": [
                _block(line, weight="Bolder"),
                _block("; ".join(details), isSubtle=True, spacing="None",
                       color="Attention" if item.similar else "Default"),
            ],
        })
    if not items:
        body.append(_block("Nothing is waiting for triage."))
    if len(items) > QUEUE_SHOWN:
        body.append(_block(f"Showing the oldest {QUEUE_SHOWN} of {len(items)}.", isSubtle=True))
    body.append(_block("Press a line or type open and its reference to act on it.", isSubtle=True))
    fallback = "Triage queue, oldest first:\n" + "\n".join(lines) if lines else "Nothing is waiting for triage."
    return adaptive_card(body, fallback)


class Hub:
    """The Hub's commands, card actions and the catcher of submitters' replies.

    Args:
        services: the app's collaborators.
    """

    def __init__(self, services: "Services") -> None:
        self._portal = services.portal
        self._submissions = services.portal.submissions
        self._notifications = services.notifications
        self._knowledge = services.knowledge
        self._bootstrap_admins = services.settings.bootstrap_admins
        audit = Audit(services.database)
        self.triage = Triage(services.database, services.portal.submissions, audit)
        self.roles = Roles(services.database, audit)
        self._what_works = WhatWorks(services.knowledge, services.search_log)

    # --- shared -----------------------------------------------------------------------------

    async def _not_hub(self, turn_context: TurnContext, user: UserInfo, recognised: Recognised | None = None) -> bool:
        """True when the turn is dealt with here: an officer is refused. Words that only start
        like a Hub command ("ask the neighbours about...") and name no submission are what
        they were before the Hub's commands, a what-works question, for anyone."""
        if recognised is not None and _is_question(recognised.argument):
            question = " ".join(re.sub(r"<at>.*?</at>", " ", turn_context.activity.text or "", flags=re.I).split())
            await self._what_works.on_question(turn_context, Recognised("question", question), user)
            return True
        if user.is_hub:
            return False
        await turn_context.send_activity(REFUSAL)
        return True

    async def _names(self, aads: list[str | None]) -> dict[str, str]:
        return await asyncio.to_thread(self.triage.names, aads)

    async def record_card(
        self, reference: str, user: UserInfo, *, audited: bool, notice: tuple[str, str] | None = None
    ) -> dict:
        """The card of a submission as it is now; ``audited`` for a read that is not the
        card shown after a change (which that change's audit row covers)."""
        record = await asyncio.to_thread(self.triage.open, reference, user.aad_object_id, audited=audited)
        view = record.view
        vector = await asyncio.to_thread(self.triage.vector, view.reference)
        similar = (await asyncio.to_thread(self._submissions.similar, vector, 3, exclude_reference=view.reference)
                   if vector is not None else [])
        labels = ", ".join(self._portal.taxonomy.label(c) for c in view.crime_types) or "Not crime specific"
        result = await self._knowledge.search(view.title + (f" ({labels})" if view.crime_types else ""), k=3)
        entries = list(result.results) if result is not None and not result.no_good_match else []
        staff = await asyncio.to_thread(self.roles.staff)
        names = await self._names([
            view.owner_aad, view.assigned_to, record.last.by, *(h.by for h in view.history),
            *(s.aad_object_id for s in view.supporters), *(q.asked_by for q in record.questions),
        ])
        return record_card(record, names=names, crime_types=labels, similar=similar, entries=entries,
                           staff=staff, notice=notice)

    # --- the changes, typed or from a card -------------------------------------------------

    async def change_status(
        self, user: UserInfo, reference: str, status: Any, note: Any, target: Any, expected: int | None
    ) -> str:
        """Change the status with a note (a merge when ``status`` is merged); the submitter
        and supporters are told through the Portal. Returns what to tell the Hub member."""
        try:
            wanted = Status(status)
        except ValueError:
            raise _Invalid("Choose one of the statuses offered.") from None
        if wanted is Status.MERGED:
            return await self.merge(user, reference, target, note, expected)
        text = _note(note)
        claim = await asyncio.to_thread(self.triage.claim, reference, user.aad_object_id,
                                        f"status:{wanted.value}", expected)
        try:
            change = await self._portal.change_status(claim.reference, wanted, user.aad_object_id, text)
        except Exception:
            await asyncio.to_thread(self.triage.release, claim)
            raise
        await asyncio.to_thread(self.triage.settle, claim, user.aad_object_id, Action.SUBMISSION_STATUS)
        told = "submitter and supporters have" if change.supporters else "submitter has"
        return f"{change.reference} is now {wanted.label.lower()}. Its {told} been told."

    async def merge(self, user: UserInfo, reference: str, target: Any, note: Any, expected: int | None) -> str:
        """Merge a duplicate into the original: its submitter and supporters (with their
        notes) become supporters of the original, and both submitters are told."""
        into = normalise_reference(target) if isinstance(target, str) else None
        if into is None:
            raise _Invalid(f"Which submission does {reference} join? Give its reference, for example PF-2026-0001.")
        text = _note(note)
        claim = await asyncio.to_thread(self.triage.claim, reference, user.aad_object_id, "merge", expected)
        try:
            change = await self._portal.change_status(
                claim.reference, Status.MERGED, user.aad_object_id, text, merged_into=into
            )
        except Exception:
            await asyncio.to_thread(self.triage.release, claim)
            raise
        await asyncio.to_thread(self.triage.settle, claim, user.aad_object_id, Action.SUBMISSION_MERGE,
                                merged_into=change.merged_into)
        original = await asyncio.to_thread(self._submissions.get, into, user.aad_object_id, True)
        if original.owner_aad != change.submitter_aad:
            await self._notifications.notify(
                original.owner_aad,
                f"{change.reference} ({plain(change.title, limit=120)}) has been merged into your submission "
                f"{original.reference} ({plain(original.title, limit=120)}): the Hub thinks it is the same work. "
                f"Its submitter and supporters now support yours, and their notes are added to it.",
                kind="submission-merged", dedupe_key=f"merged:{change.history_id}",
            )
        return (f"{change.reference} is merged into {original.reference}. Its submitter and supporters now "
                f"support {original.reference}, and both submitters have been told.")

    async def assign(self, user: UserInfo, reference: str, assignee: str | None, expected: int | None) -> str:
        """Assign the submission to a Hub member (None: nobody), who is told."""
        claim = await asyncio.to_thread(self.triage.assign, reference, assignee, user.aad_object_id, expected)
        if assignee is None:
            return f"{claim.reference} is now assigned to nobody."
        names = await self._names([assignee])
        if assignee.lower() != user.aad_object_id.lower():
            await self._notifications.notify(
                assignee,
                f"{plain(user.name or 'A Hub colleague')} has assigned {claim.reference} to you. "
                f"Type open {claim.reference} to see it.",
                kind="submission-assigned", dedupe_key=f"assign:{claim.reference}:{claim.version}",
            )
        return f"{claim.reference} is now assigned to {plain(names.get(assignee.lower(), assignee))}."

    async def ask(self, user: UserInfo, reference: str, question: Any, expected: int | None) -> str:
        """Send the submitter a question; their next plain message is stored as the reply."""
        text = _note(question, "The question")
        if text is None:
            raise _Invalid(f"What would you like to ask? For example: ask {reference} Which nights does it happen?")
        asked = await asyncio.to_thread(self.triage.ask, reference, text, user.aad_object_id, expected)
        ref = asked.question.reference
        status = await self._notifications.notify(
            asked.question.asked_to,
            f"The Hub has a question about your submission {ref} ({plain(asked.title, limit=120)}):\n\n"
            f"{plain(text)}\n\nPlease reply here: your next message will be added to {ref} and passed to the Hub.",
            kind="submission-question", dedupe_key=f"question:{asked.question.id}",
        )
        if asked.change is not None:
            for supporter in asked.change.supporters:
                await self._notifications.notify(
                    supporter, f"Update on {ref} ({plain(asked.title, limit=120)}), which you support: the Hub has "
                    f"asked its submitter for more information. Type status {ref} to see its history.",
                    kind="status-change", dedupe_key=f"status:{asked.change.history_id}:{supporter}",
                )
        moved = " It is now waiting for more information." if asked.change is not None else ""
        if status is NotificationStatus.SENT:
            return f"Your question is sent to the submitter of {ref}.{moved} I will tell you when they reply."
        return (f"Your question is saved on {ref}, but I could not reach its submitter in Teams yet; they will get "
                f"it when I can.{moved} I will tell you when they reply.")

    # --- card buttons -----------------------------------------------------------------------

    async def act(self, data: dict, user: UserInfo) -> tuple[dict | None, str, int]:
        """Carry out a card action: the card to show (None to leave the card as it is), what
        to tell the Hub member, and the status of the answer (403 for an officer, 400 for an
        action that cannot be done as given). Only the role read from the database counts."""
        if not user.is_hub:
            return None, REFUSAL, 403
        op = data.get("op")
        reference = normalise_reference(data["reference"]) if isinstance(data.get("reference"), str) else None
        if reference is None or op not in ("open", "status", "assign", "ask"):
            return None, "That button is not recognised. Type queue to see the submissions awaiting triage.", 400
        expected = _version(data.get("version"))
        try:
            if op == "open":
                return await self.record_card(reference, user, audited=True), "", 200
            if expected is None:
                raise _Invalid(f"That card is out of date. Type open {reference} to see the record as it is now.")
            if op == "status":
                message = await self.change_status(
                    user, reference, data.get("status"), data.get("note"), data.get("target"), expected
                )
            elif op == "assign":
                assignee = data.get("assignee") if isinstance(data.get("assignee"), str) else ""
                message = await self.assign(user, reference, None if assignee.lower() in _NOBODY else assignee, expected)
            else:
                message = await self.ask(user, reference, data.get("question"), expected)
        except StaleCard as stale:
            notice = await self._stale_notice(stale)
            return await self.record_card(reference, user, audited=True, notice=(notice, "Attention")), notice, 200
        except SubmissionNotFound as missing:
            return None, f"There is no submission {plain(str(missing.args[0]) if missing.args else reference)}.", 400
        except (InvalidTransition, NotHubStaff, _Invalid) as problem:
            return None, str(problem), 400
        return await self.record_card(reference, user, audited=False, notice=(message, "Good")), message, 200

    async def _stale_notice(self, stale: StaleCard) -> str:
        last = stale.last
        if last.by is None or last.at is None:
            return f"{stale.reference} has changed since this card was shown. Nothing was changed; here it is now."
        name = (await self._names([last.by])).get(last.by, last.by)
        return (f"Already handled by {plain(name)} at {_when(last.at)}. Nothing was changed; "
                f"this card now shows {stale.reference} as it is.")

    async def on_execute(self, turn_context: TurnContext, data: dict, user: UserInfo) -> AdaptiveCardInvokeResponse:
        """An ``Action.Execute`` press: answer with the refreshed card, or with an error that
        Teams shows while leaving the card as it was (a refusal, or inputs to correct)."""
        card, message, status = await self.act(data, user)
        if card is None:
            code = "Forbidden" if status == 403 else "BadRequest"
            return AdaptiveCardInvokeResponse(
                status_code=status, type="application/vnd.microsoft.error", value={"code": code, "message": message}
            )
        return AdaptiveCardInvokeResponse(status_code=200, type="application/vnd.microsoft.card.adaptive", value=card)

    async def on_card_action(self, turn_context: TurnContext, data: dict, user: UserInfo) -> None:
        """The same data as an ``Action.Submit``: answer in a new message."""
        card, message, _ = await self.act(data, user)
        await turn_context.send_activity(card_activity(card) if card is not None else message)

    # --- typed commands ---------------------------------------------------------------------

    async def _typed(self, turn_context: TurnContext, user: UserInfo, change: Any) -> None:
        try:
            message = await change
        except StaleCard:  # pragma: no cover - typed changes carry no version
            message = "Someone changed it at the same moment; open it again to see it."
        except SubmissionNotFound as missing:
            message = f"There is no submission {plain(str(missing.args[0]))}. Type queue to see those awaiting triage."
        except (InvalidTransition, NotHubStaff, _Invalid) as problem:
            message = str(problem)
        await turn_context.send_activity(message)

    async def _reference(self, turn_context: TurnContext, recognised: Recognised, example: str) -> tuple[str | None, str]:
        reference, rest = _split_reference(recognised.argument)
        if reference is None:
            await turn_context.send_activity(f"Which submission? Type the reference first, for example: {example}")
        return reference, rest

    async def on_queue(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        if await self._not_hub(turn_context, user):
            return
        items = await asyncio.to_thread(self.triage.queue)
        names = await self._names([item.assigned_to for item in items])
        await turn_context.send_activity(card_activity(queue_card(items, names)))

    async def on_open(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        if await self._not_hub(turn_context, user, recognised):
            return
        reference, _ = await self._reference(turn_context, recognised, "open PF-2026-0042")
        if reference is None:
            return
        try:
            card = await self.record_card(reference, user, audited=True)
        except SubmissionNotFound:
            await turn_context.send_activity(f"There is no submission {reference}. Type queue to see those awaiting triage.")
            return
        await turn_context.send_activity(card_activity(card))

    async def on_change_status(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        if await self._not_hub(turn_context, user):
            return
        example = "change status PF-2026-0042 to triaged: passed to the burglary team"
        reference, rest = await self._reference(turn_context, recognised, example)
        if reference is None:
            return
        status, note = _parse_status(rest)
        if status is None:
            names = ", ".join(s.label.lower() for s in Status)
            await turn_context.send_activity(f"Which status? One of: {names}. For example: {example}")
            return
        if status is Status.MERGED:
            await turn_context.send_activity(f"To merge it, type: merge {reference} into PF-2026-0001")
            return
        await self._typed(turn_context, user, self.change_status(user, reference, status, note, None, None))

    async def on_merge(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        if await self._not_hub(turn_context, user, recognised):
            return
        reference, rest = await self._reference(turn_context, recognised, "merge PF-2026-0042 into PF-2026-0007")
        if reference is None:
            return
        target, note = _split_reference(_strip_word(rest, "into", "with", "to"))
        await self._typed(turn_context, user, self.merge(user, reference, target, note, None))

    async def on_assign(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        if await self._not_hub(turn_context, user, recognised):
            return
        reference, rest = await self._reference(turn_context, recognised, "assign PF-2026-0042 Sam Patel")
        if reference is None:
            return
        who = _strip_word(rest, "to")
        if not who:
            await turn_context.send_activity(f"To whom? For example: assign {reference} me, or assign {reference} nobody.")
            return
        if who.lower() in _NOBODY:
            assignee = None
        elif who.lower() == "me":
            assignee = user.aad_object_id
        else:
            person = await self._find(turn_context, who)
            if person is None:
                return
            assignee = person.aad_object_id
        await self._typed(turn_context, user, self.assign(user, reference, assignee, None))

    async def on_ask(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        if await self._not_hub(turn_context, user, recognised):
            return
        reference, question = await self._reference(turn_context, recognised, "ask PF-2026-0042 Which nights?")
        if reference is None:
            return
        await self._typed(turn_context, user, self.ask(user, reference, question, None))

    # --- roles ------------------------------------------------------------------------------

    async def _find(self, turn_context: TurnContext, who: str) -> UserInfo | None:
        try:
            return await asyncio.to_thread(self.roles.find, who)
        except UnknownUserError:
            await turn_context.send_activity(
                f"I don't know anyone called {plain(who, limit=100)}. Use their Azure AD object id or their display "
                "name as Teams shows it; they need to have said hello to me once."
            )
        except AmbiguousUser as ambiguous:
            ids = ", ".join(p.aad_object_id for p in ambiguous.candidates)
            await turn_context.send_activity(
                f"More than one person is called {plain(who, limit=100)}. Use their Azure AD object id: {ids}."
            )
        return None

    async def on_roles(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        if user.role is not Role.ADMIN:
            await turn_context.send_activity(ADMIN_ONLY)
            return
        staff = await asyncio.to_thread(self.roles.staff)
        lines = [f"- {plain(p.name or '(no name yet)')}: {p.role.value} ({p.aad_object_id})" for p in staff]
        await turn_context.send_activity(
            "Hub staff and admins:\n\n" + "\n".join(lines)
            + "\n\nType grant hub <name or id>, grant admin <name or id> or revoke <name or id>."
        )

    async def on_grant(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        if user.role is not Role.ADMIN:
            await turn_context.send_activity(ADMIN_ONLY)
            return
        word, _, who = recognised.argument.strip().partition(" ")
        role = {"hub": Role.HUB, "admin": Role.ADMIN}.get(word.lower())
        if role is None or not who.strip():
            await turn_context.send_activity("Grant which role to whom? For example: grant hub Sam Patel, or grant admin Sam Patel.")
            return
        await self._change_role(turn_context, user, _strip_word(who.strip(), "to"), role)

    async def on_revoke(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        if user.role is not Role.ADMIN:
            await turn_context.send_activity(ADMIN_ONLY)
            return
        if not recognised.argument.strip():
            await turn_context.send_activity("Whose role? For example: revoke Sam Patel. They become an officer again.")
            return
        await self._change_role(turn_context, user, recognised.argument.strip(), Role.OFFICER)

    async def _change_role(self, turn_context: TurnContext, user: UserInfo, who: str, role: Role) -> None:
        person = await self._find(turn_context, who)
        if person is None:
            return
        try:
            change = await asyncio.to_thread(self.roles.change, user.aad_object_id, person.aad_object_id, role)
        except LastAdmin as problem:
            await turn_context.send_activity(f"{plain(str(problem))} Nothing was changed.")
            return
        name = plain(person.name or person.aad_object_id)
        if change.before is role:
            await turn_context.send_activity(f"{name} is already {_role_name(role)}. Nothing was changed.")
            return
        message = f"{name} is now {_role_name(role)} (was {_role_name(change.before)})."
        if person.aad_object_id in self._bootstrap_admins and role is not Role.ADMIN:
            message += (" They are in BOOTSTRAP_ADMINS, so they will be an admin again the next time they talk to "
                        "me: take them out of the configuration as well.")
        await turn_context.send_activity(message)
        if person.aad_object_id != user.aad_object_id:
            await self._notifications.notify(
                person.aad_object_id, f"{plain(user.name or 'An admin')} has made you {_role_name(role)} in the "
                "Prevention First assistant." + (" Type queue to see the submissions awaiting triage."
                                                 if role is not Role.OFFICER else ""),
                kind="role-change",
            )

    # --- replies to questions ---------------------------------------------------------------

    async def intercept(self, turn_context: TurnContext, user: UserInfo) -> bool:
        """A submitter's plain message while the Hub waits for their reply: stored on the
        submission, the Hub member who asked is told, and the submitter is thanked."""
        text = (turn_context.activity.text or "").strip()
        if not text:
            return False
        pending = await asyncio.to_thread(self.triage.pending, user.aad_object_id)
        if pending is None:
            return False
        if len(text) > MAX_TEXT:
            await turn_context.send_activity(
                f"Your reply to the Hub's question about {pending.reference} is {len(text):,} characters; "
                f"please send it in up to {MAX_TEXT:,}."
            )
            return True
        keep = re.match(r"(?i)keep\s*:\s*", text)
        if keep:
            text = text[keep.end():].strip()
        elif findings := find_personal_data(text):
            await turn_context.send_activity(
                f"Your reply to the Hub's question about {pending.reference} seems to include personal data: "
                f"{describe(findings)}. The Hub does not need it to help: please send your reply again without it, "
                "or, if it is needed, send it again starting with keep: and I will pass it on as it is."
            )
            return True
        reply = await asyncio.to_thread(self.triage.reply, user.aad_object_id, text)
        if reply is None:
            return False
        question, ref = reply.question, reply.question.reference
        await self._notifications.notify(
            question.asked_by,
            f"The submitter of {ref} ({plain(reply.title, limit=120)}) has replied to your question.\n\n"
            f"You asked: {plain(question.question, limit=600)}\n\nThey replied: {plain(text)}\n\n"
            f"Type open {ref} to see the record.",
            kind="submission-reply", dedupe_key=f"reply:{question.id}",
        )
        asker = (await self._names([question.asked_by])).get(question.asked_by, "the Hub")
        thanks = f"Thank you. Your reply is added to {ref} and {plain(asker)} in the Hub has been told."
        if reply.waiting is not None:
            thanks += (f"\n\nThe Hub has another question, about {reply.waiting.reference}: "
                       f"{plain(reply.waiting.question)}\n\nYour next message will answer it.")
        await turn_context.send_activity(thanks)
        return True


def _role_name(role: Role) -> str:
    return {Role.OFFICER: "an officer", Role.HUB: "Hub staff", Role.ADMIN: "an admin"}[role]


def hub_feature(services: "Services") -> Feature:
    """The Hub's part of the assistant: its commands, card buttons and reply catcher."""
    hub = Hub(services)
    return Feature(
        commands={
            "queue": hub.on_queue,
            "open": hub.on_open,
            "change status": hub.on_change_status,
            "assign": hub.on_assign,
            "merge": hub.on_merge,
            "ask": hub.on_ask,
            "roles": hub.on_roles,
            "grant": hub.on_grant,
            "revoke": hub.on_revoke,
            "hub": on_hub_menu,
        },
        card_actions={VERB: hub.on_card_action},
        executes={VERB: hub.on_execute},
        interceptors=[hub.intercept],
    )


HUB_MENU = (
    ("queue", "submissions awaiting triage, oldest first"),
    ("open PF-2026-0042", "a submission with its history, similar ones and evidence, and buttons to act"),
    ("change status PF-2026-0042 to triaged: note", "move it on; the submitter is told"),
    ("assign PF-2026-0042 me", "assign it (a name, me or nobody)"),
    ("merge PF-2026-0043 into PF-2026-0042", "join a duplicate to its original"),
    ("ask PF-2026-0042 question", "ask the submitter for more information"),
    ("knowledge status, reindex, gaps", "look after the evidence base"),
    ("report 2026-10", "the monthly board report"),
    ("cohort, enrol", "Academy cohorts and enrolment"),
    ("roles, grant hub name, revoke name", "for admins: who has which role"),
)


async def on_hub_menu(turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
    """``hub`` (the welcome card's Hub tools button): what Hub staff can type."""
    if not user.is_hub:
        await turn_context.send_activity(
            "The Hub's tools are for the Prevention First Hub's staff. To send the Hub an idea or a problem, "
            "type submit.")
        return
    lines = "\n".join(f"- {command}: {what}" for command, what in HUB_MENU)
    await turn_context.send_activity(f"Hub tools. Type:\n\n{lines}")
