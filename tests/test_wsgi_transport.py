"""The in-process WSGI transport builds the environ, bounds each call and turns an
application's errors into 500 responses, as a PEP 3333 server does.

Timing margins are wide so that a loaded, shared machine does not make the tests flake: the
timeout is 1 s, a call must end within 5 s, and a blocking application would block for 20 s.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from conformance.target import in_process_target
from conformance.wsgi_transport import WSGIAsyncTransport, WSGITransport

StartResponse = Callable[..., Any]
TIMEOUT = 1.0
CALL_LIMIT = 5.0
BLOCK_SECONDS = 20.0


def _echo_environ(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    shown = {key: value for key, value in environ.items() if isinstance(value, str)}
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(shown).encode()]


def _environ_of(request: httpx.Request) -> dict[str, str]:
    response = WSGITransport(_echo_environ).handle_request(request)
    response.read()
    echoed: dict[str, str] = response.json()
    return echoed


def test_non_ascii_header_reaches_app_as_latin1() -> None:
    token = "eyJ.é.x".encode()
    request = httpx.Request("GET", "http://backend.test/api", headers={"x-access-token": token})

    environ = _environ_of(request)

    assert environ["HTTP_X_ACCESS_TOKEN"].encode("latin-1") == token


def test_repeated_headers_joined() -> None:
    request = httpx.Request("GET", "http://backend.test/",
                            headers=[("x-tag", "one"), ("x-tag", "two")])

    assert _environ_of(request)["HTTP_X_TAG"] == "one,two"


def test_content_headers_without_prefix() -> None:
    request = httpx.Request("POST", "http://backend.test/", json={"a": 1})

    environ = _environ_of(request)

    assert environ["CONTENT_TYPE"] == "application/json"
    assert environ["CONTENT_LENGTH"] == "7"


def test_path_decoded_to_latin1_bytes() -> None:
    request = httpx.Request("GET", "http://backend.test/caf%C3%A9?q=%C3%A9")

    environ = _environ_of(request)

    assert environ["PATH_INFO"].encode("latin-1") == "/café".encode()
    assert environ["QUERY_STRING"] == "q=%C3%A9"


def test_app_exception_becomes_500(caplog: pytest.LogCaptureFixture) -> None:
    def broken(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        raise RuntimeError("boom")

    response = WSGITransport(broken).handle_request(httpx.Request("GET", "http://backend.test/"))

    assert response.status_code == 500
    assert "boom" in caplog.text


def test_late_start_response_and_write() -> None:
    def generator_app(environ: dict[str, Any], start_response: StartResponse) -> Iterator[bytes]:
        write = start_response("201 Created", [("X-Late", "yes")])
        write(b"written ")
        yield b""
        yield b"iterated"

    response = WSGITransport(generator_app).handle_request(
        httpx.Request("GET", "http://backend.test/"))
    response.read()

    assert response.status_code == 201
    assert response.headers["x-late"] == "yes"
    assert response.content == b"written iterated"


def test_result_closed_with_response() -> None:
    closed: list[bool] = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            yield b"body"

        def close(self) -> None:
            closed.append(True)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Body:
        start_response("200 OK", [])
        return Body()

    with httpx.Client(transport=WSGITransport(app), base_url="http://backend.test") as client:
        response = client.get("/")

    assert response.content == b"body"
    assert closed == [True]


def test_missing_start_response_is_protocol_error() -> None:
    def silent(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        return []

    with pytest.raises(httpx.RemoteProtocolError) as raised:
        WSGITransport(silent).handle_request(httpx.Request("GET", "http://backend.test/x"))

    assert "the WSGI application returned from GET /x without calling start_response" in \
        str(raised.value)


# Application errors become 500 responses


def _served(app: Callable[[dict[str, Any], StartResponse], Any]) -> httpx.Response:
    with httpx.Client(transport=WSGITransport(app, timeout=TIMEOUT),
                      base_url="http://backend.test") as client:
        return client.get("/broken")


def test_body_exception_becomes_500(caplog: pytest.LogCaptureFixture) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"first chunk"
        raise RuntimeError("the body generator failed")

    response = _served(app)

    assert response.status_code == 500
    assert "the body generator failed" in caplog.text
    assert "GET /broken" in caplog.text


def test_body_closed_after_exception() -> None:
    closed: list[bool] = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            raise RuntimeError("the body failed")

        def close(self) -> None:
            closed.append(True)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Body:
        start_response("200 OK", [])
        return Body()

    assert _served(app).status_code == 500
    assert closed == [True]


def test_str_body_chunk_becomes_500(caplog: pytest.LogCaptureFixture) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> list[Any]:
        start_response("200 OK", [])
        return ["text, not bytes"]

    response = _served(app)

    assert response.status_code == 500
    assert "TypeError" in caplog.text


def test_non_latin1_header_becomes_500(caplog: pytest.LogCaptureFixture) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        start_response("200 OK", [("X-Note", "secret-value \u2019 here")])
        return [b"body"]

    response = _served(app)

    assert response.status_code == 500
    assert "the header 'X-Note' contains '\u2019', which latin-1 cannot encode" in caplog.text
    assert "secret-value" not in caplog.text


@pytest.mark.parametrize("status", ["OK", "2OO OK", "", "20 OK", "2000 OK"])
def test_status_without_code_becomes_500(caplog: pytest.LogCaptureFixture,
                                         status: str) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        start_response(status, [])
        return [b"body"]

    response = _served(app)

    assert response.status_code == 500
    assert f"invalid status line {status!r}" in caplog.text


@pytest.mark.parametrize("headers", [
    ("X-Tuple", "not a list"),
    [("X-Bytes", b"value")],
    [("X-Three", "a", "b")],
])
def test_malformed_headers_become_500(caplog: pytest.LogCaptureFixture, headers: Any) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        start_response("200 OK", headers)
        return [b"body"]

    response = _served(app)

    assert response.status_code == 500
    assert "cannot be sent" in caplog.text


def test_status_without_reason_accepted() -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        start_response("204", [])
        return []

    assert _served(app).status_code == 204


def test_no_content_length_added() -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"body"]

    response = _served(app)

    assert response.content == b"body"
    assert "content-length" not in response.headers


# A blocking application ends at the timeout


@pytest.fixture
def blocking_app() -> Iterator[Callable[[dict[str, Any], StartResponse], list[bytes]]]:
    """Provide an application that blocks for BLOCK_SECONDS, released when the test ends."""
    release = threading.Event()

    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        release.wait(BLOCK_SECONDS)
        start_response("200 OK", [])
        return [b"late"]

    yield app
    release.set()


def _abandoned(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records
            if record.levelno == logging.WARNING and "keeps running" in record.getMessage()]


def test_blocking_app_times_out(caplog: pytest.LogCaptureFixture,
                                blocking_app: Callable[..., list[bytes]]) -> None:
    transport = WSGITransport(blocking_app, timeout=TIMEOUT)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout) as raised:
        transport.handle_request(httpx.Request("GET", "http://backend.test/slow"))
    elapsed = time.monotonic() - started

    assert elapsed < CALL_LIMIT, f"the call took {elapsed:.1f} s"
    assert "did not respond to GET /slow within 1.0 s" in str(raised.value)
    assert len(_abandoned(caplog)) == 1


def test_blocking_app_times_out_async(caplog: pytest.LogCaptureFixture,
                                      blocking_app: Callable[..., list[bytes]]) -> None:
    transport = WSGIAsyncTransport(blocking_app, timeout=TIMEOUT)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout) as raised:
        asyncio.run(transport.handle_async_request(
            httpx.Request("GET", "http://backend.test/slow")))
    elapsed = time.monotonic() - started

    assert elapsed < CALL_LIMIT, f"the call took {elapsed:.1f} s"
    assert "did not respond to GET /slow within 1.0 s" in str(raised.value)
    assert len(_abandoned(caplog)) == 1


def test_async_transport_serves_app() -> None:
    transport = WSGIAsyncTransport(_echo_environ, timeout=TIMEOUT)
    request = httpx.Request("POST", "http://backend.test/echo", json={"a": 1})

    response = asyncio.run(transport.handle_async_request(request))
    asyncio.run(response.aread())

    assert response.status_code == 200
    assert response.json()["PATH_INFO"] == "/echo"


def test_in_process_target_timeout_reaches_app(
        blocking_app: Callable[..., list[bytes]]) -> None:
    target = in_process_target(blocking_app, "app", "blocking app", timeout=TIMEOUT)

    async def get_async() -> None:
        async with target.async_client() as client:
            await client.get("/slow")

    try:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            target.client().get("/slow")
        with pytest.raises(httpx.ReadTimeout):
            asyncio.run(get_async())
        elapsed = time.monotonic() - started
    finally:
        target.close()

    assert elapsed < 2 * CALL_LIMIT, f"the two calls took {elapsed:.1f} s"


def test_flask_peer_rejects_non_ascii_token() -> None:
    flask_peer = pytest.importorskip("tests.peers.flask_jwt.flask_peer")
    transport = WSGITransport(flask_peer.create_app())

    with httpx.Client(transport=transport, base_url="http://backend.test") as client:
        response = client.get("/protected", headers={"Authorization": "Bearer é.é.é".encode()})

    assert response.status_code == 422
