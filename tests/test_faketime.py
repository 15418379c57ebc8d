"""Managed targets under libfaketime: start, clock control, failure reports and stop.

These tests start the reference backend as a real process on loopback, so they need Debian's
libfaketime (`apt-get install libfaketime`); without it they are skipped.
"""

from __future__ import annotations

import shlex
import socket
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conformance.clocks import FaketimeClock, find_libfaketime
from conformance.managed_target import ManagedTarget, managed_target
from conformance.outcome import HarnessError
from conformance.run_options import RunOptions, build_context
from conformance.target import TargetError
from tests.scenario_run import PROFILES, free_port, run_scenarios

try:
    LIBRARY: Path | None = find_libfaketime()
except TargetError:
    LIBRARY = None

needs_libfaketime = pytest.mark.skipif(LIBRARY is None, reason="libfaketime is not installed")
PYTHON = shlex.quote(sys.executable)


def _reference_command(port: int, *options: str) -> str:
    return " ".join([PYTHON, "-m", "conformance.reference", "--port", str(port),
                     "--test-endpoints", *options])


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def faketime_backend() -> Iterator[tuple[ManagedTarget, FaketimeClock]]:
    """The reference backend started under a faketime clock, stopped after the test."""
    clock = FaketimeClock(LIBRARY)
    port = free_port()
    ready = f"http://127.0.0.1:{port}/api/test/all"
    target = managed_target(_reference_command(port), ready, base_url=None, timeout=10,
                            environment=clock.environment())
    clock.attach(target.client(), ready)
    yield target, clock
    target.close()
    clock.close()


def _backend_now(target: ManagedTarget) -> float:
    now: float = target.client().get("/api/test/clock").json()["now"]
    return now


@needs_libfaketime
def test_faketime_moves_backend_exactly(faketime_backend: tuple[ManagedTarget,
                                                                FaketimeClock]) -> None:
    target, clock = faketime_backend
    clock.start()

    clock.move_to(1893456000)
    frozen = _backend_now(target)
    clock.advance(86_400.5)
    moved = _backend_now(target)
    clock.stop()
    restored = _backend_now(target)

    assert frozen == 1893456000
    assert moved == 1893542400.5
    assert abs(restored - clock.now()) < 2
    assert clock.describe()["verified"] is True


@needs_libfaketime
def test_faketime_backend_base_url(faketime_backend: tuple[ManagedTarget,
                                                           FaketimeClock]) -> None:
    target, _ = faketime_backend

    assert target.base_url.startswith("http://127.0.0.1:")
    assert target.kind == "managed"
    assert target.client().get("/api/test/all").status_code == 200


@needs_libfaketime
def test_managed_target_stops_process(tmp_path: Path) -> None:
    clock = FaketimeClock(LIBRARY)
    port = free_port()
    target = managed_target(_reference_command(port), f"http://127.0.0.1:{port}/api/test/all",
                            base_url=None, timeout=10, environment=clock.environment())
    process = target.process
    assert process is not None

    target.close()
    clock.close()

    assert process.returncode is not None
    assert not _listening(port)
    assert not Path(f"/dev/shm/faketime_shm_{process.pid}").exists()
    assert not Path(f"/dev/shm/sem.faketime_sem_{process.pid}").exists()


@needs_libfaketime
def test_faketime_unfaked_backend_errors() -> None:
    clock = FaketimeClock(LIBRARY)
    port = free_port()
    ready = f"http://127.0.0.1:{port}/api/test/all"
    # `env -u` drops LD_PRELOAD before the backend starts, as a static or Go binary ignores it.
    target = managed_target("env -u LD_PRELOAD " + _reference_command(port), ready,
                            base_url=None, timeout=10, environment=clock.environment())
    clock.attach(target.client(), ready)
    clock.start()

    try:
        with pytest.raises(HarnessError) as first:
            clock.move_to(1893456000)
        with pytest.raises(HarnessError) as second:
            clock.move_to(1893456001)
    finally:
        clock.stop()
        target.close()
        clock.close()

    assert "did not move" in str(first.value)
    assert "Go programs" in str(first.value)
    assert str(second.value) == str(first.value)


def test_managed_target_exit_before_ready() -> None:
    script = "import sys; print('backend failed to start: no database'); sys.exit(3)"
    port = free_port()

    with pytest.raises(TargetError) as raised:
        managed_target(f"{PYTHON} -c {shlex.quote(script)}",
                       f"http://127.0.0.1:{port}/", base_url=None, timeout=10)

    assert "exited with code 3" in str(raised.value)
    assert "no database" in str(raised.value)


