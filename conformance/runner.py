"""Runs the scenario modules through pytest in this process and returns the results.

The CLI validates the profile and the target before pytest starts, so a bad option fails fast
with exit code 2 and no request is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.clocks import DEFAULT_MAX_WAIT
from conformance.gate import load_gate
from conformance.managed_target import DEFAULT_READY_TIMEOUT
from conformance.plugin import ConformanceSession
from conformance.results import EXIT_ERROR, RunResults
from conformance.run_options import (
    DEFAULT_CONCURRENCY,
    DEFAULT_FUZZ_EXAMPLES,
    RunOptions,
    build_context,
)
from conformance.scenario_path import scenarios_dir
from conformance.summary import render_summary


@dataclass
class RunOutcome:
    """Results, exit code and summary of one run of the checks."""

    results: RunResults
    exit_code: int
    report_folder: Path | None
    summary_text: str


def run_checks(
    *,
    target: str | None = None,
    app: str | None = None,
    profile: str | None = None,
    report_dir: Path | None = None,
    timeout: float = 10.0,
    strict: bool = False,
    keyword: str | None = None,
    exitfirst: bool = False,
    extra_args: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
    clock: str | None = None,
    max_wait: float = DEFAULT_MAX_WAIT,
    target_cmd: str | None = None,
    ready_url: str | None = None,
    ready_timeout: float = DEFAULT_READY_TIMEOUT,
    fuzz_examples: int = DEFAULT_FUZZ_EXAMPLES,
    concurrency: int = DEFAULT_CONCURRENCY,
    select: Sequence[str] = (),
    deselect: Sequence[str] = (),
    baseline: Path | None = None,
) -> RunOutcome:
    """Run every scenario against the backend the arguments name and write the reports.

    Raises `GateError` for an invalid --select, --deselect or --baseline before any request.
    """
    options = RunOptions(target=target, app=app, profile=profile, report_dir=report_dir,
                         timeout=timeout, strict=strict, clock=clock, max_wait=max_wait,
                         target_cmd=target_cmd, ready_url=ready_url,
                         ready_timeout=ready_timeout, fuzz_examples=fuzz_examples,
                         concurrency=concurrency, select=tuple(select),
                         deselect=tuple(deselect), baseline=baseline)
    gate = load_gate(strict=strict, select=select, deselect=deselect, baseline=baseline)
    context = build_context(options)
    session = ConformanceSession(options, context, progress=progress, gate=gate,
                                 write_reports=False)

    # The summary and progress lines come from this module, so pytest's terminal output is off.
    # --capture=sys keeps the log handler that the CLI set up on the real stderr, so -v and -vv
    # logs reach the terminal; fd capture would swallow them with the test output.
    args = [str(scenarios_dir()), "-p", "conformance.plugin", "-p", "no:terminal",
            "-p", "no:cacheprovider", "--capture=sys"]
    if keyword:
        args += ["-k", keyword]
    if exitfirst:
        args.append("-x")
    args += list(extra_args)
    pytest_code = pytest.main(args, plugins=[session])

    results = session.results
    folder = results.write(report_dir) if report_dir is not None else None
    exit_code = results.exit_code(strict)
    if pytest_code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR,
                       pytest.ExitCode.NO_TESTS_COLLECTED) or not results.results:
        exit_code = EXIT_ERROR
    summary_text = render_summary(results, folder, pytest_code=int(pytest_code))
    return RunOutcome(results, exit_code, folder, summary_text)
