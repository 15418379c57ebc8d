"""The abstract clock: the suite's only source of "now", and the way a check moves time."""

from __future__ import annotations

import abc
import datetime as dt
import logging
import math
import time
from typing import Any, ClassVar, NoReturn

import pytest

log = logging.getLogger("conformance")


def format_epoch(epoch: float) -> str:
    """Return `epoch` as an ISO 8601 UTC time, such as 2030-01-01T00:00:00Z, for messages."""
    moment = dt.datetime.fromtimestamp(epoch, tz=dt.UTC)
    if moment.microsecond:
        return moment.isoformat().replace("+00:00", "Z")
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


class Clock(abc.ABC):
    """The backend's current time as the suite tracks it, and the means to move it.

    Every clock reads real time until a check first moves it. From then until `stop()`,
    `now()` returns the time the check last set, except for the wait clock, which reads real
    time throughout. Times are epoch seconds as float.
    """

    name: ClassVar[str]
    # False for a clock that cannot move the backend's own clock (forge), so that time-based
    # state the backend keeps, such as refresh-token expiry, never changes.
    moves_backend: ClassVar[bool] = True
    # False for a clock that can only go forward (wait).
    moves_backwards: ClassVar[bool] = True

    def __init__(self) -> None:
        self._moved_to: float | None = None
        # Seconds of real time the current check spent waiting for the clock.
        self.waited_in_check = 0.0
        # Seconds the clock moved forward over the run, summed over every move.
        self.moved_forward_total = 0.0

    # Per-check life cycle

    def start(self) -> None:
        """Begin a check: the clock reads real time until the check moves it."""
        self._moved_to = None
        self.waited_in_check = 0.0

    def stop(self) -> None:
        """End a check and return the backend to real time where the clock can."""
        self._moved_to = None

    def close(self) -> None:
        """End the current check, if any, and release what the clock holds at the end of a run."""
        self.stop()

    # Reading and moving

    @property
    def moved(self) -> bool:
        """Whether the current check has moved the clock."""
        return self._moved_to is not None

    def now(self) -> float:
        """Return the backend's current time in epoch seconds."""
        if self._moved_to is not None:
            return self._moved_to
        return time.time()

    def advance(self, seconds: float) -> float:
        """Move the clock by `seconds` (backwards if negative) and return the new time."""
        return self.move_to(self.now() + seconds)

    def move_to(self, epoch: float) -> float:
        """Move the clock to `epoch` and return it.

        Raises HarnessError when the backend's clock did not follow, and skips the check (via
        pytest.skip) when this clock cannot reach `epoch`.
        """
        # Within the current second a clock that only goes forward is already there.
        if not self.moves_backwards and math.floor(epoch) < math.floor(self.now()):
            self.skip(f"the check moves the clock back by {self.now() - epoch:.0f} s, "
                      f"but the {self.name} clock only goes forward")
        previous = self.now()
        self._apply(epoch)
        self.moved_forward_total += max(0.0, epoch - previous)
        self._moved_to = epoch
        log.debug("%s clock moved to %s", self.name, format_epoch(epoch))
        return epoch

    @abc.abstractmethod
    def _apply(self, epoch: float) -> None:
        """Make the backend's clock read `epoch` from now on."""

    def require(self, span_seconds: float = 0.0, *, server_state: bool = True,
                backwards: bool = False) -> None:
        """Skip the check (via pytest.skip) unless this clock can give it what it needs.

        `span_seconds` is how far the check moves the clock forward in all. `server_state` is
        True when the backend itself must see the time pass, for state it keeps such as a
        refresh token's expiry, and False when only the times inside access tokens matter.
        `backwards` is True when the check moves the clock back.
        """
        if server_state and not self.moves_backend:
            self.skip(
                f"this check needs the backend's own clock to move, but the {self.name} clock "
                "only shifts the times inside access tokens it signs; run the backend in "
                "process (--app), under --target-cmd, or declare a [clock] hook in the profile"
            )
        if backwards and not self.moves_backwards:
            self.skip(f"this check moves the clock back, which the {self.name} clock cannot do")
        self._require_span(span_seconds)

    def _require_span(self, span_seconds: float) -> None:
        """Skip the check when moving `span_seconds` forward costs too much; most clocks can."""
        del span_seconds

    def present_access_token(self, token: str) -> str:
        """Return the access token to send now, for a token issued before the check moved.

        Clocks that move the backend return it unchanged. The forge clock re-signs it with its
        times shifted, so that the backend judges it as if its clock read `now()`.
        """
        return token

    def describe(self) -> dict[str, Any]:
        """Return the report's description of this clock: its name and how it works."""
        return {"name": self.name, "moved_forward_s": round(self.moved_forward_total)}

    @staticmethod
    def skip(reason: str) -> NoReturn:
        """Skip the current check with `reason`, a sentence the report shows."""
        log.info("skipping a check: %s", reason)
        pytest.skip(reason)
