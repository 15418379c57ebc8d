"""Controlled time: the suite's only source of "now", and the means to move the backend's clock.

A check reads and moves time through `harness.clock`, never through `time.time()`:

    clock.require(span_seconds, server_state=True, backwards=False)
        Skip the check (pytest.skip, with the reason) unless this clock can move the clock
        `span_seconds` ahead. `server_state=True` requires that the backend itself observes the
        time pass (refresh-token expiry, grace windows), `backwards=True` that it can go back.
    clock.now() -> float                 the backend's current time, epoch seconds
    clock.move_to(epoch) -> float        move to an absolute time
    clock.advance(seconds) -> float      move by `seconds`, backwards if negative
    clock.present_access_token(token)    the token to send now; only the forge clock changes it
    clock.name, clock.moves_backend, clock.moves_backwards, clock.waited_in_check

Each clock reads real time until a check first moves it, and the plugin calls `start()` before
and `stop()` after every check, which returns the backend to real time where the clock can.

| clock    | target                      | how it moves time                                     |
|----------|-----------------------------|-------------------------------------------------------|
| frozen   | in process (reference, app) | freezegun freezes this process at the exact second    |
| faketime | managed (`--target-cmd`)    | libfaketime timestamp file, exact second              |
| hook     | profile `[clock] hook`      | `PUT hook {"now": epoch}`                             |
| wait     | any                         | real sleeping, at most `--max-wait` seconds a check   |
| forge    | profile with a signing key  | re-signed access tokens, the backend's clock stays    |
"""

from conformance.clocks.base import Clock, format_epoch
from conformance.clocks.choice import (
    CLOCK_NAMES,
    ClockName,
    best_clock,
    build_clock,
    choose_clock,
    default_clock,
)
from conformance.clocks.faketime import FaketimeClock, find_libfaketime
from conformance.clocks.forge import ForgeClock
from conformance.clocks.frozen import FrozenClock
from conformance.clocks.hook import HookClock
from conformance.clocks.wait import DEFAULT_MAX_WAIT, WaitClock

__all__ = [
    "CLOCK_NAMES",
    "DEFAULT_MAX_WAIT",
    "Clock",
    "ClockName",
    "FaketimeClock",
    "ForgeClock",
    "FrozenClock",
    "HookClock",
    "WaitClock",
    "best_clock",
    "build_clock",
    "choose_clock",
    "default_clock",
    "find_libfaketime",
    "format_epoch",
]
