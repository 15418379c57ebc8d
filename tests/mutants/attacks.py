"""Mutants that let a forged or misused token through: alg none, kid lookup, token types."""

from __future__ import annotations

import sqlite3
from typing import Any

import jwt
from starlette.applications import Starlette
from starlette.requests import Request

from conformance.reference import (
    AccessTokenError,
    AccessTokenInvalid,
    AccessTokens,
    Clock,
    ReferenceHandlers,
    ReferenceSettings,
    User,
)
from conformance.reference.access import extract_access_token
from conformance.reference.tokens import ALGORITHM
from tests.mutants.base import Mutant, build_app

REQUIRED_CLAIMS = ["exp", "iat", "jti", "sub"]


class AlgNoneTokens(AccessTokens):
    """Accepts an unsigned token whose header names alg none, in any letter case."""

    def decode_signed(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise AccessTokenInvalid("The access token is malformed") from error

        if str(header.get("alg", "")).lower() != "none":
            return super().decode_signed(token)
        try:
            payload: dict[str, Any] = jwt.decode(
                token, options={"verify_signature": False, "require": REQUIRED_CLAIMS})
        except (jwt.PyJWTError, ValueError) as error:
            raise AccessTokenInvalid("The access token is malformed") from error
        return payload


def alg_none_accepted() -> Starlette:
    return build_app(access_tokens=AlgNoneTokens)


class KidSqlKeyTokens(AccessTokens):
    """Looks the HMAC key up by the header's kid in an SQL query built by string formatting."""

    def __init__(self, settings: ReferenceSettings, clock: Clock) -> None:
        super().__init__(settings, clock)
        self.keys = sqlite3.connect(":memory:", check_same_thread=False)
        self.keys.execute("CREATE TABLE keys (kid TEXT PRIMARY KEY, secret TEXT NOT NULL)")
        self.keys.execute("INSERT INTO keys VALUES ('main', ?)", (self.key,))

    def decode_signed(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise AccessTokenInvalid("The access token is malformed") from error

        kid = header.get("kid")
        if not isinstance(kid, str):
            return super().decode_signed(token)
        try:
            row = self.keys.execute(f"SELECT secret FROM keys WHERE kid = '{kid}'").fetchone()
        except sqlite3.Error as error:
            raise AccessTokenInvalid("The access token names an unknown key") from error
        if row is None:
            raise AccessTokenInvalid("The access token names an unknown key")
        try:
            payload: dict[str, Any] = jwt.decode(
                token, row[0], algorithms=[ALGORITHM],
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                         "require": REQUIRED_CLAIMS},
            )
        except (jwt.PyJWTError, ValueError) as error:
            raise AccessTokenInvalid("The access token is invalid") from error
        return payload


def kid_sql_injection() -> Starlette:
    return build_app(access_tokens=KidSqlKeyTokens)


class RefreshTokenAsAccessHandlers(ReferenceHandlers):
    """Accepts a live refresh token where an access token is expected, for clients that send
    either one."""

    def authenticate(self, request: Request) -> User:
        token = extract_access_token(request, self.backend.settings.access_header)
        if token is not None:
            try:
                self.backend.access_tokens.verify(token)
            except AccessTokenError:
                record = self.backend.store.find_refresh_token(token)
                now = self.backend.clock.now()
                if (record is not None and record.revoked_at is None
                        and not self.backend.store.is_refresh_token_expired(record, now)):
                    user = self.backend.store.get_user(record.user_id)
                    if user is not None:
                        return user
        return super().authenticate(request)


def refresh_token_as_access_token() -> Starlette:
    return build_app(handlers=RefreshTokenAsAccessHandlers)


MUTANTS = [
    Mutant(
        "alg-none-accepted",
        "An unsigned token whose header names alg none is accepted (RFC 8725 §3.1).",
        alg_none_accepted, "reference",
        ("attack.alg-none-rejected",),
    ),
    Mutant(
        "kid-sql-injection",
        "The HMAC key is looked up by kid in an SQL query built by string formatting, so a "
        "UNION in kid selects the attacker's key.",
        kid_sql_injection, "reference",
        ("attack.kid-injection-rejected",),
    ),
    Mutant(
        "refresh-token-as-access-token",
        "A live refresh token opens protected resources like an access token (RFC 8725 "
        "§3.12).",
        refresh_token_as_access_token, "reference",
        ("attack.token-type-confusion-rejected",),
    ),
]
