"""Roles: who is Hub staff and who is an admin, changed only by an admin, never leaving the
assistant without one. A change, its audit row and the message to the person changed are
one transaction."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select, update

from domain.audit import Action, Audit
from domain.clock import utcnow
from domain.db import Database
from domain.hub.notices import HubNotices
from domain.hub.records import AmbiguousUser, LastAdmin, RoleChange, is_object_id
from domain.models import Role, User
from domain.ops.outbox import Outbox
from domain.users import UnknownUserError, UserInfo

__all__ = ["Roles"]


class Roles:
    """Who is Hub staff and who is an admin. Only an admin changes roles; the checks that
    the person asking *is* an admin are the caller's, made on the user read from the database.

    Args:
        database: the assistant's database.
        audit: role changes are audited as ``user.role`` on the person changed.
        notices: the words of the message telling the person changed (none without it).
        outbox: where that message is written (the database's own by default).
    """

    def __init__(
        self, database: Database, audit: Audit, *, notices: HubNotices | None = None, outbox: Outbox | None = None
    ) -> None:
        self._db = database
        self._audit = audit
        self._notices = notices
        self._outbox = outbox or Outbox(database)

    def staff(self, viewer_aad: str | None = None) -> list[UserInfo]:
        """Hub staff and admins, admins first, then by name; an admin's look at the list
        (``viewer_aad``) is one ``user.roles`` audit row in the same transaction."""
        with self._db.session() as session:
            if viewer_aad is not None:
                self._audit.record(viewer_aad, Action.ROLES_READ, "roles", "staff", session=session)
            rows = session.scalars(
                select(User).where(User.role.in_([Role.HUB.value, Role.ADMIN.value])).order_by(User.name, User.aad_object_id)
            ).all()
            people = [UserInfo(row.aad_object_id, row.name, Role(row.role)) for row in rows]
        return sorted(people, key=lambda p: p.role is not Role.ADMIN)

    def person(self, *, aad: str | None = None, teams_user_id: str | None = None) -> UserInfo:
        """A user by Azure AD object id or, without one, by the Teams user id (``29:...``) that
        a Teams mention carries. Never by display name, which anyone can choose for themselves.

        Raises:
            UnknownUserError: nobody has that id (or no id was given).
            AmbiguousUser: more than one user has that Teams user id.
        """
        with self._db.session() as session:
            if aad:
                rows = [session.get(User, aad.strip().lower())]
            elif teams_user_id:
                rows = list(session.scalars(
                    select(User).where(User.teams_user_id == teams_user_id.strip()).order_by(User.aad_object_id)
                ))
            else:
                rows = []
            people = [UserInfo(row.aad_object_id, row.name, Role(row.role)) for row in rows if row is not None]
        if not people:
            raise UnknownUserError(aad or teams_user_id or "")
        if len(people) > 1:
            raise AmbiguousUser(teams_user_id or "", people)
        return people[0]

    def find(self, text: str) -> UserInfo:
        """A user by Azure AD object id or by display name (any case), which must be unique:
        for naming an assignee among Hub staff. Role changes name people with :meth:`person`.

        Raises:
            UnknownUserError: nobody has that id or name.
            AmbiguousUser: more than one person has that name.
        """
        wanted = " ".join(text.split())
        with self._db.session() as session:
            if is_object_id(wanted):
                rows = [session.get(User, wanted.lower())]
            else:
                rows = list(session.scalars(
                    select(User).where(func.lower(User.name) == wanted.lower()).order_by(User.aad_object_id)
                ))
            people = [UserInfo(row.aad_object_id, row.name, Role(row.role)) for row in rows if row is not None]
        if not people:
            raise UnknownUserError(wanted)
        if len(people) > 1:
            raise AmbiguousUser(wanted, people)
        return people[0]

    def change(self, by_aad: str, target_aad: str, role: Role) -> RoleChange:
        """Give a user ``role``, audited, and tell them (unless they changed their own);
        never leaves the assistant without an admin.

        Raises:
            UnknownUserError: nobody has that id.
            LastAdmin: the user is the only admin and would stop being one.
        """
        key, by = target_aad.lower(), by_aad.lower()
        with self._db.session() as session:
            # A write first (on SQLite it takes the write lock before anything is read), then
            # every admin row locked: two admins demoting each other cannot both succeed.
            session.execute(update(User).where(User.aad_object_id == key).values(role=User.role))
            admins = list(session.scalars(
                select(User).where(User.role == Role.ADMIN.value).with_for_update()
            ))
            user = session.get(User, key)
            if user is None:
                raise UnknownUserError(target_aad)
            before = Role(user.role)
            if before is Role.ADMIN and role is not Role.ADMIN and len(admins) <= 1:
                raise LastAdmin(f"{user.name or user.aad_object_id} is the only admin; grant admin to someone else first.")
            change = RoleChange(UserInfo(user.aad_object_id, user.name, role), before)
            if before is role:
                return change
            user.role = role.value
            user.updated_at = utcnow()
            self._audit.record(by_aad, "user.role", "user", user.aad_object_id, session=session)
            if self._notices is None or key == by:
                return change
            admin = session.get(User, by)
            text = self._notices.role_changed(role, admin.name if admin is not None else None)
            added = self._outbox.add(session, key, "role-change", text)
            return replace(change, notifications=(added,) if added is not None else ())
