"""A raw asyncio HTTP/1.1 server that responds in one hostile way on the paths a behaviour names.

Requests to other paths are forwarded to an in-process reference backend (the `reference`
profile's settings), so a run gets far enough to reach the hostile response. The server parses
requests itself and writes responses byte by byte, because several behaviours break HTTP on
purpose: a reset connection, a chunked body that stops, a wrong Content-Length, a status line
that is not HTTP.

Every behaviour is bounded: a stall or a drip ends after a fixed number of seconds, or as soon
as the client closes the connection.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http
import json
import logging
import socket
import struct
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from conformance.profile_loader import load_profile
from conformance.reference import create_app
from conformance.reference_target import reference_settings_for

log = logging.getLogger("hostile")

MAX_HEADER_BYTES = 64 * 1024
# The input family sends string fields of 1 MiB, which JSON escaping can enlarge.
MAX_BODY_BYTES = 8 * 1024 * 1024
# A keep-alive connection without a new request for this long is closed.
IDLE_SECONDS = 60.0
# Upper bounds of the behaviours that hold a connection open. They exceed the suite's limit of one
# exchange in tests/test_hostile.py (7 s), so a suite without a whole-response deadline shows.
STALL_SECONDS = 12.0
DRIP_SECONDS = 12.0
DRIP_INTERVAL = 0.25
# A complete drip sends a whole body of the reference backend, so a response that arrives after
# the suite's limit of one exchange is well formed and only late.
COMPLETE_DRIP_SECONDS = 120.0
HUGE_BODY_BYTES = 50 * 1024 * 1024
HUGE_HEADER_BYTES = 200 * 1024
CHUNK_BYTES = 1024 * 1024

SIGNIN = "/api/auth/signin"
REFRESH = "/api/auth/refreshtoken"
PROTECTED = ("/api/test/user", "/api/test/mod", "/api/test/admin")

# Hop-by-hop and framing headers that the server sets itself (RFC 9110 §7.6.1).
_FRAMING = {"connection", "content-length", "transfer-encoding", "keep-alive", "host"}


@dataclass
class Request:
    """One parsed HTTP/1.1 request."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


