"""Tests of the client models and the compatibility flows: each documented quirk, and the
verdicts the flows give against the reference backend and its variants.

Waits that never end in the real client end here by a time limit (`within` or the flow
watchdog), so a deadlock fails fast instead of hanging the suite.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette

from conformance.client import ClientSettings, TokenPair
from conformance.client.models import Angular12Interceptor, Angular17Interceptor, HttpErrorResponse
from conformance.compat.flows import Flow, FlowEnv
from conformance.compat.runner import judge, run_flow
from conformance.compat.verdict import Stall, Step, Verdict
from conformance.compat.watchdog import Stalled, Watchdog, WatchedTransport
from conformance.profile import Profile
from conformance.profile_loader import load_profile
from conformance.realtime import TimeLimitExceeded, within
from conformance.reference import AdjustableClock, create_app
from conformance.reference_target import reference_settings_for
from conformance.target import Target, in_process_target
from tests.fake_refresh_backend import PROTECTED, REFRESH, FakeRefreshBackend
from tests.variants.refresh_401 import Refresh401Handlers

BASE_URL = "http://backend.test"
# Seconds a deadlocked model may wait before the test gives up on it.
HANG_LIMIT = 0.3
IDLE_LIMIT = 0.3

SETTINGS = ClientSettings(REFRESH, access_transport="header", access_name="x-access-token")
ModelClass = type[Angular12Interceptor] | type[Angular17Interceptor]


def _model(backend: FakeRefreshBackend, model: ModelClass,
           refresh_token: str = "refresh-0") -> Angular12Interceptor | Angular17Interceptor:
    http = httpx.AsyncClient(base_url=BASE_URL,
                             transport=httpx.MockTransport(backend.handle_async))
    return model(http, SETTINGS, TokenPair("access-0", refresh_token))


async def _requests(client: Angular12Interceptor | Angular17Interceptor,
                    count: int) -> list[httpx.Response | BaseException]:
    calls = (within(HANG_LIMIT, client.request("GET", PROTECTED)) for _ in range(count))
    return list(await asyncio.gather(*calls, return_exceptions=True))


def _kinds(outcomes: list[httpx.Response | BaseException]) -> list[object]:
    return [o.status_code if isinstance(o, httpx.Response) else type(o) for o in outcomes]


# The Angular 11/12 interceptor


def test_angular12_queue_single_refresh() -> None:
    backend = FakeRefreshBackend()
    backend.refresh_delay = 0.02
    client = _model(backend, Angular12Interceptor)

    outcomes = asyncio.run(_requests(client, 5))

    assert _kinds(outcomes) == [200] * 5
    assert backend.refresh_calls == 1


def test_angular12_keeps_signin_refresh_token() -> None:
    backend = FakeRefreshBackend(rotate=True)
    client = _model(backend, Angular12Interceptor)
    assert isinstance(client, Angular12Interceptor)

    async def two_expiries() -> list[httpx.Response | BaseException]:
        first = await _requests(client, 1)
        backend.expire()
        return first + await _requests(client, 1)

    outcomes = asyncio.run(two_expiries())

    assert _kinds(outcomes) == [200, HttpErrorResponse]
    assert [body["refreshToken"] for body in backend.refresh_bodies] == ["refresh-0", "refresh-0"]
    assert client.logged_out


def test_angular12_refresh_401_deadlocks() -> None:
    backend = FakeRefreshBackend()
    backend.refresh_status = 401
    client = _model(backend, Angular12Interceptor)

    outcomes = asyncio.run(_requests(client, 1))

    assert _kinds(outcomes) == [TimeLimitExceeded]
    assert backend.refresh_calls == 1


def test_angular12_waiters_never_wake() -> None:
    backend = FakeRefreshBackend()
    backend.refresh_status = 403
    backend.refresh_delay = 0.02
    client = _model(backend, Angular12Interceptor)

    outcomes = asyncio.run(_requests(client, 3))

    assert _kinds(outcomes) == [HttpErrorResponse, TimeLimitExceeded, TimeLimitExceeded]
    assert client.logged_out


def test_angular12_without_refresh_token_hangs() -> None:
    backend = FakeRefreshBackend()
    client = _model(backend, Angular12Interceptor, refresh_token="")

    outcomes = asyncio.run(_requests(client, 1))

    assert _kinds(outcomes) == [TimeLimitExceeded]
    assert backend.refresh_calls == 0


# The Angular 17 interceptor


def test_angular17_concurrent_retries_fail() -> None:
    backend = FakeRefreshBackend()
    backend.refresh_delay = 0.02
    client = _model(backend, Angular17Interceptor)

    outcomes = asyncio.run(_requests(client, 5))

    assert _kinds(outcomes) == [200] + [HttpErrorResponse] * 4
    assert backend.refresh_calls == 1


def test_angular17_stores_rotated_token() -> None:
    backend = FakeRefreshBackend(rotate=True)
    client = _model(backend, Angular17Interceptor)

    async def two_expiries() -> list[httpx.Response | BaseException]:
        first = await _requests(client, 1)
        backend.expire()
        return first + await _requests(client, 1)

    outcomes = asyncio.run(two_expiries())

    assert _kinds(outcomes) == [200, 200]
    assert [body["refreshToken"] for body in backend.refresh_bodies] == ["refresh-0", "refresh-1"]


def test_angular17_refresh_401_no_logout() -> None:
    backend = FakeRefreshBackend()
    backend.refresh_status = 401
    client = _model(backend, Angular17Interceptor)

    outcomes = asyncio.run(_requests(client, 1))

    assert _kinds(outcomes) == [HttpErrorResponse]
    assert backend.refresh_calls == 2
    assert not client.logged_out


def test_angular17_refresh_403_logs_out() -> None:
    backend = FakeRefreshBackend()
    backend.refresh_status = 403
    client = _model(backend, Angular17Interceptor)
    assert isinstance(client, Angular17Interceptor)

    outcomes = asyncio.run(_requests(client, 1))

    assert _kinds(outcomes) == [HttpErrorResponse]
    assert client.logout_events == 1
    assert client.logged_out


# The watchdog


def _watched(handler: httpx.MockTransport) -> WatchedTransport:
    return WatchedTransport(handler)


def test_watchdog_idle_is_deadlock() -> None:
    transport = _watched(httpx.MockTransport(lambda request: httpx.Response(200)))
    watchdog = Watchdog(transport, idle_limit=IDLE_LIMIT, time_limit=10, budget=10)

    async def wait_forever() -> None:
        await asyncio.get_running_loop().create_future()

    with pytest.raises(Stalled) as raised:
        asyncio.run(watchdog.guard(wait_forever()))

    assert raised.value.stall is Stall.IDLE


def test_watchdog_budget_is_loop() -> None:
    transport = _watched(httpx.MockTransport(lambda request: httpx.Response(401)))
    watchdog = Watchdog(transport, idle_limit=10, time_limit=10, budget=20)

    async def refresh_forever() -> None:
        async with httpx.AsyncClient(base_url=BASE_URL, transport=transport) as client:
            while True:
                await client.get(PROTECTED)
                await asyncio.sleep(0.001)

    with pytest.raises(Stalled) as raised:
        asyncio.run(watchdog.guard(refresh_forever()))

    assert raised.value.stall is Stall.BUDGET


def test_watchdog_lets_finished_work_pass() -> None:
    transport = _watched(httpx.MockTransport(lambda request: httpx.Response(200)))
    watchdog = Watchdog(transport, idle_limit=IDLE_LIMIT, time_limit=10, budget=10)

    async def one_request() -> int:
        async with httpx.AsyncClient(base_url=BASE_URL, transport=transport) as client:
            return (await client.get(PROTECTED)).status_code

    assert asyncio.run(watchdog.guard(one_request())) == 200


# Judging steps


def _response(status: int) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("GET", BASE_URL))


@pytest.mark.parametrize(("flow", "outcomes", "stall", "logged_out", "verdict"), [
    (Flow.EXPIRED_ACCESS, [200], None, False, Verdict.WORKS),
    (Flow.EXPIRED_ACCESS, [401], None, True, Verdict.LOGS_OUT_EARLY),
    (Flow.CONCURRENT_EXPIRED, [200, 401], None, False, Verdict.FAILS_REQUESTS),
    (Flow.SECOND_REFRESH, [], Stall.IDLE, False, Verdict.DEADLOCKS),
    (Flow.SECOND_REFRESH, [], Stall.BUDGET, False, Verdict.LOOPS),
    (Flow.REFRESH_REJECTED, [403], None, True, Verdict.WORKS),
    (Flow.REFRESH_REJECTED, [401], None, False, Verdict.MISSES_LOGOUT),
    (Flow.REFRESH_REJECTED, [200], None, False, Verdict.MISSES_LOGOUT),
], ids=["works", "early-logout", "fails", "deadlock", "loop", "logout", "no-logout",
        "still-works"])
def test_judge_reads_verdicts(flow: Flow, outcomes: list[int], stall: Stall | None,
                              logged_out: bool, verdict: Verdict) -> None:
    step = Step("step", [_response(status) for status in outcomes], stall)
    if stall is not None:
        step.outcomes = [Stalled(stall, "stalled")]

    assert judge(flow, [step], logged_out=logged_out)[0] is verdict


# Flows against the reference backend and its variants


@pytest.fixture
def reference_env() -> Iterator[tuple[Target, Profile, FlowEnv]]:
    yield from _env("reference")


@pytest.fixture
def rotating_env() -> Iterator[tuple[Target, Profile, FlowEnv]]:
    yield from _env("reference-rotating")


@pytest.fixture
def refresh_401_env() -> Iterator[tuple[Target, Profile, FlowEnv]]:
    yield from _env("reference", handlers=Refresh401Handlers)


def _env(profile_name: str, **app_options: object) -> Iterator[tuple[Target, Profile, FlowEnv]]:
    profile = load_profile(profile_name)
    clock = AdjustableClock()
    settings = reference_settings_for(profile, password_hash_iterations=1)
    app: Starlette = create_app(settings, clock=clock, **app_options)  # type: ignore[arg-type]
    target = in_process_target(app, "reference", "reference backend", timeout=5)
    client = target.client()
    numbers = itertools.count()

    def new_tokens() -> TokenPair:
        name = f"flow{next(numbers)}"
        client.post("/api/auth/signup",
                    json={"username": name, "email": f"{name}@x.test", "password": "pw-123456"})
        body = client.post("/api/auth/signin",
                           json={"username": name, "password": "pw-123456"}).json()
        return TokenPair(body["accessToken"], body["refreshToken"])

    env = FlowEnv(
        resource=profile.endpoints.protected[0],
        new_tokens=new_tokens,
        expire_access=lambda: clock.advance(profile.access_token.lifetime + 1),
        expire_refresh=lambda: clock.advance(profile.refresh_token.lifetime + 1),
    )
    try:
        yield target, profile, env
    finally:
        target.close()


def _verdicts(env: tuple[Target, Profile, FlowEnv], model: str) -> dict[Flow, Verdict]:
    target, profile, flow_env = env
    return {flow: run_flow(target, profile, flow_env, model, flow, idle_limit=IDLE_LIMIT).verdict
            for flow in Flow}


def test_correct_client_works_everywhere(reference_env: tuple[Target, Profile, FlowEnv],
                                         rotating_env: tuple[Target, Profile, FlowEnv],
                                         refresh_401_env: tuple[Target, Profile, FlowEnv]) -> None:
    for env in (reference_env, rotating_env, refresh_401_env):
        assert set(_verdicts(env, "correct").values()) == {Verdict.WORKS}


def test_angular12_works_with_reference(reference_env: tuple[Target, Profile, FlowEnv]) -> None:
    assert set(_verdicts(reference_env, "angular12").values()) == {Verdict.WORKS}


def test_angular12_rotation_breaks_second_refresh(
        rotating_env: tuple[Target, Profile, FlowEnv]) -> None:
    verdicts = _verdicts(rotating_env, "angular12")

    assert verdicts[Flow.SECOND_REFRESH] is Verdict.LOGS_OUT_EARLY
    assert verdicts[Flow.EXPIRED_ACCESS] is Verdict.WORKS


def test_angular12_refresh_401_deadlock(
        refresh_401_env: tuple[Target, Profile, FlowEnv]) -> None:
    target, profile, env = refresh_401_env

    result = run_flow(target, profile, env, "angular12", Flow.REFRESH_REJECTED,
                      idle_limit=IDLE_LIMIT)

    assert result.verdict is Verdict.DEADLOCKS
    assert result.refresh_statuses == [401]


def test_angular17_refresh_401_misses_logout(
        refresh_401_env: tuple[Target, Profile, FlowEnv]) -> None:
    target, profile, env = refresh_401_env

    result = run_flow(target, profile, env, "angular17", Flow.REFRESH_REJECTED,
                      idle_limit=IDLE_LIMIT)

    assert result.verdict is Verdict.MISSES_LOGOUT
    assert result.refresh_statuses == [401, 401]


def test_angular17_concurrent_fails_requests(
        reference_env: tuple[Target, Profile, FlowEnv]) -> None:
    target, profile, env = reference_env

    results = [run_flow(target, profile, env, "angular17", Flow.CONCURRENT_EXPIRED,
                        idle_limit=IDLE_LIMIT) for _ in range(3)]

    assert [r.verdict for r in results] == [Verdict.FAILS_REQUESTS] * 3
    assert [r.detail for r in results] == [results[0].detail] * 3
