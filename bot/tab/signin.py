"""Who is calling the Hub workspace's API, and whether they may.

In Teams the page sends the Entra ID token Teams gave it (``authentication.getAuthToken()``)
as ``Authorization: Bearer ...`` on every call; :class:`bot.tab_tokens.TabTokens` checks it.
The role is then read from the database by the token's ``oid``: an officer, or someone the
assistant has not met, is refused with 403 and sees no data. Nothing from the client says
who is Hub staff.

In local mode (no ``MicrosoftAppId``) there is no Teams to sign in with: calls are answered
from loopback addresses only, as the configured local user (``TAB_LOCAL_USER``), whose role
still comes from the database.

No cookies are read or set, so there is no cross-site request to forge.
"""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass

from aiohttp import web

from bot.tab_tokens import TabTokens, TokenRefused
from domain.settings import Settings
from domain.models import Role
from domain.users import UnknownUserError, UserInfo, Users

__all__ = ["TabSignIn", "SignedIn", "NOT_HUB", "json_refusal"]

NOT_HUB = ("The Hub workspace is for Prevention First Hub staff. To send the Hub an idea or a problem, "
           "or to ask what works, use the Prevention First chat.")
NO_LOCAL_USER = ("Local mode: set TAB_LOCAL_USER to the Azure AD object id of a Hub member "
                 "(for example one named in BOOTSTRAP_ADMINS) and restart the bot.")


@dataclass(frozen=True)
class SignedIn:
    """A Hub member calling the API; ``local`` when signed in by local mode, not Teams."""

    user: UserInfo
    local: bool


def json_refusal(status: int, message: str) -> web.Response:
    """A refusal the page can show: ``{"error": message}`` with its status, and, for 401, the
    scheme a client should sign in with."""
    headers = {"WWW-Authenticate": 'Bearer realm="hub-workspace"'} if status == 401 else None
    return web.json_response({"error": message}, status=status, headers=headers)


def _loopback(remote: str | None) -> bool:
    try:
        return remote is not None and ipaddress.ip_address(remote).is_loopback
    except ValueError:
        return False


class TabSignIn:
    """Signs in each API call, by Teams token or (local mode) as the local user.

    Args:
        settings: whether authentication is on, and the local user.
        tokens: the Teams token check (None in local mode).
        users: the user directory the role is read from.
    """

    def __init__(self, settings: Settings, tokens: TabTokens | None, users: Users) -> None:
        self._local = not settings.auth_enabled
        self._local_user = settings.tab_local_user
        self._bootstrap_admins = settings.bootstrap_admins
        self._tokens = tokens
        self._users = users

    @property
    def local(self) -> bool:
        """True when the tab runs outside Teams, signed in as the local user."""
        return self._local

    async def caller(self, request: web.Request) -> UserInfo:
        """Whoever the call is from, with their role from the database.

        Raises:
            TokenRefused: 401 without a valid sign-in; 403 for a caller who may not use it.
        """
        if self._local:
            if not _loopback(request.remote):
                raise TokenRefused(403, "local mode answers this computer only")
            if not self._local_user:
                raise TokenRefused(403, NO_LOCAL_USER)
            return await asyncio.to_thread(self._known, self._local_user, "")
        assert self._tokens is not None  # built whenever authentication is on
        token_user = await self._tokens.verify(request.headers.get("Authorization"))
        return await asyncio.to_thread(self._known, token_user.aad_object_id, token_user.name)

    def _known(self, aad: str, name: str) -> UserInfo:
        try:
            known = self._users.get(aad)
        except UnknownUserError:
            if aad in self._bootstrap_admins:
                return self._users.seen(aad, name)  # an admin from the start, as in the chat
            return UserInfo(aad, name, Role.OFFICER)  # never met: an officer, and nothing is written
        return known

    async def hub_member(self, request: web.Request) -> SignedIn:
        """The caller, if Hub staff.

        Raises:
            TokenRefused: 401 without a valid sign-in; 403 for anyone who is not Hub staff.
        """
        user = await self.caller(request)
        if not user.is_hub:
            raise TokenRefused(403, NOT_HUB)
        return SignedIn(user, self._local)
