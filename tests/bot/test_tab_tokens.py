"""The tab's sign-in: tokens are checked against a stub Entra ID key set, and every token
that is missing, malformed, expired, for another application, from another issuer or
tenant, or signed with another key is refused with 401 or 403."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from bot.signing_keys import SigningKeys
from bot.tab_tokens import TabTokens, TabUser, TokenRefused

CLIENT_ID = "6f1b2c3d-0000-4000-8000-00000000ab01"
APP_ID_URI = f"api://hub.example.org/{CLIENT_ID}"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OTHER_TENANT = "0a1b2c3d-86f1-41af-91ab-2d7cd011db47"
OID = "5C1D2E3F-0000-4000-8000-0000000000E2"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


SIGNING, FORGER = _key(), _key()


def key_set(*keys: tuple[str, rsa.RSAPrivateKey]) -> list[dict[str, Any]]:
    return [{**json.loads(RSAAlgorithm.to_jwk(private.public_key())), "kid": kid, "use": "sig"} for kid, private in keys]


@pytest.fixture
def tokens() -> TabTokens:
    keys = SigningKeys("https://login.example/keys", lambda url: key_set(("k1", SIGNING)))
    return TabTokens(keys, [APP_ID_URI, CLIENT_ID], [TENANT])


def token(*, key: rsa.RSAPrivateKey = SIGNING, kid: str = "k1", **changes: Any) -> str:
    now = int(time.time())
    claims = {"aud": APP_ID_URI, "iss": f"https://login.microsoftonline.com/{TENANT}/v2.0", "tid": TENANT,
              "oid": OID, "name": "Hana Hub", "iat": now - 60, "nbf": now - 60, "exp": now + 3600,
              "roles": ["Hub.Admin"]}
    claims.update(changes)
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


async def test_a_valid_token_names_the_user_and_its_roles_claim_is_ignored(tokens):
    user = await tokens.verify(f"Bearer {token()}")
    assert user == TabUser(OID.lower(), TENANT, "Hana Hub")
    # The client id is an audience too, and Entra ID's v1 issuer form is accepted.
    assert (await tokens.verify(f"Bearer {token(aud=CLIENT_ID, iss=f'https://sts.windows.net/{TENANT}/')}")).tenant_id == TENANT


@pytest.mark.parametrize("header, status, reason", [
    (None, 401, "sign-in needed: no bearer token"),
    ("", 401, "sign-in needed: no bearer token"),
    ("Basic dXNlcjpwYXNz", 401, "sign-in needed: no bearer token"),
    ("Bearer not-a-token", 401, "sign-in needed: no bearer token"),
    ("Bearer a.b.c", 401, "malformed token"),
    (f"Bearer {token(exp=int(time.time()) - 600)}", 401, "expired token"),
    (f"Bearer {token(aud='api://another-app')}", 401, "token for another application"),
    (f"Bearer {token(iss=f'https://login.microsoftonline.com/{OTHER_TENANT}/v2.0')}", 401, "token from another issuer"),
    (f"Bearer {token(tid=OTHER_TENANT, iss=f'https://login.microsoftonline.com/{OTHER_TENANT}/v2.0')}", 403,
     "this organisation is not allowed"),
    (f"Bearer {token(key=FORGER)}", 401, "invalid token"),
    (f"Bearer {token(kid='k9')}", 401, "unknown signing key"),
    (f"Bearer {token(oid=None)}", 401, "invalid token"),
    (f"Bearer {jwt.encode({'aud': APP_ID_URI, 'oid': OID}, 'secret' * 8, algorithm='HS256', headers={'kid': 'k1'})}",
     401, "unexpected signing algorithm"),
], ids=["missing", "empty", "basic", "not a jwt", "malformed", "expired", "wrong audience", "wrong issuer",
        "wrong tenant", "forged signature", "unknown key", "no user", "symmetric"])
async def test_a_bad_token_is_refused_with_its_reason(tokens, header, status, reason):
    with pytest.raises(TokenRefused) as refused:
        await tokens.verify(header)
    assert (refused.value.status, refused.value.reason) == (status, reason)


async def test_the_keys_are_fetched_once_and_kept(tokens):
    fetched: list[str] = []
    keys = SigningKeys("https://login.example/keys", lambda url: fetched.append(url) or key_set(("k1", SIGNING)))
    checker = TabTokens(keys, [APP_ID_URI], [TENANT])
    for _ in range(3):
        await checker.verify(f"Bearer {token()}")
    assert fetched == ["https://login.example/keys"]


async def test_without_an_app_id_no_token_is_accepted():
    keys = SigningKeys("https://login.example/keys", lambda url: key_set(("k1", SIGNING)))
    with pytest.raises(TokenRefused) as refused:
        await TabTokens(keys, [], [TENANT]).verify(f"Bearer {token()}")
    assert refused.value.status == 401
