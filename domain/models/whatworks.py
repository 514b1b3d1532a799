"""Records of "what works" searches: the queries, officers' feedback and their requests for evidence."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.models.base import Base

__all__ = [
    "SearchQuery",
    "SearchFeedback",
    "EvidenceRequest",
    "EvidenceRequestStatus",
    "KnowledgeRevision",
]


class SearchQuery(Base):
    """One "what works" search by an officer and what the assistant showed them.

    Kept so the Hub can see where the evidence base has nothing good to offer. A filter
    or "more results" re-runs the search as a new row that ``refines`` the earlier one.
    """

    __tablename__ = "search_queries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    aad_object_id: Mapped[str] = mapped_column(
        ForeignKey("users.aad_object_id", ondelete="CASCADE"), index=True
    )
    asked_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    text: Mapped[str] = mapped_column(String(4000))
    crime_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    effect: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # 0 for the first page of results, 5 for the next ("more results"), and so on.
    offset: Mapped[int] = mapped_column(Integer, default=0)
    # The query this one re-runs with a filter or for the next page.
    refines_id: Mapped[int | None] = mapped_column(
        ForeignKey("search_queries.id", ondelete="SET NULL"), nullable=True
    )
    # Which build of the knowledge index answered, so results can be reproduced.
    index_version: Mapped[str] = mapped_column(String(64))
    no_good_match: Mapped[bool] = mapped_column(Boolean)
    # No good match because the question reads as asking for something other than prevention
    # (a point of law, figures, one case's procedure, the officer's own admin): not a gap in
    # the evidence.
    asks_for_other: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    best_similarity: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Where it was asked: "chat" (a message to the bot, or an answer's button) or "search"
    # (the messaging extension's search box, which searches as the officer types).
    asked_in: Mapped[str] = mapped_column(String(8), default="chat", server_default="chat")
    # [{"id": entry id, "rank": 1-based position, "score": similarity}, ...]
    shown: Mapped[list[Any]] = mapped_column(JSON, default=list)


class SearchFeedback(Base):
    """Whether the results of a search helped the officer who asked: one answer each."""

    __tablename__ = "search_feedback"

    query_id: Mapped[int] = mapped_column(
        ForeignKey("search_queries.id", ondelete="CASCADE"), primary_key=True
    )
    aad_object_id: Mapped[str] = mapped_column(
        ForeignKey("users.aad_object_id", ondelete="CASCADE"), primary_key=True
    )
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EvidenceRequestStatus(str, enum.Enum):
    """Where the Hub is with a request for evidence."""

    OPEN = "open"
    CLOSED = "closed"


class EvidenceRequest(Base):
    """An officer's request that the Hub find evidence for a search that found none."""

    __tablename__ = "evidence_requests"
    __table_args__ = (UniqueConstraint("query_id", name="uq_evidence_requests_query_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    query_id: Mapped[int | None] = mapped_column(
        ForeignKey("search_queries.id", ondelete="SET NULL"), nullable=True
    )
    aad_object_id: Mapped[str] = mapped_column(
        ForeignKey("users.aad_object_id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(String(4000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=EvidenceRequestStatus.OPEN.value)


class KnowledgeRevision(Base):
    """A knowledge file as it was before the Hub changed it from the workspace: its path in
    the knowledge folder, what was done (``edit``, ``new`` or ``retire``), the text it
    replaced (None for a new entry) and the text written (None when retired), who did it
    (None once they are erased) and when."""

    __tablename__ = "knowledge_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    path: Mapped[str] = mapped_column(String(300), index=True)
    action: Mapped[str] = mapped_column(String(16))
    previous_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    by_aad: Mapped[str | None] = mapped_column(
        ForeignKey("users.aad_object_id", ondelete="SET NULL"), nullable=True, index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
