"""The Hub's proactive messages, with everything anyone typed shown as written."""

from __future__ import annotations

from bot.portal import PortalMessages
from bot.text import plain
from domain.hub.records import Question
from domain.models import Role
from domain.portal.records import StatusChange

__all__ = ["HubMessages", "role_name"]


def role_name(role: Role) -> str:
    """A role as a sentence names it: "an officer", "Hub staff", "an admin"."""
    return {Role.OFFICER: "an officer", Role.HUB: "Hub staff", Role.ADMIN: "an admin"}[role]


class HubMessages(PortalMessages):
    """The words of the messages the Hub's changes write to the outbox."""

    def merged_into_yours(self, change: StatusChange, original: str, original_title: str) -> str:
        """To the original's submitter: a duplicate has joined their submission."""
        return (f"{change.reference} ({plain(change.title, limit=120)}) has been merged into your submission "
                f"{original} ({plain(original_title, limit=120)}): the Hub thinks it is the same work. "
                f"Its submitter and supporters now support yours, and their notes are added to it.")

    def assigned(self, reference: str, by_name: str | None) -> str:
        """To a Hub member: a colleague assigned them a submission."""
        return (f"{plain(by_name or 'A Hub colleague')} has assigned {reference} to you. "
                f"Type open {reference} to see it.")

    def question(self, reference: str, title: str, question: str) -> str:
        """To a submitter: the Hub's question, which their next message answers."""
        return (f"The Hub has a question about your submission {reference} ({plain(title, limit=120)}):\n\n"
                f"{plain(question)}\n\nPlease reply here: your next message will be added to {reference} and "
                "passed to the Hub.")

    def asked_supporter(self, reference: str, title: str) -> str:
        """To a supporter: the Hub asked the submitter for more information."""
        return (f"Update on {reference} ({plain(title, limit=120)}), which you support: the Hub has asked its "
                f"submitter for more information. Type status {reference} to see its history.")

    def replied(self, question: Question, title: str, answer: str) -> str:
        """To the Hub member who asked: the submitter's reply."""
        ref = question.reference
        return (f"The submitter of {ref} ({plain(title, limit=120)}) has replied to your question.\n\n"
                f"You asked: {plain(question.question, limit=600)}\n\nThey replied: {plain(answer)}\n\n"
                f"Type open {ref} to see the record.")

    def role_changed(self, role: Role, by_name: str | None) -> str:
        """To a user: an admin gave them ``role``."""
        return (f"{plain(by_name or 'An admin')} has made you {role_name(role)} in the Prevention First assistant."
                + (" Type queue to see the submissions awaiting triage." if role is not Role.OFFICER else ""))
