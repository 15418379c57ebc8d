"""Mutants of the access tokens the backend issues: claims, algorithm and times."""

from __future__ import annotations

import json
from typing import Any

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse

from conformance.reference import AccessTokenInvalid, AccessTokens, ReferenceHandlers, User
from conformance.reference.tokens import ALGORITHM
from tests.mutants.base import Mutant, build_app

# Seconds by which a cached clock lags behind the real one.
CLOCK_CACHE_LAG = 120


def _claims_of(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


class UserRecordClaimTokens(AccessTokens):
    """Embeds the whole user record, password hash included, in a `user` claim."""

    def issue(self, user: User) -> str:
        claims = _claims_of(super().issue(user))
        claims["user"] = {"id": user.id, "username": user.username, "email": user.email,
                          "password": user.password_hash}
        return jwt.encode(claims, self.key, algorithm=ALGORITHM, headers={"typ": "JWT"})


def password_hash_in_claims() -> Starlette:
    return build_app(access_tokens=UserRecordClaimTokens)


class Hs384Tokens(AccessTokens):
    """Signs and verifies access tokens with HS384 while the profile declares HS256."""

    def issue(self, user: User) -> str:
        claims = _claims_of(super().issue(user))
        return jwt.encode(claims, self.key, algorithm="HS384", headers={"typ": "JWT"})

    def decode_signed(self, token: str) -> dict[str, Any]:
        try:
            payload: dict[str, Any] = jwt.decode(
                token, self.key, algorithms=["HS384"],
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                         "require": ["exp", "iat", "jti", "sub"]},
            )
        except (jwt.PyJWTError, ValueError) as error:
            raise AccessTokenInvalid("The access token is invalid") from error
        return payload


def algorithm_undeclared() -> Starlette:
    return build_app(access_tokens=Hs384Tokens)


class CachedClockTokens(AccessTokens):
    """Takes iat, nbf and exp from a clock cached for two minutes, so they lag behind."""

    def issue(self, user: User) -> str:
        claims = _claims_of(super().issue(user))
        for name in ("iat", "nbf", "exp"):
            claims[name] -= CLOCK_CACHE_LAG
        return jwt.encode(claims, self.key, algorithm=ALGORITHM, headers={"typ": "JWT"})


def iat_from_cached_clock() -> Starlette:
    return build_app(access_tokens=CachedClockTokens)


class LongRefreshLifetimeHandlers(ReferenceHandlers):
    """Issues the access tokens of a refresh with twice the declared lifetime."""

    async def refresh_token(self, request: Request) -> JSONResponse:
        response = await super().refresh_token(request)
        data = json.loads(bytes(response.body))
        claims = _claims_of(data["accessToken"])
        claims["exp"] = claims["iat"] + 2 * self.backend.settings.access_ttl
        data["accessToken"] = jwt.encode(claims, self.backend.settings.signing_key,
                                         algorithm=ALGORITHM, headers={"typ": "JWT"})
        return JSONResponse(data)


def refresh_lifetime_doubled() -> Starlette:
    return build_app(handlers=LongRefreshLifetimeHandlers)


MUTANTS = [
    Mutant(
        "password-hash-in-claims",
        "The access token embeds the user record, password hash included.",
        password_hash_in_claims, "reference",
        ("token.no-password-in-claims",),
    ),
    Mutant(
        "algorithm-undeclared",
        "Access tokens are signed with HS384 while the profile declares HS256.",
        algorithm_undeclared, "reference",
        ("token.alg-matches-profile", "signin.access-token-well-formed"),
    ),
    Mutant(
        "iat-from-cached-clock",
        "iat, nbf and exp come from a clock cached for two minutes, so iat lags the time of "
        "issue.",
        iat_from_cached_clock, "reference",
        ("token.iat-at-issue",),
    ),
    Mutant(
        "refresh-lifetime-doubled",
        "Access tokens issued at refresh live twice the declared lifetime.",
        refresh_lifetime_doubled, "reference",
        ("token.lifetime-matches-profile",),
    ),
]
