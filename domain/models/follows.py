"""Records of following: the topics officers follow, how they hear of them, and the changes
waiting to be told."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.models.base import Base

__all__ = ["Follow", "FollowSettings", "FollowUpdate"]


class Follow(Base):
    """A topic an officer follows: a crime type (a taxonomy id), an area (a district, or
    ``Force-wide``), or a crime type in an area. An empty string means any: ``("knife-crime",
    "")`` is knife crime anywhere. Never both empty."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("aad_object_id", "crime_type", "area", name="uq_follows_topic"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    aad_object_id: Mapped[str] = mapped_column(ForeignKey("users.aad_object_id", ondelete="CASCADE"), index=True)
    crime_type: Mapped[str] = mapped_column(String(64), default="", index=True)
    area: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FollowSettings(Base):
    """How someone hears of what they follow: one digest a day (no row, the default), or
    each change as it happens (``immediate``; Hub staff only)."""

    __tablename__ = "follow_settings"

    aad_object_id: Mapped[str] = mapped_column(
        ForeignKey("users.aad_object_id", ondelete="CASCADE"), primary_key=True
    )
    immediate: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class FollowUpdate(Base):
    """A change a follower is to hear of: a new submission (``new``) or a submission's move to
    ``response`` or ``closed``. ``message_key`` names the digest or message that told it
    (empty until one takes it); each change is told to each follower once."""

    __tablename__ = "follow_updates"
    __table_args__ = (
        UniqueConstraint("aad_object_id", "submission_id", "event", name="uq_follow_updates_change"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    aad_object_id: Mapped[str] = mapped_column(ForeignKey("users.aad_object_id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    message_key: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    told_at: Mapped[datetime | None] = mapped_column(nullable=True)
