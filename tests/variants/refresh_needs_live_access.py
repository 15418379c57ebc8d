"""Reference backend whose refresh endpoint rejects a request that carries an expired access token.

This is the fault of a backend whose access-token middleware also covers the refresh path: a
client that sends its expired access token along with the refresh request, as the Angular
tutorial client does, gets 401 and can never refresh. A request without an access token passes.
`refresh.works-after-access-expiry` must fail on it.
"""

from __future__ import annotations

import json
from typing import Any

from conformance.profile_loader import load_profile
from conformance.reference import AccessTokenError, create_app
from conformance.reference_target import reference_settings_for

REFRESH_PATH = "/api/auth/refreshtoken"

_settings = reference_settings_for(load_profile("reference"))
_reference = create_app(_settings)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Serve the reference backend, but check a present access token on the refresh path."""
    if scope["type"] == "http" and scope["path"] == REFRESH_PATH:
        headers = dict(scope["headers"])
        token = headers.get(b"x-access-token", b"").decode("latin-1").strip()
        if token:
            try:
                _reference.state.backend.access_tokens.verify(token)
            except AccessTokenError as error:
                await _send_unauthorized(send, error.description)
                return
    await _reference(scope, receive, send)


async def _send_unauthorized(send: Any, description: str) -> None:
    body = json.dumps({"message": f"Unauthorized! {description}"}).encode()
    await send({
        "type": "http.response.start",
        "status": 401,
        "headers": [(b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())],
    })
    await send({"type": "http.response.body", "body": body})
