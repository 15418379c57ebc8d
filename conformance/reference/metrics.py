"""Call counters of the reference backend, read by the suite in process or at /api/test/stats."""

from __future__ import annotations

import threading
from typing import Literal, get_args

CounterName = Literal[
    "signup_total",
    "signin_total",
    "signin_succeeded",
    "signin_failed",
    "refresh_total",
    "refresh_succeeded",
    "refresh_failed",
    "refresh_reuse_detected",
    "signout_total",
]

COUNTER_NAMES: tuple[CounterName, ...] = get_args(CounterName)


class Metrics:
    """Counts of auth calls since the app started.

    A call counts as failed whatever its status (400, 401 or 403). `refresh_reuse_detected`
    counts refreshes that revoked a token family because a rotated-out token came back.
    """

    def __init__(self) -> None:
        self._counts: dict[CounterName, int] = dict.fromkeys(COUNTER_NAMES, 0)
        self._lock = threading.Lock()

    def count(self, name: CounterName) -> None:
        """Add one to the counter `name`."""
        with self._lock:
            self._counts[name] += 1

    def get(self, name: CounterName) -> int:
        with self._lock:
            return self._counts[name]

    def snapshot(self) -> dict[str, int]:
        """Return a copy of every counter, keyed by name."""
        with self._lock:
            return {name: count for name, count in self._counts.items()}
