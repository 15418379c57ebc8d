"""A minimal asyncio stand-in for RxJS's BehaviorSubject: a current value and its subscribers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class BehaviorSubject(Generic[T]):
    """Holds a value and hands each new value to the coroutines waiting for one.

    `first(predicate)` is `subject.pipe(filter(predicate), take(1))`: it returns the current
    value if it passes, or else the first later value that passes. Like the RxJS subject it has
    no timeout, so a waiter for a value that never comes waits forever.
    """

    def __init__(self, value: T) -> None:
        self._value = value
        self._waiters: list[asyncio.Future[T]] = []

    @property
    def value(self) -> T:
        return self._value

    def next(self, value: T) -> None:
        """Set the value and deliver it to every current waiter."""
        self._value = value
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(value)

    async def first(self, predicate: Callable[[T], bool]) -> T:
        value = self._value
        while not predicate(value):
            waiter: asyncio.Future[T] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            value = await waiter
        return value
