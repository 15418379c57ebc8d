"""An async transport that records every request it sends: path, status, token and timing.

Checks count requests here, below every client, so a client's own counters are never trusted.
Times come from `conformance.realtime.monotonic`, which a frozen clock does not stop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from conformance.realtime import monotonic

log = logging.getLogger("conformance")


@dataclass(frozen=True)
class SentRequest:
    """One request as it reached the transport, and its response or transport error."""

    method: str
    url: str
    path: str
    headers: httpx.Headers
    body: bytes
    started: float
    finished: float
    status: int | None
    response_body: bytes
    """The decoded body of the response."""
    response_headers: list[tuple[str, str]]
    error: str | None = None

    @property
    def server_error(self) -> bool:
        return self.status is not None and self.status >= 500


class RecordingTransport(httpx.AsyncBaseTransport):
    """Wraps an async transport and records each request in `sent`, in the order they finish.

    With `owns_inner` True, closing this transport also closes the wrapped one. Response bodies
    are read (and decoded) here, so the client receives fully read responses.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, *, owns_inner: bool) -> None:
        self._inner = inner
        self._owns_inner = owns_inner
        self.sent: list[SentRequest] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        started = monotonic()
        try:
            response = await self._inner.handle_async_request(request)
            content = await response.aread()
        except httpx.TransportError as error:
            self._record(request, body, started, None, None, f"{type(error).__name__}: {error}")
            raise
        self._record(request, body, started, response, content, None)
        return response

    def _record(self, request: httpx.Request, body: bytes, started: float,
                response: httpx.Response | None, content: bytes | None, error: str | None) -> None:
        self.sent.append(SentRequest(
            method=request.method,
            url=str(request.url),
            path=request.url.path,
            headers=request.headers.copy(),
            body=body,
            started=started,
            finished=monotonic(),
            status=None if response is None else response.status_code,
            response_body=content or b"",
            response_headers=[] if response is None else list(response.headers.multi_items()),
            error=error,
        ))

    async def aclose(self) -> None:
        if self._owns_inner:
            await self._inner.aclose()

    # Reading the record

    def to(self, path: str, method: str | None = None) -> list[SentRequest]:
        """Return the recorded requests to `path`, in the order they finished."""
        return [sent for sent in self.sent
                if sent.path == path and (method is None or sent.method == method)]

    def matching(self, condition: Callable[[SentRequest], bool]) -> list[SentRequest]:
        return [sent for sent in self.sent if condition(sent)]


def start_spread(requests: list[SentRequest]) -> float:
    """Return the seconds between the first and the last of `requests` to reach the transport."""
    if not requests:
        return 0.0
    starts = [sent.started for sent in requests]
    return max(starts) - min(starts)


def describe_spread(count: int, spread: float) -> str:
    """Return a note such as '50 requests reached the transport within 4.1 ms'."""
    noun = "request" if count == 1 else "requests"
    return f"{count} {noun} reached the transport within {spread * 1000:.1f} ms"
