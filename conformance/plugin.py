"""The pytest plugin: options, fixtures, and the translation of test results into check outcomes.

A scenario test names its check with `@pytest.mark.check("family.slug")` and requests the
`harness` fixture. A `CheckFailed` fails a MUST check and warns on a SHOULD check; a
`HarnessError` or any unexpected exception is an `error`; `pytest.skip` is a `skip`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from typing import Any

import pytest

from conformance import registry
from conformance.clocks import CLOCK_NAMES, DEFAULT_MAX_WAIT
from conformance.gate import Gate, GateError, load_gate
from conformance.harness import Harness, RunContext
from conformance.hypothesis_profiles import register_profiles
from conformance.managed_target import DEFAULT_READY_TIMEOUT, ManagedTarget
from conformance.outcome import CheckFailed, CheckResult, HarnessError, Outcome
from conformance.profile import Profile
from conformance.profile_loader import ProfileError
from conformance.progress import ProgressTracker
from conformance.redact import Redactor
from conformance.redact_values import redact_value
from conformance.registry import Level
from conformance.results import RunResults
from conformance.run_options import (
    DEFAULT_CONCURRENCY,
    DEFAULT_FUZZ_EXAMPLES,
    RunOptions,
    build_context,
    load_run_profile,
)
from conformance.summary import render_baseline
from conformance.target import TargetError

log = logging.getLogger("conformance")

PLUGIN_NAME = "conformance-session"
_HARNESS_KEY = pytest.StashKey[Harness]()
_RESULT_KEY = pytest.StashKey[CheckResult]()
_SESSION_KEY = pytest.StashKey["ConformanceSession"]()

# Hypothesis' pytest plugin loads `--hypothesis-profile` in pytest_configure, after every plugin
# module is imported, so the suite's profiles must exist from import on.
register_profiles()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "access/refresh-token conformance checks")
    group.addoption("--target", metavar="URL", default=None,
                    help="base URL of a running backend to check, e.g. http://127.0.0.1:8080")
    group.addoption("--app", metavar="MODULE:ATTR", default=None,
                    help="ASGI or WSGI application to check in process, e.g. myapi.main:app")
    group.addoption("--profile", metavar="NAME-OR-FILE", default=None,
                    help="built-in profile name or path of a profile TOML file "
                         "(default: reference)")
    group.addoption("--report-dir", metavar="DIR", default=None,
                    help="folder in which to write <run-id>/ with report.json, report.md, "
                         "report.html and the JUnit XML report.xml")
    group.addoption("--request-timeout", metavar="SECONDS", type=float, default=None,
                    help="seconds to wait for each response of the backend (default: 10)")
    group.addoption("--conformance-strict", action="store_true", default=False,
                    help="fail the run when a SHOULD check is not met")
    group.addoption("--conformance-select", metavar="ID-OR-PREFIX", action="append",
                    default=None,
                    help="run only the checks whose id starts with this prefix, e.g. access or "
                         "access.bad-signature-rejected; repeat to select several")
    group.addoption("--conformance-deselect", metavar="ID-OR-PREFIX", action="append",
                    default=None,
                    help="leave out the checks whose id starts with this prefix; repeatable")
    group.addoption("--conformance-baseline", metavar="FILE", default=None,
                    help="TOML or JSON file of known failures: the run passes while exactly "
                         "these checks fail, and fails when an entry goes stale")
    group.addoption("--clock", metavar="NAME", default=None, choices=CLOCK_NAMES,
                    help="how checks move the backend's clock: " + ", ".join(CLOCK_NAMES)
                         + " (default: the most exact one the target allows)")
    group.addoption("--max-wait", metavar="SECONDS", type=float, default=None,
                    help="seconds of real time the wait clock may sleep in one check; checks "
                         f"that need more are skipped (default: {DEFAULT_MAX_WAIT:g})")
    group.addoption("--target-cmd", metavar="CMD", default=None,
                    help="command that starts the backend, e.g. \"node server.js\"; the suite "
                         "runs it under libfaketime (unless --clock picks another clock) and stops "
                         "it at the end")
    group.addoption("--ready-url", metavar="URL", default=None,
                    help="URL that returns 2xx once the --target-cmd backend runs; its scheme "
                         "and host are the base URL unless --target is given")
    group.addoption("--ready-timeout", metavar="SECONDS", type=float, default=None,
                    help="seconds to wait for --ready-url to return 2xx "
                         f"(default: {DEFAULT_READY_TIMEOUT:g})")
    group.addoption("--fuzz-examples", metavar="N", type=int, default=None,
                    help="generated requests per auth operation in each Hypothesis-driven "
                         f"input check (default: {DEFAULT_FUZZ_EXAMPLES})")
    group.addoption("--concurrency", metavar="N", type=int, default=None,
                    help="requests fired together in each concurrency check "
                         f"(default: {DEFAULT_CONCURRENCY})")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "check(id): the conformance check a scenario decides")
    for plugin in config.pluginmanager.get_plugins():
        if isinstance(plugin, ConformanceSession):
            config.stash[_SESSION_KEY] = plugin
            return
    session = ConformanceSession(RunOptions.from_pytest(config))
    config.pluginmanager.register(session, PLUGIN_NAME)
    config.stash[_SESSION_KEY] = session


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(_SESSION_KEY, None)
    if session is not None:
        session.close()
        if config.pluginmanager.is_registered(session):
            config.pluginmanager.unregister(session)


class ConformanceSession:
    """Run-wide state registered with pytest: the run context and the collected results."""

    def __init__(self, options: RunOptions, context: RunContext | None = None,
                 progress: Callable[[str], None] | None = None,
                 gate: Gate | None = None, write_reports: bool = True) -> None:
        # pluggy registers an object under its `__name__`, so a session handed to `pytest.main`
        # by the runner is found by `get_plugin(PLUGIN_NAME)` like one the plugin made itself.
        self.__name__ = PLUGIN_NAME
        self.options = options
        self.results = RunResults(options.run_id,
                                  gate=gate if gate is not None else _load_gate(options))
        self._context = context
        self._progress = progress
        self._tracker = ProgressTracker(progress) if progress is not None else None
        self._profile: Profile | None = None
        # The runner writes the reports itself after pytest returns, even when no check ran.
        self._write_reports = write_reports
        if context is not None:
            self.results.describe(context)

    def profile(self) -> Profile:
        """Return the run's profile without building the target, for use at collection time."""
        if self._context is not None:
            return self._context.profile
        if self._profile is None:
            self._profile = load_run_profile(self.options)
        return self._profile

    def context(self) -> RunContext:
        if self._context is None:
            try:
                self._context = build_context(self.options)
            except (ProfileError, TargetError) as error:
                pytest.exit(str(error), returncode=pytest.ExitCode.USAGE_ERROR)
            self.results.describe(self._context)
        return self._context

    def close(self) -> None:
        if self._context is not None:
            self._context.close()
            self._context = None

    def pytest_runtest_logstart(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        if self._tracker is not None:
            self._tracker.started(nodeid)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if self._progress is not None and report.failed:
            self._progress(f"cannot collect {report.nodeid}: {report.longreprtext}")

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        for item in items:
            marker = item.get_closest_marker("check")
            if marker is None:
                if "harness" in getattr(item, "fixturenames", ()):
                    raise pytest.UsageError(
                        f"{item.nodeid} uses the harness but has no "
                        '@pytest.mark.check("family.slug") marker; add one'
                    )
                continue
            try:
                registry.get(marker.args[0])
            except registry.UnknownCheckError as error:
                raise pytest.UsageError(f"{item.nodeid}: {error}") from None
        _apply_selection(self.results.gate, config, items)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if self._tracker is not None:
            self._tracker.collected(_check_ids(session.items))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        marker = item.get_closest_marker("check")
        if marker is None:
            return report
        check = registry.get(marker.args[0])
        result = item.stash.get(_RESULT_KEY, None)
        harness = item.stash.get(_HARNESS_KEY, None)

        outcome, message, failure = _classify(report, call, check.level)
        if outcome is None:
            return report
        if result is None or _worse(outcome, result.outcome):
            duration = result.duration if result is not None else 0.0
            result = CheckResult(check.id, outcome, message, test=item.nodeid,
                                 duration=duration)
            if failure is not None:
                result.expected = failure.expected
                result.received = failure.received
                result.remedy = failure.remedy
            item.stash[_RESULT_KEY] = result
        result.duration += report.duration

        if outcome is Outcome.WARN and not self.options.strict:
            report.outcome = "passed"
        if outcome in (Outcome.FAIL, Outcome.WARN, Outcome.ERROR):
            redact = self._redactor(harness)
            result.message = redact(result.message)
            result.expected = redact_value(result.expected, redact)
            result.received = redact_value(result.received, redact)
            result.remedy = redact(result.remedy) if result.remedy else result.remedy
            if failure is not None or (outcome is Outcome.ERROR and _is_harness_error(call)):
                report.longrepr = _concise(check.id, result)
            else:
                # A traceback can show secrets through assertion introspection.
                report.longrepr = redact(report.longreprtext)
            self._mark_known_failure(report, check.id, outcome)
        report.user_properties.append(("check_id", check.id))
        report.user_properties.append(("check_outcome", outcome.value))
        return report

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, None, None]:
        yield
        result = item.stash.get(_RESULT_KEY, None)
        if self._tracker is not None:
            self._tracker.finished(item.nodeid, result.outcome if result is not None else None)
        if result is None:
            return
        harness = item.stash.get(_HARNESS_KEY, None)
        if harness is not None:
            redact = harness.redact
            result.exchanges = [exchange.to_dict(redact) for exchange in harness.exchanges]
            if harness.exchanges and result.outcome in (Outcome.FAIL, Outcome.WARN,
                                                        Outcome.ERROR):
                result.reproducer = harness.exchanges[-1].curl(redact)
            if not result.message and harness.notes:
                result.message = "; ".join(harness.notes)
            result.message = redact(result.message)
            target = harness.context.target
            if isinstance(target, ManagedTarget) and result.outcome in (
                Outcome.FAIL, Outcome.WARN, Outcome.ERROR
            ):
                result.backend_output = redact(target.output_tail())
        self.results.add(result)

    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str] | None:
        outcome = dict(report.user_properties).get("check_outcome")
        if outcome == Outcome.WARN.value and report.when == "call":
            return "warned", "W", "WARN"
        if outcome == Outcome.ERROR.value and report.failed:
            return "error", "E", "ERROR"
        return None

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self._context is not None and self._context.clock is not None:
            self.results.clock = self._context.clock.describe()
        if self._write_reports and self.options.report_dir is not None and self.results.results:
            self.results.write(self.options.report_dir)
        if self.results.verdict().stale and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        lines = render_baseline(self.results)
        if lines:
            terminalreporter.section("conformance baseline")
            for line in lines:
                terminalreporter.line(line)

    def _redactor(self, harness: Harness | None) -> Callable[[str], str]:
        if harness is not None:
            return harness.redact
        if self._context is not None:
            return self._context.redactor
        return Redactor()

    def _mark_known_failure(self, report: pytest.TestReport, check_id: str,
                            outcome: Outcome) -> None:
        """Report a failure the baseline lists as an expected failure (xfail)."""
        baseline = self.results.gate.baseline
        reason = baseline.reason_for(check_id) if baseline is not None else None
        if reason is None or report.when != "call" or not report.failed:
            return
        if outcome in (Outcome.FAIL, Outcome.WARN):
            report.outcome = "skipped"
            report.wasxfail = f"known failure (baseline): {reason}"


