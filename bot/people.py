"""Naming a person in a command: an @mention in Teams, or their Azure AD object id.

Never a display name alone: anyone can choose their own display name (a guest or an account
in another tenant could take a Hub member's), so an admin's command aimed at a name could
reach whoever chose it. A mention is the person Teams says was picked; an object id is
their account's own key. Either is looked up in the database: only people who have talked
to the assistant are known.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.text import plain
from domain.hub.records import AmbiguousUser, is_object_id
from domain.hub.roles import Roles
from domain.users import UnknownUserError, UserInfo

__all__ = ["Mention", "mentioned_people", "person_named", "HOW_TO_NAME"]

HOW_TO_NAME = "@mention them (type @ and choose them from the list) or give their Azure AD object id"
# Ids of bots (28:) and of chats, channels and teams (19:): never a person.
_NOT_PEOPLE = ("28:", "19:")


@dataclass(frozen=True)
class Mention:
    """A person a message @mentions: their Teams user id (``29:...``), their Azure AD object
    id when Teams sends it, and the name shown in the mention."""

    teams_user_id: str
    aad_object_id: str | None
    name: str


def _field(value: Any, key: str, attribute: str) -> Any:
    """``value[key]`` for JSON, else the schema object's attribute or unknown property."""
    if isinstance(value, dict):
        return value.get(key)
    found = getattr(value, attribute, None)
    if found is None:
        found = (getattr(value, "additional_properties", None) or {}).get(key)
    return found


def mentioned_people(activity: Activity) -> list[Mention]:
    """The people a message @mentions, each once, in order; the bot itself is left out."""
    bot_id = activity.recipient.id if activity.recipient else None
    found: dict[str, Mention] = {}
    for entity in activity.entities or []:
        kind = _field(entity, "type", "type")
        if not isinstance(kind, str) or kind.lower() != "mention":
            continue
        mentioned = _field(entity, "mentioned", "mentioned")
        teams_id = _field(mentioned, "id", "id") if mentioned is not None else None
        if not isinstance(teams_id, str) or not teams_id.strip() or teams_id == bot_id or teams_id.startswith(_NOT_PEOPLE):
            continue
        aad = _field(mentioned, "aadObjectId", "aad_object_id")
        name = _field(mentioned, "name", "name")
        found.setdefault(teams_id, Mention(
            teams_id.strip(), aad.lower() if isinstance(aad, str) and is_object_id(aad) else None,
            name if isinstance(name, str) else "",
        ))
    return list(found.values())


def _by_mention(roles: Roles, mention: Mention) -> UserInfo:
    if mention.aad_object_id:
        try:
            return roles.person(aad=mention.aad_object_id)
        except UnknownUserError:
            pass
    return roles.person(teams_user_id=mention.teams_user_id)


async def person_named(turn_context: TurnContext, roles: Roles, argument: str, *, example: str = "") -> UserInfo | None:
    """The one person a command names, by an @mention in the message or by the Azure AD
    object id in ``argument`` (the command's words, mentions already taken out), read from
    the database; or None after telling the user why not (a display name alone is refused).

    Args:
        example: how the command is typed, shown when the person could not be told.
    """
    wanted = " ".join(argument.split())
    people = mentioned_people(turn_context.activity)
    hint = f" For example: {example}" if example else ""
    message: str
    if len(people) > 1 or (people and wanted):
        message = f"Name one person at a time: {HOW_TO_NAME}.{hint}"
    elif not people and not wanted:
        message = f"Who? {HOW_TO_NAME[0].upper()}{HOW_TO_NAME[1:]}.{hint}"
    elif not people and not is_object_id(wanted):
        message = (f"I can't tell who {plain(wanted, limit=100)} is from a name alone: anyone can choose their "
                   f"display name. {HOW_TO_NAME[0].upper()}{HOW_TO_NAME[1:]}.{hint}")
    else:
        try:
            if people:
                return await asyncio.to_thread(_by_mention, roles, people[0])
            return await asyncio.to_thread(roles.person, aad=wanted)
        except UnknownUserError:
            who = plain(people[0].name or "them", limit=100) if people else f"anyone with the object id {plain(wanted)}"
            message = f"I don't know {who} yet: they need to have said hello to me in Teams once."
        except AmbiguousUser:
            message = "More than one account matches that mention. Give their Azure AD object id instead."
    await turn_context.send_activity(message)
    return None
