"""Submitters' replies to the Hub's questions: a submitter's plain message while the Hub
waits for their reply is stored on the submission (one transaction with the message to the
Hub member who asked), the submitter is thanked, and the message goes to the sender."""

from __future__ import annotations

import asyncio
from botbuilder.core import TurnContext

from bot.hub.arguments import KEEP
from bot.notifications import NotificationService
from bot.text import plain
from domain.hub.changes import HubChanges
from domain.hub.records import MAX_TEXT
from domain.hub import Triage
from domain.personal_data import describe, find_personal_data
from domain.users import UserInfo

__all__ = ["Replies"]


class Replies:
    """Catches submitters' replies before a plain message is taken as a question.

    Args:
        triage: the questions waiting for a reply.
        changes: stores a reply and writes the message to the Hub member who asked.
        notifications: sends that message.
    """

    def __init__(self, triage: Triage, changes: HubChanges, notifications: NotificationService) -> None:
        self.triage = triage
        self.changes = changes
        self._notifications = notifications

    async def intercept(self, turn_context: TurnContext, user: UserInfo) -> bool:
        """A submitter's plain message while the Hub waits for their reply: stored on the
        submission, the submitter is thanked, and the Hub member who asked is told."""
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
        keep = KEEP.match(text)
        if keep:
            text = text[keep.end():].strip()
        elif findings := await asyncio.to_thread(find_personal_data, text):
            await turn_context.send_activity(
                f"Your reply to the Hub's question about {pending.reference} seems to include personal data: "
                f"{describe(findings)}. The Hub does not need it to help: please send your reply again without it, "
                "or, if it is needed, send it again starting with keep: and I will pass it on as it is."
            )
            return True
        reply = await asyncio.to_thread(self.changes.reply, user.aad_object_id, text)
        if reply is None:
            return False
        question, ref = reply.question, reply.question.reference
        asker = (await asyncio.to_thread(self.triage.names, [question.asked_by])).get(question.asked_by, "the Hub")
        thanks = f"Thank you. Your reply is added to {ref} and {plain(asker)} in the Hub will be told."
        if reply.waiting is not None:
            thanks += (f"\n\nThe Hub has another question, about {reply.waiting.reference}: "
                       f"{plain(reply.waiting.question)}\n\nYour next message will answer it.")
        await turn_context.send_activity(thanks)
        self._notifications.dispatch(reply.notifications)
        return True
