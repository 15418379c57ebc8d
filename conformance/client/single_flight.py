"""Single flight: at most one refresh in progress per side, and the event its waiters wait on.

A side is the sync requests of all threads (`None`) or the async requests of one event loop.
A request that must refresh claims the side: it becomes the refresher if no refresh is in
progress there, or else it waits for the refresh in progress. When that refresh ends, every
waiter wakes at once, so all of them retry together.
"""

from __future__ import annotations

import asyncio
import enum
import threading
import weakref
from collections.abc import Callable

from conformance.client.state import Decision

Side = asyncio.AbstractEventLoop | None


class Role(enum.Enum):
    """The part a rejected request takes after its claim."""

    RETRY = "retry"
    WAIT = "wait"
    REFRESH = "refresh"


class Flight:
    """One refresh in progress. `done` is set when it ends, whatever its outcome."""

    def __init__(self, side: Side) -> None:
        self.done: threading.Event | asyncio.Event = (
            threading.Event() if side is None else asyncio.Event()
        )


class SingleFlight:
    """The refresh in progress of each side, behind one short lock that is never held for I/O."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sync: Flight | None = None
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Flight] = (
            weakref.WeakKeyDictionary()
        )

    def claim(self, side: Side, decide: Callable[[], Decision]) -> tuple[Role, Flight | None]:
        """Decide and, if a refresh is needed, join or start the side's flight, in one step.

        `decide` reads the token state and may raise. Deciding and joining under one lock, with
        `land` under the same lock after the token state changed, means that no request can see
        the old tokens and also miss the flight that replaces them.
        """
        with self._lock:
            if decide() is Decision.RETRY:
                return Role.RETRY, None
            flight = self._sync if side is None else self._async.get(side)
            if flight is not None:
                return Role.WAIT, flight
            flight = Flight(side)
            if side is None:
                self._sync = flight
            else:
                self._async[side] = flight
            return Role.REFRESH, flight

    def land(self, side: Side, flight: Flight) -> None:
        """End `flight` after the token state has changed, and wake its waiters."""
        with self._lock:
            if side is None and self._sync is flight:
                self._sync = None
            elif side is not None and self._async.get(side) is flight:
                del self._async[side]
        flight.done.set()
