"""The reference backend as a real uvicorn server in a subprocess, reached over loopback HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(*options: str) -> subprocess.Popen[str]:
    environment = dict(os.environ, PYTHONPATH=str(REPOSITORY))
    return subprocess.Popen(
        [sys.executable, "-m", "conformance.reference", *options],
        cwd=REPOSITORY,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_ready(process: subprocess.Popen[str], base_url: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _stdout, stderr = process.communicate()
            pytest.fail(f"reference server exited with {process.returncode}: {stderr}")
        try:
            if httpx.get(f"{base_url}/api/test/all", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail(f"reference server did not answer {base_url} within {STARTUP_TIMEOUT} s")


@pytest.fixture
def server() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    process = start_server("--port", str(port), "--password-hash-iterations", "1000")
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, base_url)
        yield base_url, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


def test_real_server_serves_protocol(server: tuple[str, subprocess.Popen[str]]) -> None:
    base_url, _process = server

    with httpx.Client(base_url=base_url, timeout=5.0) as client:
        signup = client.post(
            "/api/auth/signup",
            json={"username": "alice", "email": "a@example.test", "password": "pw"},
        )
        signin = client.post("/api/auth/signin", json={"username": "alice", "password": "pw"})
        token = signin.json()["accessToken"]
        content = client.get("/api/test/user", headers={"x-access-token": token})
        missing = client.get("/api/test/user")

    assert signup.status_code == 200
    assert signin.status_code == 200
    assert content.status_code == 200
    assert content.text == "User Content."
    assert missing.status_code == 401


def test_real_server_logs_start_and_stop(server: tuple[str, subprocess.Popen[str]]) -> None:
    _base_url, process = server

    process.terminate()
    _stdout, stderr = process.communicate(timeout=10)

    # uvicorn shuts down gracefully and then raises SIGTERM again, so the signal ends the process.
    assert process.returncode == -signal.SIGTERM
    assert "reference backend starting on http://127.0.0.1:" in stderr
    assert "stopped" in stderr
    assert "not-for-production" not in stderr


def test_real_server_interrupt_exits_130(server: tuple[str, subprocess.Popen[str]]) -> None:
    _base_url, process = server

    process.send_signal(signal.SIGINT)
    _stdout, stderr = process.communicate(timeout=10)

    assert process.returncode == 130
    assert "stopped" in stderr
    assert "Traceback" not in stderr


def test_server_rejects_invalid_settings() -> None:
    process = start_server("--port", str(free_port()), "--access-ttl", "0")

    _stdout, stderr = process.communicate(timeout=20)

    assert process.returncode == 2
    assert "--access-ttl must be at least 1 second, got 0" in stderr


def test_server_port_in_use_exits_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = start_server("--port", str(port))

        _stdout, stderr = process.communicate(timeout=20)

    assert process.returncode == 2
    assert f"cannot listen on 127.0.0.1 port {port}: another program already listens" in stderr
    assert "Traceback" not in stderr


def test_server_port_out_of_range_exits_2() -> None:
    process = start_server("--port", "99999")

    _stdout, stderr = process.communicate(timeout=20)

    assert process.returncode == 2
    assert "argument --port: 99999 is not a TCP port" in stderr
    assert "Traceback" not in stderr
