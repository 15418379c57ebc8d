"""The suite survives hostile backends: it finishes, reports the problem and writes its report.

For each behaviour of tests/hostile, a hostile server starts on a loopback port and the suite
runs against it as a user runs it, `python -m conformance run --target URL --profile reference
--timeout 2 -k ...`, with a subprocess timeout as a safety net. The -k expression of each
behaviour selects the checks that receive the hostile response, so a run takes seconds.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.hostile.server import BEHAVIOURS, Behaviour

REPO = Path(__file__).resolve().parent.parent
# Under pytest-xdist with --dist loadgroup, one worker runs every test of this module, so the
# session fixture starts its subprocess runs once rather than once per worker.
pytestmark = pytest.mark.xdist_group("hostile-runs")

# The machine has two cores, which other test runs share.
MAX_PARALLEL_RUNS = 2
# Seconds the suite waits for each response (`--timeout`).
REQUEST_TIMEOUT = 2.0
# A recorded exchange may take at most this long: the exchange deadline ends it after
# REQUEST_TIMEOUT, and the rest is a margin for a loaded, shared machine.
EXCHANGE_LIMIT = REQUEST_TIMEOUT + 5.0
# Limit of one run, startup included, on a shared 2-core machine; the subprocess is killed
# 60 s later.
RUN_LIMIT = 180.0
SERVER_START_LIMIT = 30.0
SERVER_STOP_LIMIT = 10.0

# The plugin's message for an exception that the suite itself raised, not the backend.
SUITE_CRASH = re.compile(r"\bin the suite while running the check\b")


@dataclass
class HostileRun:
    """Exit code, output, wall time and report of one run against a hostile server."""

    behaviour: Behaviour
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    report: dict[str, Any] | None
    report_count: int

    def problem_checks(self) -> list[dict[str, Any]]:
        """Return the checks that ended in fail, error or warn."""
        checks = self.report["checks"] if self.report is not None else []
        return [check for check in checks if check["outcome"] in ("fail", "error", "warn")]

    def reported(self) -> list[dict[str, Any]]:
        """Return the checks that ended in an outcome the behaviour must cause."""
        return [check for check in self.problem_checks()
                if check["outcome"] in self.behaviour.reported_as]

    def exchanges(self) -> list[dict[str, Any]]:
        """Return every exchange the report records."""
        checks = self.report["checks"] if self.report is not None else []
        return [exchange for check in checks for case in check["cases"]
                for exchange in case["exchanges"]]

    def tail(self) -> str:
        return f"stdout:\n{self.stdout[-2000:]}\nstderr:\n{self.stderr[-2000:]}"


def _start_server(behaviour: Behaviour, folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    port_file = folder / "port"
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.hostile", "--behaviour", behaviour.name,
         "--port-file", str(port_file)],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    log.close()
    deadline = time.monotonic() + SERVER_START_LIMIT
    while time.monotonic() < deadline:
        if port_file.is_file() and port_file.read_text(encoding="utf-8").strip():
            return process, int(port_file.read_text(encoding="utf-8"))
        if process.poll() is not None:
            break
        time.sleep(0.1)
    _stop_server(process)
    log_text = (folder / "server.log").read_text(errors="replace")
    raise RuntimeError(f"hostile server {behaviour.name} did not start:\n{log_text[-2000:]}")


def _stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=SERVER_STOP_LIMIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=SERVER_STOP_LIMIT)


def run_against(behaviour: Behaviour, folder: Path) -> HostileRun:
    """Start the hostile server, run the suite against it, stop the server."""
    folder.mkdir(parents=True)
    report_dir = folder / "reports"
    process, port = _start_server(behaviour, folder)
    command = [
        sys.executable, "-m", "conformance", "run", "--target", f"http://127.0.0.1:{port}",
        "--profile", "reference", "--report-dir", str(report_dir),
        "--timeout", str(REQUEST_TIMEOUT),
    ]
    if behaviour.keyword:
        command += ["-k", behaviour.keyword]

    started = time.monotonic()
    try:
        completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True,
                                   timeout=RUN_LIMIT + 60.0, check=False)
        returncode, stdout, stderr = completed.returncode, completed.stdout, completed.stderr
    except subprocess.TimeoutExpired as error:
        returncode = None
        stdout = _text(error.stdout)
        stderr = _text(error.stderr)
    finally:
        seconds = time.monotonic() - started
        _stop_server(process)

    reports = sorted(report_dir.glob("*/report.json"))
    report = json.loads(reports[-1].read_text(encoding="utf-8")) if reports else None
    return HostileRun(behaviour, returncode, stdout, stderr, seconds, report, len(reports))


def _text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


@pytest.fixture(scope="session")
def hostile_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, HostileRun]:
    """Run the suite against every behaviour, two runs at a time."""
    folder = tmp_path_factory.mktemp("hostile-runs")
    with ThreadPoolExecutor(max_workers=MAX_PARALLEL_RUNS) as pool:
        futures = {name: pool.submit(run_against, behaviour, folder / name)
                   for name, behaviour in BEHAVIOURS.items()}
    return {name: future.result() for name, future in futures.items()}


BEHAVIOUR_NAMES = list(BEHAVIOURS)


def test_hostile_server_has_enough_behaviours() -> None:
    assert len(BEHAVIOURS) >= 15


@pytest.mark.parametrize("name", BEHAVIOUR_NAMES)
def test_hostile_run_finishes_in_time(hostile_runs: dict[str, HostileRun], name: str) -> None:
    run = hostile_runs[name]

    assert run.returncode is not None, f"{name}: the run hung and was killed\n{run.tail()}"
    assert run.seconds <= RUN_LIMIT, f"{name}: the run took {run.seconds:.0f} s"


@pytest.mark.parametrize("name", BEHAVIOUR_NAMES)
def test_hostile_exchanges_within_timeout(hostile_runs: dict[str, HostileRun],
                                          name: str) -> None:
    slow = [f"{exchange['request']['method']} {exchange['request']['url']}: "
            f"{exchange['elapsed_ms']:.0f} ms"
            for exchange in hostile_runs[name].exchanges()
            if exchange["elapsed_ms"] > EXCHANGE_LIMIT * 1000]

    assert not slow, f"{name}: exchanges longer than {EXCHANGE_LIMIT:g} s: {slow[:5]}"


@pytest.mark.parametrize("name", BEHAVIOUR_NAMES)
def test_hostile_run_writes_report(hostile_runs: dict[str, HostileRun], name: str) -> None:
    run = hostile_runs[name]

    assert run.report_count == 1, f"{name}: {run.report_count} report.json files\n{run.tail()}"


@pytest.mark.parametrize("name", BEHAVIOUR_NAMES)
def test_hostile_run_reports_problem(hostile_runs: dict[str, HostileRun], name: str) -> None:
    run = hostile_runs[name]
    outcomes = run.behaviour.reported_as
    exit_codes = {1, 2} if outcomes & {"fail", "error"} else {0, 1}

    assert run.reported(), f"{name}: no check ended in {sorted(outcomes)}\n{run.tail()}"
    assert run.returncode in exit_codes, f"{name}: exit code {run.returncode}\n{run.tail()}"


@pytest.mark.parametrize("name", BEHAVIOUR_NAMES)
def test_hostile_messages_clear(hostile_runs: dict[str, HostileRun], name: str) -> None:
    problems = hostile_runs[name].problem_checks()
    silent = [check["id"] for check in problems if not check["message"].strip()]
    crashes = [f"{check['id']}: {check['message'][:300]}" for check in problems
               if SUITE_CRASH.search(check["message"])]

    assert not silent, f"{name}: checks without a message: {silent}"
    assert not crashes, f"{name}: the suite itself raised: {crashes}"


@pytest.mark.parametrize("name", BEHAVIOUR_NAMES)
def test_hostile_output_has_no_traceback(hostile_runs: dict[str, HostileRun],
                                         name: str) -> None:
    run = hostile_runs[name]

    assert "Traceback" not in run.stdout, f"{name}: traceback in stdout\n{run.stdout[-3000:]}"
    assert "Traceback" not in run.stderr, f"{name}: traceback in stderr\n{run.stderr[-3000:]}"


# A complete drip sends each protected resource's body in full but later than --timeout, so a
# check that lets its async clients wait for the whole body passes.
DEADLINE_CHECKS = ("concurrency.storm-single-refresh", "concurrency.storm-requests-succeed",
                   "client.correct-client-flows")
# These checks send at most three exchanges one after another (request, refresh, retry), each
# ended by the exchange deadline.
DEADLINE_CHECK_LIMIT = 3 * EXCHANGE_LIMIT


@pytest.mark.parametrize("check_id", DEADLINE_CHECKS)
def test_hostile_complete_drip_fails_check(hostile_runs: dict[str, HostileRun],
                                           check_id: str) -> None:
    run = hostile_runs["resource-complete-drip"]
    checks = {check["id"]: check for check in run.report["checks"]} if run.report else {}
    check = checks.get(check_id)

    assert check is not None, f"{check_id} did not run\n{run.tail()}"
    seconds = sum(case["duration_s"] for case in check["cases"])
    assert check["outcome"] in ("fail", "error"), f"{check_id}: {check['message']}"
    assert f"exchange deadline of {REQUEST_TIMEOUT:g} s" in check["message"]
    assert seconds <= DEADLINE_CHECK_LIMIT, f"{check_id} took {seconds:.1f} s"


def test_hostile_summary(hostile_runs: dict[str, HostileRun],
                         capsys: pytest.CaptureFixture[str]) -> None:
    lines = []
    for name, run in hostile_runs.items():
        summary = run.report["summary"] if run.report is not None else {}
        lines.append(f"  {name:<24} exit {run.returncode}  {run.seconds:5.1f} s  "
                     f"failed {summary.get('failed')}  errors {summary.get('errors')}  "
                     f"warned {summary.get('warned')}")
    with capsys.disabled():
        print("\n\nhostile behaviours (name, exit code, run time, check outcomes):")
        print("\n".join(lines))
    assert len(lines) == len(BEHAVIOURS)


def test_stalled_signin_tried_few_times(hostile_runs: dict[str, HostileRun]) -> None:
    run = hostile_runs["stalled-response"]
    signin = [exchange for exchange in run.exchanges()
              if exchange["request"]["url"].endswith("/api/auth/signin")]

    timed_out = [e for e in signin if (e["error"] or "").startswith("timed out")]
    held_back = [e for e in signin if (e["error"] or "").startswith("not sent")]
    # Three timeouts in a row hold the endpoint back, apart from one retry every 30 s.
    assert len(timed_out) <= 3 + run.seconds // 30 + 1, len(timed_out)
    assert held_back
