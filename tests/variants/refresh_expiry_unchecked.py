"""Reference backend that never checks whether a refresh token has expired.

This is the fault of a backend that stores an expiry date with each refresh token but never
compares it with the current time, so a refresh token works forever. `refresh.expired-token-
rejected` must fail on it.
"""

from __future__ import annotations

from starlette.applications import Starlette

from conformance.profile_loader import load_profile
from conformance.reference import RefreshTokenRecord, Store, create_app
from conformance.reference_target import reference_settings_for


class NeverExpiringStore(Store):
    """The reference store with the refresh-token expiry check left out."""

    def is_refresh_token_expired(self, record: RefreshTokenRecord, now: float) -> bool:
        return False


def create_refresh_expiry_unchecked_app() -> Starlette:
    """Build the reference backend for the `reference` profile with the never-expiring store."""
    settings = reference_settings_for(load_profile("reference"))
    return create_app(settings, store=NeverExpiringStore(settings.database))


app = create_refresh_expiry_unchecked_app()
