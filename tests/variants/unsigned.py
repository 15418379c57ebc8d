"""Reference backend whose access-token check decodes tokens without verifying the signature.

This is the fault of a backend that calls its JWT library with signature verification off
(pyjwt's `options={"verify_signature": False}`): every claim is trusted, so anyone can forge an
access token. `access.bad-signature-rejected` must fail on it.
"""

from __future__ import annotations

from typing import Any

import jwt
from starlette.applications import Starlette

from conformance.profile_loader import load_profile
from conformance.reference import AccessTokenInvalid, AccessTokens, AdjustableClock, create_app
from conformance.reference_target import reference_settings_for


class UnsignedAccessTokens(AccessTokens):
    """Access tokens as the reference issues them, accepted without a signature check."""

    def decode_signed(self, token: str) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                options={"verify_signature": False, "require": ["exp", "iat", "jti", "sub"]},
            )
        except jwt.MissingRequiredClaimError as error:
            raise AccessTokenInvalid(f"The access token has no {error.claim} claim") from error
        except (jwt.PyJWTError, ValueError) as error:
            raise AccessTokenInvalid("The access token is malformed") from error


def create_unsigned_app() -> Starlette:
    """Build the reference backend for the `reference` profile with the unverified decoder."""
    settings = reference_settings_for(load_profile("reference"))
    clock = AdjustableClock()
    return create_app(settings, clock=clock, access_tokens=UnsignedAccessTokens(settings, clock))


app = create_unsigned_app()
