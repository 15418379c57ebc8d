"""Errors the refreshing client raises instead of returning a response."""

from __future__ import annotations

import httpx

from conformance.client.events import LogoutEvent


class TokenRefreshError(httpx.HTTPError):
    """Base class of the client's errors. It subclasses `httpx.HTTPError`, so code that already
    catches httpx errors also catches these.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)


class LoggedOutError(TokenRefreshError):
    """The client has no tokens: the refresh token was rejected, or the application logged out.

    Every request that was waiting for the failed refresh raises it too, and so does every later
    request until `set_tokens` is called.
    """

    def __init__(self, event: LogoutEvent) -> None:
        super().__init__(f"request not sent: the client is {event.describe()}; sign in again")
        self.event = event


class RefreshError(TokenRefreshError):
    """A refresh attempt failed without ending the session (a 5xx response, a response without an
    access token, or a transport error). The tokens are kept, so a later request refreshes again.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RefreshWaitTimeout(TokenRefreshError):
    """A request waited longer than `wait_timeout` for a refresh that another request started."""
