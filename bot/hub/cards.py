"""The Hub's cards: the triage queue, and one submission with the actions for the version
it shows (``Action.Execute`` buttons, verb ``hub``). Everything officers typed is escaped with
:func:`bot.text.plain`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from bot.cards import adaptive_card
from bot.text import plain
from domain.clock import LONDON
from domain.hub.records import MAX_TEXT, LastAction, QueueItem, Record
from domain.portal.records import TRANSITIONS, SimilarSubmission, Status
from domain.users import UserInfo

__all__ = ["VERB", "QUEUE_SHOWN", "record_card", "queue_card", "when"]

VERB = "hub"
QUEUE_SHOWN = 25


def when(moment: datetime) -> str:
    """A moment as a Hub member in the UK reads it: "10:15 on 26 Nov 2026"."""
    local = moment.astimezone(LONDON)
    return f"{local:%H:%M} on {local.day} {local:%b %Y}"


def _day(moment: datetime) -> str:
    return f"{moment.astimezone(LONDON).day} {moment.astimezone(LONDON):%b %Y}"




def _block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _heading(text: str) -> dict[str, Any]:
    return _block(text, weight="Bolder", spacing="Medium", separator=True)


def _last_line(last: LastAction, names: dict[str, str], status: Status) -> str | None:
    if last.action is None or last.by is None or last.at is None:
        return None
    what = {
        "assign": "assigned",
        "merge": "merged",
        "ask": "asked the submitter a question",
    }.get(last.action) or f"status set to {last.action.partition(':')[2].replace('-', ' ') or status.label.lower()}"
    return f"{what.capitalize()} by {plain(names.get(last.by, last.by))} at {when(last.at)}"


def record_card(
    record: Record,
    *,
    names: dict[str, str],
    crime_types: str,
    similar: list[SimilarSubmission],
    entries: list[Any],
    staff: list[UserInfo],
    notice: tuple[str, str] | None = None,
    followers: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """The Hub's card of one submission, with its actions for the version it shows.

    Args:
        names: display names by Azure AD object id.
        crime_types: the crime types as labels.
        similar: submissions that may be the same work.
        entries: knowledge index hits that may answer it.
        staff: Hub staff, for the assign choice.
        notice: a line shown first, and its colour ("Good", "Attention").
        followers: who follows a topic the submission matches, and that topic, so the Hub
            can bring in a portfolio lead.
    """
    view, last = record.view, record.last
    reference = view.reference

    def name(aad: str | None) -> str:
        return plain(names.get(aad, aad)) if aad else "Nobody"

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
    body: list[dict[str, Any]] = []
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
        ("Following this topic", [f"{name(aad)}: follows {plain(topic)}" for aad, topic in followers]),
    ]
    for title, lines in sections:
        if lines:
            body.append(_heading(title))
            body += [_block(line, spacing="Small") for line in lines]

    data = {"action": VERB, "reference": reference, "version": last.version}
    actions: list[dict[str, Any]] = []
    allowed = sorted(TRANSITIONS[view.status], key=list(Status).index)
    if allowed:
        status_inputs: list[dict[str, Any]] = [
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


def queue_card(items: list[QueueItem], names: dict[str, str]) -> dict[str, Any]:
    """The triage queue: oldest first, each line opening its submission when pressed."""
    body: list[dict[str, Any]] = [_block(
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
