"""SQLAlchemy models of the assistant's records, one module per part of the service.

Every table here is created by an Alembic migration in ``migrations/versions``; change
both together (``alembic revision --autogenerate`` compares them). Importing this package
registers every table on ``Base.metadata``.
"""

from __future__ import annotations

from domain.models.academy import (
    AcademyAssessment,
    AcademyCohort,
    AcademyEnrolment,
    AcademyJournalEntry,
    AcademyPlan,
    AcademyPromptSettings,
    AcademyReflection,
)
from domain.models.base import (
    Base,
    BotState,
    ConversationRef,
    Draft,
    Notification,
    NotificationStatus,
    Role,
    User,
    utcnow,
)
from domain.models.follows import Follow, FollowSettings, FollowUpdate
from domain.models.ops import AuditLog, JobStatus, RetentionRun, ScheduledJob
from domain.models.portal import (
    ReferenceCounter,
    Submission,
    SubmissionHistory,
    SubmissionQuestion,
    SubmissionSupporter,
    SubmissionTriage,
)
from domain.models.whatworks import (
    EvidenceRequest, EvidenceRequestStatus, KnowledgeRevision, SearchFeedback, SearchQuery,
)

__all__ = [
    "KnowledgeRevision",
    "Base",
    "Role",
    "User",
    "ConversationRef",
    "BotState",
    "Notification",
    "NotificationStatus",
    "Draft",
    "SearchQuery",
    "SearchFeedback",
    "EvidenceRequest",
    "EvidenceRequestStatus",
    "Submission",
    "SubmissionHistory",
    "SubmissionSupporter",
    "SubmissionTriage",
    "SubmissionQuestion",
    "Follow",
    "FollowSettings",
    "FollowUpdate",
    "ReferenceCounter",
    "JobStatus",
    "ScheduledJob",
    "AcademyCohort",
    "AcademyEnrolment",
    "AcademyAssessment",
    "AcademyJournalEntry",
    "AcademyPlan",
    "AcademyReflection",
    "AcademyPromptSettings",
    "AuditLog",
    "RetentionRun",
    "utcnow",
]
