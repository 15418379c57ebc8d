"""Mutants of the refresh-token exchange: lookup, expiry, rotation, reuse and response."""

from __future__ import annotations

import json
import secrets
import sqlite3

import jwt
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from conformance.reference import (
    AccessTokenError,
    AccessTokenExpired,
    ReferenceHandlers,
    RefreshExchange,
    RefreshPolicy,
    RefreshTokenRecord,
    RejectReason,
    Store,
)
from conformance.reference.bodies import read_json_object
from tests.mutants.base import Mutant, build_app

# A key that protected resources do not accept, such as one left over from a key rotation.
STALE_SIGNING_KEY = "stale-signing-key-from-before-the-last-key-rotation"


class ExpiryUncheckedStore(Store):
    """Never considers a refresh token expired."""

    def is_refresh_token_expired(self, record: RefreshTokenRecord, now: float) -> bool:
        return False


def refresh_expiry_unchecked() -> Starlette:
    return build_app(store=ExpiryUncheckedStore)


class UserPrefixStore(Store):
    """Issues refresh tokens of the form `<user id>.<random>`."""

    def issue_refresh_token(self, user_id: int, now: float, ttl: int) -> str:
        token = f"{user_id}.{secrets.token_urlsafe(32)}"
        with self.transaction() as db:
            self._insert_refresh_token(db, token, secrets.token_hex(16), user_id, now, now + ttl)
        return token


class UserPrefixHandlers(ReferenceHandlers):
    """Exchanges any refresh token that starts with the id of an existing user, without
    looking the token up."""

    async def refresh_token(self, request: Request) -> JSONResponse:
        self.backend.metrics.count("refresh_total")
        body = await read_json_object(request)
        token = body.get("refreshToken")
        if not isinstance(token, str) or not token:
            raise HTTPException(403, "Refresh Token is required!")

        user_id, _, _ = token.partition(".")
        user = self.backend.store.get_user(int(user_id)) if user_id.isdigit() else None
        if user is None:
            raise HTTPException(403, RejectReason.UNKNOWN.value)
        return JSONResponse({"accessToken": self.backend.access_tokens.issue(user),
                             "refreshToken": token})


def refresh_token_unchecked() -> Starlette:
    return build_app(store=UserPrefixStore, handlers=UserPrefixHandlers)


class OldTokenKeptStore(Store):
    """Rotates to a new refresh token but leaves the old one valid."""

    def rotate_refresh_token(self, db: sqlite3.Connection, record: RefreshTokenRecord,
                             token: str, now: float, policy: RefreshPolicy) -> str:
        successor = secrets.token_urlsafe(32)
        self._insert_refresh_token(db, successor, record.family_id, record.user_id, now,
                                   now + policy.ttl)
        return successor


def rotation_keeps_old_token() -> Starlette:
    return build_app("reference-rotating", store=OldTokenKeptStore)


class NoReuseDetectionStore(Store):
    """Rejects a rotated-out token but never revokes the rest of its family."""

    def exchange_refresh_token(self, token: str, now: float,
                               policy: RefreshPolicy) -> RefreshExchange:
        if policy.rotation == "rotate-reuse-detection":
            policy = RefreshPolicy(ttl=policy.ttl, rotation="rotate",
                                   grace_seconds=policy.grace_seconds)
        return super().exchange_refresh_token(token, now, policy)


def replay_keeps_family() -> Starlette:
    return build_app("reference-rotating", store=NoReuseDetectionStore)


class AccessExpiryGuardHandlers(ReferenceHandlers):
    """Rejects a refresh with 401 when the access token sent beside it has expired."""

    async def refresh_token(self, request: Request) -> JSONResponse:
        access_token = request.headers.get("x-access-token")
        if access_token:
            try:
                self.backend.access_tokens.verify(access_token)
            except AccessTokenExpired as error:
                raise HTTPException(401, "Unauthorized! Access Token was expired!") from error
            except AccessTokenError:
                pass
        return await super().refresh_token(request)


def refresh_rejected_after_access_expiry() -> Starlette:
    return build_app(handlers=AccessExpiryGuardHandlers)


class SignedTokenFallbackHandlers(ReferenceHandlers):
    """Exchanges any token signed with the backend key when the store does not know it."""

    async def refresh_token(self, request: Request) -> JSONResponse:
        # Starlette caches the body that body() reads, so the reference handler can read it too.
        body = await request.body()
        try:
            return await super().refresh_token(request)
        except HTTPException as error:
            token = json.loads(body).get("refreshToken")
            if error.status_code != 403 or not isinstance(token, str) or not token:
                raise
            try:
                claims = jwt.decode(token, self.backend.settings.signing_key,
                                    algorithms=["HS256"], options={"verify_exp": False})
            except jwt.PyJWTError:
                raise error from None
            user = self.backend.store.get_user(int(claims["id"]))
            if user is None:
                raise error from None
            return JSONResponse({"accessToken": self.backend.access_tokens.issue(user),
                                 "refreshToken": token})


def access_token_as_refresh_token() -> Starlette:
    return build_app(handlers=SignedTokenFallbackHandlers)


