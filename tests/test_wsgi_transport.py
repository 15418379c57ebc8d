"""The in-process WSGI transport builds the environ as a PEP 3333 server does."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from conformance.wsgi_transport import WSGITransport

StartResponse = Callable[..., Any]


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

    with pytest.raises(httpx.RemoteProtocolError):
        WSGITransport(silent).handle_request(httpx.Request("GET", "http://backend.test/"))


def test_flask_peer_rejects_non_ascii_token() -> None:
    flask_peer = pytest.importorskip("tests.peers.flask_jwt.flask_peer")
    transport = WSGITransport(flask_peer.create_app())

    with httpx.Client(transport=transport, base_url="http://backend.test") as client:
        response = client.get("/protected", headers={"Authorization": "Bearer é.é.é".encode()})

    assert response.status_code == 422