@dataclass
class Upstream:
    """The reference backend's response to a forwarded request."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def json_object(self) -> dict[str, Any] | None:
        """Return the body as a JSON object, or None if it is not one."""
        try:
            data = json.loads(self.body)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None


class BadRequest(Exception):
    """A request that the server cannot parse. The server responds with 400 and closes."""


class Exchange:
    """One request on a connection, with the means to respond to it in any way."""

    def __init__(self, request: Request, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter, upstream: httpx.AsyncClient) -> None:
        self.request = request
        self.reader = reader
        self.writer = writer
        self._upstream = upstream

    async def forward(self) -> Upstream:
        """Send the request to the reference backend and return its response."""
        request = self.request
        # Header values go upstream as the bytes that arrived: the suite sends UTF-8 bytes in
        # some tokens, which httpx would reject as str.
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in request.headers
                   if k.lower() not in _FRAMING]
        response = await self._upstream.request(request.method, request.target,
                                                headers=headers, content=request.body)
        forwarded = [(k, v) for k, v in response.headers.multi_items()
                     if k.lower() not in _FRAMING]
        return Upstream(response.status_code, forwarded, response.content)

    async def send(self, data: bytes) -> bool:
        """Write `data`; return False when the client has gone."""
        try:
            self.writer.write(data)
            await self.writer.drain()
        except (ConnectionError, OSError):
            return False
        return True

    async def respond(self, status: int, headers: list[tuple[str, str]], body: bytes) -> bool:
        """Send a well-formed response with a Content-Length."""
        return await self.send(head(status, [*headers, ("Content-Length", str(len(body)))])
                               + body)

    async def client_gone_within(self, seconds: float) -> bool:
        """Wait up to `seconds` for the client to close; return whether it did."""
        try:
            data = await asyncio.wait_for(self.reader.read(1), seconds)
        except TimeoutError:
            return False
        except (ConnectionError, OSError):
            return True
        return data == b""


def head(status: int, headers: list[tuple[str, str]], reason: str | None = None) -> bytes:
    """Return a status line and header block."""
    if reason is None:
        reason = http.HTTPStatus(status).phrase
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def json_headers() -> list[tuple[str, str]]:
    return [("Content-Type", "application/json")]


# Behaviours. Each responds to one exchange and returns True to keep the connection open.

Action = Callable[[Exchange], Awaitable[bool]]


async def forward_unchanged(exchange: Exchange) -> bool:
    upstream = await exchange.forward()
    return await exchange.respond(upstream.status, upstream.headers, upstream.body)


async def html_error_page(exchange: Exchange) -> bool:
    page = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
            b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
            b"</body>\r\n</html>\r\n")
    return await exchange.respond(502, [("Content-Type", "text/html")], page)


async def plain_text_ok(exchange: Exchange) -> bool:
    return await exchange.respond(200, [("Content-Type", "text/plain")], b"OK")


async def service_unavailable(exchange: Exchange) -> bool:
    body = b'{"message": "Service Unavailable"}'
    return await exchange.respond(503, [*json_headers(), ("Retry-After", "1")], body)


async def stall(exchange: Exchange) -> bool:
    await exchange.client_gone_within(STALL_SECONDS)
    return False


async def reset_connection(exchange: Exchange) -> bool:
    sock = exchange.writer.get_extra_info("socket")
    if sock is not None:
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    exchange.writer.transport.abort()
    return False


async def huge_body(exchange: Exchange) -> bool:
    headers = [*json_headers(), ("Content-Length", str(HUGE_BODY_BYTES))]
    if not await exchange.send(head(200, headers)):
        return False
    chunk = b"x" * CHUNK_BYTES
    for _ in range(HUGE_BODY_BYTES // CHUNK_BYTES):
        if not await exchange.send(chunk):
            return False
    return True


async def invalid_utf8(exchange: Exchange) -> bool:
    body = b'{"accessToken": "\xff\xfe\xfd", "refreshToken": "\xc3\x28", "message": "\x80"}'
    return await exchange.respond(200, [("Content-Type", "application/json; charset=utf-8")],
                                  body)


async def redirect_loop(exchange: Exchange) -> bool:
    return await exchange.respond(302, [("Location", exchange.request.target)], b"")


async def wrong_content_type(exchange: Exchange) -> bool:
    upstream = await exchange.forward()
    headers = [(k, v) for k, v in upstream.headers if k.lower() != "content-type"]
    return await exchange.respond(upstream.status,
                                  [*headers, ("Content-Type", "image/png")], upstream.body)


async def json_label_not_json(exchange: Exchange) -> bool:
    body = b"<html><body><h1>Service temporarily unavailable</h1></body></html>"
    return await exchange.respond(200, json_headers(), body)


async def _replace_tokens(exchange: Exchange, value: Any) -> bool:
    upstream = await exchange.forward()
    data = upstream.json_object()
    if upstream.status != 200 or data is None:
        return await exchange.respond(upstream.status, upstream.headers, upstream.body)
    for name in ("accessToken", "refreshToken"):
        data[name] = value(data.get(name))
    return await exchange.respond(200, json_headers(), json.dumps(data).encode())


async def token_number(exchange: Exchange) -> bool:
    return await _replace_tokens(exchange, lambda token: 1234567890)


async def token_object(exchange: Exchange) -> bool:
    return await _replace_tokens(exchange, lambda token: {"value": token, "type": "Bearer"})


async def empty_ok(exchange: Exchange) -> bool:
    return await exchange.respond(200, [], b"")


async def huge_header(exchange: Exchange) -> bool:
    upstream = await exchange.forward()
    padding = ("X-Padding", "p" * HUGE_HEADER_BYTES)
    await exchange.respond(upstream.status, [*upstream.headers, padding], upstream.body)
    return False


async def chunked_stops_early(exchange: Exchange) -> bool:
    upstream = await exchange.forward()
    first = upstream.body[: max(1, len(upstream.body) // 2)]
    headers = [*upstream.headers, ("Transfer-Encoding", "chunked")]
    await exchange.send(head(upstream.status, headers) + b"%x\r\n" % len(first) + first
                        + b"\r\n")
    return False


async def _drip(exchange: Exchange, data: bytes, limit: float) -> bool:
    """Send `data` one byte every DRIP_INTERVAL seconds, and stop after `limit` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    for index in range(len(data)):
        if loop.time() >= deadline:
            return False
        if not await exchange.send(data[index:index + 1]):
            return False
        await asyncio.sleep(DRIP_INTERVAL)
    return True


