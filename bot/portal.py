"""The Portal in Teams: saving submissions, joining similar ones, ``my submissions``,
``status PF-YYYY-NNNN``, ``share`` / ``unshare``, and telling people when something changes.

The records and their rules live in :mod:`domain.portal.submissions`; this module turns them into
messages and cards. Everything an officer typed is escaped before it is shown (see
:func:`bot.text.plain`), and nobody but the submitter, people who added their support and
Hub staff can see a submission. The cards show the view the domain built for each viewer:
supporters never get the Hub's notes, nor the submitter's answers unless the submitter shares them.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, Sequence

from botbuilder.core import TurnContext
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference

from bot.cards import adaptive_card, card_activity
from bot.commands import Recognised
from bot.notifications import NotificationService
from bot.text import plain
from domain.whatworks.knowledge import KnowledgeService
from domain.portal import (
    CannotShare,
    CannotSupport,
    Kind,
    NewSubmission,
    SimilarSubmission,
    Status,
    StatusChange,
    SubmissionNotFound,
    Submissions,
    SubmissionView,
    SupportAdded,
    Viewer,
    embedding_text,
    normalise_reference,
)
from domain.users import UserInfo, Users
from indexer.results import Hit
from indexer.taxonomy import Taxonomy

__all__ = ["Portal", "PortalMessages", "HubChannel"]

log = logging.getLogger(__name__)

RELATED = 3


class HubChannel:
    """The Hub's Teams channel, where new submissions are announced (when configured)."""

    def __init__(self, adapter: Any, channel_id: str, service_url: str, app_id: str) -> None:
        self._adapter = adapter
        self._reference = ConversationReference(
            channel_id="msteams", service_url=service_url,
            conversation=ConversationAccount(id=channel_id, conversation_type="channel", is_group=True),
            bot=ChannelAccount(id=app_id or "prevention-first"),
        )
        self._app_id = app_id

    async def post(self, card: dict[str, Any]) -> bool:
        """Post a card; a failure is logged and reported, never raised into the officer's turn."""
        failure: list[BaseException] = []

        async def callback(turn_context: TurnContext) -> None:
            try:
                await turn_context.send_activity(card_activity(card))
            except Exception as error:  # noqa: BLE001 - reported below
                failure.append(error)

        try:
            await self._adapter.continue_conversation(self._reference, callback, self._app_id)
        except Exception as error:  # noqa: BLE001
            failure.append(error)
        if failure:
            log.warning("hub channel post failed", extra={"reason": type(failure[0]).__name__}, exc_info=failure[0])
        return not failure


class PortalMessages:
    """The Portal's proactive messages, with everything an officer typed shown as written."""

    def status_changed(self, change: StatusChange) -> str:
        """To the submitter: the new status, and the Hub's note. To a supporter: the new
        status (their copy of the change carries no note)."""
        title = plain(change.title, limit=120)
        whose = (f"{change.reference} ({title}), which you support" if change.for_supporter
                 else f"your submission {change.reference} ({title})")
        text = f"Update on {whose}: it is now {change.to_status.label.lower()}."
        if change.to_status is Status.MERGED and change.merged_into:
            text += f" It has been joined with {change.merged_into}, which you can follow instead."
        if change.note and not change.for_supporter:
            text += f"\n\nNote from the Hub: {plain(change.note, limit=1000)}"
        return text + f"\n\nType status {change.reference} to see its history."

    def support_added(self, added: SupportAdded) -> str:
        """To the submitter: another officer backs their submission."""
        return (f"Another officer has added their support and notes to your submission {added.reference} "
                f"({plain(added.title, limit=120)}).")


