"""Records of HTTP exchanges between the suite and the backend, and curl reproducers.

Every record is redacted when it is rendered, so a report shows what was sent and received
without a usable token, password or key.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

import httpx

from conformance.redact import Redactor

MAX_BODY_CHARS = 2000
# Characters read past a cut and redacted before cutting, so that a secret which starts before
# the cut is masked whole instead of leaving its start in the report. Tokens are far shorter.
REDACTION_MARGIN = 8192
_SHOWN_HEADERS = {
    "authorization", "content-type", "cookie", "set-cookie", "www-authenticate", "location",
    "x-access-token", "content-length",
}


@dataclass
class Exchange:
    """One request and the response to it, or the transport error that replaced the response."""

    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int | None
    response_headers: list[tuple[str, str]]
    response_body: bytes
    elapsed: float
    error: str | None = None

    @classmethod
    def from_response(cls, response: httpx.Response, elapsed: float) -> Exchange:
        request = response.request
        return cls(
            method=request.method,
            url=str(request.url),
            request_headers=list(request.headers.multi_items()),
            request_body=request.content,
            status=response.status_code,
            response_headers=list(response.headers.multi_items()),
            response_body=response.content,
            elapsed=elapsed,
        )

    @classmethod
    def from_error(cls, request: httpx.Request, error: str, elapsed: float) -> Exchange:
        try:
            body = request.content
        except httpx.RequestNotRead:
            body = b""
        return cls(
            method=request.method,
            url=str(request.url),
            request_headers=list(request.headers.multi_items()),
            request_body=body,
            status=None,
            response_headers=[],
            response_body=b"",
            elapsed=elapsed,
            error=error,
        )

    def to_dict(self, redact: Redactor) -> dict[str, Any]:
        """Render the exchange for a report, redacted and with bodies cut to a readable size."""
        return {
            "request": {
                "method": self.method,
                "url": redact(self.url),
                "headers": _headers(self.request_headers, redact),
                "body": _body(self.request_body, redact),
            },
            "response": None if self.status is None else {
                "status": self.status,
                "headers": _headers(self.response_headers, redact),
                "body": _body(self.response_body, redact),
            },
            "error": None if self.error is None else redact(self.error),
            "elapsed_ms": round(self.elapsed * 1000, 1),
        }

    def curl(self, redact: Redactor) -> str:
        """Return a curl command line that repeats the request, with secrets redacted."""
        parts = ["curl", "-i", "-X", self.method]
        for name, value in self.request_headers:
            if name.lower() in {"host", "content-length", "accept-encoding", "connection",
                                "user-agent", "accept"}:
                continue
            parts += ["-H", f"{name}: {value}"]
        if self.request_body:
            parts += ["--data-binary", self.request_body.decode("utf-8", "replace")]
        parts.append(self.url)
        return redact(" ".join(shlex.quote(part) for part in parts))


def _headers(headers: list[tuple[str, str]], redact: Redactor) -> dict[str, str]:
    shown: dict[str, str] = {}
    for name, value in headers:
        if name.lower() in _SHOWN_HEADERS:
            shown[name.lower()] = redact(value)
    return shown


def _body(body: bytes, redact: Redactor) -> str:
    text = body.decode("utf-8", "replace")
    if len(text) <= MAX_BODY_CHARS:
        return redact(text)
    return redact(text[:MAX_BODY_CHARS + REDACTION_MARGIN])[:MAX_BODY_CHARS] + (
        f"… [{len(body)} bytes in all]")
