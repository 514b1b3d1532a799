"""The Hub in Teams: the triage queue, opening a submission and acting on it.

Commands (Hub staff; the role commands in :mod:`bot.hub.roles` are for admins):

- ``queue``: submissions awaiting triage, oldest first, with their age and similar ones;
- ``open PF-2026-0042``: the record as a card, with its history, supporters, questions,
  similar submissions and the knowledge entries that match it, and buttons to act on it;
- ``change status PF-2026-0042 to triaged: note``; ``assign PF-2026-0042 Sam Patel`` (or
  ``me``, ``nobody``); ``merge PF-2026-0042 into PF-2026-0007``; ``ask PF-2026-0042 question``.

Each change is one call to :class:`domain.hub.changes.HubChanges`: the change, its history,
its audit row and the messages to the people involved commit together. The answer comes at
once and says who will be told; the messages are handed to the sender, which sends them
beside the conversation (one Teams cannot take now is retried later), so the answer never
waits on Teams.

The card's buttons are ``Action.Execute`` (verb ``hub``): Teams replaces the pressed card
with the one answered, which shows who acted and the record as it now is. Each card carries
the record's version; an action on an out-of-date card changes nothing and shows who
handled it first. The same data sent as an ``Action.Submit`` (``{"action": "hub"}``) is
answered with a new message, for clients without Universal Actions.

Roles come from the user read from the database for this turn, never from card data: the
router refuses an officer the Hub's commands, and a card action checks it here; nothing is
read, changed or audited for them. Everything officers typed is escaped with :func:`bot.text.plain`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Awaitable

from botbuilder.core import TurnContext
from botbuilder.schema import AdaptiveCardInvokeResponse

from bot.cards import card_activity
from bot.commands import Recognised
from bot.hub.arguments import (
    NOBODY, Invalid, note, parse_status, split_reference, strip_word, version, without_personal_data,
)
from bot.follow import describe
from bot.hub.cards import VERB, queue_card, record_card, when
from bot.hub.roles import find_person
from bot.notifications import NotificationService
from bot.text import plain
from domain.hub.changes import HubChanges
from domain.hub.records import NotHubStaff, Record, StaleCard
from domain.hub.roles import Roles
from domain.hub import Triage
from domain.portal.records import InvalidTransition, SimilarSubmission, Status, SubmissionNotFound, normalise_reference
from domain.portal import Submissions
from domain.users import UserInfo
from domain.whatworks.knowledge import KnowledgeService
from indexer.taxonomy import Taxonomy

__all__ = ["Hub", "Done", "Opened", "VERB", "REFUSAL"]

REFUSAL = ("Sorry, that is only for Hub staff, so I have not done anything. "
           "If you work in the Hub, ask an admin to give you access.")


@dataclass(frozen=True)
class Done:
    """What to tell the Hub member about a change, and the messages it wrote to send."""

    message: str
    notifications: tuple[int, ...] = ()


@dataclass(frozen=True)
class Opened:
    """A submission as the Hub opens it, with what is shown beside the record: names by
    Azure AD object id, the crime types as labels, similar submissions, knowledge entries
    that may answer it, Hub staff (to assign to) and followers with their topics."""

    record: Record
    names: dict[str, str]
    crime_types: str
    similar: list[SimilarSubmission]
    entries: list[Any]
    staff: list[UserInfo]
    followers: list[tuple[str, str]]


def sending(count: int) -> str:
    """How many people the messages of a change go to, as the answer says it."""
    if count <= 0:
        return ""
    return " Sending to 1 person." if count == 1 else f" Sending to {count:,} people."


class Hub:
    """The Hub's commands and card actions on submissions.

    Args:
        triage: the queue and the Hub's reads of submissions.
        changes: the Hub's changes, each one transaction.
        roles: who is Hub staff (for the assign choice and names).
        submissions: the Portal's records (similar submissions).
        taxonomy: crime-type labels.
        knowledge: the what-works index, for the entries that may answer a submission.
        notifications: sends the messages the changes write.
    """

    def __init__(
        self,
        *,
        triage: Triage,
        changes: HubChanges,
        roles: Roles,
        submissions: Submissions,
        taxonomy: Taxonomy,
        knowledge: KnowledgeService,
        notifications: NotificationService,
    ) -> None:
        self.triage = triage
        self.changes = changes
        self.roles = roles
        self._submissions = submissions
        self._taxonomy = taxonomy
        self._knowledge = knowledge
        self._notifications = notifications

    async def _names(self, aads: list[str | None]) -> dict[str, str]:
        return await asyncio.to_thread(self.triage.names, aads)

    async def gather(self, reference: str, user: UserInfo, *, audited: bool) -> Opened:
        """Everything the Hub sees of a submission: the record, similar submissions, the
        knowledge entries that may answer it, Hub staff, followers and everyone's names;
        ``audited`` for a read that is not the one shown after a change (which that change's
        audit row covers)."""
        record = await asyncio.to_thread(self.triage.open, reference, user.aad_object_id, audited=audited)
        view = record.view
        vector = await asyncio.to_thread(self.triage.vector, view.reference)
        similar = (await asyncio.to_thread(self._submissions.similar, vector, 3, exclude_reference=view.reference)
                   if vector is not None else [])
        labels = ", ".join(self._taxonomy.label(c) for c in view.crime_types) or "Not crime specific"
        result = await self._knowledge.search(view.title + (f" ({labels})" if view.crime_types else ""), k=3)
        entries = list(result.results) if result is not None and not result.no_good_match else []
        staff = await asyncio.to_thread(self.roles.staff)
        follows = self._submissions.follows
        followers = (await asyncio.to_thread(follows.followers, view.crime_types, view.area)
                     if follows is not None else [])
        names = await self._names([
            view.owner_aad, view.assigned_to, record.last.by, *(h.by for h in view.history),
            *(s.aad_object_id for s in view.supporters), *(q.asked_by for q in record.questions),
            *(aad for aad, _ in followers),
        ])
        return Opened(record, names, labels, similar, entries, staff,
                      [(aad, describe(topic, self._taxonomy)) for aad, topic in followers])

    async def record_card(
        self, reference: str, user: UserInfo, *, audited: bool, notice: tuple[str, str] | None = None
    ) -> dict[str, Any]:
        """The card of a submission as it is now (``audited`` as for :meth:`gather`)."""
        opened = await self.gather(reference, user, audited=audited)
        return record_card(opened.record, names=opened.names, crime_types=opened.crime_types, similar=opened.similar,
                           entries=opened.entries, staff=opened.staff, notice=notice, followers=opened.followers)

    # --- the changes, typed or from a card -------------------------------------------------

    async def change_status(
        self, user: UserInfo, reference: str, status: Any, note_value: Any, target: Any, expected: int | None
    ) -> Done:
        """Change the status with a note (a merge when ``status`` is merged); the submitter
        and supporters are told."""
        try:
            wanted = Status(status)
        except ValueError:
            raise Invalid("Choose one of the statuses offered.") from None
        if wanted is Status.MERGED:
            return await self.merge(user, reference, target, note_value, expected)
        text = await asyncio.to_thread(without_personal_data, note(note_value), "The note", "The submitter")
        change = await asyncio.to_thread(
            self.changes.change_status, reference, wanted, user.aad_object_id, text, expected
        )
        told = "submitter and supporters" if change.supporters else "submitter"
        return Done(f"{change.reference} is now {wanted.label.lower()}. Its {told} will be told."
                     + sending(len(change.notifications)), change.notifications)

    async def merge(self, user: UserInfo, reference: str, target: Any, note_value: Any, expected: int | None) -> Done:
        """Merge a duplicate into the original: its submitter and supporters (with their
        notes) become supporters of the original, and both submitters are told."""
        into = normalise_reference(target) if isinstance(target, str) else None
        if into is None:
            raise Invalid(f"Which submission does {reference} join? Give its reference, for example PF-2026-0001.")
        text = await asyncio.to_thread(without_personal_data, note(note_value), "The note", "The submitters")
        merged = await asyncio.to_thread(self.changes.merge, reference, into, user.aad_object_id, text, expected)
        return Done(f"{merged.change.reference} is merged into {merged.original}. Its submitter and supporters now "
                     f"support {merged.original}, and both submitters will be told."
                     + sending(len(merged.notifications)), merged.notifications)

    async def assign(self, user: UserInfo, reference: str, assignee: str | None, expected: int | None) -> Done:
        """Assign the submission to a Hub member (None: nobody), who is told."""
        assigned = await asyncio.to_thread(self.changes.assign, reference, assignee, user.aad_object_id, expected)
        if assignee is None:
            return Done(f"{assigned.reference} is now assigned to nobody.")
        names = await self._names([assignee])
        told = ", who will be told" if assigned.notifications else ""
        return Done(f"{assigned.reference} is now assigned to {plain(names.get(assignee.lower(), assignee))}{told}.",
                     assigned.notifications)

    async def ask(self, user: UserInfo, reference: str, question: Any, expected: int | None) -> Done:
        """Send the submitter a question; their next plain message is stored as the reply.
        The answer says whether the submitter has a chat the question can go to."""
        text = await asyncio.to_thread(without_personal_data, note(question, "The question"), "The question",
                                       "The submitter")
        if text is None:
            raise Invalid(f"What would you like to ask? For example: ask {reference} Which nights does it happen?")
        asked = await asyncio.to_thread(self.changes.ask, reference, text, user.aad_object_id, expected)
        ref = asked.question.reference
        moved = " It is now waiting for more information." if asked.change is not None else ""
        question = asked.question_notification
        if question is not None and question not in await self._notifications.unreachable([question]):
            return Done(f"Your question is on its way to the submitter of {ref}.{moved} I will tell you when they "
                         "reply.", asked.notifications)
        return Done(f"Your question is saved on {ref}, but I could not reach its submitter in Teams yet; they will "
                     f"get it when I can.{moved} I will tell you when they reply.", asked.notifications)

    # --- card buttons -----------------------------------------------------------------------

    async def perform(self, op: Any, reference: str, data: dict[str, Any], user: UserInfo) -> Done:
        """One change of a submission by a Hub member, as the chat card's buttons and the Hub
        workspace send it (``op`` status, assign or ask; ``data`` its fields and the version
        shown). The messages it wrote are handed to the sender.

        Raises:
            Invalid: the change is not one offered, lacks what it needs, or names no version.
            StaleCard, SubmissionNotFound, InvalidTransition, NotHubStaff: as the domain's changes.
        """
        expected = version(data.get("version"))
        if expected is None:
            raise Invalid(f"That card is out of date. Type open {reference} to see the record as it is now.")
        if op == "status":
            done = await self.change_status(
                user, reference, data.get("status"), data.get("note"), data.get("target"), expected
            )
        elif op == "assign":
            assignee = data.get("assignee")
            chosen = assignee if isinstance(assignee, str) and assignee.lower() not in NOBODY else None
            done = await self.assign(user, reference, chosen, expected)
        elif op == "ask":
            done = await self.ask(user, reference, data.get("question"), expected)
        else:
            raise Invalid("That action is not recognised.")
        self._notifications.dispatch(done.notifications)
        return done

    async def act(self, data: dict[str, Any], user: UserInfo) -> tuple[dict[str, Any] | None, str, int]:
        """Carry out a card action: the card to show (None to leave the card as it is), what
        to tell the Hub member, and the status of the answer (403 for an officer, 400 for an
        action that cannot be done as given). Only the role read from the database counts."""
        if not user.is_hub:
            return None, REFUSAL, 403
        op = data.get("op")
        raw = data.get("reference")
        reference = normalise_reference(raw) if isinstance(raw, str) else None
        if reference is None or op not in ("open", "status", "assign", "ask"):
            return None, "That button is not recognised. Type queue to see the submissions awaiting triage.", 400
        try:
            if op == "open":
                return await self.record_card(reference, user, audited=True), "", 200
            done = await self.perform(op, reference, data, user)
        except StaleCard as stale:
            notice = await self.stale_notice(stale)
            return await self.record_card(reference, user, audited=True, notice=(notice, "Attention")), notice, 200
        except SubmissionNotFound as missing:
            return None, f"There is no submission {plain(str(missing.args[0]) if missing.args else reference)}.", 400
        except (InvalidTransition, NotHubStaff, Invalid) as problem:
            return None, str(problem), 400
        card = await self.record_card(reference, user, audited=False, notice=(done.message, "Good"))
        return card, done.message, 200

    async def stale_notice(self, stale: StaleCard) -> str:
        """Who changed the submission since it was shown, and when."""
        last = stale.last
        if last.by is None or last.at is None:
            return f"{stale.reference} has changed since this card was shown. Nothing was changed; here it is now."
        name = (await self._names([last.by])).get(last.by, last.by)
        return (f"Already handled by {plain(name)} at {when(last.at)}. Nothing was changed; "
                f"this card now shows {stale.reference} as it is.")

    async def on_execute(
        self, turn_context: TurnContext, data: dict[str, Any], user: UserInfo
    ) -> AdaptiveCardInvokeResponse:
        """An ``Action.Execute`` press: answer with the refreshed card, or with an error that
        Teams shows while leaving the card as it was (a refusal, or inputs to correct)."""
        card, message, status = await self.act(data, user)
        if card is None:
            code = "Forbidden" if status == 403 else "BadRequest"
            return AdaptiveCardInvokeResponse(
                status_code=status, type="application/vnd.microsoft.error", value={"code": code, "message": message}
            )
        return AdaptiveCardInvokeResponse(status_code=200, type="application/vnd.microsoft.card.adaptive", value=card)

    async def on_card_action(self, turn_context: TurnContext, data: dict[str, Any], user: UserInfo) -> None:
        """The same data as an ``Action.Submit``: answer in a new message."""
        card, message, _ = await self.act(data, user)
        await turn_context.send_activity(card_activity(card) if card is not None else message)

    # --- typed commands ---------------------------------------------------------------------

    async def _typed(self, turn_context: TurnContext, change: Awaitable[Done]) -> None:
        """Answer a typed change, then hand the messages it wrote to the sender."""
        done = Done("")
        try:
            done = await change
        except StaleCard:  # pragma: no cover - typed changes carry no version
            done = Done("Someone changed it at the same moment; open it again to see it.")
        except SubmissionNotFound as missing:
            done = Done(f"There is no submission {plain(str(missing.args[0]))}. "
                         "Type queue to see those awaiting triage.")
        except (InvalidTransition, NotHubStaff, Invalid) as problem:
            done = Done(str(problem))
        await turn_context.send_activity(done.message)
        self._notifications.dispatch(done.notifications)

    async def _reference(self, turn_context: TurnContext, recognised: Recognised, example: str) -> tuple[str | None, str]:
        reference, rest = split_reference(recognised.argument)
        if reference is None:
            await turn_context.send_activity(f"Which submission? Type the reference first, for example: {example}")
        return reference, rest

    async def on_queue(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``queue``: what awaits triage."""
        items = await asyncio.to_thread(self.triage.queue, user.aad_object_id)
        names = await self._names([item.assigned_to for item in items])
        await turn_context.send_activity(card_activity(queue_card(items, names)))

    async def on_open(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``open PF-2026-0042``: the submission's card."""
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
        """``change status PF-2026-0042 to triaged: note``."""
        example = "change status PF-2026-0042 to triaged: passed to the burglary team"
        reference, rest = await self._reference(turn_context, recognised, example)
        if reference is None:
            return
        status, text = parse_status(rest)
        if status is None:
            names = ", ".join(s.label.lower() for s in Status)
            await turn_context.send_activity(f"Which status? One of: {names}. For example: {example}")
            return
        if status is Status.MERGED:
            await turn_context.send_activity(f"To merge it, type: merge {reference} into PF-2026-0001")
            return
        await self._typed(turn_context, self.change_status(user, reference, status, text, None, None))

    async def on_merge(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``merge PF-2026-0042 into PF-2026-0007: note``."""
        reference, rest = await self._reference(turn_context, recognised, "merge PF-2026-0042 into PF-2026-0007")
        if reference is None:
            return
        target, text = split_reference(strip_word(rest, "into", "with", "to"))
        await self._typed(turn_context, self.merge(user, reference, target, text, None))

    async def on_assign(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``assign PF-2026-0042 Sam Patel`` (or ``me``, ``nobody``)."""
        reference, rest = await self._reference(turn_context, recognised, "assign PF-2026-0042 Sam Patel")
        if reference is None:
            return
        who = strip_word(rest, "to")
        if not who:
            await turn_context.send_activity(f"To whom? For example: assign {reference} me, or assign {reference} nobody.")
            return
        if who.lower() in NOBODY:
            assignee = None
        elif who.lower() == "me":
            assignee = user.aad_object_id
        else:
            person = await find_person(turn_context, self.roles, who)
            if person is None:
                return
            assignee = person.aad_object_id
        await self._typed(turn_context, self.assign(user, reference, assignee, None))

    async def on_ask(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``ask PF-2026-0042 question``."""
        reference, question = await self._reference(turn_context, recognised, "ask PF-2026-0042 Which nights?")
        if reference is None:
            return
        await self._typed(turn_context, self.ask(user, reference, question, None))
