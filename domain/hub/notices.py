"""What the Hub's changes tell people, as the chat layer words it.

The Hub's use cases write their messages to the outbox in the transaction that makes the
change; the chat layer hands them an object with these methods (and the Portal's).
"""

from __future__ import annotations

from typing import Protocol

from domain.hub.records import Question
from domain.models import Role
from domain.portal.notices import PortalNotices
from domain.portal.records import StatusChange

__all__ = ["HubNotices"]


class HubNotices(PortalNotices, Protocol):
    """The texts of the Hub's proactive messages."""

    def merged_into_yours(self, change: StatusChange, original: str, original_title: str) -> str:
        """To the original's submitter: another submission was merged into theirs."""
        ...

    def assigned(self, reference: str, by_name: str | None) -> str:
        """To a Hub member: a colleague assigned them a submission."""
        ...

    def question(self, reference: str, title: str, question: str) -> str:
        """To a submitter: the Hub's question, which their next message answers."""
        ...

    def asked_supporter(self, reference: str, title: str) -> str:
        """To a supporter: the Hub asked the submitter for more information (never the
        question itself, which is for the submitter)."""
        ...

    def replied(self, question: Question, title: str, answer: str) -> str:
        """To the Hub member who asked: the submitter's reply."""
        ...

    def role_changed(self, role: Role, by_name: str | None) -> str:
        """To a user: an admin gave them ``role``."""
        ...
