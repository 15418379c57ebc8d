"""Unit tests of the refreshing client against a fake backend and the reference backend.

The fake backend (tests/fake_refresh_backend.py) counts its calls, so each test can assert how
many refreshes and retries the client sent. Concurrency tests start their requests together
and slow the refresh down, so that requests really wait for the refresh in flight.
"""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from conformance.app_transport import ASGIThreadTransport
from conformance.client import (
    ClientSettings,
    LoggedOutError,
    LogoutEvent,
    LogoutReason,
    RefreshError,
    RefreshingAuth,
    RefreshWaitTimeout,
    TokenPair,
)
from conformance.client.wire import apply_access_token, build_refresh_request, read_access_token
from conformance.profile_loader import load_profile
from conformance.reference import AdjustableClock, ReferenceSettings, create_app
from tests.fake_refresh_backend import PROTECTED, REFRESH, FakeRefreshBackend

BASE_URL = "http://backend.test"
STORM = 50


def _settings(**overrides: object) -> ClientSettings:
    values: dict[str, object] = {"refresh_url": REFRESH, "access_transport": "header",
                                 "access_name": "x-access-token"}
    values.update(overrides)
    return ClientSettings(**values)  # type: ignore[arg-type]


def _auth(events: list[LogoutEvent] | None = None, **overrides: object) -> RefreshingAuth:
    return RefreshingAuth(_settings(**overrides), TokenPair("access-0", "refresh-0"),
                          on_logout=None if events is None else events.append)


def _async_client(backend: FakeRefreshBackend, auth: RefreshingAuth) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=BASE_URL, transport=httpx.MockTransport(backend.handle_async),
                             auth=auth)


def _sync_client(backend: FakeRefreshBackend, auth: RefreshingAuth) -> httpx.Client:
    return httpx.Client(base_url=BASE_URL, transport=httpx.MockTransport(backend.handle),
                        auth=auth)


async def _storm(backend: FakeRefreshBackend, auth: RefreshingAuth,
                 count: int = STORM) -> list[httpx.Response | BaseException]:
    async with _async_client(backend, auth) as client:
        return list(await asyncio.gather(*(client.get(PROTECTED) for _ in range(count)),
                                         return_exceptions=True))


def _statuses(outcomes: list[httpx.Response | BaseException]) -> list[object]:
    return [o.status_code if isinstance(o, httpx.Response) else type(o) for o in outcomes]


# Single flight


def test_async_storm_single_refresh() -> None:
    backend = FakeRefreshBackend()
    backend.refresh_delay = 0.05
    auth = _auth()

    outcomes = asyncio.run(_storm(backend, auth))

    assert _statuses(outcomes) == [200] * STORM
    assert backend.refresh_calls == 1
    assert backend.protected_calls == 2 * STORM
    assert auth.refresh_count == 1


def test_sync_threads_single_refresh() -> None:
    backend = FakeRefreshBackend()
    backend.refresh_gate = threading.Event()
    auth = _auth()
    threads = 20
    start = threading.Barrier(threads)
    statuses: list[int] = []

    def worker(client: httpx.Client) -> None:
        start.wait()
        statuses.append(client.get(PROTECTED).status_code)

    with _sync_client(backend, auth) as client:
        workers = [threading.Thread(target=worker, args=(client,)) for _ in range(threads)]
        for thread in workers:
            thread.start()
        # Every worker has had its 401 before the refresh may response.
        while backend.protected_calls < threads:
            threading.Event().wait(0.005)
        backend.refresh_gate.set()
        for thread in workers:
            thread.join(10)

    assert statuses == [200] * threads
    assert backend.refresh_calls == 1


def test_request_after_refresh_needs_none() -> None:
    backend = FakeRefreshBackend()
    auth = _auth()

    with _sync_client(backend, auth) as client:
        client.get(PROTECTED)
        second = client.get(PROTECTED)

    assert second.status_code == 200
    assert backend.refresh_calls == 1
    assert backend.protected_calls == 3


# Failed refreshes


def test_rejected_refresh_releases_waiters() -> None:
    backend = FakeRefreshBackend()
    backend.refresh_status = 403
    backend.refresh_delay = 0.05
    events: list[LogoutEvent] = []
    auth = _auth(events)

    outcomes = asyncio.run(_storm(backend, auth))

    assert _statuses(outcomes) == [LoggedOutError] * STORM
    assert backend.refresh_calls == 1
    assert len(events) == 1
    assert events[0].reason is LogoutReason.REFRESH_REJECTED
    assert events[0].status == 403
    assert auth.tokens is None
    assert auth.logged_out.is_set()


def test_refresh_answering_401_no_loop() -> None:
    backend = FakeRefreshBackend()
    backend.refresh_status = 401
    auth = _auth()

    with _sync_client(backend, auth) as client, pytest.raises(LoggedOutError):
        client.get(PROTECTED)

    assert backend.refresh_calls == 1
    assert backend.protected_calls == 1


