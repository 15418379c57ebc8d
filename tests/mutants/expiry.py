"""Mutants of access-token expiry: the exp and nbf checks and the status of an expired token."""

from __future__ import annotations

import jwt
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request

from conformance.reference import (
    AccessClaims,
    AccessTokenExpired,
    AccessTokenInvalid,
    AccessTokens,
    Clock,
    ReferenceHandlers,
    ReferenceSettings,
    User,
)
from conformance.reference.access import extract_access_token
from tests.mutants.base import LEEWAY_PROFILE, Mutant, build_app

EXPIRY_FAILURES = (
    "expiry.access-rejected-at-exp",
    "expiry.access-rejected-after-exp",
)


class ExpiredErrorEscapesTokens(AccessTokens):
    """Lets the library's ExpiredSignatureError escape, as a handler that catches only
    invalid-token errors does."""

    def check_times(self, claims: AccessClaims) -> None:
        try:
            super().check_times(claims)
        except AccessTokenExpired as error:
            raise jwt.ExpiredSignatureError("Signature has expired") from error


def expired_answered_500() -> Starlette:
    return build_app(access_tokens=ExpiredErrorEscapesTokens)


class ExpiredForbiddenHandlers(ReferenceHandlers):
    """Rejects an expired access token with 403, the status on which the tutorial client
    signs out."""

    def authenticate(self, request: Request) -> User:
        token = extract_access_token(request, self.backend.settings.access_header)
        if token is not None:
            try:
                self.backend.access_tokens.verify(token)
            except AccessTokenExpired as error:
                raise HTTPException(403, "Access token expired") from error
            except AccessTokenInvalid:
                pass
        return super().authenticate(request)


def expired_answered_403() -> Starlette:
    return build_app(handlers=ExpiredForbiddenHandlers)


class HiddenToleranceTokens(AccessTokens):
    """Accepts access tokens for 60 s after exp, a clock tolerance the profile does not
    declare."""

    def check_times(self, claims: AccessClaims) -> None:
        if self.clock.now() >= claims.expires_at + 60:
            raise AccessTokenExpired("The access token expired")
        if claims.not_before is not None and self.clock.now() < claims.not_before:
            raise AccessTokenInvalid("The access token is not valid yet")


def expired_answered_200() -> Starlette:
    return build_app(access_tokens=HiddenToleranceTokens)


class ExpIgnoredTokens(AccessTokens):
    """Checks nbf but never exp."""

    def check_times(self, claims: AccessClaims) -> None:
        if claims.not_before is not None and self.clock.now() < claims.not_before:
            raise AccessTokenInvalid("The access token is not valid yet")


def exp_ignored() -> Starlette:
    return build_app(access_tokens=ExpIgnoredTokens)


class ExpOffByOneTokens(AccessTokens):
    """Treats a token as expired only when now > exp, so it still passes at exp itself."""

    def check_times(self, claims: AccessClaims) -> None:
        now = self.clock.now()
        if claims.not_before is not None and now < claims.not_before:
            raise AccessTokenInvalid("The access token is not valid yet")
        if now > claims.expires_at:
            raise AccessTokenExpired("The access token expired")


def exp_off_by_one() -> Starlette:
    return build_app(access_tokens=ExpOffByOneTokens)


class NbfIgnoredTokens(AccessTokens):
    """Checks exp but never nbf."""

    def check_times(self, claims: AccessClaims) -> None:
        if self.clock.now() >= claims.expires_at + self.leeway:
            raise AccessTokenExpired("The access token expired")


def nbf_ignored() -> Starlette:
    return build_app(access_tokens=NbfIgnoredTokens)


class NoLeewayTokens(AccessTokens):
    """Ignores the configured leeway and rejects a token from exp on."""

    def __init__(self, settings: ReferenceSettings, clock: Clock) -> None:
        super().__init__(settings, clock)
        self.leeway = 0


def leeway_not_applied() -> Starlette:
    return build_app(LEEWAY_PROFILE, access_tokens=NoLeewayTokens)


def lifetime_shorter() -> Starlette:
    return build_app(access_ttl=600)


MUTANTS = [
    Mutant(
        "expired-answered-500",
        "An expired access token raises an uncaught ExpiredSignatureError, so it gets a 500.",
        expired_answered_500, "reference",
        (*EXPIRY_FAILURES, "expiry.expired-status-triggers-refresh"),
    ),
    Mutant(
        "expired-answered-403",
        "An expired access token gets 403, so the tutorial client signs out instead of "
        "refreshing.",
        expired_answered_403, "reference",
        (*EXPIRY_FAILURES, "expiry.expired-status-triggers-refresh"),
    ),
    Mutant(
        "expired-answered-200",
        "An undeclared 60 s clock tolerance answers expired access tokens with 200.",
        expired_answered_200, "reference",
        EXPIRY_FAILURES,
    ),
    Mutant(
        "exp-ignored",
        "The exp claim is never checked, so an access token works forever.",
        exp_ignored, "reference",
        (*EXPIRY_FAILURES, "model.protocol-state-machine"),
    ),
    Mutant(
        "exp-off-by-one",
        "A token counts as expired only when now > exp, so it still works at exp "
        "(RFC 7519 §4.1.4 says on or after).",
        exp_off_by_one, "reference",
        ("expiry.access-rejected-at-exp",),
    ),
    Mutant(
        "nbf-ignored",
        "The nbf claim is never checked, so a token works before its not-before time.",
        nbf_ignored, "reference",
        ("expiry.nbf-in-future-rejected",),
    ),
    Mutant(
        "leeway-not-applied",
        "The profile declares a 30 s leeway but the backend rejects tokens from exp on.",
        leeway_not_applied, LEEWAY_PROFILE,
        ("expiry.access-accepted-within-leeway",),
    ),
    Mutant(
        "lifetime-shorter",
        "Access tokens live 600 s while the profile declares 900 s.",
        lifetime_shorter, "reference",
        ("expiry.lifetime-matches-profile",),
    ),
]
