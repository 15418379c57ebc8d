"""Whether the backend can be reached: after a few failed exchanges in a row, stop trying.

A backend that is down makes every check fail on its first request. Without this, each check
waits for its own connect attempt, which lasts the whole connect timeout when no host replies,
so a run against a stopped backend would take one timeout per check. The same holds for an
endpoint that accepts the connection but never sends a whole response: each request to it
waits out the request timeout.

After `threshold` failed connections in a row, requests to the backend fail at once with one
message naming it. After `threshold` timed-out requests in a row to one endpoint (method and
path), requests to that endpoint fail at once in the same way. Every `retry_after` seconds one
request is let through again, and a response to it lets every request through again, so a
backend that recovers mid-run is used.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

log = logging.getLogger("conformance")

DEFAULT_THRESHOLD = 3
DEFAULT_RETRY_AFTER = 30.0


@dataclass
class _Streak:
    """Failures in a row of one kind, the last error, and when a request was last let through."""

    failures: int = 0
    last_error: str = ""
    last_attempt: float = 0.0


class Reachability:
    """Counter of failed exchanges in a row to one backend, shared by the checks of a run."""

    def __init__(self, base_url: str, *, threshold: int = DEFAULT_THRESHOLD,
                 retry_after: float = DEFAULT_RETRY_AFTER) -> None:
        self._base_url = base_url
        self._threshold = threshold
        self._retry_after = retry_after
        self._lock = threading.Lock()
        self._connections = _Streak()
        self._endpoints: dict[str, _Streak] = {}

    def blocked(self, endpoint: str) -> str | None:
        """Return why the next request to `endpoint` must not be sent, or None to send it."""
        with self._lock:
            if self._holds_back(self._connections):
                return (f"not sent: {self._threshold} connections in a row to the backend at "
                        f"{self._base_url} failed ({self._connections.last_error}); start the "
                        "backend or correct --target, and run again")

            streak = self._endpoints.get(endpoint)
            if streak is not None and self._holds_back(streak):
                return (f"not sent: {self._threshold} requests in a row to {endpoint} at "
                        f"{self._base_url} timed out ({streak.last_error}); the endpoint "
                        "stalls or is slower than the request timeout, so fix it or raise "
                        "--timeout")
            return None

    def _holds_back(self, streak: _Streak) -> bool:
        if streak.failures < self._threshold:
            return False

        now = time.monotonic()
        if now - streak.last_attempt >= self._retry_after:
            # Let this one request through to find out whether the backend is back.
            streak.last_attempt = now
            return False
        return True

    def connect_failed(self, error: str) -> None:
        """Record a connection that could not be made, with the transport error's text."""
        with self._lock:
            self._record(self._connections, error,
                         f"connections in a row to {self._base_url} failed")

    def timed_out(self, endpoint: str, error: str) -> None:
        """Record a request to `endpoint` that ended at the request timeout."""
        with self._lock:
            streak = self._endpoints.setdefault(endpoint, _Streak())
            self._record(streak, error,
                         f"requests in a row to {endpoint} at {self._base_url} timed out")

    def _record(self, streak: _Streak, error: str, description: str) -> None:
        streak.failures += 1
        streak.last_error = error
        streak.last_attempt = time.monotonic()
        if streak.failures == self._threshold:
            log.warning("%d %s (%s); later ones fail at once, with one retry every %g s",
                        streak.failures, description, error, self._retry_after)

    def responded(self, endpoint: str) -> None:
        """Record a whole response from `endpoint`, which shows that the backend can be reached."""
        with self._lock:
            streak = self._endpoints.pop(endpoint, None)
            if self._connections.failures >= self._threshold or (
                    streak is not None and streak.failures >= self._threshold):
                log.info("the backend at %s responds again", self._base_url)
            self._connections = _Streak()
