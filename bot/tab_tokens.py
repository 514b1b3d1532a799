"""Sign-in for the Hub's tab: the Microsoft Entra ID token Teams gives the tab
(``authentication.getAuthToken()``), checked on the server on every call.

A token is accepted only when:

- its signature verifies against a key Entra ID publishes (fetched in a worker thread and
  cached, :class:`bot.signing_keys.SigningKeys`), with RS256;
- it has not expired (and is not from the future), allowing two minutes of clock skew;
- its audience is the app's id URI or its client id (``MicrosoftAppId``);
- its issuer is Entra ID's for the token's own tenant (v2.0 or v1 form);
- its tenant is one of ``ALLOWED_TENANT_IDS``;
- it names a user (``oid``).

What the token says about roles is never read: the caller looks the ``oid`` up in the
database. Nothing from the token is logged but the reason for a refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Collection

import jwt

from bot.signing_keys import SigningKeys, SigningKeysUnavailable, UnknownSigningKey, fetch_key_set

__all__ = ["TabTokens", "TabUser", "TokenRefused", "ENTRA_OPENID_METADATA", "entra_keys"]

ENTRA_OPENID_METADATA = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
LEEWAY_SECONDS = 120
_BEARER = re.compile(r"Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)")
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class TokenRefused(PermissionError):
    """The call is refused; ``status`` is 401 (no valid sign-in) or 403 (signed in, not allowed)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class TabUser:
    """Who a valid token names: their Azure AD object id, tenant and display name."""

    aad_object_id: str
    tenant_id: str
    name: str


def entra_keys() -> SigningKeys:
    """Entra ID's published signing keys, fetched off the event loop and cached."""
    return SigningKeys(ENTRA_OPENID_METADATA, fetch_key_set)


class TabTokens:
    """Checks the bearer tokens of the tab's calls.

    Args:
        keys: Entra ID's signing keys.
        audiences: the app id URI (``api://<host>/<client id>``) and the client id.
        tenants: the allowed tenant ids; ``any_tenant`` accepts every tenant.
    """

    def __init__(self, keys: SigningKeys, audiences: Collection[str], tenants: Collection[str],
                 *, any_tenant: bool = False) -> None:
        self.keys = keys
        self.audiences = [audience for audience in audiences if audience]
        self.tenants = {tenant.lower() for tenant in tenants}
        self.any_tenant = any_tenant

    async def verify(self, authorization: str | None) -> TabUser:
        """The user the ``Authorization`` header's token names.

        Raises:
            TokenRefused: 401 for a missing, malformed, badly signed, expired or
                wrong-audience token, or one from another issuer; 403 for a tenant not
                allowed. No data is read before this passes.
        """
        match = _BEARER.fullmatch((authorization or "").strip())
        if match is None:
            raise TokenRefused(401, "sign-in needed: no bearer token")
        token = match[1]
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenRefused(401, "malformed token") from None
        if header.get("alg") != "RS256":
            raise TokenRefused(401, "unexpected signing algorithm")
        try:
            key = await self.keys.get(header.get("kid"))
        except UnknownSigningKey:
            raise TokenRefused(401, "unknown signing key") from None
        except SigningKeysUnavailable:
            raise TokenRefused(401, "signing keys unavailable, try again shortly") from None
        if not self.audiences:
            raise TokenRefused(401, "the tab's sign-in is not set up (no app id)")
        try:
            claims = jwt.decode(
                token, key.public_key, algorithms=["RS256"], audience=self.audiences, leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "tid", "oid"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenRefused(401, "expired token") from None
        except jwt.InvalidAudienceError:
            raise TokenRefused(401, "token for another application") from None
        except jwt.PyJWTError:
            raise TokenRefused(401, "invalid token") from None
        tenant, oid = str(claims["tid"]), str(claims["oid"])
        if not _GUID.fullmatch(tenant) or not _GUID.fullmatch(oid):
            raise TokenRefused(401, "invalid token")
        issuers = (f"https://login.microsoftonline.com/{tenant}/v2.0", f"https://sts.windows.net/{tenant}/")
        if claims["iss"] not in issuers:
            raise TokenRefused(401, "token from another issuer")
        if not self.any_tenant and tenant.lower() not in self.tenants:
            raise TokenRefused(403, "this organisation is not allowed")
        return TabUser(oid.lower(), tenant.lower(), str(claims.get("name") or ""))