class IndexedFieldHandlers(ReferenceHandlers):
    """Reads the refresh token as `body["refreshToken"].strip()`, so a missing or non-string
    field raises."""

    async def refresh_token(self, request: Request) -> JSONResponse:
        # body() caches the body, so the reference handler can read it again.
        await request.body()
        body = await read_json_object(request)
        body["refreshToken"].strip()
        return await super().refresh_token(request)


def missing_refresh_token_500() -> Starlette:
    return build_app(handlers=IndexedFieldHandlers)


class UncheckedJsonHandlers(ReferenceHandlers):
    """Parses the refresh body with json.loads and no error handling."""

    async def refresh_token(self, request: Request) -> JSONResponse:
        json.loads(await request.body())
        return await super().refresh_token(request)


def malformed_refresh_body_500() -> Starlette:
    return build_app(handlers=UncheckedJsonHandlers)


class StaleKeyHandlers(ReferenceHandlers):
    """Signs the access tokens of a refresh with a key that protected resources reject."""

    async def refresh_token(self, request: Request) -> JSONResponse:
        response = await super().refresh_token(request)
        data = json.loads(bytes(response.body))
        claims = jwt.decode(data["accessToken"], options={"verify_signature": False})
        data["accessToken"] = jwt.encode(claims, STALE_SIGNING_KEY, algorithm="HS256")
        return JSONResponse(data)


def refreshed_access_token_unusable() -> Starlette:
    return build_app(handlers=StaleKeyHandlers)


class SnakeCaseRefreshHandlers(ReferenceHandlers):
    """Returns the refreshed tokens as `access_token` and `refresh_token`."""

    async def refresh_token(self, request: Request) -> JSONResponse:
        response = await super().refresh_token(request)
        data = json.loads(bytes(response.body))
        return JSONResponse({"access_token": data["accessToken"],
                             "refresh_token": data["refreshToken"]})


def refresh_fields_renamed() -> Starlette:
    return build_app(handlers=SnakeCaseRefreshHandlers)


def rotation_undeclared() -> Starlette:
    return build_app(rotation="rotate")


def refresh_expires_early() -> Starlette:
    return build_app(refresh_ttl=604_800 - 3_600)


MUTANTS = [
    Mutant(
        "refresh-expiry-unchecked",
        "The refresh-token expiry is never checked, so a refresh token works forever.",
        refresh_expiry_unchecked, "reference",
        ("refresh.expired-token-rejected", "logout.refresh-expiry-logs-out"),
    ),
    Mutant(
        "refresh-token-unchecked",
        "The refresh endpoint trusts the user id at the start of the refresh token and never "
        "looks the token up.",
        refresh_token_unchecked, "reference",
        ("refresh.unknown-token-rejected", "refresh.expired-token-rejected"),
    ),
    Mutant(
        "rotation-keeps-old-token",
        "Rotation issues a new refresh token but leaves the old one valid.",
        rotation_keeps_old_token, "reference-rotating",
        ("refresh.rotated-token-rejected", "refresh.reuse-revokes-family"),
    ),
    Mutant(
        "replay-keeps-family",
        "Replaying a rotated-out refresh token is rejected but does not revoke the family "
        "(RFC 9700 §4.14.2).",
        replay_keeps_family, "reference-rotating",
        ("refresh.reuse-revokes-family",),
    ),
    Mutant(
        "refresh-rejected-after-access-expiry",
        "The refresh endpoint answers 401 when the access token sent beside it has expired.",
        refresh_rejected_after_access_expiry, "reference",
        ("refresh.works-after-access-expiry",),
    ),
    Mutant(
        "access-token-as-refresh-token",
        "The refresh endpoint exchanges any token signed with the backend key, access tokens "
        "included.",
        access_token_as_refresh_token, "reference",
        ("refresh.access-token-rejected",),
    ),
    Mutant(
        "missing-refresh-token-500",
        "A refresh body without a string refreshToken field crashes the handler with a 500.",
        missing_refresh_token_500, "reference",
        ("refresh.malformed-token-rejected",),
    ),
    Mutant(
        "malformed-refresh-body-500",
        "A refresh body that is not JSON crashes the handler with a 500.",
        malformed_refresh_body_500, "reference",
        ("input.malformed-json-rejected",),
    ),
    Mutant(
        "refreshed-access-token-unusable",
        "The refresh endpoint signs access tokens with a stale key that protected resources "
        "reject.",
        refreshed_access_token_unusable, "reference",
        ("refresh.new-access-token-works",),
    ),
    Mutant(
        "refresh-fields-renamed",
        "The refresh response names its tokens access_token and refresh_token, not the "
        "declared accessToken and refreshToken.",
        refresh_fields_renamed, "reference",
        ("refresh.response-fields-present",),
    ),
    Mutant(
        "rotation-undeclared",
        "The backend rotates refresh tokens although the profile declares rotation none.",
        rotation_undeclared, "reference",
        ("refresh.same-token-reusable",),
    ),
    Mutant(
        "refresh-expires-early",
        "Refresh tokens expire one hour before the declared lifetime of 7 days.",
        refresh_expires_early, "reference",
        ("refresh.accepted-before-expiry",),
    ),
]
