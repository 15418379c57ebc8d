"""An httpx transport that calls a WSGI application in process, as a PEP 3333 server does.

httpx.WSGITransport (httpx 0.28 and 0.29) decodes request header values as ASCII, so a header
with any other byte raises UnicodeDecodeError before the application runs. A WSGI server such as
gunicorn or waitress passes those bytes on as latin-1 strings, which is what PEP 3333 ("Unicode
Issues") prescribes, and the application decides. The suite sends such headers on purpose (a
malformed token with UTF-8 bytes), so this transport builds the environ the way servers do.
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any
from urllib.parse import unquote_to_bytes

import httpx

log = logging.getLogger("conformance")

# PEP 3333 native strings carry bytes one to one as latin-1 code points.
NATIVE = "latin-1"
_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


class WSGITransport(httpx.BaseTransport):
    """Serves requests from a WSGI application; an exception in it becomes a 500 response."""

    def __init__(self, app: Any) -> None:
        self._app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        environ = build_environ(request)
        started: list[tuple[str, list[tuple[str, str]]]] = []
        # Bytes passed to the legacy write() callable, which come before the iterable's.
        written: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]],
                           exc_info: _ExcInfo | None = None) -> Any:
            started.append((status, headers))
            return written.append

        try:
            result = self._app(environ, start_response)
            chunks = iter(result)
            # An application may call start_response as late as its first chunk (PEP 3333).
            first = next(chunks, b"")
        except Exception:
            log.exception("the WSGI application raised for %s %s", request.method,
                          request.url.path)
            return httpx.Response(500, text="Internal Server Error", request=request)

        if not started:
            raise httpx.RemoteProtocolError(
                "the WSGI application returned without calling start_response",
                request=request)
        status, headers = started[-1]
        return httpx.Response(
            int(status.split(None, 1)[0]),
            headers=[(name.encode(NATIVE), value.encode(NATIVE)) for name, value in headers],
            stream=_ResultStream([*written, first], chunks, result),
            request=request,
        )


def build_environ(request: httpx.Request) -> dict[str, Any]:
    """Return the PEP 3333 environ for `request`: path, query and header values as latin-1."""
    body = request.read()
    url = request.url
    raw_path = url.raw_path.split(b"?", 1)[0]
    environ: dict[str, Any] = {
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": url.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(raw_path).decode(NATIVE),
        "QUERY_STRING": url.query.decode(NATIVE),
        "SERVER_NAME": url.host,
        "SERVER_PORT": str(url.port or {"http": 80, "https": 443}[url.scheme]),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }

    for raw_name, raw_value in request.headers.raw:
        key = raw_name.decode(NATIVE).upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        value = raw_value.decode(NATIVE)
        # Servers join repeated headers with commas (RFC 9110 §5.3).
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


class _ResultStream(httpx.SyncByteStream):
    """The application's body iterable, closed when the response is closed (PEP 3333)."""

    def __init__(self, head: list[bytes], rest: Iterator[bytes],
                 result: Iterable[bytes]) -> None:
        self._head = head
        self._rest = rest
        self._result = result

    def __iter__(self) -> Iterator[bytes]:
        yield from (chunk for chunk in self._head if chunk)
        for chunk in self._rest:
            if chunk:
                yield chunk

    def close(self) -> None:
        close = getattr(self._result, "close", None)
        if close is not None:
            close()