class Portal:
    """What the submission dialog and the Portal's commands do.

    Args:
        submissions: the records.
        knowledge: the what-works index and its model (for similarity).
        notifications: proactive messages to officers.
        users: the user directory (roles).
        taxonomy: crime-type labels.
        hub_channel: where new submissions are announced, if configured.
        messages: the words of the Portal's proactive messages.
    """

    def __init__(
        self,
        submissions: Submissions,
        knowledge: KnowledgeService,
        notifications: NotificationService,
        users: Users,
        taxonomy: Taxonomy,
        hub_channel: HubChannel | None = None,
        messages: PortalMessages | None = None,
    ) -> None:
        self.submissions = submissions
        self.knowledge = knowledge
        self.notifications = notifications
        self.users = users
        self.taxonomy = taxonomy
        self.hub_channel = hub_channel
        self.messages = messages or PortalMessages()

    # -- the dialog's steps -----------------------------------------------------------------

    async def related(self, answers: dict[str, Any]) -> tuple[list[SimilarSubmission], list[Hit]]:
        """Up to three similar submissions (by title and description) that still take
        support, and up to three knowledge entries (by title and crime types) for a draft
        submission."""
        vector = (await self.knowledge.embed([embedding_text(answers["title"], answers["description"])]))[0]
        similar = await asyncio.to_thread(
            functools.partial(self.submissions.similar, vector, RELATED, supportable=True)
        )
        crime_types = answers.get("crime_types") or []
        question = answers["title"] + (f" ({self._crime_types(crime_types)})" if crime_types else "")
        result = await self.knowledge.search(question, k=RELATED)
        entries = list(result.results) if result is not None and not result.no_good_match else []
        return similar, entries

    def _new(self, answers: dict[str, Any]) -> NewSubmission:
        kind = next(k for k in Kind if k.label == answers["kind"])
        return NewSubmission(
            kind=kind, title=answers["title"], description=answers["description"],
            crime_types=list(answers.get("crime_types") or []), area=answers["area"],
            tried=answers.get("tried"), success=answers.get("success"), partners=answers.get("partners"),
            personal_data=dict(answers.get("_personal_data") or {}),
        )

    async def submit(self, turn_context: TurnContext, aad: str, answers: dict[str, Any]) -> str:
        """Save the submission, then (only then) tell the officer its reference."""
        new = self._new(answers)
        vector = (await self.knowledge.embed([embedding_text(new.title, new.description)]))[0]
        activity = turn_context.activity
        source = f"{activity.conversation.id}|{activity.id}" if activity.id and activity.conversation else None
        created = await asyncio.to_thread(self.submissions.create, aad, new, source_key=source, vector=vector)
        await turn_context.send_activity(
            f"Submitted. Your reference is {created.reference}. The Hub will triage it and I will message you "
            f"here when its status changes. Type status {created.reference} to see it at any time."
        )
        if created.created and self.hub_channel is not None:
            await self.hub_channel.post(self._announcement(created.reference, new))
        return created.reference

    async def support(self, turn_context: TurnContext, aad: str, reference: str, answers: dict[str, Any]) -> SupportAdded | None:
        """Add the officer's notes and support to an existing submission, thank the officer,
        then tell its owner and the Hub's channel."""
        notes = "\n\n".join(
            f"{label}: {answers[key]}" for key, label in
            (("title", "Title"), ("description", "Description"), ("tried", "Tried so far"),
             ("success", "Success would be"), ("partners", "Partners"))
            if answers.get(key)
        )
        try:
            added = await asyncio.to_thread(
                functools.partial(self.submissions.add_support, reference, aad, notes, notices=self.messages)
            )
        except (CannotSupport, SubmissionNotFound) as error:
            await turn_context.send_activity(f"{error} Carry on with a new submission instead.")
            return None
        await turn_context.send_activity(
            f"Thank you. Your notes and support are added to {added.reference}, and its submitter and the Hub "
            f"are told. Type status {added.reference} to follow it."
        )
        self.notifications.dispatch(added.notifications)
        if self.hub_channel is not None:
            await self.hub_channel.post(adaptive_card(
                [{"type": "TextBlock", "text": f"Support added to {added.reference}", "weight": "Bolder", "wrap": True},
                 {"type": "TextBlock", "text": plain(added.title, limit=200), "wrap": True}],
                f"Support added to {added.reference}",
            ))
        return added

    def _announcement(self, reference: str, new: NewSubmission) -> dict[str, Any]:
        facts = [
            {"title": "Kind", "value": new.kind.label},
            {"title": "Crime types", "value": self._crime_types(new.crime_types)},
            {"title": "Area", "value": plain(new.area)},
        ]
        body: list[dict[str, Any]] = [
            {"type": "TextBlock", "text": f"New submission {reference}", "weight": "Bolder", "size": "Medium", "wrap": True},
            {"type": "TextBlock", "text": plain(new.title, limit=200), "wrap": True},
            {"type": "FactSet", "facts": facts},
            {"type": "TextBlock", "text": plain(new.description, limit=400), "wrap": True, "isSubtle": True},
        ]
        return adaptive_card(body, f"New submission {reference}: {plain(new.title, limit=200)}")

    def _crime_types(self, ids: Sequence[str]) -> str:
        return ", ".join(self.taxonomy.label(i) for i in ids) if ids else "Not crime specific"

    # -- commands ----------------------------------------------------------------------------

    async def on_my_submissions(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        rows = await asyncio.to_thread(self.submissions.list_for, user.aad_object_id)
        if not rows:
            await turn_context.send_activity("You have no submissions yet. Type submit to send the Hub an idea or a problem.")
            return
        lines = []
        for row in rows[:20]:
            role = "" if row.role == "submitter" else " (supported)"
            updated = row.last_update.strftime("%d %b %Y")
            line = f"{row.reference}: {plain(row.title, limit=100)}{role}. {row.status.label}, updated {updated}"
            lines.append(f"- {line}")
        more = f"\n\nShowing the latest 20 of {len(rows)}." if len(rows) > 20 else ""
        text = "Your submissions:\n\n" + "\n".join(lines) + more + "\n\nType status and a reference to see one."
        await turn_context.send_activity(text)

    async def on_status(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``status PF-YYYY-NNNN``: the submission as this person may see it (the read audited
        unless it is their own); ``share`` and ``unshare`` are handled here too."""
        if recognised.name in ("share", "unshare"):
            await self.on_share(turn_context, recognised, user)
            return
        reference = normalise_reference(recognised.argument)
        if reference is None:
            await turn_context.send_activity(
                "Which submission? Type status and its reference, for example: status PF-2026-0042. "
                "Type my submissions to see yours."
            )
            return
        try:
            view = await asyncio.to_thread(self.submissions.read, reference, user.aad_object_id, user.is_hub)
        except SubmissionNotFound:
            await turn_context.send_activity(
                f"I can't find a submission {reference} that you can see. Type my submissions to see yours."
            )
            return
        await turn_context.send_activity(card_activity(*self._status_card(view)))

    async def on_share(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``share PF-YYYY-NNNN`` / ``unshare PF-YYYY-NNNN``: the submitter lets the officers
        supporting their submission see their description and answers, or stops them."""
        sharing = recognised.name == "share"
        reference = normalise_reference(recognised.argument)
        if reference is None:
            await turn_context.send_activity(
                f"Which submission? Type {recognised.name} and its reference, for example: "
                f"{recognised.name} PF-2026-0042. Type my submissions to see yours."
            )
            return
        try:
            changed = await asyncio.to_thread(self.submissions.share, reference, user.aad_object_id, sharing)
        except SubmissionNotFound:
            await turn_context.send_activity(
                f"I can't find a submission {reference} of yours. Only the officer who submitted it can choose "
                "what its supporters see. Type my submissions to see yours."
            )
            return
        except CannotShare as error:
            await turn_context.send_activity(str(error))
            return
        already = "" if changed else "already "
        if sharing:
            await turn_context.send_activity(
                f"Officers supporting {reference} can {already}see your description, what you tried, what success "
                f"would be and the partners. They never see the Hub's notes or questions. Type unshare {reference} "
                "to stop."
            )
        else:
            await turn_context.send_activity(
                f"Officers supporting {reference} {already}see only its title, status and dates, and their own "
                f"notes. Type share {reference} to let them see your description."
            )

    def _status_card(self, view: SubmissionView) -> tuple[dict[str, Any], str]:
        """The submission as the viewer's view has it: a supporter's has no Hub notes and,
        unless the submitter shares them, none of the submitter's answers."""
        facts = [
            {"title": "Status", "value": view.status.label},
            {"title": "Kind", "value": view.kind.label},
            {"title": "Crime types", "value": self._crime_types(view.crime_types)},
            {"title": "Area", "value": plain(view.area)},
            {"title": "Submitted", "value": view.created_at.strftime("%d %b %Y")},
            {"title": "Supporters", "value": str(view.supporter_count)},
        ]
        if view.merged_into:
            facts.insert(1, {"title": "Merged into", "value": view.merged_into})
        history = [
            f"{h.at.strftime('%d %b %Y')}: {h.to_status.label}" + (f". {plain(h.note, limit=300)}" if h.note else "")
            for h in view.history
        ]
        about: list[str] = []
        if view.viewer is Viewer.SUBMITTER:
            about.append(
                f"Supporters see your description and answers, never the Hub's notes. Type unshare {view.reference} "
                "to stop." if view.shared else
                f"Supporters see the title and status; type share {view.reference} to let them see your description."
            )
        elif view.viewer is Viewer.SUPPORTER:
            about.append("You support this submission." + (
                "" if view.description else " Its submitter has not shared their description with supporters."))
            about += [f"Your notes: {plain(s.notes, limit=600)}" for s in view.supporters if s.notes.strip()]
        body: list[dict[str, Any]] = [
            {"type": "TextBlock", "text": f"{view.reference}: {plain(view.title, limit=200)}", "weight": "Bolder",
             "size": "Medium", "wrap": True},
            {"type": "FactSet", "facts": facts},
            *([{"type": "TextBlock", "text": plain(view.description, limit=600), "wrap": True}]
              if view.description else []),
            *({"type": "TextBlock", "text": line, "wrap": True, "isSubtle": True} for line in about),
            {"type": "TextBlock", "text": "History", "weight": "Bolder", "wrap": True},
            *({"type": "TextBlock", "text": line, "wrap": True, "spacing": "Small"} for line in history),
        ]
        text = (f"{view.reference}: {plain(view.title, limit=200)}. Status: {view.status.label}.\n\n"
                + "\n".join(f"- {line}" for line in history)
                + "".join(f"\n\n{line}" for line in about))
        return adaptive_card(body, text), text
