"""Reference backend that accepts access tokens before their `nbf`.

This is the fault of a verifier with `verify_nbf: False`: a token is accepted while the
server's clock is still before the time the token names. The model must fail when it moves the
clock back past a fresh token's nbf.
"""

from __future__ import annotations

from starlette.applications import Starlette

from conformance.profile_loader import load_profile
from conformance.reference import (
    AccessClaims,
    AccessTokenExpired,
    AccessTokens,
    AdjustableClock,
    create_app,
)
from conformance.reference_target import reference_settings_for


class NoNotBeforeAccessTokens(AccessTokens):
    """Reference access tokens whose time check looks at exp only."""

    def check_times(self, claims: AccessClaims) -> None:
        if self.clock.now() >= claims.expires_at + self.leeway:
            raise AccessTokenExpired("The access token expired")


def create_ignore_nbf_app() -> Starlette:
    """Build the reference backend for the `reference` profile without nbf checks."""
    settings = reference_settings_for(load_profile("reference"))
    clock = AdjustableClock()
    return create_app(settings, clock=clock,
                      access_tokens=NoNotBeforeAccessTokens(settings, clock))


app = create_ignore_nbf_app()
