"""Test-only handlers: the clock hook at /api/test/clock and the counters at /api/test/stats.

The app registers these routes only when `test_endpoints` is on.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from conformance.reference.bodies import read_json_object
from conformance.reference.handler_base import HandlerBase

logger = logging.getLogger("conformance")

# 9999-12-31T23:59:59Z, the last second that Python's datetime can represent. Clients that
# convert exp or iat to a datetime would fail on later times.
MAX_EPOCH_SECONDS = 253_402_300_799.0


class HookHandlers(HandlerBase):
    """Reading and moving the backend clock, and reading the call counters."""

    async def clock(self, request: Request) -> JSONResponse:
        """Dispatch GET and PUT of /api/test/clock, so one route lists both in its Allow header."""
        if request.method == "PUT":
            return await self.put_clock(request)
        return await self.get_clock(request)

    async def get_clock(self, request: Request) -> JSONResponse:
        return JSONResponse({"now": self.backend.clock.now()})

    async def put_clock(self, request: Request) -> JSONResponse:
        """Set the clock from `{"now": <epoch seconds>}` or move it by `{"advance": <seconds>}`."""
        body = await read_json_object(request)
        clock = self.backend.clock

        if ("now" in body) == ("advance" in body):
            raise HTTPException(400, 'Send exactly one of "now" (epoch seconds) or "advance"')

        if "now" in body:
            target = _number(body, "now")
        else:
            target = clock.now() + _number(body, "advance")

        if not 0 <= target <= MAX_EPOCH_SECONDS:
            raise HTTPException(
                400, f"The clock must stay between 0 and {MAX_EPOCH_SECONDS:.0f} epoch seconds"
            )

        clock.set(target)
        logger.info("test clock hook set the backend clock to %.3f", target)
        return JSONResponse({"now": clock.now()})

    async def stats(self, request: Request) -> JSONResponse:
        return JSONResponse(self.backend.metrics.snapshot())


def _number(body: dict[str, Any], name: str) -> float:
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise HTTPException(400, f"{name} must be a number of seconds")

    try:
        number = float(value)
    except OverflowError as error:
        raise HTTPException(400, f"{name} is out of range") from error

    if not math.isfinite(number):
        raise HTTPException(400, f"{name} is out of range")
    return number
