"""The Hub: triage of submissions, roles, and the board report.

``triage`` reads the queue and a submission's record (every read audited); ``changes`` makes
each change (status, merge, assign, ask, a submitter's reply) one transaction with its
history, audit row and messages; ``roles`` grants and revokes Hub staff and admins;
``figures`` and ``report`` make the monthly board report.
"""

from domain.hub.changes import HubChanges
from domain.hub.records import (
    MAX_TEXT,
    QUEUE_STATUSES,
    REPLY_WINDOW,
    AmbiguousUser,
    Asked,
    Assigned,
    LastAction,
    LastAdmin,
    Merged,
    NotHubStaff,
    Question,
    QueueItem,
    Record,
    Reply,
    RoleChange,
    StaleCard,
    is_object_id,
)
from domain.hub.roles import Roles
from domain.hub.triage import Triage

__all__ = [
    "QUEUE_STATUSES", "REPLY_WINDOW", "MAX_TEXT", "StaleCard", "NotHubStaff", "AmbiguousUser", "LastAdmin",
    "LastAction", "QueueItem", "Question", "Record", "Assigned", "Asked", "Merged", "Reply", "RoleChange", "Triage",
    "HubChanges", "Roles", "is_object_id",
]
