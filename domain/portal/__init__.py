"""The Portal: officers' ideas, initiatives, operational problems and evidence requests.

A submission is saved with its reference once committed, changes status along the
lifecycle in ``records.TRANSITIONS`` with its history, gathers supporters, and is compared by
meaning with the others so work is not done twice. Each change is one transaction with the
messages it sends (the outbox).
"""

from domain.portal.records import (
    CLOSED_TO_SUPPORT,
    TRANSITIONS,
    CannotShare,
    CannotSupport,
    Created,
    HistoryEntry,
    InvalidTransition,
    Kind,
    NewSubmission,
    SimilarSubmission,
    Status,
    StatusChange,
    SubmissionNotFound,
    SubmissionSummary,
    SubmissionView,
    Supporter,
    SupportAdded,
    Viewer,
    embedding_text,
    mentions_reference,
    normalise_reference,
)
from domain.portal.similar import SIMILAR_ABOVE
from domain.portal.submissions import Submissions

__all__ = [
    "Kind", "Status", "TRANSITIONS", "SIMILAR_ABOVE", "NewSubmission", "Created", "HistoryEntry", "Supporter",
    "SubmissionView", "SubmissionSummary", "StatusChange", "SupportAdded", "SimilarSubmission", "Submissions",
    "SubmissionNotFound", "InvalidTransition", "CannotSupport", "CannotShare", "CLOSED_TO_SUPPORT", "Viewer",
    "normalise_reference", "mentions_reference",
    "embedding_text",
]
