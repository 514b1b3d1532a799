"""Roles in Teams, for admins: ``roles``, ``grant hub <person>``, ``grant admin <person>`` and
``revoke <person>``, the person being @mentioned or named by Azure AD object id, never by a
display name alone (:mod:`bot.people`). The router lets only admins (read from the
database) reach these handlers."""

from __future__ import annotations

import asyncio
from typing import Collection

from botbuilder.core import TurnContext

from bot.commands import Recognised
from bot.hub.arguments import strip_word
from bot.hub.messages import role_name
from bot.notifications import NotificationService
from bot.people import person_named
from bot.text import plain
from domain.hub.records import AmbiguousUser, LastAdmin
from domain.hub.roles import Roles
from domain.models import Role
from domain.users import UnknownUserError, UserInfo

__all__ = ["RoleCommands", "find_person", "ADMIN_ONLY"]

ADMIN_ONLY = "Sorry, only admins can see or change roles, so I have not changed anything."


async def find_person(turn_context: TurnContext, roles: Roles, who: str) -> UserInfo | None:
    """The user ``who`` names (an object id, or a display name that must be unique), or None
    after telling the Hub member why not: for naming an assignee among Hub staff."""
    try:
        return await asyncio.to_thread(roles.find, who)
    except UnknownUserError:
        await turn_context.send_activity(
            f"I don't know anyone called {plain(who, limit=100)}. Use their Azure AD object id or their display "
            "name as Teams shows it; they need to have said hello to me once."
        )
    except AmbiguousUser as ambiguous:
        ids = ", ".join(p.aad_object_id for p in ambiguous.candidates)
        await turn_context.send_activity(
            f"More than one person is called {plain(who, limit=100)}. Use their Azure AD object id: {ids}."
        )
    return None


class RoleCommands:
    """The admins' role commands.

    Args:
        roles: who has which role (changes are audited and the person changed is told).
        notifications: sends the messages a change writes.
        bootstrap_admins: the configured admins, who become admins again when they talk to the bot.
    """

    def __init__(self, roles: Roles, notifications: NotificationService, bootstrap_admins: Collection[str]) -> None:
        self._roles = roles
        self._notifications = notifications
        self._bootstrap_admins = bootstrap_admins

    async def on_roles(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``roles``: Hub staff and admins."""
        staff = await asyncio.to_thread(self._roles.staff, user.aad_object_id)
        lines = [f"- {plain(p.name or '(no name yet)')}: {p.role.value} ({p.aad_object_id})" for p in staff]
        await turn_context.send_activity(
            "Hub staff and admins:\n\n" + "\n".join(lines)
            + "\n\nType grant hub, grant admin or revoke followed by an @mention of the person (type @ and "
            "choose them) or their Azure AD object id."
        )

    async def on_grant(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``grant hub <person>`` or ``grant admin <person>`` (an @mention or an object id)."""
        word, _, who = recognised.argument.strip().partition(" ")
        role = {"hub": Role.HUB, "admin": Role.ADMIN}.get(word.lower())
        if role is None:
            await turn_context.send_activity(
                "Grant which role to whom? For example: grant hub @Sam Patel, or grant admin @Sam Patel, choosing "
                "them from the list when you type @, or with their Azure AD object id.")
            return
        who = "" if who.strip().lower() == "to" else strip_word(who.strip(), "to")  # "to @Sam Patel"
        await self._change(turn_context, user, who, role, f"grant {word.lower()} @Sam Patel")

    async def on_revoke(self, turn_context: TurnContext, recognised: Recognised, user: UserInfo) -> None:
        """``revoke <person>`` (an @mention or an object id): they become an officer again."""
        await self._change(turn_context, user, recognised.argument.strip(), Role.OFFICER, "revoke @Sam Patel")

    async def _change(self, turn_context: TurnContext, user: UserInfo, who: str, role: Role, example: str) -> None:
        person = await person_named(turn_context, self._roles, who, example=example)
        if person is None:
            return
        try:
            change = await asyncio.to_thread(self._roles.change, user.aad_object_id, person.aad_object_id, role)
        except LastAdmin as problem:
            await turn_context.send_activity(f"{plain(str(problem))} Nothing was changed.")
            return
        name = plain(person.name or person.aad_object_id)
        if change.before is role:
            await turn_context.send_activity(f"{name} is already {role_name(role)}. Nothing was changed.")
            return
        message = f"{name} is now {role_name(role)} (was {role_name(change.before)})."
        if person.aad_object_id in self._bootstrap_admins and role is not Role.ADMIN:
            message += (" They are in BOOTSTRAP_ADMINS, so they will be an admin again the next time they talk to "
                        "me: take them out of the configuration as well.")
        await turn_context.send_activity(message)
        self._notifications.dispatch(change.notifications)
