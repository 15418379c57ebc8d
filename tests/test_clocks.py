"""Unit tests of the clocks: choosing one, and how each moves the backend's time."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from _pytest.outcomes import Skipped

from conformance.clocks import (
    FaketimeClock,
    ForgeClock,
    FrozenClock,
    HookClock,
    WaitClock,
    best_clock,
    choose_clock,
    find_libfaketime,
    format_epoch,
)
from conformance.outcome import HarnessError
from conformance.profile import ClockControl, Profile
from conformance.profile_loader import load_profile
from conformance.reference import create_app
from conformance.reference_target import reference_settings_for
from conformance.target import Target, TargetError, in_process_target
from conformance.tokens import decode_unverified, replace_claims

PASSWORD = "Pw-clock-tests-123"


@pytest.fixture
def reference() -> Profile:
    return load_profile("reference")


@pytest.fixture
def keyless(reference: Profile) -> Profile:
    return replace(reference, access_token=replace(reference.access_token, signing_key=None))


@pytest.fixture
def with_hook(reference: Profile) -> Profile:
    return replace(reference, clock=ClockControl(hook="/api/test/clock"))


@pytest.fixture
def backend(with_hook: Profile) -> Iterator[Target]:
    """The reference backend in process, with its test clock endpoint on."""
    settings = reference_settings_for(with_hook)
    target = in_process_target(create_app(settings), "reference", "reference", timeout=10)
    yield target
    target.close()


def _access_token(target: Target, username: str) -> str:
    client = target.client()
    client.post("/api/auth/signup", json={"username": username, "email": f"{username}@x.test",
                                          "password": PASSWORD})
    response = client.post("/api/auth/signin", json={"username": username, "password": PASSWORD})
    token: str = response.json()["accessToken"]
    return token


def _status_with(target: Target, token: str) -> int:
    return target.client().get("/api/test/user", headers={"x-access-token": token}).status_code


def _expires_at(token: str) -> int:
    exp: int = decode_unverified(token)[1]["exp"]
    return exp


# Choosing a clock


@pytest.mark.parametrize(("kind", "expected"), [
    ("reference", "frozen"), ("app", "frozen"), ("managed", "faketime"), ("url", "forge"),
])
def test_best_clock_by_target_kind(reference: Profile, kind: str, expected: str) -> None:
    assert best_clock(kind, reference) == expected  # type: ignore[arg-type]


def test_best_clock_prefers_hook(with_hook: Profile) -> None:
    assert best_clock("url", with_hook) == "hook"


def test_best_clock_without_key_waits(keyless: Profile) -> None:
    assert best_clock("url", keyless) == "wait"


@pytest.mark.parametrize(("name", "kind", "fix"), [
    ("frozen", "url", "--app"),
    ("faketime", "reference", "--target-cmd"),
    ("hook", "url", "[clock] hook"),
])
def test_choose_clock_rejects_unavailable(reference: Profile, name: str, kind: str,
                                          fix: str) -> None:
    with pytest.raises(TargetError) as raised:
        choose_clock(name, kind, reference)  # type: ignore[arg-type]

    assert f"--clock {name}" in str(raised.value)
    assert fix in str(raised.value)


def test_choose_clock_forge_needs_key(keyless: Profile) -> None:
    with pytest.raises(TargetError, match="signing_key"):
        choose_clock("forge", "url", keyless)


def test_choose_clock_suggests_close_name(reference: Profile) -> None:
    with pytest.raises(TargetError, match="did you mean 'frozen'"):
        choose_clock("frozn", "app", reference)


def test_choose_clock_accepts_wait_anywhere(keyless: Profile) -> None:
    assert choose_clock("wait", "managed", keyless) == "wait"


def test_format_epoch_whole_and_fraction() -> None:
    assert format_epoch(1893456000) == "2030-01-01T00:00:00Z"
    assert format_epoch(1893456000.5) == "2030-01-01T00:00:00.500000Z"


# Frozen


def test_frozen_clock_exact_expiry_second(backend: Target) -> None:
    token = _access_token(backend, "frozen1")
    exp = _expires_at(token)
    clock = FrozenClock()
    clock.start()
    try:
        clock.move_to(exp - 1)
        before = _status_with(backend, token)
        clock.advance(1)
        at = _status_with(backend, token)
        suite_now = time.time()
    finally:
        clock.stop()

    assert before == 200
    assert at == 401
    assert suite_now == exp


def test_frozen_clock_stop_restores_real_time() -> None:
    clock = FrozenClock()
    clock.start()
    clock.move_to(1893456000)
    clock.stop()

    assert abs(time.time() - clock.now()) < 1
    assert time.time() > 1_700_000_000
    assert not clock.moved


def test_frozen_clock_moves_backwards() -> None:
    clock = FrozenClock()
    clock.start()
    try:
        clock.move_to(1893456000)
        clock.advance(-3600)
        now = time.time()
    finally:
        clock.stop()

    assert now == 1893456000 - 3600


# Forge


def test_forge_clock_unchanged_before_move(reference: Profile, backend: Target) -> None:
    assert reference.access_token.signing_key is not None
    token = _access_token(backend, "forge1")
    clock = ForgeClock(reference.access_token.signing_key)
    clock.start()

    assert clock.present_access_token(token) == token


def test_forge_clock_shifts_times(reference: Profile, backend: Target) -> None:
    assert reference.access_token.signing_key is not None
    token = _access_token(backend, "forge2")
    exp = _expires_at(token)
    clock = ForgeClock(reference.access_token.signing_key)
    clock.start()

    clock.move_to(exp - 1)
    accepted = _status_with(backend, clock.present_access_token(token))
    clock.move_to(exp)
    shifted = clock.present_access_token(token)
    rejected = _status_with(backend, shifted)
    claims = decode_unverified(shifted)[1]

    assert accepted == 200
    assert rejected == 401
    assert claims["exp"] - claims["iat"] == 900
    assert claims["exp"] == math.floor(time.time())


def test_forge_clock_rejects_later_token(reference: Profile, backend: Target) -> None:
    assert reference.access_token.signing_key is not None
    key = reference.access_token.signing_key
    clock = ForgeClock(key)
    clock.start()
    clock.move_to(time.time() - 3600)
    later = replace_claims(_access_token(backend, "forge3"), {"iat": time.time() + 10}, key)

    with pytest.raises(HarnessError, match="issued before the check moved"):
        clock.present_access_token(later)


def test_forge_clock_skips_server_state(reference: Profile) -> None:
    assert reference.access_token.signing_key is not None
    clock = ForgeClock(reference.access_token.signing_key)

    with pytest.raises(Skipped, match="backend's own clock"):
        clock.require(60, server_state=True)


def test_forge_clock_allows_token_times(reference: Profile) -> None:
    assert reference.access_token.signing_key is not None
    clock = ForgeClock(reference.access_token.signing_key)

    clock.require(10**9, server_state=False, backwards=True)


# Wait


def test_wait_clock_skips_long_span() -> None:
    clock = WaitClock(max_wait=2)

    with pytest.raises(Skipped, match="--max-wait 2 s"):
        clock.require(900)


def test_wait_clock_skips_backwards() -> None:
    clock = WaitClock(max_wait=2)

    with pytest.raises(Skipped, match="moves the clock back"):
        clock.require(0, backwards=True)


def test_wait_clock_sleeps_to_second() -> None:
    clock = WaitClock(max_wait=2)
    clock.start()
    target = math.floor(time.time()) + 1

    clock.move_to(target)

    assert time.time() >= target
    assert 0 < clock.waited_in_check <= 1.1
    assert clock.describe()["waited_s"] == round(clock.waited_total, 1)


def test_wait_clock_budget_per_check() -> None:
    clock = WaitClock(max_wait=0.5)
    clock.start()

    with pytest.raises(Skipped, match="more than --max-wait"):
        clock.move_to(time.time() + 5)
    assert clock.waited_in_check == 0


def test_wait_clock_same_second_backwards() -> None:
    clock = WaitClock(max_wait=1)
    clock.start()

    clock.move_to(math.floor(time.time()))

    assert clock.waited_in_check == 0


# Hook


def test_hook_clock_sets_backend_clock(backend: Target) -> None:
    clock = HookClock(backend.client(), "/api/test/clock")
    clock.start()

    clock.move_to(1893456000)
    moved = backend.client().get("/api/test/clock").json()["now"]
    clock.stop()
    restored = backend.client().get("/api/test/clock").json()["now"]

    assert 1893456000 <= moved < 1893456001
    assert abs(restored - time.time()) < 2


def test_hook_clock_exact_expiry_second(backend: Target) -> None:
    token = _access_token(backend, "hook1")
    exp = _expires_at(token)
    clock = HookClock(backend.client(), "/api/test/clock")
    clock.start()

    clock.move_to(exp - 1)
    before = _status_with(backend, token)
    clock.move_to(exp)
    at = _status_with(backend, token)
    clock.stop()

    assert before == 200
    assert at == 401


def test_hook_clock_missing_endpoint(reference: Profile) -> None:
    target = in_process_target(create_app(reference_settings_for(reference)), "reference",
                               "reference", timeout=10)
    clock = HookClock(target.client(), "/api/test/clock")
    clock.start()

    with pytest.raises(HarnessError, match="returned 404"):
        clock.move_to(1893456000)
    target.close()


def test_hook_clock_ignored_time() -> None:
    def echo_real_time(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"now": time.time()})

    client = httpx.Client(transport=httpx.MockTransport(echo_real_time), base_url="http://b")
    clock = HookClock(client, "/clock")

    with pytest.raises(HarnessError, match="did not set it"):
        clock.move_to(1893456000)


# Faketime


def test_find_libfaketime_override_invalid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFORMANCE_LIBFAKETIME", "/nonexistent/libfaketime.so.1")

    with pytest.raises(TargetError, match="CONFORMANCE_LIBFAKETIME"):
        find_libfaketime()


def test_find_libfaketime_absent_names_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONFORMANCE_LIBFAKETIME", raising=False)
    monkeypatch.setattr("conformance.clocks.faketime.library_candidates",
                        lambda: [Path("/nonexistent/faketime/libfaketime.so.1")])

    with pytest.raises(TargetError, match="apt-get install libfaketime"):
        find_libfaketime()


def test_faketime_clock_timestamp_file(tmp_path: Path) -> None:
    library = tmp_path / "libfaketime.so.1"
    library.touch()
    clock = FaketimeClock(library)
    clock.start()

    initial = clock.timestamp_file.read_text()
    clock.move_to(1893456000)
    frozen = clock.timestamp_file.read_text()
    clock.move_to(1893456000.25)
    fraction = clock.timestamp_file.read_text()
    clock.stop()
    restored = clock.timestamp_file.read_text()
    folder = clock.timestamp_file.parent
    clock.close()

    assert initial == "+0\n"
    assert frozen == "1893456000\n"
    assert fraction == "1893456000.250000\n"
    assert restored == "+0\n"
    assert not folder.exists()


def test_faketime_clock_environment(tmp_path: Path) -> None:
    library = tmp_path / "libfaketime.so.1"
    library.touch()
    clock = FaketimeClock(library)

    environment = clock.environment()
    clock.close()

    assert environment["LD_PRELOAD"].split(":")[0] == str(library)
    assert environment["FAKETIME_TIMESTAMP_FILE"] == str(clock.timestamp_file)
    assert environment["FAKETIME_NO_CACHE"] == "1"
    assert environment["FAKETIME_DONT_FAKE_MONOTONIC"] == "1"
    assert environment["FAKETIME_FMT"] == "%s"
