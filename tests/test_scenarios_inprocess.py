"""End-to-end runs of the signup, signin and access scenarios against in-process backends.

Each run is `python -m pytest scenarios -p conformance.plugin ...` in a subprocess, as a user
runs it, and the assertions read the report.json it writes. Together the runs show that the
scenarios can end in each of the five outcomes: pass, fail, warn, skip and error.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance import registry

REPO = Path(__file__).resolve().parent.parent
FAMILIES = ("signup", "signin", "access")
RUN_TIMEOUT = 180.0
SUMMARY_KEYS = ("passed", "failed", "warned", "skipped", "errors")
CHECK_KEYS = ("id", "level", "outcome", "reference", "message")

# Whole secrets of the kinds the suite makes or receives. The redactor keeps only the first six
# characters of a secret and appends "…[N chars]", which these patterns do not match.
JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
PASSWORD_PATTERN = re.compile(r"Pw-[A-Za-z0-9_-]{16}")

# A reference backend whose 401 responses lack WWW-Authenticate, which only a SHOULD check detects.
NO_CHALLENGE_VARIANT = '''
from conformance.profile_loader import load_profile
from conformance.reference import create_app
from conformance.reference_target import reference_settings_for

_reference = create_app(reference_settings_for(load_profile("reference")))


async def app(scope, receive, send):
    async def send_without_challenge(message):
        if message["type"] == "http.response.start":
            headers = [(name, value) for name, value in message.get("headers", [])
                       if name.lower() != b"www-authenticate"]
            message = {**message, "headers": headers}
        await send(message)

    await _reference(scope, receive, send_without_challenge)
'''

# The Express tutorial profile with listed accounts, so that the suite cannot sign up.
FIXED_ACCOUNTS_PROFILE = '''
extends = "bezkoder-express"
name = "express-fixed-accounts"

[accounts]
mode = "fixed"
fixed = [{ username = "fixed-user", password = "fixed-user-password", role = "user" }]
'''


@dataclass
class ScenarioRun:
    """Exit code, output and report of one scenario run."""

    returncode: int
    output: str
    report: dict[str, Any]

    def outcomes(self) -> dict[str, str]:
        """Return the outcome of each check, by check id."""
        return {check["id"]: check["outcome"] for check in self.report["checks"]}

    def check(self, check_id: str) -> dict[str, Any]:
        for check in self.report["checks"]:
            if check["id"] == check_id:
                return dict(check)
        raise AssertionError(f"check {check_id} is not in the report\n{self.output[-3000:]}")


def family_check_ids() -> set[str]:
    """Return the ids of every check of the signup, signin and access families."""
    return {check.id for check in registry.all_checks() if check.family in FAMILIES}


def run_scenarios(report_dir: Path, *options: str, paths: tuple[str, ...] = ("scenarios",),
                  extra_path: Path | None = None) -> ScenarioRun:
    """Run the scenarios in a subprocess and return its exit code, output and report."""
    env = dict(os.environ)
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(extra_path),
                                                          env.get("PYTHONPATH")]))
    command = [
        sys.executable, "-m", "pytest", *paths, "-p", "conformance.plugin",
        "-p", "no:cacheprovider", "-q", "--report-dir", str(report_dir), *options,
    ]
    completed = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                               timeout=RUN_TIMEOUT, check=False)
    output = completed.stdout + completed.stderr

    reports = sorted(report_dir.glob("*/report.json"))
    assert len(reports) == 1, f"expected one report.json in {report_dir}\n{output[-3000:]}"
    report = json.loads(reports[0].read_text(encoding="utf-8"))
    return ScenarioRun(completed.returncode, output, report)


def assert_report_shape(report: dict[str, Any]) -> None:
    """Assert the top-level fields, the summary counts and the fields of each check."""
    for key in ("schema_version", "target", "profile", "summary", "checks"):
        assert key in report, f"report.json has no {key!r}"
    for key in SUMMARY_KEYS:
        assert isinstance(report["summary"].get(key), int), f"summary has no count {key!r}"
    for check in report["checks"]:
        for key in CHECK_KEYS:
            assert key in check, f"check {check.get('id')} has no {key!r}"


def assert_clean_run(run: ScenarioRun) -> None:
    """Assert that every check of the families ran and none failed or errored."""
    outcomes = run.outcomes()
    missing = family_check_ids() - set(outcomes)
    assert not missing, f"checks missing from the report: {sorted(missing)}"

    bad = {check_id: outcome for check_id, outcome in outcomes.items()
           if check_id in family_check_ids() and outcome in ("fail", "error")}
    assert not bad, f"checks that failed or errored: {bad}\n{run.output[-3000:]}"
    assert run.report["summary"]["failed"] == 0
    assert run.report["summary"]["errors"] == 0
    assert run.report["summary"]["passed"] >= 20
    assert run.returncode == 0, run.output[-3000:]


@pytest.fixture
def closed_port() -> Iterator[int]:
    """Yield a loopback port that refuses connections: bound, but not listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        yield port


@pytest.mark.parametrize("profile", ["reference", "reference-rotating"])
def test_reference_passes_every_check(tmp_path: Path, profile: str) -> None:
    run = run_scenarios(tmp_path, "--profile", profile)

    assert_report_shape(run.report)
    assert run.report["profile"] == profile
    assert "reference" in run.report["target"]
    assert_clean_run(run)