def _classify(
    report: pytest.TestReport, call: pytest.CallInfo[None], level: Level
) -> tuple[Outcome | None, str, CheckFailed | None]:
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        return Outcome.SKIP, reason.removeprefix("Skipped: "), None
    if report.passed:
        return (Outcome.PASS, "", None) if report.when == "call" else (None, "", None)

    error = call.excinfo.value if call.excinfo is not None else None
    if isinstance(error, CheckFailed):
        outcome = Outcome.WARN if level is Level.SHOULD else Outcome.FAIL
        return outcome, error.message, error
    if isinstance(error, AssertionError) and report.when == "call":
        outcome = Outcome.WARN if level is Level.SHOULD else Outcome.FAIL
        return outcome, str(error).split("\n")[0] or "assertion failed", None
    if isinstance(error, HarnessError):
        return Outcome.ERROR, str(error), None
    name = type(error).__name__ if error is not None else "error"
    return Outcome.ERROR, f"{name} in the suite while running the check: {error}", None


_SEVERITY = [Outcome.SKIP, Outcome.PASS, Outcome.WARN, Outcome.ERROR, Outcome.FAIL]


def _load_gate(options: RunOptions) -> Gate:
    try:
        return load_gate(strict=options.strict, select=options.select,
                         deselect=options.deselect, baseline=options.baseline,
                         option_prefix="--conformance-")
    except GateError as error:
        raise pytest.UsageError(str(error)) from None


