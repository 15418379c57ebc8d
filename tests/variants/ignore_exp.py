"""Reference backend that accepts access tokens after their `exp`.

This is the fault of a verifier with expiry checks turned off (pyjwt's `verify_exp: False`
without a check of its own), so a stolen access token works for ever. The model must fail.
"""

from __future__ import annotations

from starlette.applications import Starlette

from conformance.profile_loader import load_profile
from conformance.reference import (
    AccessClaims,
    AccessTokenInvalid,
    AccessTokens,
    AdjustableClock,
    create_app,
)
from conformance.reference_target import reference_settings_for


class NoExpiryAccessTokens(AccessTokens):
    """Reference access tokens whose time check looks at nbf only."""

    def check_times(self, claims: AccessClaims) -> None:
        now = self.clock.now()
        if claims.not_before is not None and now < claims.not_before - self.leeway:
            raise AccessTokenInvalid("The access token is not valid yet")


def create_ignore_exp_app() -> Starlette:
    """Build the reference backend for the `reference` profile without expiry checks."""
    settings = reference_settings_for(load_profile("reference"))
    clock = AdjustableClock()
    return create_app(settings, clock=clock, access_tokens=NoExpiryAccessTokens(settings, clock))


app = create_ignore_exp_app()
