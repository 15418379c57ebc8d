"""The signup, signin and access scenarios against the reference backend as a real HTTP server.

The server is `python -m conformance.reference` on a free loopback port, and the run must decide
every check as the in-process run of the same profile does.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.test_scenarios_inprocess import (
    FAMILIES,
    REPO,
    assert_clean_run,
    assert_report_shape,
    run_scenarios,
)

STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    """Return a loopback port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_ready(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    """Poll the public resource until it responds with 200; fail if the server exits or is slow."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    # trust_env=False keeps proxy variables of the environment away from loopback requests.
    with httpx.Client(trust_env=False, timeout=1.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"reference server exited with {process.returncode}:\n"
                            f"{log.read_text(errors='replace')[-3000:]}")
            try:
                if client.get(f"{base_url}/api/test/all").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
    pytest.fail(f"reference server did not respond at {base_url}/api/test/all within "
                f"{STARTUP_TIMEOUT} s")


@pytest.fixture
def reference_server(tmp_path: Path) -> Iterator[str]:
    """Start the reference backend with default settings on loopback and yield its URL."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "conformance.reference", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "WARNING"],
            cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        wait_until_ready(process, base_url, log)
        yield base_url
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_loopback_matches_inprocess(reference_server: str, tmp_path: Path) -> None:
    inprocess = run_scenarios(tmp_path / "inprocess", "--profile", "reference")
    loopback = run_scenarios(tmp_path / "loopback", "--target", reference_server,
                             "--profile", "reference")

    assert_report_shape(loopback.report)
    assert loopback.report["target"] == reference_server
    assert_clean_run(inprocess)
    assert_clean_run(loopback)

    def passing(outcomes: dict[str, str]) -> set[str]:
        return {check_id for check_id, outcome in outcomes.items()
                if outcome == "pass" and check_id.split(".")[0] in FAMILIES}

    assert passing(loopback.outcomes()) == passing(inprocess.outcomes())
