"""Users, their roles and where to reach them.

A user is keyed on the Azure AD object id Teams sends with every activity. Everyone is an
officer until granted a role; the ids in ``BOOTSTRAP_ADMINS`` are admins from their first
message. Roles are only ever read from here, never from what a client sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import bindparam, select, update

from domain.db import Database
from domain.models import ConversationRef, Role, User, utcnow

__all__ = ["UserInfo", "Users", "UnknownUserError"]


class UnknownUserError(LookupError):
    """No user has that Azure AD object id."""


@dataclass(frozen=True)
class UserInfo:
    """What the rest of the assistant needs to know about a user."""

    aad_object_id: str
    name: str
    role: Role

    @property
    def is_hub(self) -> bool:
        """Hub staff and admins may use the Hub's tools."""
        return self.role in (Role.HUB, Role.ADMIN)


_USER = select(User.name, User.role, User.teams_user_id).where(User.aad_object_id == bindparam("aad"))
# Read on every message; built once (building it costs more than running it on SQLite).
_WHO_AND_WHERE = (
    select(User.name, User.role, User.teams_user_id, ConversationRef.reference, ConversationRef.unreachable_since)
    .outerjoin(ConversationRef, ConversationRef.aad_object_id == User.aad_object_id)
    .where(User.aad_object_id == bindparam("aad"))
)


def _info(user: User) -> UserInfo:
    return UserInfo(user.aad_object_id, user.name, Role(user.role))


class Users:
    """The user directory.

    Args:
        database: the assistant's database.
        bootstrap_admins: Azure AD object ids that are admins from the start.
    """

    def __init__(self, database: Database, bootstrap_admins: Iterable[str] = ()) -> None:
        self._db = database
        self._bootstrap_admins = frozenset(a.lower() for a in bootstrap_admins)
        # Run on someone's first message (and whenever their name or chat changes): built once.
        self._add_user = database.insert(User).values(
            aad_object_id=bindparam("aad"), name=bindparam("new_name"), role=bindparam("new_role"),
            teams_user_id=bindparam("teams_id"), tenant_id=bindparam("tenant"),
            created_at=bindparam("now"), updated_at=bindparam("now"),
        ).on_conflict_do_nothing(index_elements=[User.aad_object_id])
        reference = database.insert(ConversationRef).values(
            aad_object_id=bindparam("aad"), reference=bindparam("new_reference"), service_url=bindparam("url"),
            conversation_id=bindparam("conversation"), updated_at=bindparam("now"), unreachable_since=None)
        self._save_reference = reference.on_conflict_do_update(
            index_elements=[ConversationRef.aad_object_id],
            set_={column: reference.excluded[column]
                  for column in ("reference", "service_url", "conversation_id", "updated_at", "unreachable_since")})

    def seen(
        self,
        aad_object_id: str,
        name: str = "",
        teams_user_id: str | None = None,
        tenant_id: str | None = None,
    ) -> UserInfo:
        """Record that a user was seen, creating them as an officer the first time.

        Safe when two turns of the same new user arrive at once.
        """
        key = aad_object_id.lower()
        role = Role.ADMIN if key in self._bootstrap_admins else Role.OFFICER
        with self._db.engine.begin() as connection:
            connection.execute(self._add_user, {"aad": key, "new_name": name, "new_role": role.value,
                                                "teams_id": teams_user_id, "tenant": tenant_id, "now": utcnow()})
            row = connection.execute(_USER, {"aad": key}).one()
            changes: dict[str, str] = {}
            if name and row.name != name:
                changes["name"] = name
            if teams_user_id and row.teams_user_id != teams_user_id:
                changes["teams_user_id"] = teams_user_id
            if key in self._bootstrap_admins and row.role != Role.ADMIN.value:
                changes["role"] = Role.ADMIN.value
            if changes:
                connection.execute(update(User).where(User.aad_object_id == key).values(**changes, updated_at=utcnow()))
        return UserInfo(key, changes.get("name", row.name), Role(changes.get("role", row.role)))

    def arrived(
        self,
        aad_object_id: str,
        name: str = "",
        teams_user_id: str | None = None,
        tenant_id: str | None = None,
        reference: dict[str, Any] | None = None,
    ) -> UserInfo:
        """Who is talking, with their role from the database, recorded as :meth:`seen` and
        :meth:`save_reference` would, but written only when something changed.

        Most messages come from someone already known, from the same chat: one read, no
        write (a write takes SQLite's single write lock, which every other turn waits on).
        """
        key = aad_object_id.lower()
        with self._db.reading() as connection:
            row = connection.execute(_WHO_AND_WHERE, {"aad": key}).first()
        known = (
            row is not None
            and (not name or row.name == name)
            and (not teams_user_id or row.teams_user_id == teams_user_id)
            and (key not in self._bootstrap_admins or row.role == Role.ADMIN.value)
        )
        info = UserInfo(key, row.name, Role(row.role)) if known and row is not None else self.seen(
            key, name, teams_user_id, tenant_id)
        if reference is not None and (row is None or row.reference != reference or row.unreachable_since is not None):
            self.save_reference(key, reference)
        return info

    def get(self, aad_object_id: str) -> UserInfo:
        """The user with this id.

        Raises:
            UnknownUserError: nobody has that id.
        """
        with self._db.session() as session:
            user = session.get(User, aad_object_id.lower())
            if user is None:
                raise UnknownUserError(aad_object_id)
            return _info(user)

    def role_of(self, aad_object_id: str) -> Role:
        """The user's role as stored; an unknown user is an officer."""
        try:
            return self.get(aad_object_id).role
        except UnknownUserError:
            return Role.OFFICER

    def set_role(self, aad_object_id: str, role: Role) -> UserInfo:
        """Grant ``role`` to a user.

        Raises:
            UnknownUserError: nobody has that id.
        """
        with self._db.session() as session:
            user = session.get(User, aad_object_id.lower())
            if user is None:
                raise UnknownUserError(aad_object_id)
            user.role = role.value
            return _info(user)

    def save_reference(self, aad_object_id: str, reference: dict[str, Any]) -> None:
        """Keep the latest personal-chat conversation reference for proactive messages."""
        with self._db.engine.begin() as connection:
            connection.execute(self._save_reference, {
                "aad": aad_object_id.lower(), "new_reference": reference, "url": reference.get("serviceUrl") or "",
                "conversation": (reference.get("conversation") or {}).get("id") or "", "now": utcnow(),
            })

    def reference_for(self, aad_object_id: str) -> dict[str, Any] | None:
        """The saved conversation reference, or None if there is none or it stopped working."""
        with self._db.session() as session:
            row = session.execute(
                select(ConversationRef.reference).where(
                    ConversationRef.aad_object_id == aad_object_id.lower(),
                    ConversationRef.unreachable_since.is_(None),
                )
            ).scalar_one_or_none()
        return row

    def mark_unreachable(self, aad_object_id: str) -> None:
        """Teams refused a send (app removed): stop trying until the user talks to the bot again."""
        with self._db.session() as session:
            session.execute(
                update(ConversationRef)
                .where(ConversationRef.aad_object_id == aad_object_id.lower())
                .values(unreachable_since=utcnow())
            )
