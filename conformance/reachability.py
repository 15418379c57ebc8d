"""Whether the backend can be reached: after a few failed connections in a row, stop trying.

A backend that is down makes every check fail on its first request. Without this, each check
waits for its own connect attempt, which lasts the whole connect timeout when no host replies,
so a run against a stopped backend would take one timeout per check. After `threshold` failed
connections in a row, requests fail at once with one message naming the backend. Every
`retry_after` seconds one request is let through again, and a response from it lets every
request through again, so a backend that comes back mid-run is used.
"""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger("conformance")

DEFAULT_THRESHOLD = 3
DEFAULT_RETRY_AFTER = 30.0


class Reachability:
    """Counter of failed connections in a row to one backend, shared by the checks of a run."""

    def __init__(self, base_url: str, *, threshold: int = DEFAULT_THRESHOLD,
                 retry_after: float = DEFAULT_RETRY_AFTER) -> None:
        self._base_url = base_url
        self._threshold = threshold
        self._retry_after = retry_after
        self._lock = threading.Lock()
        self._failures = 0
        self._last_error = ""
        self._last_attempt = 0.0

    def blocked(self) -> str | None:
        """Return why the next request must not be sent, or None to send it."""
        with self._lock:
            if self._failures < self._threshold:
                return None

            now = time.monotonic()
            if now - self._last_attempt >= self._retry_after:
                # Let this one request through to find out whether the backend is back.
                self._last_attempt = now
                return None

            return (f"not sent: {self._threshold} connections in a row to the backend at "
                    f"{self._base_url} failed ({self._last_error}); start the backend or "
                    "correct --target, and run again")

    def connect_failed(self, error: str) -> None:
        """Record a connection that could not be made, with the transport error's text."""
        with self._lock:
            self._failures += 1
            self._last_error = error
            self._last_attempt = time.monotonic()
            if self._failures == self._threshold:
                log.warning("%d connections in a row to %s failed (%s); later requests fail "
                            "at once, with one retry every %g s", self._failures,
                            self._base_url, error, self._retry_after)

    def responded(self) -> None:
        """Record a response, which shows that the backend can be reached."""
        with self._lock:
            if self._failures >= self._threshold:
                log.info("the backend at %s responds again", self._base_url)
            self._failures = 0