def test_managed_target_ready_timeout() -> None:
    script = "import time; print('still starting', flush=True); time.sleep(60)"
    port = free_port()

    with pytest.raises(TargetError) as raised:
        managed_target(f"{PYTHON} -c {shlex.quote(script)}", f"http://127.0.0.1:{port}/",
                       base_url=None, timeout=10, ready_timeout=1)

    assert "did not become ready" in str(raised.value)
    assert "--ready-timeout" in str(raised.value)
    assert "still starting" in str(raised.value)


def test_managed_target_port_in_use() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]

        with pytest.raises(TargetError, match="already listens"):
            managed_target(f"{PYTHON} -c pass", f"http://127.0.0.1:{port}/",
                           base_url=None, timeout=10)


def test_managed_target_invalid_command() -> None:
    with pytest.raises(TargetError, match="cannot start"):
        managed_target("/nonexistent/backend --port 1", f"http://127.0.0.1:{free_port()}/",
                       base_url=None, timeout=10)


def test_managed_target_kills_stubborn_process() -> None:
    script = textwrap.dedent("""
        import http.server, signal, sys
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])),
                                        http.server.SimpleHTTPRequestHandler)
        server.serve_forever()
    """)
    port = free_port()
    target = managed_target(f"{PYTHON} -c {shlex.quote(script)} {port}",
                            f"http://127.0.0.1:{port}/", base_url=None, timeout=10)
    process = target.process
    assert process is not None

    target.close()

    assert process.returncode == -9
    assert not _listening(port)


def test_managed_target_explicit_base_url() -> None:
    script = textwrap.dedent("""
        import http.server, sys
        server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])),
                                        http.server.SimpleHTTPRequestHandler)
        server.serve_forever()
    """)
    port = free_port()
    target = managed_target(f"{PYTHON} -c {shlex.quote(script)} {port}",
                            f"http://127.0.0.1:{port}/", base_url=f"http://127.0.0.1:{port}/api/",
                            timeout=10)
    try:
        base_url = target.base_url
        output = target.output_tail()
    finally:
        target.close()

    assert base_url == f"http://127.0.0.1:{port}/api"
    assert "GET / HTTP/1.1" in output


# The families through the command line, as a user runs them


@needs_libfaketime
def test_families_pass_under_faketime(tmp_path: Path) -> None:
    port = free_port()
    run = run_scenarios(
        tmp_path, "--profile", str(PROFILES / "reference-hour-day.toml"),
        "--target-cmd", _reference_command(port, "--access-ttl", "3600", "--refresh-ttl",
                                           "86400"),
        "--ready-url", f"http://127.0.0.1:{port}/api/test/all",
    )

    assert run.returncode == 0, run.output[-3000:]
    assert run.not_passed() == {}
    assert run.report["clock"]["name"] == "faketime"
    assert run.report["clock"]["verified"] is True
    assert run.outcomes()["refresh.expired-token-rejected"] == "pass"
    assert not _listening(port)


@needs_libfaketime
def test_unfaked_backend_reports_output(tmp_path: Path) -> None:
    port = free_port()
    run = run_scenarios(
        tmp_path, "--profile", str(PROFILES / "reference-hour-day.toml"),
        "--target-cmd", "env -u LD_PRELOAD " + _reference_command(port, "--access-ttl", "3600"),
        "--ready-url", f"http://127.0.0.1:{port}/api/test/all",
        "-k", "accepted_before_exp", families=("expiry",),
    )
    check = run.check("expiry.access-accepted-before-exp")
    output = check["cases"][0]["backend_output"]

    assert run.returncode == 1, run.output[-3000:]
    assert check["outcome"] == "error"
    assert "did not move" in check["message"]
    assert "uvicorn" in output


def test_ready_url_required(tmp_path: Path) -> None:
    port = free_port()
    command = _reference_command(port)

    with pytest.raises(TargetError, match="needs --ready-url"):
        build_context(RunOptions(target_cmd=command))

    assert not _listening(port)


def test_ready_url_reached_after_start() -> None:
    port = free_port()
    target = managed_target(_reference_command(port), f"http://127.0.0.1:{port}/api/test/all",
                            base_url=None, timeout=10)
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/api/test/all")
    finally:
        target.close()

    assert response.status_code == 200
