"""Reference backend that rejects an expired access token with 403 instead of 401.

This is the fault of a backend that maps every JWT verification error to 403 Forbidden. The
Angular tutorial client refreshes only on 401, so on 403 it signs the user out at each expiry.
`expiry.expired-status-triggers-refresh` and `expiry.access-rejected-at-exp` must fail on it.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request

from conformance.profile_loader import load_profile
from conformance.reference import AccessTokenExpired, ReferenceHandlers, User, create_app
from conformance.reference_target import reference_settings_for


class ForbiddenOnExpiryHandlers(ReferenceHandlers):
    """The reference handlers, with 403 in place of 401 for an expired access token."""

    def authenticate(self, request: Request) -> User:
        try:
            return super().authenticate(request)
        except HTTPException as error:
            if isinstance(error.__cause__, AccessTokenExpired):
                raise HTTPException(403, error.detail) from error
            raise


def create_expired_access_403_app() -> Starlette:
    """Build the reference backend for the `reference` profile with the 403 handlers."""
    settings = reference_settings_for(load_profile("reference"))
    return create_app(settings, handlers=ForbiddenOnExpiryHandlers)


app = create_expired_access_403_app()