async def _drip_body(exchange: Exchange, limit: float) -> bool:
    """Send the upstream response's head at once and drip its body for at most `limit` s."""
    upstream = await exchange.forward()
    headers = [*upstream.headers, ("Content-Length", str(len(upstream.body)))]
    if not await exchange.send(head(upstream.status, headers)):
        return False
    return await _drip(exchange, upstream.body, limit)


async def slow_drip(exchange: Exchange) -> bool:
    return await _drip_body(exchange, DRIP_SECONDS)


async def complete_drip(exchange: Exchange) -> bool:
    return await _drip_body(exchange, COMPLETE_DRIP_SECONDS)


async def header_drip(exchange: Exchange) -> bool:
    upstream = await exchange.forward()
    data = head(upstream.status, [*upstream.headers,
                                  ("Content-Length", str(len(upstream.body)))]) + upstream.body
    return await _drip(exchange, data, DRIP_SECONDS)


async def content_length_too_long(exchange: Exchange) -> bool:
    upstream = await exchange.forward()
    headers = [*upstream.headers, ("Content-Length", str(len(upstream.body) + 100))]
    await exchange.send(head(upstream.status, headers) + upstream.body)
    return False


async def not_http(exchange: Exchange) -> bool:
    await exchange.send(b"HELLO FROM A SERVICE THAT DOES NOT SPEAK HTTP\r\n\r\n")
    return False


@dataclass(frozen=True)
class Behaviour:
    """A hostile response and the request paths it applies to (all when empty).

    `keyword` is the pytest -k expression of the checks that reach it, and `reported_as` the
    outcomes at least one of those checks must end in.
    """

    name: str
    description: str
    action: Action
    paths: tuple[str, ...] = ()
    keyword: str | None = None
    reported_as: frozenset[str] = frozenset({"fail", "error"})

    def applies(self, path: str) -> bool:
        return not self.paths or path in self.paths


BEHAVIOURS: dict[str, Behaviour] = {b.name: b for b in [
    Behaviour("html-error-page", "every path responds with an nginx 502 HTML page", html_error_page,
              keyword="test_signin or test_access"),
    Behaviour("non-json-body", "signin responds with 200 text/plain OK", plain_text_ok, (SIGNIN,),
              keyword="test_signin"),
    Behaviour("server-error", "every path responds with 503 and Retry-After", service_unavailable,
              keyword="test_signup or test_signin"),
    Behaviour("stalled-response", "signin never responds (the server gives up after "
              f"{STALL_SECONDS:g} s)", stall, (SIGNIN,),
              keyword="test_signin or test_access_valid"),
    Behaviour("connection-reset", "signin resets the connection (TCP RST)", reset_connection,
              (SIGNIN,), keyword="test_signin"),
    Behaviour("huge-body", "signin responds with a 50 MB body labelled JSON", huge_body, (SIGNIN,),
              keyword="test_signin_valid or test_signin_response or test_signin_refresh"),
    Behaviour("invalid-utf8", "signin responds with invalid UTF-8 bytes in the JSON tokens",
              invalid_utf8, (SIGNIN,), keyword="test_signin"),
    Behaviour("redirect-loop", "every path redirects to itself with 302", redirect_loop,
              keyword="test_signin or test_access"),
    # A client that asks for JSON parses the body whatever its label, so only the SHOULD
    # check of JSON error bodies reports this.
    Behaviour("wrong-content-type", "every response is labelled image/png", wrong_content_type,
              keyword="test_signin or test_access", reported_as=frozenset({"warn"})),
    Behaviour("json-label-not-json", "signin responds with an HTML page labelled application/json",
              json_label_not_json, (SIGNIN,), keyword="test_signin"),
    Behaviour("token-number", "signin and refresh return numbers as tokens", token_number,
              (SIGNIN, REFRESH), keyword="test_signin or test_token"),
    Behaviour("token-object", "signin and refresh return JSON objects as tokens", token_object,
              (SIGNIN, REFRESH), keyword="test_signin or test_token"),
    Behaviour("empty-200", "signin and refresh respond with 200 and an empty body", empty_ok,
              (SIGNIN, REFRESH), keyword="test_signin"),
    Behaviour("huge-header", f"every response carries a {HUGE_HEADER_BYTES // 1024} KiB header",
              huge_header, keyword="test_signin or test_access"),
    Behaviour("chunked-stops-early", "signin sends half its body in chunked encoding and "
              "closes", chunked_stops_early, (SIGNIN,), keyword="test_signin"),
    Behaviour("slow-drip", f"signin sends its body one byte every {DRIP_INTERVAL:g} s (for at "
              f"most {DRIP_SECONDS:g} s)", slow_drip, (SIGNIN,),
              keyword="test_signin_valid or test_signin_response or test_access_valid"),
    Behaviour("header-drip", f"signin sends its status line and headers one byte every "
              f"{DRIP_INTERVAL:g} s (for at most {DRIP_SECONDS:g} s)", header_drip, (SIGNIN,),
              keyword="test_signin_valid or test_signin_response"),
    Behaviour("content-length-too-long", "signin declares 100 bytes more than it sends and "
              "closes", content_length_too_long, (SIGNIN,), keyword="test_signin"),
    Behaviour("not-http", "every path responds with a line that is not HTTP", not_http,
              keyword="test_signin or test_access"),
    Behaviour("refresh-token-number", "refresh returns numbers as tokens", token_number,
              (REFRESH,),
              keyword=("test_refresh or test_concurrency or test_client or test_logout"
                       " or test_model")),
    Behaviour("refresh-stall", "refresh never responds (the server gives up after "
              f"{STALL_SECONDS:g} s)", stall, (REFRESH,),
              keyword="test_refresh_new or test_concurrency or test_client or test_logout"),
    Behaviour("resource-slow-drip", f"protected resources send their body one byte every "
              f"{DRIP_INTERVAL:g} s", slow_drip, PROTECTED,
              keyword="test_access_valid or test_concurrency_storm or test_client_correct"),
    Behaviour("resource-complete-drip", f"protected resources send their whole body one byte "
              f"every {DRIP_INTERVAL:g} s", complete_drip, PROTECTED,
              keyword="test_concurrency_storm or test_client_correct"),
]}


