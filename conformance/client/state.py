"""The token state one client shares across threads and tasks, and the single-flight decisions.

Every change of the tokens (refresh, logout, new signin) starts a new generation. A request
remembers the generation whose access token it carried. After a rejection the client compares
generations to choose: retry with a token another request already refreshed, fail because the
session has ended, or refresh itself.
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass

from conformance.client.errors import LoggedOutError, RefreshError
from conformance.client.events import LogoutEvent, LogoutReason
from conformance.client.tokens import TokenPair


@dataclass(frozen=True)
class Ticket:
    """The access token a request carried and the generation it belonged to."""

    generation: int
    access_token: str


class Decision(enum.Enum):
    """Action of a rejected request, decided when it claims the single flight."""

    RETRY = "retry"
    """The tokens changed after the request was sent: retry with the current access token."""

    REFRESH = "refresh"
    """No refresh happened since: this request refreshes."""


class TokenState:
    """Current tokens, generation and the outcome of the last refresh attempt, behind a lock.

    The lock guards only these fields and is never held during I/O. The single flight that
    lets one refresh run at a time is `conformance.client.single_flight`.
    """

    def __init__(self, tokens: TokenPair | None) -> None:
        self._lock = threading.Lock()
        self._tokens = tokens
        self._generation = 0
        self._attempts = 0
        self._failure: RefreshError | None = None
        self._logout: LogoutEvent | None = (
            None if tokens is not None else LogoutEvent(LogoutReason.LOCAL, detail="no tokens yet")
        )
        self._refreshes = 0

    @property
    def tokens(self) -> TokenPair | None:
        with self._lock:
            return self._tokens

    @property
    def attempts(self) -> int:
        """Number of finished refresh attempts, successful or not."""
        with self._lock:
            return self._attempts

    @property
    def refreshes(self) -> int:
        """Number of successful refreshes."""
        with self._lock:
            return self._refreshes

    @property
    def logout_event(self) -> LogoutEvent | None:
        """The event of the current logout, or None while the client has tokens."""
        with self._lock:
            return self._logout

    def ticket(self) -> Ticket:
        """Return the current access token with its generation; raise when logged out."""
        with self._lock:
            if self._tokens is None:
                assert self._logout is not None
                raise LoggedOutError(self._logout)
            return Ticket(self._generation, self._tokens.access_token)

    def decide(self, sent: Ticket, attempts_seen: int) -> Decision:
        """Decide what a request rejected with `sent` does; raise when it must fail.

        `attempts_seen` is the attempt count when the rejection arrived. A failed attempt that
        finished after that released this request, which then raises that failure instead of
        trying again. A broken refresh endpoint therefore receives one call per burst.
        """
        with self._lock:
            if self._tokens is None:
                assert self._logout is not None
                raise LoggedOutError(self._logout)
            if self._generation != sent.generation:
                return Decision.RETRY
            if self._attempts != attempts_seen and self._failure is not None:
                raise RefreshError(
                    f"the refresh this request waited for failed: {self._failure}",
                    status=self._failure.status,
                )
            return Decision.REFRESH

    def refresh_token(self) -> str | None:
        with self._lock:
            return None if self._tokens is None else self._tokens.refresh_token

    def refreshed(self, tokens: TokenPair) -> None:
        """Store the tokens of a successful refresh and start a new generation."""
        with self._lock:
            self._tokens = tokens
            self._generation += 1
            self._attempts += 1
            self._refreshes += 1
            self._failure = None

    def failed(self, error: RefreshError) -> None:
        """Record a refresh attempt that failed but kept the session."""
        with self._lock:
            self._attempts += 1
            self._failure = error

    def logged_out(self, event: LogoutEvent) -> bool:
        """Drop the tokens and start a new generation; return False if already logged out."""
        with self._lock:
            if self._tokens is None:
                return False
            self._tokens = None
            self._logout = event
            self._generation += 1
            self._attempts += 1
            self._failure = None
            return True

    def replace(self, tokens: TokenPair) -> None:
        """Hold new tokens, for example after a new signin, and forget any logout."""
        with self._lock:
            self._tokens = tokens
            self._logout = None
            self._generation += 1
            self._failure = None