def test_server_error_keeps_tokens() -> None:
    backend = FakeRefreshBackend()
    backend.refresh_status = 503
    backend.refresh_delay = 0.05
    auth = _auth()

    outcomes = asyncio.run(_storm(backend, auth, 10))

    assert _statuses(outcomes) == [RefreshError] * 10
    assert backend.refresh_calls == 1
    assert auth.tokens == TokenPair("access-0", "refresh-0")
    assert not auth.logged_out.is_set()


def test_refresh_after_server_error_recovers() -> None:
    backend = FakeRefreshBackend()
    backend.refresh_status = 503
    auth = _auth()

    with _sync_client(backend, auth) as client:
        with pytest.raises(RefreshError):
            client.get(PROTECTED)
        backend.refresh_status = None
        response = client.get(PROTECTED)

    assert response.status_code == 200
    assert backend.refresh_calls == 2


def test_transport_error_releases_waiters() -> None:
    backend = FakeRefreshBackend()
    backend.refresh_delay = 0.05
    backend.refresh_error = httpx.ConnectError("refused")
    auth = _auth()

    outcomes = asyncio.run(_storm(backend, auth, 10))

    assert outcomes.count(outcomes[0]) == 1
    assert isinstance(outcomes[0], httpx.ConnectError)
    assert _statuses(outcomes[1:]) == [RefreshError] * 9
    assert backend.refresh_calls == 1


def test_wait_timeout_raises() -> None:
    backend = FakeRefreshBackend()
    backend.refresh_gate = threading.Event()
    auth = _auth(wait_timeout=0.1)
    errors: list[BaseException] = []

    def refresher(client: httpx.Client) -> None:
        client.get(PROTECTED)

    with _sync_client(backend, auth) as client:
        first = threading.Thread(target=refresher, args=(client,))
        first.start()
        assert backend.refresh_started.wait(5)
        try:
            client.get(PROTECTED)
        except RefreshWaitTimeout as error:
            errors.append(error)
        backend.refresh_gate.set()
        first.join(10)

    assert len(errors) == 1


# Bounded retries and the logged-out state


def test_retry_rejected_again_returned() -> None:
    backend = FakeRefreshBackend()
    backend.protected_always_401 = True
    auth = _auth()

    with _sync_client(backend, auth) as client:
        response = client.get(PROTECTED)

    assert response.status_code == 401
    assert backend.refresh_calls == 1
    assert backend.protected_calls == 2


def test_logged_out_client_sends_nothing() -> None:
    backend = FakeRefreshBackend()
    events: list[LogoutEvent] = []
    auth = _auth(events)
    auth.logout()

    with _sync_client(backend, auth) as client, pytest.raises(LoggedOutError):
        client.get(PROTECTED)

    assert backend.protected_calls == 0
    assert [event.reason for event in events] == [LogoutReason.LOCAL]


def test_set_tokens_ends_logout() -> None:
    backend = FakeRefreshBackend()
    auth = _auth()
    auth.logout()
    auth.set_tokens(TokenPair("access-0", "refresh-0"))

    with _sync_client(backend, auth) as client:
        response = client.get(PROTECTED)

    assert response.status_code == 200
    assert not auth.logged_out.is_set()


def test_missing_refresh_token_logs_out() -> None:
    backend = FakeRefreshBackend()
    events: list[LogoutEvent] = []
    auth = RefreshingAuth(_settings(), TokenPair("access-0", None), on_logout=events.append)

    with _sync_client(backend, auth) as client, pytest.raises(LoggedOutError):
        client.get(PROTECTED)

    assert backend.refresh_calls == 0
    assert [event.reason for event in events] == [LogoutReason.NO_REFRESH_TOKEN]


def test_no_tokens_raises_before_sending() -> None:
    backend = FakeRefreshBackend()
    auth = RefreshingAuth(_settings())

    with _sync_client(backend, auth) as client, pytest.raises(LoggedOutError):
        client.get(PROTECTED)

    assert backend.protected_calls == 0


# Rotation


def test_rotated_refresh_token_kept() -> None:
    backend = FakeRefreshBackend(rotate=True)
    refreshed: list[TokenPair] = []
    auth = _auth()
    auth.add_refresh_listener(refreshed.append)

    with _sync_client(backend, auth) as client:
        first = client.get(PROTECTED)
        backend.expire()
        second = client.get(PROTECTED)

    assert first.status_code == 200
    assert second.status_code == 200
    assert [body["refreshToken"] for body in backend.refresh_bodies] == ["refresh-0", "refresh-1"]
    assert [pair.refresh_token for pair in refreshed] == ["refresh-1", "refresh-2"]


