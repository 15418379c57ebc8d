"""Real elapsed time and time limits that keep working while a check freezes the clock.

freezegun replaces `time.monotonic` and `time.perf_counter` and can stop asyncio's own clock, so
durations and time limits here read `CLOCK_MONOTONIC` and run their timers on a thread.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


class TimeLimitExceeded(Exception):
    """An awaitable ran longer than its time limit and was cancelled."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"did not finish within {seconds:g} s")
        self.seconds = seconds


def monotonic() -> float:
    """Return seconds of a monotonic clock that freezegun leaves running."""
    if hasattr(time, "clock_gettime"):
        return time.clock_gettime(time.CLOCK_MONOTONIC)
    # NOTE: Windows has no clock_gettime; perf_counter does not advance under freezegun there.
    return time.perf_counter()


async def within(seconds: float, awaitable: Awaitable[T]) -> T:
    """Await `awaitable`, cancel it after `seconds` of real time and raise TimeLimitExceeded.

    The timer runs on a thread, so a frozen event-loop clock cannot stop it.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(awaitable)
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        loop.call_soon_threadsafe(task.cancel)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        return await task
    except asyncio.CancelledError:
        if expired.is_set():
            raise TimeLimitExceeded(seconds) from None
        raise
    finally:
        timer.cancel()
