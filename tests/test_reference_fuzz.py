"""Property tests: no client input makes the reference backend respond with 5xx or raise."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.reference import (
    DEFAULT_SIGNING_KEY,
    AccessTokenError,
    AccessTokens,
    ReferenceSettings,
    SystemClock,
    create_app,
)

ENDPOINTS = ["/api/auth/signup", "/api/auth/signin", "/api/auth/refreshtoken", "/api/auth/signout"]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
field_names = st.sampled_from(
    ["username", "email", "password", "roles", "refreshToken", "now", "advance"]
)
bodies = st.dictionaries(field_names, json_values, max_size=5)


class AppClient:
    def __init__(self) -> None:
        settings_ = ReferenceSettings(
            password_hash_iterations=1_000, test_endpoints=True, rotation="rotate-reuse-detection"
        )
        self.app = create_app(settings_)
        self.loop = asyncio.new_event_loop()
        # raise_app_exceptions=True (the default) turns an unhandled error into a test failure.
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://reference.test"
        )

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.http.request(method, path, **kwargs))

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()
        self.app.state.store.close()


@pytest.fixture(scope="module")
def client() -> Iterator[AppClient]:
    app_client = AppClient()
    app_client.request(
        "POST",
        "/api/auth/signup",
        json={"username": "alice", "email": "a@example.test", "password": "pw"},
    )
    yield app_client
    app_client.close()


@settings(max_examples=300, deadline=None)
@given(path=st.sampled_from(ENDPOINTS), body=bodies)
def test_json_bodies_never_5xx(client: AppClient, path: str, body: dict[str, Any]) -> None:
    response = client.request("POST", path, json=body)

    assert response.status_code < 500


@settings(max_examples=200, deadline=None)
@given(
    path=st.sampled_from([*ENDPOINTS, "/api/test/clock"]),
    content=st.binary(max_size=200),
    content_type=st.sampled_from(["application/json", "text/plain", "application/vnd.x+json", ""]),
)
def test_raw_bodies_never_5xx(
    client: AppClient, path: str, content: bytes, content_type: str
) -> None:
    method = "PUT" if path == "/api/test/clock" else "POST"

    response = client.request(method, path, content=content, headers={"content-type": content_type})

    assert response.status_code < 500


@settings(max_examples=200, deadline=None)
@given(token=st.text(st.characters(min_codepoint=0x21, max_codepoint=0xFF), max_size=300))
def test_access_header_values_never_5xx(client: AppClient, token: str) -> None:
    # Starlette decodes header bytes as Latin-1, so every value in this range reaches the app.
    value = token.encode("latin-1")

    response = client.request("GET", "/api/test/admin", headers={"x-access-token": value})

    assert response.status_code in (401, 403)


def encode_segment(value: Any) -> str:
    raw = json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@settings(max_examples=300, deadline=None)
@given(
    header=st.dictionaries(st.sampled_from(["alg", "typ", "kid", "crit", "b64"]), json_values),
    payload=json_values,
    signed=st.booleans(),
)
def test_verify_raises_only_token_errors(
    header: dict[str, Any], payload: Any, signed: bool
) -> None:
    tokens = AccessTokens(ReferenceSettings(), SystemClock())
    if signed:
        header = {**header, "alg": "HS256"}
    signing_input = f"{encode_segment(header)}.{encode_segment(payload)}"
    signature = ""
    if signed:
        digest = hmac.new(
            DEFAULT_SIGNING_KEY.encode(), signing_input.encode(), hashlib.sha256
        ).digest()
        signature = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    try:
        claims = tokens.verify(f"{signing_input}.{signature}")
    except AccessTokenError:
        return

    assert claims.user_id >= 1