def test_refresh_without_new_token_keeps_old() -> None:
    settings = _settings(refresh_pointer="/missing")
    backend = FakeRefreshBackend()
    auth = RefreshingAuth(settings, TokenPair("access-0", "refresh-0"))

    with _sync_client(backend, auth) as client:
        client.get(PROTECTED)

    assert auth.tokens == TokenPair("access-1", "refresh-0")


def test_refresh_without_access_token_fails() -> None:
    backend = FakeRefreshBackend()
    auth = RefreshingAuth(_settings(access_pointer="/missing"), TokenPair("access-0", "refresh-0"))

    with _sync_client(backend, auth) as client, pytest.raises(RefreshError) as raised:
        client.get(PROTECTED)

    assert "no access token at /missing" in str(raised.value)


# Token transports


@pytest.mark.parametrize(("transport", "name", "header", "value"), [
    ("header", "x-access-token", "x-access-token", "tok"),
    ("bearer", "Authorization", "authorization", "Bearer tok"),
    ("cookie", "session", "cookie", "theme=dark; session=tok"),
], ids=["header", "bearer", "cookie"])
def test_access_token_transports(transport: str, name: str, header: str, value: str) -> None:
    settings = _settings(access_transport=transport, access_name=name)
    request = httpx.Request("GET", BASE_URL, headers={"Cookie": "theme=dark; session=old"})

    apply_access_token(request, settings, "tok")

    assert request.headers[header] == value
    assert read_access_token(request.headers, settings) == "tok"


@pytest.mark.parametrize(("transport", "header", "value", "body"), [
    ("body", None, None, b'{"refreshToken": "rt"}'),
    ("bearer", "authorization", "Bearer rt", b"{}"),
    ("cookie", "cookie", "refreshToken=rt", b"{}"),
], ids=["body", "bearer", "cookie"])
def test_refresh_request_transports(transport: str, header: str | None, value: str | None,
                                    body: bytes) -> None:
    settings = _settings(refresh_transport=transport)

    request = build_refresh_request(settings, httpx.URL(f"{BASE_URL}/api/x"), "rt")

    assert str(request.url) == f"{BASE_URL}{REFRESH}"
    assert request.content == body
    if header is not None:
        assert request.headers[header] == value


# Construction


def test_from_profile_maps_fields() -> None:
    profile = load_profile("bezkoder-spring")

    auth = RefreshingAuth.from_profile(profile, TokenPair("a", "r"), wait_timeout=5)

    assert auth.settings.refresh_url == profile.endpoints.refresh
    assert auth.settings.access_transport == "bearer"
    assert auth.settings.expired_statuses == profile.statuses.expired_token
    assert auth.settings.wait_timeout == 5


@pytest.mark.parametrize(("field", "value", "words"), [
    ("refresh_url", "", "refresh_url is invalid"),
    ("access_transport", "query", "access_transport is invalid"),
    ("access_name", "x token", "access_name is invalid"),
    ("access_pointer", "accessToken", "starts with '/'"),
    ("expired_statuses", frozenset({99}), "expired_statuses is invalid"),
    ("wait_timeout", 0, "wait_timeout is invalid"),
], ids=["url", "transport", "name", "pointer", "statuses", "timeout"])
def test_settings_reject_invalid_values(field: str, value: object, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        _settings(**{field: value})


def test_token_pair_repr_masks() -> None:
    text = repr(TokenPair("a" * 40, "r" * 40))

    assert "a" * 40 not in text
    assert "r" * 40 not in text


# Against the reference backend


def test_reference_storm_single_refresh() -> None:
    clock = AdjustableClock()
    app = create_app(ReferenceSettings(password_hash_iterations=1), clock=clock)
    transport = ASGIThreadTransport(app)
    try:
        # Closing this client would close the shared transport, so the finally block does it.
        client = httpx.Client(base_url=BASE_URL, transport=transport)
        client.post("/api/auth/signup",
                    json={"username": "storm", "email": "s@x.test", "password": "pw-123456"})
        signin = client.post("/api/auth/signin",
                             json={"username": "storm", "password": "pw-123456"}).json()
        auth = RefreshingAuth.from_profile(load_profile("reference"),
                                           TokenPair(signin["accessToken"], signin["refreshToken"]))
        clock.advance(901)

        async def storm() -> list[int]:
            async with httpx.AsyncClient(base_url=BASE_URL, transport=transport,
                                         auth=auth) as storm_client:
                responses = await asyncio.gather(*(storm_client.get("/api/test/user")
                                                   for _ in range(STORM)))
            return [response.status_code for response in responses]

        statuses = asyncio.run(storm())
    finally:
        transport.close()

    assert statuses == [200] * STORM
    assert app.state.metrics.get("refresh_total") == 1
