"""The declarative base, roles, and the records of users and their conversations with the bot.

Every table is created by an Alembic migration in ``migrations/versions``; change both
together (``alembic revision --autogenerate`` compares them).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from domain.clock import utcnow

__all__ = [
    "Base",
    "Role",
    "User",
    "ConversationRef",
    "BotState",
    "Notification",
    "NotificationStatus",
    "Draft",
    "utcnow",
]


class Base(DeclarativeBase):
    """Declarative base with timezone-aware datetimes."""

    type_annotation_map = {datetime: DateTime(timezone=True)}


class Role(str, enum.Enum):
    """What a user may do: everyone is an officer; hub and admin are granted."""

    OFFICER = "officer"
    HUB = "hub"
    ADMIN = "admin"


class User(Base):
    """A person who has talked to the assistant, keyed on their Azure AD object id."""

    __tablename__ = "users"

    aad_object_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16), default=Role.OFFICER.value)
    teams_user_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    tenant_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ConversationRef(Base):
    """Where to reach a user proactively: their personal chat with the bot."""

    __tablename__ = "conversation_refs"

    aad_object_id: Mapped[str] = mapped_column(
        ForeignKey("users.aad_object_id", ondelete="CASCADE"), primary_key=True
    )
    reference: Mapped[dict[str, Any]] = mapped_column(JSON)
    service_url: Mapped[str] = mapped_column(String(500))
    conversation_id: Mapped[str] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Set when Teams says the bot can no longer reach the user (app removed, 403/404).
    unreachable_since: Mapped[datetime | None] = mapped_column(nullable=True)


class BotState(Base):
    """Bot Framework conversation and user state, one JSON document per key."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    etag: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NotificationStatus(str, enum.Enum):
    """Where a proactive message is in its delivery."""

    PENDING = "pending"
    SENT = "sent"
    RETRYING = "retrying"
    FAILED = "failed"
    UNREACHABLE = "unreachable"


class Notification(Base):
    """A proactive message to one user, kept so that every send is accounted for."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("dedupe_key", name="uq_notifications_dedupe_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    aad_object_id: Mapped[str] = mapped_column(
        ForeignKey("users.aad_object_id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=NotificationStatus.PENDING.value, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Draft(Base):
    """An unfinished guided dialog, offered back to its user next time."""

    __tablename__ = "drafts"

    aad_object_id: Mapped[str] = mapped_column(
        ForeignKey("users.aad_object_id", ondelete="CASCADE"), primary_key=True
    )
    dialog: Mapped[str] = mapped_column(String(50), primary_key=True)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
