"""Runs of the scenarios against one in-process app in a subprocess, read from report.json."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"

# Safety net for one subprocess run, which is then reported as hung. A focused run took
# seconds and a full run (every family) under a minute on a loaded 2-core machine.
RUN_TIMEOUT = 300.0


@dataclass
class ScenarioRun:
    """Exit code, output, report and wall time of one scenario run."""

    label: str
    returncode: int | None
    output: str
    report: dict[str, Any] | None
    seconds: float

    def checks(self) -> dict[str, dict[str, Any]]:
        """Return the report's checks by check id, or an empty dict when there is no report."""
        if self.report is None:
            return {}
        return {check["id"]: check for check in self.report["checks"]}

    def outcome(self, check_id: str) -> str | None:
        """Return the outcome of `check_id`, or None when the report lacks it."""
        check = self.checks().get(check_id)
        return None if check is None else str(check["outcome"])

    def tail(self, limit: int = 3000) -> str:
        """Return the end of the run's output, for assertion messages."""
        return self.output[-limit:]


def scenario_paths(families: Sequence[str]) -> list[str]:
    """Return the scenario modules of `families`, or the whole scenarios folder if none.

    Raise FileNotFoundError for a family that has no module yet.
    """
    if not families:
        return [str(SCENARIOS)]
    paths = []
    for family in families:
        path = SCENARIOS / f"test_{family}.py"
        if not path.is_file():
            raise FileNotFoundError(f"no scenario module for family {family!r}: {path}")
        paths.append(str(path))
    return paths


# CPython 3.11.7 raised "AST constructor recursion depth mismatch" here when two threads parsed
# at the same time, and the mutant runs start from a thread pool.
_PARSE_LOCK = threading.Lock()


def check_tests(family: str) -> dict[str, list[str]]:
    """Return the names of the test functions of a family's module, by the check id they
    decide (`@pytest.mark.check("family.slug")`)."""
    path = Path(scenario_paths([family])[0])
    with _PARSE_LOCK:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    tests: dict[str, list[str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
                    and decorator.func.attr == "check" and decorator.args
                    and isinstance(decorator.args[0], ast.Constant)):
                tests.setdefault(str(decorator.args[0].value), []).append(node.name)
    return tests


def keyword_for_checks(check_ids: Sequence[str]) -> str:
    """Return a pytest -k expression that selects the tests deciding `check_ids`.

    Raise LookupError for a check id that no scenario test decides.
    """
    names: list[str] = []
    for check_id in check_ids:
        found = check_tests(check_id.split(".", 1)[0]).get(check_id)
        if not found:
            raise LookupError(f"no scenario test is marked with check {check_id!r}")
        names += found
    return " or ".join(sorted(set(names)))


def run_scenarios(
    label: str,
    app_spec: str,
    profile: str,
    report_dir: Path,
    *,
    families: Sequence[str] = (),
    keyword: str | None = None,
    extra: Sequence[str] = (),
    timeout: float = RUN_TIMEOUT,
    autoload_plugins: bool = True,
) -> ScenarioRun:
    """Run the scenarios of `families` against `app_spec` with `profile` and read the report.

    The run is `python -m pytest scenarios/... -p conformance.plugin --app ...` from the
    repository root, as a user runs it. `keyword` is passed as `-k`.

    With `autoload_plugins=False` pytest loads only the conformance plugin and Hypothesis'
    own, not every installed pytest11 plugin such as schemathesis or pytest-benchmark. That cut
    the CPU time of a one-check run from 2.2 s to 0.7 s on the machine of bench/RESULTS.md.
    The input scenarios import schemathesis themselves.
    """
    report_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "pytest", *scenario_paths(families),
        "-p", "conformance.plugin", "-p", "no:cacheprovider", "-q", "--no-header",
        "--app", app_spec, "--profile", profile, "--report-dir", str(report_dir), *extra,
    ]
    if keyword:
        command += ["-k", keyword]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if not autoload_plugins:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        command += ["-p", "_hypothesis_pytestplugin"]

    started = time.monotonic()
    try:
        completed = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                                   timeout=timeout, check=False)
    except subprocess.TimeoutExpired as error:
        output = _text(error.stdout) + _text(error.stderr)
        seconds = time.monotonic() - started
        return ScenarioRun(label, None, f"timed out after {timeout:g} s\n{output}", None, seconds)
    seconds = time.monotonic() - started

    output = completed.stdout + completed.stderr
    reports = sorted(report_dir.glob("*/report.json"))
    report = json.loads(reports[-1].read_text(encoding="utf-8")) if reports else None
    return ScenarioRun(label, completed.returncode, output, report, seconds)


def _text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
