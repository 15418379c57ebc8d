"""Tests of the CI gate: --select and --deselect, the baseline of known failures, and progress.

The unit tests judge hand-made outcomes. The end-to-end tests run the access family of the
scenarios against the variant without signature verification, whose only failing access check
is access.bad-signature-rejected, through the CLI and through plain pytest with the plugin.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.exit_codes import EXIT_ERROR, EXIT_FAILED, EXIT_OK
from conformance.gate import EntryStatus, Gate, GateError, Selection, judge, load_gate
from conformance.gate.baseline import load_baseline
from conformance.outcome import Outcome

ROOT = Path(__file__).resolve().parent.parent
VARIANT = "tests.variants.unsigned:app"
FAILING = "access.bad-signature-rejected"
PASSING = "access.valid-token-accepted"
RUN_TIMEOUT = 300.0


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _baseline_toml(tmp_path: Path, *check_ids: str) -> Path:
    entries = "".join(f'[[known_failures]]\ncheck = "{check_id}"\nreason = "tracked"\n\n'
                      for check_id in check_ids)
    return _write(tmp_path / "baseline.toml", entries)


# Selection


def test_selection_matches_id_prefix() -> None:
    selection = Selection(select=("access",))
    assert selection.includes(FAILING)
    assert not selection.includes("signin.valid-credentials-accepted")


def test_deselection_wins_over_selection() -> None:
    selection = Selection(select=("access",), deselect=(FAILING,))
    assert not selection.includes(FAILING)
    assert selection.includes(PASSING)


def test_empty_selection_includes_everything() -> None:
    assert Selection().includes(FAILING)
    assert Selection().is_everything


def test_selection_rejects_unknown_prefix() -> None:
    with pytest.raises(GateError, match="'acess' matches no check id"):
        Selection.of(["acess"], None)


def test_deselection_rejects_empty_pattern() -> None:
    with pytest.raises(GateError, match="--deselect needs a check id"):
        Selection.of(None, [""])


# Baseline files


def test_baseline_reads_toml(tmp_path: Path) -> None:
    baseline = load_baseline(_baseline_toml(tmp_path, FAILING))
    assert baseline.reason_for(FAILING) == "tracked"
    assert baseline.reason_for(PASSING) is None


def test_baseline_reads_json(tmp_path: Path) -> None:
    path = _write(tmp_path / "baseline.json", json.dumps(
        {"known_failures": [{"check": FAILING, "reason": "tracked"}]}))
    assert load_baseline(path).entries[0].check_id == FAILING


@pytest.mark.parametrize(("name", "text", "message"), [
    ("b.toml", '[[known_failures]]\ncheck = "a.b"\nreason = ""\n', "non-empty `reason`"),
    ("b.toml", '[[known_failures]]\nreason = "x"\n', "needs `check`"),
    ("b.toml", '[[known_failures]]\ncheck = "a.b"\nreason = "x"\nowner = "me"\n',
     "unknown keys"),
    ("b.toml", '[[known_failures]]\ncheck = "a.b"\nreason = "x"\n'
               '[[known_failures]]\ncheck = "a.b"\nreason = "y"\n', "a second time"),
    ("b.toml", 'checks = ["a.b"]\n', "exactly one key"),
    ("b.toml", "[[known_failures]\n", "invalid baseline file"),
    ("b.json", '{"known_failures": {}}', "must be a list"),
    ("b.yaml", "known_failures: []\n", "name it *.toml or *.json"),
])
def test_baseline_rejects_invalid_file(tmp_path: Path, name: str, text: str,
                                       message: str) -> None:
    with pytest.raises(GateError, match=message.replace("*", r"\*")):
        load_baseline(_write(tmp_path / name, text))


def test_baseline_missing_file_named(tmp_path: Path) -> None:
    with pytest.raises(GateError, match="not found"):
        load_gate(baseline=tmp_path / "absent.toml")


# Judging a run


def _gate(tmp_path: Path, *check_ids: str, selection: Selection | None = None) -> Gate:
    baseline = load_baseline(_baseline_toml(tmp_path, *check_ids))
    return Gate(selection=selection or Selection(), baseline=baseline)


def test_known_failure_passes_gate(tmp_path: Path) -> None:
    verdict = judge(_gate(tmp_path, FAILING),
                    {FAILING: (Outcome.FAIL, "200"), PASSING: (Outcome.PASS, "")})
    assert verdict.exit_code == EXIT_OK
    assert verdict.known == (FAILING,)


def test_unlisted_failure_fails_gate(tmp_path: Path) -> None:
    verdict = judge(_gate(tmp_path, PASSING), {FAILING: (Outcome.FAIL, "200"),
                                               PASSING: (Outcome.FAIL, "500")})
    assert verdict.exit_code == EXIT_FAILED
    assert verdict.unexpected == (FAILING,)


@pytest.mark.parametrize(("outcomes", "status"), [
    ({FAILING: (Outcome.PASS, "")}, EntryStatus.NOW_PASSES),
    ({FAILING: (Outcome.SKIP, "no signup")}, EntryStatus.SKIPPED),
    ({PASSING: (Outcome.PASS, "")}, EntryStatus.NOT_RUN),
])
def test_stale_entry_fails_gate(tmp_path: Path, outcomes: dict[str, tuple[Outcome, str]],
                                status: EntryStatus) -> None:
    verdict = judge(_gate(tmp_path, FAILING), outcomes)
    assert verdict.exit_code == EXIT_FAILED
    assert [entry.status for entry in verdict.stale] == [status]


def test_removed_check_is_stale(tmp_path: Path) -> None:
    verdict = judge(_gate(tmp_path, "access.no-such-check"), {PASSING: (Outcome.PASS, "")})
    assert verdict.exit_code == EXIT_FAILED
    assert verdict.stale[0].status is EntryStatus.UNKNOWN_CHECK


def test_unselected_entry_is_not_judged(tmp_path: Path) -> None:
    gate = _gate(tmp_path, "signin.wrong-password-rejected",
                 selection=Selection(select=("access",)))
    verdict = judge(gate, {PASSING: (Outcome.PASS, "")})
    assert verdict.exit_code == EXIT_OK
    assert verdict.entries[0].status is EntryStatus.NOT_SELECTED


def test_error_outcome_exits_two(tmp_path: Path) -> None:
    verdict = judge(_gate(tmp_path, FAILING), {FAILING: (Outcome.ERROR, "timed out")})
    assert verdict.exit_code == EXIT_ERROR
    assert verdict.entries[0].status is EntryStatus.UNDECIDED


def test_warning_fails_only_when_strict() -> None:
    outcomes = {"access.error-body-json": (Outcome.WARN, "text/plain")}
    assert judge(Gate(), outcomes).exit_code == EXIT_OK
    assert judge(Gate(strict=True), outcomes).exit_code == EXIT_FAILED


def test_no_checks_exits_two() -> None:
    verdict = judge(Gate(), {})
    assert verdict.exit_code == EXIT_ERROR
    assert "no check ran" in verdict.describe()


# End to end


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance", "run", "--app", VARIANT, *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT,
                          check=False)


def _pytest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "scenarios", "-p", "conformance.plugin",
         "-p", "no:cacheprovider", "--app", VARIANT, "-q", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)


def _report(report_dir: Path) -> dict[str, object]:
    (path,) = report_dir.glob("*/report.json")
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _check_ids(report: dict[str, object]) -> set[str]:
    checks = report["checks"]
    assert isinstance(checks, list)
    return {check["id"] for check in checks}


@pytest.fixture(scope="module")
def access_run(tmp_path_factory: pytest.TempPathFactory
               ) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run the access family against the variant once for the tests that only read the run."""
    report_dir = tmp_path_factory.mktemp("access-run")
    return _cli("--select", "access", "--report-dir", str(report_dir)), report_dir


