"""Parts of the racy-refresh variants: a refresh that reads the token row, yields to the event
loop, and then decides from what it read.

The reference decides each exchange inside one transaction with nothing awaited in between.
These parts split it: the handler reads the row through the store, awaits a sleep that stands
for a database round trip, and then has the store exchange the token as of that read.
Parallel refreshes of one token that arrive within that time all read the row before any of
them writes: the check-then-act fault of a backend that awaits its database between a SELECT
and an UPDATE. `racy_rotation` and `racy_refresh_500` build apps
from them.
"""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from conformance.profile_loader import load_profile
from conformance.reference import (
    ReferenceHandlers,
    RefreshExchange,
    RefreshPolicy,
    RefreshTokenRecord,
    RefreshTokenRejected,
    RejectReason,
    Store,
    create_app,
)
from conformance.reference.bodies import read_json_object
from conformance.reference_target import reference_settings_for

# Seconds between the read and the write of the token row. Parallel calls from the suite reach
# an in-process app within a few milliseconds of each other, so this makes them overlap.
ROUND_TRIP_SECONDS = 0.05


class StaleReadStore(Store):
    """A store that exchanges a token as of an earlier read of its row."""

    def exchange_as_read(self, token: str, record: RefreshTokenRecord | None, now: float,
                         policy: RefreshPolicy) -> RefreshExchange:
        """Decide the exchange from `record`, read before, instead of reading the row again."""
        with self.transaction() as db:
            outcome = self._decide_exchange(db, record, token, now, policy)
        if isinstance(outcome, RejectReason):
            raise RefreshTokenRejected(outcome)
        return outcome


class StaleReadHandlers(ReferenceHandlers):
    """Reference handlers whose refresh awaits between reading and writing the token row."""

    async def _exchange_refresh_token(self, request: Request) -> JSONResponse:
        body = await read_json_object(request)
        token = body.get("refreshToken")
        if not isinstance(token, str) or not token:
            raise HTTPException(403, "Refresh Token is required!")

        backend = self.backend
        store = backend.store
        assert isinstance(store, StaleReadStore)
        record = store.find_refresh_token(token)
        await asyncio.sleep(ROUND_TRIP_SECONDS)
        try:
            exchange = store.exchange_as_read(token, record, backend.clock.now(),
                                              backend.refresh_policy)
        except RefreshTokenRejected as rejection:
            raise HTTPException(403, rejection.reason.value) from rejection

        user = store.get_user(exchange.user_id)
        if user is None:
            raise HTTPException(403, RejectReason.UNKNOWN.value)
        return JSONResponse({"accessToken": backend.access_tokens.issue(user),
                             "refreshToken": exchange.refresh_token})


def create_racy_app(store: StaleReadStore) -> Starlette:
    """Build the reference backend of the `reference-rotating` profile with the racy refresh."""
    settings = reference_settings_for(load_profile("reference-rotating"))
    return create_app(settings, store=store, handlers=StaleReadHandlers)
