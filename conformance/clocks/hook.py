"""The hook clock: a test-only endpoint of the backend, named by the profile, sets its clock.

The suite sends `PUT <hook>` with `{"now": <epoch seconds>}`. The reference backend's hook sets
an offset, so its clock keeps running from the second set; the checks send their requests
within that second.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx

from conformance.clocks.base import Clock, format_epoch
from conformance.outcome import HarnessError

log = logging.getLogger("conformance")

# A hook that echoes {"now": ...} more than this far from the time sent did not set it.
_ECHO_TOLERANCE_SECONDS = 2.0


class HookClock(Clock):
    """Moves the backend's clock through the clock hook endpoint of the profile."""

    name = "hook"

    def __init__(self, client: httpx.Client, path: str) -> None:
        super().__init__()
        self._client = client
        self.path = path

    def _apply(self, epoch: float) -> None:
        self._put(epoch)

    def stop(self) -> None:
        if self.moved:
            try:
                self._put(time.time())
            except HarnessError as error:
                log.warning("could not return the backend's clock to real time: %s", error)
        super().stop()

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "hook": self.path,
                "how": f'PUT {self.path} with {{"now": <epoch seconds>}}'}

    def _put(self, epoch: float) -> None:
        try:
            response = self._client.put(self.path, json={"now": epoch})
        except httpx.HTTPError as error:
            raise HarnessError(
                f"PUT {self.path} (the profile's clock hook) failed: "
                f"{type(error).__name__}: {error}"
            ) from None
        if not response.is_success:
            raise HarnessError(
                f"PUT {self.path} (the profile's clock hook) returned {response.status_code}; "
                "enable the backend's test endpoints or correct [clock] hook in the profile"
            )

        echoed = _echoed_now(response)
        if echoed is not None and abs(echoed - epoch) > _ECHO_TOLERANCE_SECONDS:
            raise HarnessError(
                f"PUT {self.path} with now {format_epoch(epoch)} returned that the backend's "
                f"clock reads {format_epoch(echoed)}, so the hook did not set it"
            )


def _echoed_now(response: httpx.Response) -> float | None:
    """Return the `now` a hook sends back, such as the reference backend's {"now": ...}."""
    try:
        body = response.json()
    except ValueError:
        return None
    value = body.get("now") if isinstance(body, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
