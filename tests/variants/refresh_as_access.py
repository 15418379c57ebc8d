"""Reference backend whose protected resources also accept a refresh token as the access token.

This is the fault of a backend that looks any presented token up in its refresh-token store
when it does not verify as an access token, so a long-lived refresh token opens resources
(RFC 8725 §2.8). `attack.token-type-confusion-rejected` must fail.
"""

from __future__ import annotations

from starlette.requests import Request

from conformance.profile_loader import load_profile
from conformance.reference import ReferenceHandlers, User, create_app
from conformance.reference_target import reference_settings_for


class RefreshAsAccessHandlers(ReferenceHandlers):
    """The reference handlers, with a known refresh token accepted in the access-token header."""

    def authenticate(self, request: Request) -> User:
        token = request.headers.get("x-access-token", "").strip()
        record = self.backend.store.find_refresh_token(token) if token else None
        if record is not None:
            user = self.backend.store.get_user(record.user_id)
            if user is not None:
                return user
        return super().authenticate(request)


app = create_app(reference_settings_for(load_profile("reference")),
                 handlers=RefreshAsAccessHandlers)
