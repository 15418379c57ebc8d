"""End-to-end runs of the expiry and refresh scenarios against in-process backends.

The reference backend must pass every check it can under each clock, and each variant in
tests/variants must fail exactly the checks of its fault.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import registry
from tests.scenario_run import PROFILES, REPO, run_scenarios

FAMILIES = ("expiry", "refresh")
JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")

# Variant module -> the check ids that must fail on it, and no others.
VARIANTS = {
    "refresh_expiry_unchecked": {"refresh.expired-token-rejected"},
    "expired_access_403": {
        "expiry.expired-status-triggers-refresh",
        "expiry.access-rejected-at-exp",
        "expiry.access-rejected-after-exp",
    },
    "refresh_needs_live_access": {"refresh.works-after-access-expiry"},
}


def _family_ids() -> set[str]:
    return {check.id for check in registry.all_checks() if check.family in FAMILIES}


@pytest.mark.parametrize("profile", ["reference", "reference-rotating"])
def test_reference_passes_frozen_clock(tmp_path: Path, profile: str) -> None:
    run = run_scenarios(tmp_path, "--profile", profile)

    assert run.returncode == 0, run.output[-3000:]
    assert run.not_passed() == {}
    assert set(run.outcomes()) == _family_ids()
    assert run.report["clock"]["name"] == "frozen"


def test_leeway_grace_checks_pass(tmp_path: Path) -> None:
    run = run_scenarios(tmp_path, "--profile", str(PROFILES / "reference-leeway-grace.toml"))
    outcomes = run.outcomes()

    assert run.returncode == 0, run.output[-3000:]
    assert run.not_passed() == {}
    assert outcomes["expiry.access-accepted-within-leeway"] == "pass"
    assert outcomes["refresh.grace-window-honoured"] == "pass"
    assert outcomes["refresh.rotated-token-rejected"] == "pass"
    assert "did not revoke" in run.check("refresh.reuse-revokes-family")["message"]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_fails_its_checks(tmp_path: Path, variant: str) -> None:
    run = run_scenarios(tmp_path, "--app", f"tests.variants.{variant}:app")

    failed = {check_id for check_id, outcome in run.outcomes().items() if outcome == "fail"}
    assert run.returncode == 1, run.output[-3000:]
    assert failed == VARIANTS[variant], run.not_passed()
    assert not JWT_PATTERN.search(run.output)
    assert not JWT_PATTERN.search(str(run.report))


def test_forbidden_variant_message_explains(tmp_path: Path) -> None:
    run = run_scenarios(tmp_path, "--app", "tests.variants.expired_access_403:app",
                        "-k", "triggers_refresh")
    check = run.check("expiry.expired-status-triggers-refresh")

    assert check["outcome"] == "fail"
    assert "signs the user out" in check["message"]
    assert check["expected"] == 401
    assert check["received"] == 403


def test_forge_clock_passes_reference(tmp_path: Path) -> None:
    run = run_scenarios(tmp_path, "--clock", "forge")
    expired = run.check("refresh.expired-token-rejected")

    assert run.returncode == 0, run.output[-3000:]
    assert run.not_passed() == {}
    assert run.outcomes()["expiry.access-rejected-at-exp"] == "pass"
    assert expired["outcome"] == "skip"
    assert "backend's own clock" in expired["message"]


def test_forge_clock_catches_403_variant(tmp_path: Path) -> None:
    run = run_scenarios(tmp_path, "--clock", "forge", "--app",
                        "tests.variants.expired_access_403:app", families=("expiry",))

    assert run.outcomes()["expiry.expired-status-triggers-refresh"] == "fail"


def test_hook_clock_passes_reference(tmp_path: Path) -> None:
    run = run_scenarios(tmp_path, "--clock", "hook", "--profile",
                        str(PROFILES / "reference-hook.toml"))

    assert run.returncode == 0, run.output[-3000:]
    assert run.not_passed() == {}
    assert run.outcomes()["refresh.expired-token-rejected"] == "pass"
    assert run.report["clock"]["name"] == "hook"


def test_wait_clock_skips_long_waits(tmp_path: Path) -> None:
    run = run_scenarios(tmp_path, "--clock", "wait", "--max-wait", "1")
    skipped = run.check("expiry.access-rejected-at-exp")

    assert run.returncode == 0, run.output[-3000:]
    assert skipped["outcome"] == "skip"
    assert "--max-wait 1 s" in skipped["message"]
    assert run.report["clock"]["waited_s"] == 0


def test_wait_clock_short_lifetimes(tmp_path: Path) -> None:
    run = run_scenarios(tmp_path, "--clock", "wait", "--max-wait", "5", "--profile",
                        str(PROFILES / "reference-short.toml"),
                        "-k", "rejected_at_exp or expired_token_rejected")
    at_exp = run.check("expiry.access-rejected-at-exp")

    assert run.returncode == 0, run.output[-3000:]
    assert at_exp["outcome"] == "pass"
    assert run.check("refresh.expired-token-rejected")["outcome"] == "pass"
    assert "waited" in at_exp["message"]
    assert run.report["clock"]["waited_s"] > 0


def test_unavailable_clock_usage_error(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "pytest", "scenarios/test_expiry.py", "-p",
               "conformance.plugin", "-p", "no:cacheprovider", "-q", "--clock", "faketime"]

    completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120,
                               check=False)

    assert completed.returncode == 4
    assert "--target-cmd" in completed.stdout + completed.stderr


def test_cli_run_accepts_clock(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "conformance", "run", "--clock", "forge", "--report-dir",
               str(tmp_path), "-k", "expiry"]

    completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=240,
                               check=False)

    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    assert "expiry" in completed.stdout
