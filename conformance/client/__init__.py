"""Refreshing HTTP clients: the correct one for users and the suite, and models of known clients.

`RefreshingAuth` is an `httpx.Auth` that sends the access token, refreshes it once for all
requests that found it expired, retries each of them once, and raises a logout event when the
refresh token is rejected. Build it with `RefreshingAuth.from_profile(profile, tokens)` or from
plain `ClientSettings`. The models of known clients live in `conformance.client.models`.
"""

from conformance.client.auth import LogoutCallback, RefreshCallback, RefreshingAuth
from conformance.client.errors import (
    LoggedOutError,
    RefreshError,
    RefreshWaitTimeout,
    TokenRefreshError,
)
from conformance.client.events import LogoutEvent, LogoutReason
from conformance.client.settings import ClientSettings
from conformance.client.tokens import HasTokens, TokenPair

__all__ = [
    "ClientSettings",
    "HasTokens",
    "LoggedOutError",
    "LogoutCallback",
    "LogoutEvent",
    "LogoutReason",
    "RefreshCallback",
    "RefreshError",
    "RefreshWaitTimeout",
    "RefreshingAuth",
    "TokenPair",
    "TokenRefreshError",
]
