"""The frozen clock: freezegun stops time for the suite and an in-process backend together.

The backend runs in this process (`--app` or the embedded reference backend), so one
`freeze_time` covers both. It starts when a check first moves the clock and ends at `stop()`,
so checks that never move the clock run on real time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory, _freeze_time

from conformance.clocks.base import Clock


class FrozenClock(Clock):
    """Moves the clock of this process, and so of an in-process backend, with freezegun."""

    name = "frozen"

    def __init__(self) -> None:
        super().__init__()
        self._freezer: _freeze_time | None = None
        self._factory: FrozenDateTimeFactory | None = None

    def _apply(self, epoch: float) -> None:
        moment = dt.datetime.fromtimestamp(epoch, tz=dt.UTC)
        if self._factory is not None:
            self._factory.move_to(moment)
            return

        # real_asyncio=True keeps asyncio event loops on real monotonic time. Without it the
        # loop thread of the in-process ASGI transport, and asyncio timeouts in the suite,
        # would see a monotonic clock that never advances (freezegun 1.5). Ignoring
        # _pytest.timing keeps pytest's test durations on real time.
        freezer = freeze_time(moment, tick=False, real_asyncio=True, ignore=["_pytest.timing"])
        factory = freezer.start()
        assert isinstance(factory, FrozenDateTimeFactory)
        self._freezer, self._factory = freezer, factory

    def stop(self) -> None:
        if self._freezer is not None:
            self._freezer.stop()
        self._freezer = None
        self._factory = None
        super().stop()

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "how": "freezegun freezes the suite and the in-process "
                                          "backend at the second each check sets"}