def test_cli_select_runs_only_family(
    access_run: tuple[subprocess.CompletedProcess[str], Path]
) -> None:
    completed, report_dir = access_run
    ids = _check_ids(_report(report_dir))
    assert completed.returncode == EXIT_FAILED, completed.stdout + completed.stderr
    assert FAILING in ids
    assert all(check_id.startswith("access.") for check_id in ids)


def test_cli_deselect_drops_failure(tmp_path: Path) -> None:
    completed = _cli("--select", "access", "--deselect", FAILING,
                     "--report-dir", str(tmp_path))
    assert completed.returncode == EXIT_OK, completed.stdout + completed.stderr
    assert FAILING not in _check_ids(_report(tmp_path))


def test_cli_baseline_accepts_known_failure(tmp_path: Path) -> None:
    baseline = _baseline_toml(tmp_path, FAILING)
    completed = _cli("--select", "access", "--baseline", str(baseline),
                     "--report-dir", str(tmp_path / "reports"))
    assert completed.returncode == EXIT_OK, completed.stdout + completed.stderr
    assert "[known failure: tracked]" in completed.stdout
    assert "1 known failure accepted by the baseline" in completed.stdout


def test_cli_baseline_stale_entry_fails(tmp_path: Path) -> None:
    baseline = _baseline_toml(tmp_path, FAILING, PASSING)
    completed = _cli("--select", "access", "--baseline", str(baseline),
                     "--report-dir", str(tmp_path / "reports"))
    report = _report(tmp_path / "reports")
    gate = report["gate"]
    assert isinstance(gate, dict)
    assert completed.returncode == EXIT_FAILED, completed.stdout + completed.stderr
    assert f"STALE {PASSING}: the check passes now; remove the entry from" in completed.stdout
    assert gate["exit_code"] == EXIT_FAILED


