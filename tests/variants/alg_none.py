"""Reference backend whose access-token check accepts tokens with `alg: none` in any spelling.

This is the fault of a verifier that takes the algorithm from the token header and runs the
"none" algorithm, which checks nothing (RFC 8725 §2.1). `attack.alg-none-rejected` must fail.
"""

from __future__ import annotations

from typing import Any

import jwt
from starlette.applications import Starlette

from conformance.profile_loader import load_profile
from conformance.reference import AccessTokenInvalid, AccessTokens, AdjustableClock, create_app
from conformance.reference_target import reference_settings_for


class AlgNoneAccessTokens(AccessTokens):
    """Reference access tokens; a token whose header names alg none skips verification."""

    def decode_signed(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise AccessTokenInvalid("The access token is malformed") from error
        if str(header.get("alg", "")).lower() != "none":
            return super().decode_signed(token)
        try:
            return jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise AccessTokenInvalid("The access token is malformed") from error


def create_alg_none_app() -> Starlette:
    """Build the reference backend for the `reference` profile with the alg-none decoder."""
    settings = reference_settings_for(load_profile("reference"))
    clock = AdjustableClock()
    return create_app(settings, clock=clock, access_tokens=AlgNoneAccessTokens(settings, clock))


app = create_alg_none_app()