class HostileServer:
    """Serves one behaviour on a loopback port and forwards the other paths upstream."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        settings = reference_settings_for(load_profile("reference"))
        self.upstream = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings)),
                                          base_url="http://reference.test", timeout=30.0)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    request = await asyncio.wait_for(read_request(reader), IDLE_SECONDS)
                except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                    return
                except BadRequest as error:
                    body = str(error).encode()
                    writer.write(head(400, [("Content-Length", str(len(body)))]) + body)
                    return
                if request is None:
                    return

                exchange = Exchange(request, reader, writer, self.upstream)
                action = (self.behaviour.action if self.behaviour.applies(request.path)
                          else forward_unchanged)
                keep_open = await action(exchange)
                if not keep_open or (request.header("connection") or "").lower() == "close":
                    return
        except Exception:
            log.exception("hostile server failed on a connection")
        finally:
            with contextlib.suppress(ConnectionError, OSError):
                writer.close()

    async def serve(self, port: int, ready: Callable[[int], None]) -> None:
        server = await asyncio.start_server(self.handle, "127.0.0.1", port,
                                            limit=MAX_HEADER_BYTES)
        bound = server.sockets[0].getsockname()[1]
        ready(bound)
        async with server:
            await server.serve_forever()


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """Read one request; return None at a clean end of the connection."""
    try:
        block = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if not error.partial:
            return None
        raise
    except asyncio.LimitOverrunError as error:
        raise BadRequest("request header block too large") from error

    lines = block.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        raise BadRequest(f"invalid request line {lines[0]!r}")
    headers = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))

    request = Request(parts[0], parts[1], headers, b"")
    if request.header("transfer-encoding"):
        raise BadRequest("chunked request bodies are not supported")
    length = int(request.header("content-length") or "0")
    if length > MAX_BODY_BYTES:
        raise BadRequest(f"request body larger than {MAX_BODY_BYTES} bytes")
    request.body = await reader.readexactly(length) if length else b""
    return request


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.hostile",
                                     description="Serve one hostile behaviour on loopback.")
    parser.add_argument("--behaviour", required=True, choices=sorted(BEHAVIOURS),
                        help="the hostile behaviour to serve")
    parser.add_argument("--port", type=int, default=0,
                        help="loopback port to listen on (default: a free one)")
    parser.add_argument("--port-file", type=Path,
                        help="file that receives the bound port once the server listens")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    def ready(port: int) -> None:
        if args.port_file is not None:
            args.port_file.write_text(str(port), encoding="utf-8")
        print(f"hostile server ({args.behaviour}) on http://127.0.0.1:{port}", flush=True)

    server = HostileServer(BEHAVIOURS[args.behaviour])
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(server.serve(args.port, ready))
    return 0