def test_cli_unknown_select_exits_two(tmp_path: Path) -> None:
    completed = _cli("--select", "acess", "--report-dir", str(tmp_path))
    assert completed.returncode == EXIT_ERROR
    assert "--select 'acess' matches no check id" in completed.stderr
    assert list(tmp_path.iterdir()) == []


def test_cli_invalid_baseline_exits_two(tmp_path: Path) -> None:
    baseline = _write(tmp_path / "baseline.toml", "[[known_failures]]\ncheck = 1\n")
    completed = _cli("--baseline", str(baseline), "--report-dir", str(tmp_path / "reports"))
    assert completed.returncode == EXIT_ERROR
    assert "entry 1 needs `check`" in completed.stderr


def test_cli_progress_counts_checks(
    access_run: tuple[subprocess.CompletedProcess[str], Path]
) -> None:
    completed, _ = access_run
    lines = completed.stderr.splitlines()
    assert "running access checks (10 checks; 0 of 10 done)" in lines
    assert f"fail  {FAILING}" in completed.stderr
    assert any(line.startswith("[10/10] ") for line in lines)


def test_plugin_select_and_baseline(tmp_path: Path) -> None:
    baseline = _baseline_toml(tmp_path, FAILING)
    completed = _pytest("--conformance-select", "access", "--conformance-baseline", str(baseline))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "xfailed" in completed.stdout
    assert "deselected" in completed.stdout


def test_plugin_stale_baseline_fails(tmp_path: Path) -> None:
    baseline = _baseline_toml(tmp_path, FAILING, PASSING)
    completed = _pytest("--conformance-select", "access", "--conformance-baseline", str(baseline))
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert f"STALE {PASSING}" in completed.stdout


def test_plugin_deselect_by_prefix(tmp_path: Path) -> None:
    completed = _pytest("--conformance-select", "access", "--conformance-deselect", FAILING,
                        "--report-dir", str(tmp_path))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert FAILING not in _check_ids(_report(tmp_path))


def test_plugin_unknown_select_named() -> None:
    completed = _pytest("--conformance-select", "acess")
    assert completed.returncode == pytest.ExitCode.USAGE_ERROR
    assert "--conformance-select 'acess' matches no check id" in completed.stderr
