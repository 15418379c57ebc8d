"""Runs scenario modules in a subprocess, as a user runs them, and reads the report they write."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PROFILES = Path(__file__).resolve().parent / "profiles"
RUN_TIMEOUT = 240.0


@dataclass
class ScenarioRun:
    """Exit code, output, report and wall time of one scenario run."""

    returncode: int
    output: str
    report: dict[str, Any]
    seconds: float

    def outcomes(self) -> dict[str, str]:
        """Return the outcome of each check, by check id."""
        return {check["id"]: check["outcome"] for check in self.report["checks"]}

    def check(self, check_id: str) -> dict[str, Any]:
        for check in self.report["checks"]:
            if check["id"] == check_id:
                return dict(check)
        raise AssertionError(f"check {check_id} is not in the report\n{self.output[-3000:]}")

    def not_passed(self) -> dict[str, str]:
        """Return the checks that neither passed nor skipped, with their outcome and message."""
        return {check["id"]: f"{check['outcome']}: {check['message']}"
                for check in self.report["checks"] if check["outcome"] not in ("pass", "skip")}


def run_scenarios(report_dir: Path, *options: str,
                  families: tuple[str, ...] = ("expiry", "refresh")) -> ScenarioRun:
    """Run the scenario modules of `families` with `options` and return what they produced."""
    paths = [f"scenarios/test_{family}.py" for family in families]
    command = [
        sys.executable, "-m", "pytest", *paths, "-p", "conformance.plugin",
        "-p", "no:cacheprovider", "-q", "--report-dir", str(report_dir), *options,
    ]
    started = time.monotonic()
    completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True,
                               timeout=RUN_TIMEOUT, check=False)
    seconds = time.monotonic() - started
    output = completed.stdout + completed.stderr

    reports = sorted(report_dir.glob("*/report.json"))
    assert len(reports) == 1, f"expected one report.json in {report_dir}\n{output[-3000:]}"
    report = json.loads(reports[0].read_text(encoding="utf-8"))
    return ScenarioRun(completed.returncode, output, report, seconds)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on at the moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
