"""401 responses with a text/plain body, as the Express tutorial's middleware sends them."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from conformance.reference import ReferenceHandlers, User


class PlainTextUnauthorized(Exception):
    """A 401 that the app sends as text/plain instead of JSON."""

    def __init__(self, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = dict(headers or {})


async def plain_text_unauthorized(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PlainTextUnauthorized)
    return PlainTextResponse(exc.message, status_code=401, headers=exc.headers)


def add_plain_text_handler(app: Starlette) -> None:
    """Register the handler that sends PlainTextUnauthorized as a text/plain 401."""
    app.add_exception_handler(PlainTextUnauthorized, plain_text_unauthorized)


class PlainTextUnauthorizedHandlers(ReferenceHandlers):
    """Sends every 401 for a present access token as text/plain, keeping its challenge."""

    def authenticate(self, request: Request) -> User:
        try:
            return super().authenticate(request)
        except HTTPException as error:
            if error.status_code == 401 and request.headers.get("x-access-token"):
                raise PlainTextUnauthorized("Unauthorized!", error.headers) from error
            raise
