"""End-to-end runs of the client and logout scenarios against the reference backend and variants.

A known client that breaks is a warning, not a failure, unless the backend also contradicts its
own profile; the runs below show both cases.
"""

from __future__ import annotations

from pathlib import Path

from tests.test_scenarios_inprocess import ScenarioRun, run_scenarios

SCENARIOS = ("scenarios/test_client.py", "scenarios/test_logout.py")


def _run(tmp_path: Path, *options: str) -> ScenarioRun:
    return run_scenarios(tmp_path / "reports", *options, paths=SCENARIOS)


def _not_passed(run: ScenarioRun) -> dict[str, str]:
    return {check_id: outcome for check_id, outcome in run.outcomes().items()
            if outcome != "pass"}


def test_reference_passes_client_and_logout(tmp_path: Path) -> None:
    run = _run(tmp_path)

    assert _not_passed(run) == {}
    assert "fails requests" in run.check("client.angular17-concurrent-expired")["message"]
    assert run.returncode == 0, run.output[-3000:]


def test_rotation_breaks_angular12_second_refresh(tmp_path: Path) -> None:
    run = _run(tmp_path, "--profile", "reference-rotating")

    assert _not_passed(run) == {"client.angular12-second-refresh": "warn"}
    assert "logs out early" in run.check("client.angular12-second-refresh")["message"]
    assert run.returncode == 0


def test_refresh_401_deadlocks_angular12(tmp_path: Path) -> None:
    run = _run(tmp_path, "--app", "tests.variants.refresh_401:app")
    not_passed = _not_passed(run)

    assert not_passed.pop("client.correct-client-flows") == "fail"
    assert not_passed.pop("client.angular12-refresh-rejected") == "warn"
    assert not_passed.pop("client.angular17-refresh-rejected") == "warn"
    assert not_passed.pop("logout.signout-revokes-refresh") == "fail"
    assert not_passed == {}
    assert "deadlocks" in run.check("client.angular12-refresh-rejected")["message"]
    assert "misses logout" in run.check("client.angular17-refresh-rejected")["message"]


def test_unchecked_refresh_expiry_fails_logout(tmp_path: Path) -> None:
    run = _run(tmp_path, "--app", "tests.variants.refresh_expiry_unchecked:app",
               "-k", "refresh_expiry_logs_out")

    assert run.outcomes() == {"logout.refresh-expiry-logs-out": "fail"}
