"""A start gate that releases many asyncio tasks in one step of the event loop.

`asyncio.Barrier` wakes its waiters one after another through a lock, so responses to the first
requests can be handled before the last task has started. This gate wakes them all at once:
every released task runs up to its first real wait before the loop handles any response.
"""

from __future__ import annotations

import asyncio


class StartGate:
    """Holds tasks in `wait()` until `parties` of them have arrived, then releases them all."""

    def __init__(self, parties: int) -> None:
        if parties < 1:
            raise ValueError(f"parties must be at least 1, got {parties}")
        self._parties = parties
        self._arrived = 0
        self._open = asyncio.Event()

    async def wait(self) -> None:
        self._arrived += 1
        if self._arrived >= self._parties:
            self._open.set()
        await self._open.wait()
