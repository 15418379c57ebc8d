"""An httpx transport that calls a WSGI application in process, as a PEP 3333 server does.

httpx.WSGITransport (httpx 0.28 and 0.29) decodes request header values as ASCII, so a header
with any other byte raises UnicodeDecodeError before the application runs. A WSGI server such as
gunicorn or waitress passes those bytes on as latin-1 strings, which is what PEP 3333 ("Unicode
Issues") prescribes, and the application decides. The suite sends such headers on purpose (a
malformed token with UTF-8 bytes), so this transport builds the environ the way servers do.

Each request calls the application and reads its whole body in a daemon worker thread, so the
request timeout bounds an application that blocks. A thread that overruns the timeout is
abandoned: Python cannot stop it, and it runs on until the application returns or the process
exits. The transport sends nothing before the body is complete, so every application error
becomes a 500 response: an exception, also one raised while the body is produced, and a status
line or header that cannot be sent. Waitress 3.0 responds the same way to an exception raised
before it has written the response head. An application that never calls start_response raises
httpx.RemoteProtocolError.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import logging
import re
import sys
import threading
from types import TracebackType
from typing import Any
from urllib.parse import unquote_to_bytes

import httpx

log = logging.getLogger("conformance")

# PEP 3333 native strings carry bytes one to one as latin-1 code points.
NATIVE = "latin-1"
_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
# PEP 3333: "a status string consisting of a Status-Code and a Reason-Phrase, in that order and
# separated by a single space". A code without a reason phrase is accepted too.
_STATUS_LINE = re.compile(r"([0-9]{3})(?: |$)")


class WSGITransport(httpx.BaseTransport):
    """Serves requests from a WSGI application, each within `timeout` seconds (None: no limit).

    An application that does not finish a response in time raises httpx.ReadTimeout.
    """

    def __init__(self, app: Any, *, timeout: float | None = None) -> None:
        self._app = app
        self._timeout = timeout

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return AppCall(self._app, request, self._timeout).wait()


class WSGIAsyncTransport(httpx.AsyncBaseTransport):
    """Serves async requests from a WSGI app, each within `timeout` seconds (None: no limit).

    Each call runs in a worker thread of its own, as `WSGITransport` does.
    """

    def __init__(self, app: Any, *, timeout: float | None = None) -> None:
        self._app = app
        self._timeout = timeout

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return await AppCall(self._app, request, self._timeout).wait_async()


class AppCall:
    """One call of a WSGI application for `request`, running in a daemon worker thread.

    `future` receives the complete response, or the httpx.RemoteProtocolError of an
    application that never called start_response. The wait methods raise httpx.ReadTimeout
    when it takes longer than `timeout` seconds.
    """

    def __init__(self, app: Any, request: httpx.Request, timeout: float | None) -> None:
        self.request = request
        self.timeout = timeout
        self.future: concurrent.futures.Future[httpx.Response] = concurrent.futures.Future()
        environ = build_environ(request)
        self._thread = threading.Thread(target=self._run, args=(app, environ),
                                        name="wsgi-app", daemon=True)
        self._thread.start()

    def _run(self, app: Any, environ: dict[str, Any]) -> None:
        if not self.future.set_running_or_notify_cancel():
            return
        try:
            self.future.set_result(call_app(app, environ, self.request))
        except BaseException as error:  # the waiting thread re-raises it
            self.future.set_exception(error)

    def wait(self) -> httpx.Response:
        """Block until the response is complete, and return it."""
        done, _ = concurrent.futures.wait([self.future], self.timeout)
        if not done:
            raise self._abandon()
        return self.future.result()

    async def wait_async(self) -> httpx.Response:
        """Await the complete response, and return it."""
        waiter = asyncio.wrap_future(self.future)
        try:
            done, _ = await asyncio.wait({waiter}, timeout=self.timeout)
        finally:
            # Cancel the waiter also when the awaiting task is cancelled, because a cancelled
            # waiter ignores the result that the worker thread sets later, even after the event
            # loop has closed.
            if not waiter.done():
                waiter.cancel()
        if not done:
            raise self._abandon()
        return waiter.result()

    def _abandon(self) -> httpx.ReadTimeout:
        """Log that the worker thread is left running, and return the error to raise."""
        method, path = self.request.method, self.request.url.path
        log.warning("the WSGI application did not finish %s %s within %s s; its worker "
                    "thread %s keeps running until the application returns",
                    method, path, self.timeout, self._thread.ident)
        return httpx.ReadTimeout(
            f"the WSGI application did not respond to {method} {path} within "
            f"{self.timeout} s", request=self.request)


def call_app(app: Any, environ: dict[str, Any], request: httpx.Request) -> httpx.Response:
    """Call `app` and read its whole body; an error of the application becomes a 500 response.

    Raises httpx.RemoteProtocolError when the application never calls start_response.
    """
    started: list[tuple[object, object]] = []
    # The body: the bytes passed to the legacy write() callable, then the iterable's chunks,
    # in the order PEP 3333 sends them.
    chunks: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]],
                       exc_info: _ExcInfo | None = None) -> Any:
        # Nothing is sent before the body is complete, so a call with exc_info replaces the
        # status and headers, as PEP 3333 allows before the headers are sent.
        started.append((status, headers))
        return chunks.append

    method, path = request.method, request.url.path
    try:
        result = app(environ, start_response)
        try:
            # An application may call start_response as late as its first chunk (PEP 3333).
            chunks.extend(result)
            content = b"".join(chunks)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
    except Exception:
        log.exception("the WSGI application raised for %s %s; responding with 500",
                      method, path)
        return _internal_server_error(request)

    if not started:
        raise httpx.RemoteProtocolError(
            f"the WSGI application returned from {method} {path} without calling "
            "start_response; PEP 3333 requires an application to call it before it returns "
            "its first body chunk", request=request)
    status, headers = started[-1]
    try:
        code = parse_status_code(status)
        raw_headers = encode_headers(headers)
    except (TypeError, ValueError) as error:
        log.error("the WSGI application's response to %s %s cannot be sent: %s; responding "
                  "with 500", method, path, error)
        return _internal_server_error(request)
    return httpx.Response(code, headers=raw_headers, stream=httpx.ByteStream(content),
                          request=request)


def parse_status_code(status: object) -> int:
    """Return the code of a PEP 3333 status line such as '200 OK'.

    Raises TypeError for a status that is not a str, ValueError for one without a code.
    """
    if not isinstance(status, str):
        raise TypeError(f"the status line is a {type(status).__name__}, not a str")
    match = _STATUS_LINE.match(status)
    if match is None:
        raise ValueError(f"invalid status line {status!r}: it must start with a three-digit "
                         "code, such as '200 OK'")
    return int(match.group(1))


def encode_headers(headers: object) -> list[tuple[bytes, bytes]]:
    """Return response headers, a PEP 3333 list of (name, value) str pairs, as latin-1 bytes.

    Raises TypeError for headers of another shape, ValueError for a name or value with a
    character outside latin-1 ("Unicode Issues" in PEP 3333). The messages name a header but
    never show its value, which can be a token.
    """
    if not isinstance(headers, list):
        raise TypeError(f"the headers are a {type(headers).__name__}, not a list")
    encoded = []
    for header in headers:
        if not (isinstance(header, tuple) and len(header) == 2
                and all(isinstance(part, str) for part in header)):
            raise TypeError("a header is not a (name, value) tuple of two str: "
                            f"{_shape(header)}")
        name, value = header
        try:
            encoded.append((name.encode(NATIVE), value.encode(NATIVE)))
        except UnicodeEncodeError as error:
            character = error.object[error.start:error.start + 1]
            raise ValueError(f"the header {name!r} contains {character!r}, which latin-1 "
                             "cannot encode") from None
    return encoded


def _shape(value: object) -> str:
    """Return the type of `value`, and of its items when it is a tuple, without its content."""
    if isinstance(value, tuple):
        return "tuple of " + ", ".join(type(item).__name__ for item in value)
    return type(value).__name__


def _internal_server_error(request: httpx.Request) -> httpx.Response:
    return httpx.Response(500, text="Internal Server Error", request=request)


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
