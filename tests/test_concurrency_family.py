"""End-to-end runs of the concurrency scenarios against the reference backend and racy variants.

Each run is `python -m pytest scenarios/test_concurrency.py -p conformance.plugin ...` in a
subprocess, as a user runs it, and the assertions read its report.json. The reference passes
at N = 50 and N = 500, in process and over loopback; each racy variant fails on its own ids.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_scenarios_inprocess import REPO, ScenarioRun, run_scenarios
from tests.test_scenarios_loopback import STOP_TIMEOUT, free_port, wait_until_ready

SCENARIOS = ("scenarios/test_concurrency.py",)
STORM_AND_RACE = ("concurrency.storm-single-refresh", "concurrency.storm-requests-succeed",
                  "concurrency.parallel-refresh-served", "concurrency.parallel-refresh-policy",
                  "concurrency.parallel-refresh-consistent")
ALL_CHECKS = (*STORM_AND_RACE, "concurrency.refresh-signout-race")


def _run(tmp_path: Path, *options: str) -> ScenarioRun:
    return run_scenarios(tmp_path / "reports", *options, paths=SCENARIOS)


def _failed(run: ScenarioRun) -> set[str]:
    return {check_id for check_id, outcome in run.outcomes().items() if outcome == "fail"}


@pytest.fixture
def stats_server(tmp_path: Path) -> Iterator[str]:
    """Start the reference backend with its test endpoints on loopback and yield its URL."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "conformance.reference", "--host", "127.0.0.1",
             "--port", str(port), "--test-endpoints", "--log-level", "WARNING"],
            cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        wait_until_ready(process, base_url, log)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)


# The reference backend passes


@pytest.mark.parametrize("concurrency", ["50", "500"])
def test_reference_inprocess_passes(tmp_path: Path, concurrency: str) -> None:
    run = _run(tmp_path, "--concurrency", concurrency)

    assert {check_id: run.outcomes().get(check_id) for check_id in ALL_CHECKS} == \
        dict.fromkeys(ALL_CHECKS, "pass")
    assert "the backend counted 1" in run.check("concurrency.storm-single-refresh")["message"]
    assert run.returncode == 0, run.output[-3000:]


def test_rotating_reference_inprocess_passes_n500(tmp_path: Path) -> None:
    run = _run(tmp_path, "--profile", "reference-rotating", "--concurrency", "500")

    assert {check_id: run.outcomes().get(check_id) for check_id in ALL_CHECKS} == \
        dict.fromkeys(ALL_CHECKS, "pass")
    assert "500 requests reached the transport" in \
        run.check("concurrency.storm-requests-succeed")["message"]
    assert "1 x 200, 499 x 403" in run.check("concurrency.parallel-refresh-policy")["message"]


@pytest.mark.parametrize("concurrency", ["50", "500"])
def test_reference_loopback_passes(tmp_path: Path, stats_server: str, concurrency: str) -> None:
    run = _run(tmp_path, "--target", stats_server, "--concurrency", concurrency,
               "-k", "storm or parallel")

    assert {check_id: run.outcomes().get(check_id) for check_id in STORM_AND_RACE} == \
        dict.fromkeys(STORM_AND_RACE, "pass")
    assert "the backend counted 1" in run.check("concurrency.storm-single-refresh")["message"]


# Racy variants fail on their own checks


def test_racy_rotation_fails_policy(tmp_path: Path) -> None:
    run = _run(tmp_path, "--app", "tests.variants.racy_rotation:app",
               "--profile", "reference-rotating", "-k", "parallel")

    assert _failed(run) == {"concurrency.parallel-refresh-policy",
                            "concurrency.parallel-refresh-consistent"}
    assert run.outcomes()["concurrency.parallel-refresh-served"] == "pass"
    assert run.returncode == 1


def test_racy_refresh_500_fails_served(tmp_path: Path) -> None:
    run = _run(tmp_path, "--app", "tests.variants.racy_refresh_500:app",
               "--profile", "reference-rotating", "-k", "parallel")

    assert {"concurrency.parallel-refresh-served",
            "concurrency.parallel-refresh-policy"} <= _failed(run)
    assert "responded with [500]" in run.check("concurrency.parallel-refresh-served")["message"]
    assert run.returncode == 1
