"""The interface every client model offers the compatibility flows, and Angular's HTTP error."""

from __future__ import annotations

from typing import Protocol

import httpx


class ClientModel(Protocol):
    """A client with one session's tokens, which it sends with protected requests.

    `request` returns a 2xx response or raises: `HttpErrorResponse` for an error response, or
    the client's own error. `logged_out` reports whether the client has dropped the session.
    """

    name: str

    async def request(self, method: str, url: str) -> httpx.Response: ...

    @property
    def logged_out(self) -> bool: ...


class HttpErrorResponse(Exception):
    """A non-2xx response, raised as Angular's HttpClient raises it to the subscriber."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"{response.request.method} {response.request.url.path} responded with "
                         f"{response.status_code}")
        self.response = response
        self.status = response.status_code


def ok(response: httpx.Response) -> httpx.Response:
    """Return a 2xx response and raise HttpErrorResponse for any other status."""
    if not response.is_success:
        raise HttpErrorResponse(response)
    return response