@pytest.fixture(scope="module")
def unsigned_run(tmp_path_factory: pytest.TempPathFactory) -> ScenarioRun:
    """The scenarios run once against the variant that skips signature verification."""
    return run_scenarios(tmp_path_factory.mktemp("unsigned"), "--app",
                         "tests.variants.unsigned:app")


def test_unsigned_variant_fails_signature(unsigned_run: ScenarioRun) -> None:
    assert_report_shape(unsigned_run.report)
    signature = unsigned_run.check("access.bad-signature-rejected")
    assert signature["outcome"] == "fail"
    assert "expected status 401, received 200" in signature["message"]
    assert signature["remedy"]
    assert signature["reproducer"].startswith("curl ")
    assert unsigned_run.returncode == 1, unsigned_run.output[-3000:]


def test_unsigned_variant_fails_nothing_else(unsigned_run: ScenarioRun) -> None:
    # Skips are allowed: some checks do not apply to the profile or the in-process clock.
    # The attack and token families catch this fault too; this test covers the three
    # families whose runs it starts.
    failed = {check_id for check_id, outcome in unsigned_run.outcomes().items()
              if outcome not in ("pass", "skip")
              and check_id.split(".")[0] in ("signup", "signin", "access")}

    assert failed == {"access.bad-signature-rejected"}


def test_unsigned_variant_report_redacted(unsigned_run: ScenarioRun) -> None:
    report_text = json.dumps(unsigned_run.report)
    exchanges = [exchange for check in unsigned_run.report["checks"]
                 for case in check["cases"] for exchange in case["exchanges"]]

    assert exchanges, "the failed checks recorded no exchange"
    assert not JWT_PATTERN.search(report_text), "report.json contains a whole JWT"
    assert not PASSWORD_PATTERN.search(report_text), "report.json contains a whole password"
    assert not JWT_PATTERN.search(unsigned_run.output), "pytest output contains a whole JWT"


def test_no_challenge_variant_warns(tmp_path: Path) -> None:
    (tmp_path / "no_challenge.py").write_text(NO_CHALLENGE_VARIANT, encoding="utf-8")
    reports = tmp_path / "reports"

    run = run_scenarios(reports, "--app", "no_challenge:app",
                        paths=("scenarios/test_access.py",), extra_path=tmp_path)

    challenge = run.check("access.www-authenticate-on-401")
    assert challenge["outcome"] == "warn"
    assert challenge["level"] == "SHOULD"
    assert "no WWW-Authenticate header" in challenge["received"]
    assert run.report["summary"]["warned"] == 1
    assert run.report["summary"]["failed"] == 0
    assert run.returncode == 0, run.output[-3000:]


def test_no_challenge_variant_strict_fails(tmp_path: Path) -> None:
    (tmp_path / "no_challenge.py").write_text(NO_CHALLENGE_VARIANT, encoding="utf-8")
    reports = tmp_path / "reports"

    run = run_scenarios(reports, "--app", "no_challenge:app", "--conformance-strict",
                        paths=("scenarios/test_access.py",), extra_path=tmp_path)

    assert run.check("access.www-authenticate-on-401")["outcome"] == "warn"
    assert run.returncode == 1, run.output[-3000:]


def test_fixed_accounts_skip_signup(tmp_path: Path) -> None:
    profile = tmp_path / "express-fixed.toml"
    profile.write_text(FIXED_ACCOUNTS_PROFILE, encoding="utf-8")
    reports = tmp_path / "reports"

    run = run_scenarios(reports, "--profile", str(profile), paths=("scenarios/test_signup.py",))

    signup_ids = {check_id for check_id in family_check_ids() if check_id.startswith("signup.")}
    assert set(run.outcomes()) == signup_ids
    for check_id in signup_ids:
        check = run.check(check_id)
        assert check["outcome"] == "skip", check
        assert "accounts.mode is 'fixed'" in check["message"]
    assert run.report["summary"]["skipped"] == len(signup_ids)
    assert run.returncode == 0, run.output[-3000:]


def test_unreachable_backend_errors_everywhere(tmp_path: Path, closed_port: int) -> None:
    target = f"http://127.0.0.1:{closed_port}"

    run = run_scenarios(tmp_path, "--target", target, "--profile", "reference")

    assert_report_shape(run.report)
    outcomes = run.outcomes()
    assert set(outcomes) >= family_check_ids()
    # A check that needs a clock the target cannot give skips before it sends a request.
    decided = {check_id: outcome for check_id, outcome in outcomes.items()
               if outcome not in ("error", "skip")}
    assert not decided, f"checks that passed or failed without a backend: {decided}"
    assert "error" in outcomes.values()
    message = run.check("access.public-without-token")["message"]
    assert target in message
    assert "Traceback" not in run.output
    assert run.returncode != 0


def test_unreachable_backend_tried_three_times(tmp_path: Path, closed_port: int) -> None:
    target = f"http://127.0.0.1:{closed_port}"

    run = run_scenarios(tmp_path, "--target", target, "--profile", "reference")

    errors = [exchange["error"] for check in run.report["checks"] for case in check["cases"]
              for exchange in case["exchanges"] if exchange["error"]]
    attempted = [error for error in errors if not error.startswith("not sent")]
    assert len(attempted) == 3, attempted
    assert len(errors) > len(attempted)
    assert all(target in error for error in errors if error.startswith("not sent"))
