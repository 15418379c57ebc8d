"""A small in-memory refresh-token backend for the client's unit tests, as an httpx handler.

`GET /protected` accepts only the current access token (header `x-access-token`) and responds with
401 otherwise. `POST /refresh` exchanges `{"refreshToken": ...}` for a new access token, and a
new refresh token when `rotate` is set. Tests make the access token expire with `expire()`,
force refresh responses with `refresh_status`, and slow the refresh with `refresh_delay` (async
handler only) or `refresh_gate` (sync handler only) so that requests overlap.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading

import httpx

PROTECTED = "/protected"
REFRESH = "/refresh"


class FakeRefreshBackend:
    """Issues `access-N` and `refresh-N` tokens and counts the calls it gets."""

    def __init__(self, *, rotate: bool = False) -> None:
        self.rotate = rotate
        self.refresh_status: int | None = None
        self.refresh_error: Exception | None = None
        self.refresh_delay = 0.0
        self.refresh_gate: threading.Event | None = None
        self.refresh_started = threading.Event()
        self.protected_always_401 = False
        self._numbers = itertools.count(1)
        self.access_token: str | None = None
        self.refresh_tokens = {"refresh-0"}
        self.refresh_calls = 0
        self.protected_calls = 0
        self.refresh_bodies: list[dict[str, object]] = []
        self._lock = threading.Lock()

    def expire(self) -> None:
        """Make the current access token expired."""
        self.access_token = None

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Respond to one request; the sync handler for httpx.MockTransport."""
        if request.url.path == REFRESH:
            self.refresh_started.set()
            if self.refresh_gate is not None:
                self.refresh_gate.wait(5)
            return self._refresh(request)
        return self._protected(request)

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        """Respond to one request; the async handler, with the optional refresh delay."""
        if request.url.path == REFRESH and self.refresh_delay:
            await asyncio.sleep(self.refresh_delay)
        if request.url.path == REFRESH:
            return self._refresh(request)
        return self._protected(request)

    def _protected(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.protected_calls += 1
            token = request.headers.get("x-access-token")
            if self.protected_always_401 or token is None or token != self.access_token:
                return httpx.Response(401, json={"message": "expired"})
        return httpx.Response(200, json={"ok": True})

    def _refresh(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.refresh_calls += 1
            if self.refresh_error is not None:
                raise self.refresh_error
            body = json.loads(request.content or b"{}")
            self.refresh_bodies.append(body)
            if self.refresh_status is not None:
                return httpx.Response(self.refresh_status, json={"message": "refresh failed"})
            token = body.get("refreshToken")
            if token not in self.refresh_tokens:
                return httpx.Response(403, json={"message": "unknown refresh token"})

            number = next(self._numbers)
            self.access_token = f"access-{number}"
            if self.rotate:
                self.refresh_tokens.discard(token)
                token = f"refresh-{number}"
                self.refresh_tokens.add(token)
        return httpx.Response(200, json={"accessToken": self.access_token, "refreshToken": token})
