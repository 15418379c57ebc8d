"""Reference backend whose refresh endpoint also accepts a valid access token.

This is the fault of a backend that verifies whatever token arrives at the refresh endpoint
with its access-token verifier, so a short-lived access token buys new ones for ever
(RFC 8725 §2.8). `refresh.access-token-rejected` must fail.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Message

from conformance.profile_loader import load_profile
from conformance.reference import AccessTokenError, ReferenceHandlers, create_app
from conformance.reference.bodies import read_json_object
from conformance.reference_target import reference_settings_for


class AccessAtRefreshHandlers(ReferenceHandlers):
    """The reference handlers, with access tokens exchanged at the refresh endpoint."""

    async def refresh_token(self, request: Request) -> JSONResponse:
        raw = await request.body()
        body = await read_json_object(_replay(request, raw))
        token = body.get("refreshToken")
        if isinstance(token, str) and token:
            try:
                claims = self.backend.access_tokens.verify(token)
            except AccessTokenError:
                claims = None
            user = self.backend.store.get_user(claims.user_id) if claims is not None else None
            if user is not None:
                access_token = self.backend.access_tokens.issue(user)
                return JSONResponse({"accessToken": access_token, "refreshToken": token})
        return await super().refresh_token(_replay(request, raw))


def _replay(request: Request, body: bytes) -> Request:
    """Return a request that reads `body` again, since the reference reads a stream once."""

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)


app = create_app(reference_settings_for(load_profile("reference")),
                 handlers=AccessAtRefreshHandlers)
