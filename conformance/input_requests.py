"""Requests of the input family: Schemathesis cases serialized and sent through the harness.

Schemathesis builds each case, and `from_case` serializes it the way Schemathesis' own transport
does (`Case.as_transport_kwargs`). `send_input` sends it with `Harness.request`, so in-process
targets work and the report records the exchange.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

import httpx
from schemathesis import Case

from conformance.exchange import Exchange
from conformance.harness import Harness
from conformance.redact import Redactor

# Schemathesis' transport adds the `requests` library's default headers and a case id. The
# suite's HTTP client sets its own defaults, and the case id would differ on every run.
_TRANSPORT_HEADERS = frozenset({
    "user-agent", "accept-encoding", "accept", "connection", "x-schemathesis-testcaseid",
})
# RFC 9110 §5.5: a field value is visible ASCII, spaces and tabs (obs-text aside, which httpx
# cannot send from a str), with no whitespace at either end.
_FIELD_VALUE_CHARACTERS = frozenset("\t" + "".join(chr(code) for code in range(0x20, 0x7F)))
# Request bodies longer than this are cut in the stored exchange by `shorten_large_bodies`.
MAX_RECORDED_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class InputRequest:
    """One request of the input family, serialized and ready to send."""

    operation: str
    method: str
    path: str
    headers: dict[str, str]
    content: bytes | None
    description: str

    @property
    def sendable(self) -> bool:
        """Tell whether every header value is one HTTP/1.1 can carry (RFC 9110 §5.5)."""
        return all(_is_field_value(value) for value in self.headers.values())


def from_case(operation: str, case: Case[Any], description: str | None = None) -> InputRequest:
    """Serialize a Schemathesis case as Schemathesis' transport would send it."""
    kwargs = case.as_transport_kwargs(base_url="http://backend.test")
    headers = {
        str(name): str(value)
        for name, value in kwargs["headers"].items()
        if str(name).lower() not in _TRANSPORT_HEADERS
    }
    cookies = kwargs.get("cookies") or {}
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())

    path = case.formatted_path
    params = kwargs.get("params")
    if params:
        path += "?" + (params if isinstance(params, str) else urlencode(params, doseq=True))

    return InputRequest(
        operation=operation,
        method=str(kwargs["method"]).upper(),
        path=path,
        headers=headers,
        content=_content(kwargs),
        description=description or _describe(case),
    )


def with_content(request: InputRequest, content: bytes, description: str) -> InputRequest:
    """Return `request` with another body, keeping its headers and Content-Type."""
    return replace(request, content=content, description=description)


def send_input(harness: Harness, request: InputRequest) -> httpx.Response:
    """Send `request` through the harness, which records the exchange."""
    return harness.request(request.method, request.path, content=request.content,
                           headers=dict(request.headers))


def shorten_large_bodies(harness: Harness, first: int) -> None:
    """Cut the request bodies of exchanges from index `first` on to `MAX_RECORDED_BODY_BYTES`.

    The plugin renders the last exchange as a curl line in the report, and a 1 MiB body would
    make that line 1 MiB long.
    """
    # NOTE: a curl line made from a shortened exchange does not repeat the request, so the
    # check's message carries the line of `large_body_reproducer` instead.
    for index in range(first, len(harness.exchanges)):
        exchange = harness.exchanges[index]
        body = exchange.request_body
        if len(body) > MAX_RECORDED_BODY_BYTES:
            marker = f"…[{len(body)} bytes in all]".encode()
            shortened = body[:MAX_RECORDED_BODY_BYTES] + marker
            harness.exchanges[index] = replace(exchange, request_body=shortened)


def large_body_reproducer(exchange: Exchange, body: dict[str, Any], field: str, size: int,
                          redact: Redactor) -> str:
    """Return a shell line that repeats a request whose JSON body has a `size`-character field.

    Python writes the body, with `field` set to `size` times "x", into curl's standard input, so
    the line stays short.
    """
    small_body = json.dumps({**body, field: ""})
    script = (
        "import json, sys; body = json.loads(sys.argv[1]); "
        f"body[{field!r}] = 'x' * {size}; sys.stdout.write(json.dumps(body))"
    )
    without_body = replace(exchange, request_body=b"")
    writer = " ".join(shlex.quote(part) for part in ("python3", "-c", script, small_body))
    return redact(f"{writer} | {without_body.curl(redact)} --data-binary @-")


def json_content(value: Any) -> bytes:
    """Encode a JSON body as Schemathesis' transport (`requests`) does."""
    # ASCII with escapes, and no NaN or Infinity, which are not JSON (RFC 8259 §6).
    return json.dumps(value, allow_nan=False).encode()


def _content(kwargs: dict[str, Any]) -> bytes | None:
    if "json" in kwargs:
        return json_content(kwargs["json"])
    data = kwargs.get("data")
    if data is None:
        return None
    if isinstance(data, str):
        return data.encode()
    if isinstance(data, bytes):
        return data
    raise TypeError(f"cannot send a Schemathesis body of type {type(data).__name__}")


def _describe(case: Case[Any]) -> str:
    meta = case.meta
    if meta is None:
        return "a request built for this check"
    description = meta.phase.data.description
    if description == "Positive test case":
        return "generated positive data"
    return f"{description} ({meta.generation.mode.value} data)"


def _is_field_value(value: str) -> bool:
    return value == value.strip(" \t") and all(c in _FIELD_VALUE_CHARACTERS for c in value)