def _check_ids(items: list[pytest.Item]) -> list[tuple[str, str]]:
    pairs = []
    for item in items:
        marker = item.get_closest_marker("check")
        if marker is not None:
            pairs.append((item.nodeid, str(marker.args[0])))
    return pairs


def _apply_selection(gate: Gate, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the check tests outside --select and inside --deselect; keep other tests."""
    if gate.selection.is_everything:
        return
    kept, dropped = [], []
    for item in items:
        marker = item.get_closest_marker("check")
        if marker is None or gate.selection.includes(str(marker.args[0])):
            kept.append(item)
        else:
            dropped.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _is_harness_error(call: pytest.CallInfo[None]) -> bool:
    return call.excinfo is not None and isinstance(call.excinfo.value, HarnessError)


def _worse(new: Outcome, old: Outcome) -> bool:
    return _SEVERITY.index(new) > _SEVERITY.index(old)


def _concise(check_id: str, result: CheckResult) -> str:
    lines = [f"[{check_id}] {result.outcome.value}: {result.message}"]
    if result.expected is not None:
        lines.append(f"  expected: {result.expected}")
    if result.received is not None:
        lines.append(f"  received: {result.received}")
    if result.remedy:
        lines.append(f"  remedy:   {result.remedy}")
    return "\n".join(lines)


def run_options(config: pytest.Config) -> RunOptions:
    """Return the options of the run, such as --fuzz-examples, from the plugin's session."""
    return config.stash[_SESSION_KEY].options


def collection_profile(config: pytest.Config) -> Profile | None:
    """Return the run's profile while tests are collected, or None when it is invalid.

    Scenarios parametrise over profile fields with it. An invalid profile is reported by the
    `harness` fixture of every check, so collection goes on without those cases.
    """
    session = config.stash.get(_SESSION_KEY, None)
    if session is None:
        return None
    try:
        return session.profile()
    except ProfileError:
        return None


@pytest.fixture(scope="session")
def conformance_context(pytestconfig: pytest.Config) -> RunContext:
    """Provide the run context: profile, target and run-wide options."""
    return pytestconfig.stash[_SESSION_KEY].context()


@pytest.fixture
def profile(conformance_context: RunContext) -> Any:
    """Provide the profile of the backend under test."""
    return conformance_context.profile


@pytest.fixture
def harness(request: pytest.FixtureRequest,
            conformance_context: RunContext) -> Generator[Harness, None, None]:
    """A protocol-aware helper that records the exchanges of this check.

    The run's clock starts before the check and stops after it, which returns the backend to
    real time. The time the check spent waiting for the clock goes into its notes.
    """
    harness = Harness(conformance_context)
    request.node.stash[_HARNESS_KEY] = harness
    harness.clock.start()
    try:
        yield harness
    finally:
        if harness.clock.waited_in_check:
            harness.note(f"waited {harness.clock.waited_in_check:.1f} s of real time for the "
                         f"{harness.clock.name} clock")
        harness.clock.stop()
