"""The logout event a client raises when it drops its tokens."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class LogoutReason(enum.Enum):
    """Reason a client dropped its tokens."""

    REFRESH_REJECTED = "refresh-rejected"
    """The refresh endpoint rejected the refresh token (a 4xx status that ends the session)."""

    NO_REFRESH_TOKEN = "no-refresh-token"
    """The access token expired and the client has no refresh token."""

    LOCAL = "local"
    """The application called `logout()`."""


@dataclass(frozen=True)
class LogoutEvent:
    """A logout: its reason and, for a rejected refresh, the status of the refresh response."""

    reason: LogoutReason
    status: int | None = None
    detail: str = ""

    def describe(self) -> str:
        """Return one sentence for logs and error messages."""
        text = f"logged out ({self.reason.value})"
        if self.status is not None:
            text += f": the refresh endpoint responded with {self.status}"
        if self.detail:
            text += f": {self.detail}"
        return text
