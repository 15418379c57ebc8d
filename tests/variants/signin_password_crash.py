"""Reference backend whose signin responds with 500 when `password` is not a string.

This is the fault of a backend that hashes the submitted password before it validates the
fields: hashing a number, a boolean, an array, an object or null raises, and the app responds
with 500. `input.wrong-types-rejected`, `input.null-values-rejected`, `input.no-server-error` and
`input.declared-statuses` must fail on it.
"""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse

from conformance.profile_loader import load_profile
from conformance.reference import ReferenceHandlers, create_app
from conformance.reference_target import reference_settings_for


class HashFirstHandlers(ReferenceHandlers):
    """The reference handlers, with a signin that hashes the password before validating it."""

    async def signin(self, request: Request) -> JSONResponse:
        # Reading the body here caches it, so the reference handler can read it again.
        raw = await request.body()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if isinstance(body, dict) and "password" in body:
            # The fault: the unknown-user hash runs on whatever value the client sent.
            self.backend.passwords.verify(body["password"], None)
        return await super().signin(request)


def create_hash_first_app() -> Starlette:
    """Build the reference backend for the `reference` profile with the faulty signin handler."""
    settings = reference_settings_for(load_profile("reference"))
    return create_app(settings, handlers=HashFirstHandlers)


app = create_hash_first_app()
