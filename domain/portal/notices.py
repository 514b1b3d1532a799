"""What the Portal tells people, as the chat layer words it.

The Portal's use cases write their messages to the outbox in the transaction that makes
the change; the words (and how typed text is shown safely) belong to the chat layer,
which hands the Portal an object with these methods.
"""

from __future__ import annotations

from typing import Protocol

from domain.portal.records import StatusChange, SupportAdded

__all__ = ["PortalNotices"]


class PortalNotices(Protocol):
    """The texts of the Portal's proactive messages."""

    def status_changed(self, change: StatusChange) -> str:
        """To the submitter: the submission's new status and the Hub's note. To a supporter
        (``change.for_supporter``): the new status; their copy of the change has no note."""
        ...

    def support_added(self, added: SupportAdded) -> str:
        """To the submitter: another officer added their support and notes."""
        ...
