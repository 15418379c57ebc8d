"""Reference backend whose refresh endpoint responds with 500 when `refreshToken` is JSON null.

This is the fault of a backend that declares the field as an optional string (Pydantic's
`str | None`, for example), so a JSON null passes validation as "not set". The backend then
calls a string method on it, which raises AttributeError, and the app responds with 500. Other
wrong types are rejected as the reference rejects them. `input.null-values-rejected`,
`input.no-server-error` and `input.declared-statuses` must fail on it.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse

from conformance.profile_loader import load_profile
from conformance.reference import ReferenceHandlers, create_app
from conformance.reference_target import reference_settings_for


class NullCrashHandlers(ReferenceHandlers):
    """The reference handlers, with a refresh endpoint that lets a null token through."""

    async def refresh_token(self, request: Request) -> JSONResponse:
        # Reading the body here caches it, so the reference handler can read it again.
        body = _json_object(await request.body())
        token = body.get("refreshToken", "")
        if isinstance(token, str | None):
            token.strip()
        return await super().refresh_token(request)


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def create_null_crash_app() -> Starlette:
    """Build the reference backend for the `reference` profile with the faulty refresh handler."""
    settings = reference_settings_for(load_profile("reference"))
    return create_app(settings, handlers=NullCrashHandlers)


app = create_null_crash_app()
