"""The wait clock: real sleeping, for backends whose clock the suite cannot move.

It suits backends configured with lifetimes of a few seconds. A check that would sleep longer
than `max_wait` seconds is skipped with the reason, and the report states the time slept.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from conformance.clocks.base import Clock

log = logging.getLogger("conformance")

DEFAULT_MAX_WAIT = 5.0

# The backend must see the second it was moved to begin, not the end of the previous one.
_SECOND_MARGIN = 0.02


class WaitClock(Clock):
    """Moves forward by sleeping; each check may sleep at most `max_wait` seconds."""

    name = "wait"
    moves_backwards = False

    def __init__(self, max_wait: float = DEFAULT_MAX_WAIT) -> None:
        super().__init__()
        self.max_wait = max_wait
        self.waited_total = 0.0

    def now(self) -> float:
        return time.time()

    def _require_span(self, span_seconds: float) -> None:
        if span_seconds > self.max_wait:
            self.skip(
                f"this check moves the clock {span_seconds:.0f} s ahead, which the wait clock "
                f"would sleep, more than --max-wait {self.max_wait:g} s; raise --max-wait, "
                "shorten the backend's lifetimes, or use --clock faketime, hook or forge"
            )

    def _apply(self, epoch: float) -> None:
        delay = epoch + _SECOND_MARGIN - time.time()
        if delay <= 0:
            return
        if self.waited_in_check + delay > self.max_wait:
            self.skip(
                f"this check needs {self.waited_in_check + delay:.1f} s of waiting, more than "
                f"--max-wait {self.max_wait:g} s"
            )
        log.info("wait clock sleeps %.1f s", delay)
        time.sleep(delay)
        self.waited_in_check += delay
        self.waited_total += delay

    def describe(self) -> dict[str, Any]:
        how = (f"real sleeping: {self.waited_total:.1f} s in all, at most {self.max_wait:g} s "
               "in one check")
        return {**super().describe(), "how": how,
                "max_wait_s": self.max_wait, "waited_s": round(self.waited_total, 1)}
