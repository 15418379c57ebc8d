"""Options of one run, read from the pytest command line, and the run context built from them."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.clocks import DEFAULT_MAX_WAIT, FaketimeClock, build_clock, choose_clock
from conformance.harness import RunContext
from conformance.managed_target import DEFAULT_READY_TIMEOUT, managed_target
from conformance.profile import Profile
from conformance.profile_loader import load_profile
from conformance.target import Target, TargetError, TargetKind, app_target, url_target

DEFAULT_PROFILE = "reference"
DEFAULT_TIMEOUT = 10.0
# Generated examples per operation in each Hypothesis-driven input check: enough to reach the
# common type and syntax faults while the input family stays within seconds in process.
DEFAULT_FUZZ_EXAMPLES = 20
# Requests fired together in the concurrency checks: enough to make them overlap at the
# backend, while the family stays within seconds in process.
DEFAULT_CONCURRENCY = 50


def new_run_id() -> str:
    """Return a run id that sorts by start time, such as 20261204-193000-1a2b."""
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


@dataclass
class RunOptions:
    """Options of a run as the user requested them: target, profile, report folder and limits."""

    target: str | None = None
    app: str | None = None
    profile: str | None = None
    report_dir: Path | None = None
    timeout: float = DEFAULT_TIMEOUT
    strict: bool = False
    run_id: str = ""
    clock: str | None = None
    max_wait: float = DEFAULT_MAX_WAIT
    target_cmd: str | None = None
    ready_url: str | None = None
    ready_timeout: float = DEFAULT_READY_TIMEOUT
    fuzz_examples: int = DEFAULT_FUZZ_EXAMPLES
    concurrency: int = DEFAULT_CONCURRENCY
    # CI gate: check id prefixes to run and to leave out, and the baseline of known failures.
    select: tuple[str, ...] = ()
    deselect: tuple[str, ...] = ()
    baseline: Path | None = None

    def __post_init__(self) -> None:
        if not self.run_id:
            self.run_id = new_run_id()

    @classmethod
    def from_pytest(cls, config: pytest.Config) -> RunOptions:
        report_dir = config.getoption("report_dir", None)
        timeout = config.getoption("request_timeout", None)
        return cls(
            target=config.getoption("target", None),
            app=config.getoption("app", None),
            profile=config.getoption("profile", None),
            report_dir=Path(report_dir) if report_dir else None,
            timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
            strict=bool(config.getoption("conformance_strict", False)),
            clock=config.getoption("clock", None),
            max_wait=_number_option(config, "max_wait", DEFAULT_MAX_WAIT),
            target_cmd=config.getoption("target_cmd", None),
            ready_url=config.getoption("ready_url", None),
            ready_timeout=_number_option(config, "ready_timeout", DEFAULT_READY_TIMEOUT),
            fuzz_examples=int(_number_option(config, "fuzz_examples", DEFAULT_FUZZ_EXAMPLES)),
            concurrency=int(_number_option(config, "concurrency", DEFAULT_CONCURRENCY)),
            select=tuple(config.getoption("conformance_select", None) or ()),
            deselect=tuple(config.getoption("conformance_deselect", None) or ()),
            baseline=_path_option(config, "conformance_baseline"),
        )

    def validate(self) -> None:
        """Raise `TargetError` for contradicting or out-of-range options."""
        if self.target and self.app:
            raise TargetError(
                f"--target {self.target!r} and --app {self.app!r} both name a backend; "
                "pass only one of them"
            )
        if self.timeout <= 0:
            raise TargetError(f"invalid --timeout {self.timeout}: use a number of seconds > 0")
        self._validate_managed()
        if self.max_wait < 0:
            raise TargetError(f"invalid --max-wait {self.max_wait}: use a number of seconds >= 0")
        if self.fuzz_examples < 1:
            raise TargetError(
                f"invalid --fuzz-examples {self.fuzz_examples}: use a whole number >= 1"
            )
        if self.concurrency < 2:
            raise TargetError(
                f"invalid --concurrency {self.concurrency}: use a whole number >= 2, because "
                "a race needs at least two requests"
            )

    def _validate_managed(self) -> None:
        if self.target_cmd and self.app:
            raise TargetError(
                f"--target-cmd {self.target_cmd!r} and --app {self.app!r} both name a backend; "
                "pass only one of them"
            )
        if self.target_cmd and not self.ready_url:
            raise TargetError(
                f"--target-cmd {self.target_cmd!r} needs --ready-url, the URL that returns 2xx "
                "once the backend runs, for example http://127.0.0.1:8080/api/test/all"
            )
        if self.ready_url and not self.target_cmd:
            raise TargetError(f"--ready-url {self.ready_url!r} needs --target-cmd, the command "
                              "that starts the backend")
        if self.ready_timeout <= 0:
            raise TargetError(
                f"invalid --ready-timeout {self.ready_timeout}: use a number of seconds > 0"
            )

    @property
    def target_kind(self) -> TargetKind:
        """Return the kind of target these options name."""
        if self.target_cmd:
            return "managed"
        if self.target:
            return "url"
        if self.app:
            return "app"
        return "reference"


def _path_option(config: pytest.Config, name: str) -> Path | None:
    value = config.getoption(name, None)
    return Path(value) if value else None


def _number_option(config: pytest.Config, name: str, default: float) -> float:
    value = config.getoption(name, None)
    return default if value is None else float(value)


def load_run_profile(options: RunOptions) -> Profile:
    return load_profile(options.profile or DEFAULT_PROFILE)


def build_target(options: RunOptions, profile: Profile, *,
                 environment: dict[str, str] | None = None) -> Target:
    """Build the target the options name; the embedded reference backend when none is named.

    `environment` is added to the environment of a managed backend process.
    """
    options.validate()
    if options.target_cmd:
        assert options.ready_url is not None
        return managed_target(options.target_cmd, options.ready_url, base_url=options.target,
                              timeout=options.timeout, ready_timeout=options.ready_timeout,
                              environment=environment)
    if options.target:
        return url_target(options.target, timeout=options.timeout)
    if options.app:
        return app_target(options.app, timeout=options.timeout)
    from conformance.reference_target import reference_target

    return reference_target(profile, timeout=options.timeout)


def build_context(options: RunOptions) -> RunContext:
    """Load the profile and build the target; raise on invalid options before any request."""
    profile = load_run_profile(options)
    options.validate()
    clock_name = choose_clock(options.clock, options.target_kind, profile)
    faketime = FaketimeClock() if clock_name == "faketime" else None
    try:
        target = build_target(options, profile,
                              environment=faketime.environment() if faketime else None)
    except BaseException:
        if faketime is not None:
            faketime.close()
        raise
    if faketime is not None and options.ready_url is not None:
        faketime.attach(target.client(), options.ready_url)
    clock = build_clock(clock_name, target, profile, max_wait=options.max_wait,
                        faketime=faketime)
    return RunContext(profile=profile, target=target, run_id=options.run_id, clock=clock)


__all__ = ["RunOptions", "TargetError", "build_context", "build_target", "new_run_id"]
