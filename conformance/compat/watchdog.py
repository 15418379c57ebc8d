"""A transport that watches a client model and a guard that cancels the model when it stalls.

A model stalls in three ways: it waits with no request in flight for `idle_limit` seconds (a
deadlock, since nothing can wake it), it runs longer than `time_limit`, or it sends more than
`budget` requests (a loop). The watchdog runs on a thread and reads real time, so a frozen clock
cannot stop it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable
from typing import TypeVar

import httpx

from conformance.compat.verdict import Stall
from conformance.realtime import monotonic

T = TypeVar("T")

POLL_SECONDS = 0.02


class Stalled(Exception):
    """The watchdog cancelled a call of the model."""

    def __init__(self, stall: Stall, detail: str) -> None:
        super().__init__(detail)
        self.stall = stall
        self.detail = detail


class WatchedTransport(httpx.AsyncBaseTransport):
    """Counts the requests in flight and in all, and can hold back a burst of first responses.

    With `hold_first` set to N, the responses to the first N requests for `hold_path` are handed
    out only once all N have arrived, so the client handles them as one burst. That makes a
    model's handling of concurrent responses the same on every run.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, *, hold_path: str | None = None,
                 hold_first: int = 0) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self.in_flight = 0
        self.total = 0
        self.last_activity = monotonic()
        self.last_request = ""
        self._hold_path = hold_path
        self._hold_first = hold_first
        self._held_requests = 0
        self._arrived = 0
        self._burst: asyncio.Event | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        hold = request.url.path == self._hold_path and self._held_requests < self._hold_first
        if hold:
            self._held_requests += 1
            if self._burst is None:
                self._burst = asyncio.Event()
        self._update(+1, f"{request.method} {request.url.path}")
        try:
            response = await self._inner.handle_async_request(request)
            self.last_request = f"{request.method} {request.url.path} -> {response.status_code}"
            if hold:
                assert self._burst is not None
                self._arrived += 1
                if self._arrived >= self._hold_first:
                    self._burst.set()
                await self._burst.wait()
            return response
        finally:
            self._update(-1, None)

    def _update(self, change: int, started: str | None) -> None:
        with self._lock:
            self.in_flight += change
            if change > 0:
                self.total += 1
            if started is not None:
                self.last_request = started
            self.last_activity = monotonic()

    async def aclose(self) -> None:
        await self._inner.aclose()


class Watchdog:
    """Guards calls of a model with the idle limit, the time limit and the request budget."""

    def __init__(self, transport: WatchedTransport, *, idle_limit: float, time_limit: float,
                 budget: int) -> None:
        self.transport = transport
        self.idle_limit = idle_limit
        self.time_limit = time_limit
        self.budget = budget

    async def guard(self, awaitable: Awaitable[T]) -> T:
        """Await `awaitable`; cancel it and raise Stalled when the model stalls."""
        loop = asyncio.get_running_loop()
        task = asyncio.ensure_future(awaitable)
        stalled: list[Stalled] = []
        done = threading.Event()
        started = monotonic()

        def watch() -> None:
            while not done.wait(POLL_SECONDS):
                stall = self._check(started)
                if stall is not None:
                    stalled.append(stall)
                    loop.call_soon_threadsafe(task.cancel)
                    return

        watcher = threading.Thread(target=watch, name="client-model-watchdog", daemon=True)
        watcher.start()
        try:
            return await task
        except asyncio.CancelledError:
            if stalled:
                raise stalled[0] from None
            raise
        finally:
            done.set()

    def _check(self, started: float) -> Stalled | None:
        transport = self.transport
        now = monotonic()
        if transport.total > self.budget:
            return Stalled(Stall.BUDGET, f"sent {transport.total} requests, more than the "
                                         f"budget of {self.budget}; the last: "
                                         f"{transport.last_request}")
        idle = now - max(transport.last_activity, started)
        if transport.in_flight == 0 and idle > self.idle_limit:
            return Stalled(Stall.IDLE, f"waited {idle:.1f} s with no request in flight after "
                                       f"{transport.total} requests; the last: "
                                       f"{transport.last_request or 'none'}")
        if now - started > self.time_limit:
            return Stalled(Stall.TIME, f"did not finish within {self.time_limit:g} s; "
                                       f"{transport.in_flight} requests in flight")
        return None
