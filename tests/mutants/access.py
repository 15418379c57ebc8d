"""Mutants of access-token checking on protected resources."""

from __future__ import annotations

from typing import Any

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from conformance.reference import (
    AccessTokenError,
    AccessTokenInvalid,
    AccessTokens,
    ReferenceHandlers,
    User,
)
from conformance.reference.access import unauthorized
from conformance.reference.tokens import ALGORITHM
from tests.mutants.base import Mutant, WithoutChallenge, build_app
from tests.mutants.plain_errors import PlainTextUnauthorizedHandlers, add_plain_text_handler
from tests.variants.unsigned import UnsignedAccessTokens

# The claims the reference backend requires in every access token.
REQUIRED_CLAIMS = ["exp", "iat", "jti", "sub"]


def signature_unchecked() -> Starlette:
    return build_app(access_tokens=UnsignedAccessTokens)


class MissingHeaderCrashHandlers(ReferenceHandlers):
    """Reads the token header by indexing, so a request without it raises KeyError."""

    def authenticate(self, request: Request) -> User:
        request.headers["x-access-token"]
        return super().authenticate(request)


def missing_token_500() -> Starlette:
    return build_app(handlers=MissingHeaderCrashHandlers)


class DecodeErrorEscapesTokens(AccessTokens):
    """Catches only a bad signature, so a token that does not decode raises DecodeError."""

    def decode_signed(self, token: str) -> dict[str, Any]:
        try:
            return jwt.decode(token, self.key, algorithms=[ALGORITHM],
                              options={"verify_exp": False, "verify_nbf": False,
                                       "verify_iat": False, "require": REQUIRED_CLAIMS})
        except jwt.InvalidSignatureError as error:
            raise AccessTokenInvalid("The access token signature is invalid") from error


def malformed_token_500() -> Starlette:
    return build_app(access_tokens=DecodeErrorEscapesTokens)


class AdminWithoutRoleCheckHandlers(ReferenceHandlers):
    """Serves the admin resource to every signed-in user."""

    async def admin_content(self, request: Request) -> PlainTextResponse:
        self.authenticate(request)
        return PlainTextResponse("Admin Content.")


def admin_role_unchecked() -> Starlette:
    return build_app(handlers=AdminWithoutRoleCheckHandlers)


class BearerFallbackHandlers(ReferenceHandlers):
    """Reads the token from `Authorization: Bearer` when the x-access-token header is absent."""

    def authenticate(self, request: Request) -> User:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if "x-access-token" in request.headers or scheme.lower() != "bearer" or not token:
            return super().authenticate(request)

        try:
            claims = self.backend.access_tokens.verify(token.strip())
        except AccessTokenError as error:
            raise unauthorized(error.description) from error
        user = self.backend.store.get_user(claims.user_id)
        if user is None:
            raise unauthorized("The user of this access token no longer exists")
        return user


def token_from_authorization_header() -> Starlette:
    return build_app(handlers=BearerFallbackHandlers)


def no_www_authenticate() -> WithoutChallenge:
    return WithoutChallenge(build_app())


def plain_text_401() -> Starlette:
    app = build_app(handlers=PlainTextUnauthorizedHandlers)
    add_plain_text_handler(app)
    return app


MUTANTS = [
    Mutant(
        "signature-unchecked",
        "The access token is decoded without verifying its signature, so forged tokens pass.",
        signature_unchecked, "reference",
        ("access.bad-signature-rejected", "attack.alg-none-rejected",
         "attack.stripped-signature-rejected", "attack.claim-edit-rejected",
         "attack.impersonation-rejected"),
    ),
    Mutant(
        "missing-token-500",
        "A request without an access token header crashes the handler with a 500.",
        missing_token_500, "reference",
        ("access.missing-token-rejected",),
    ),
    Mutant(
        "malformed-token-500",
        "Only signature errors are caught, so a token that does not decode gets a 500.",
        malformed_token_500, "reference",
        ("access.malformed-token-rejected",),
    ),
    Mutant(
        "admin-role-unchecked",
        "The admin resource checks the access token but not the admin role.",
        admin_role_unchecked, "reference",
        ("access.wrong-role-rejected",),
    ),
    Mutant(
        "token-from-authorization-header",
        "The access token is also read from Authorization: Bearer, a place the profile does "
        "not declare.",
        token_from_authorization_header, "reference",
        ("access.wrong-scheme-rejected",),
    ),
    Mutant(
        "no-www-authenticate",
        "401 responses carry no WWW-Authenticate challenge (RFC 6750 §3).",
        no_www_authenticate, "reference",
        ("access.www-authenticate-on-401", "expiry.www-authenticate-on-expired"),
    ),
    Mutant(
        "plain-text-401",
        "Rejections of a present token are sent as text/plain although the profile declares "
        "JSON error bodies.",
        plain_text_401, "reference",
        ("access.error-body-json",),
    ),
]
