"""Clocks of the reference backend: the only source of "now" for token checks and storage.

All times are epoch seconds as float.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """Source of the current time in epoch seconds."""

    def now(self) -> float: ...


class SystemClock:
    """Wall clock that calls `time.time()` on every read, so `freezegun.freeze_time` controls it."""

    def now(self) -> float:
        return time.time()


class AdjustableClock:
    """Clock that adds a settable offset to a base clock.

    The test clock hook moves this clock. The base clock keeps running (or stays frozen)
    underneath, so after `set(t)` the clock reads `t` plus the base clock's progress since then.
    """

    def __init__(self, base: Clock | None = None) -> None:
        self._base: Clock = base if base is not None else SystemClock()
        self._offset = 0.0
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        """Seconds added to the base clock."""
        return self._offset

    def now(self) -> float:
        return self._base.now() + self._offset

    def set(self, now: float) -> None:
        """Move the clock so that it reads `now` (epoch seconds) at this instant."""
        with self._lock:
            self._offset = now - self._base.now()

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds`, or backward if `seconds` is negative."""
        with self._lock:
            self._offset += seconds
