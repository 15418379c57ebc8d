"""Tests of `jwt-conformance compare`: runs side by side, with the rows that differ marked.

The unit tests compare report.json files written from hand-made results. The end-to-end test
runs three families against the reference backend and against the variant without signature
verification, then checks that compare marks exactly the checks whose outcomes differ in the
two report.json files.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance.outcome import CheckResult, Outcome
from conformance.report.compare import CompareError, compare
from conformance.report.compare_html import render_compare_html
from conformance.report.compare_markdown import render_compare_markdown
from conformance.results import RunResults
from tests.test_reports import FAILING, PASSING, sample_results

ROOT = Path(__file__).resolve().parent.parent
RUN_TIMEOUT = 600.0
# The families of the end-to-end runs: enough for rows that differ and rows that do not, while
# both runs stay within seconds.
SELECTED = ("--select", "access", "--select", "signin", "--select", "signup")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)


def _clean_results() -> RunResults:
    results = RunResults("20260101-110000-0000", target="embedded reference backend",
                         profile="reference")
    results.add(CheckResult(PASSING, Outcome.PASS, test="t::ok"))
    results.add(CheckResult(FAILING, Outcome.PASS, test="t::signature"))
    return results


@pytest.fixture
def run_dirs(tmp_path: Path) -> list[Path]:
    return [_clean_results().write(tmp_path), sample_results().write(tmp_path)]


def test_compare_marks_differing_rows(run_dirs: list[Path]) -> None:
    comparison = compare(run_dirs)
    differing = {row.check_id for row in comparison.differing}
    same = {row.check_id for row in comparison.rows if not row.differs}
    assert FAILING in differing
    assert same == {PASSING}


def test_compare_absent_check_has_no_outcome(run_dirs: list[Path]) -> None:
    rows = {row.check_id: row for row in compare(run_dirs).rows}
    assert rows["signin.mistyped-fields-rejected"].outcomes == (None, "skip")


def test_compare_labels_runs(run_dirs: list[Path]) -> None:
    labels = [run.label for run in compare(run_dirs).runs]
    assert labels == ["reference @ embedded reference backend",
                      "reference @ app tests.variants.unsigned:app"]


def test_compare_labels_same_backend_by_run(tmp_path: Path) -> None:
    first = _clean_results().write(tmp_path / "a")
    second = _clean_results().write(tmp_path / "b")
    labels = [run.label for run in compare([first, second]).runs]
    assert labels[0] == "reference @ embedded reference backend (20260101-110000-0000)"
    assert len(set(labels)) == 1


def test_markdown_marks_differences(run_dirs: list[Path]) -> None:
    text = render_compare_markdown(compare(run_dirs))
    assert f"| ≠ | `{FAILING}` | MUST | **pass** | **fail** |" in text
    assert f"|  | `{PASSING}` | MUST | pass | pass |" in text
    assert "4 of 5 checks differ" in text


def test_markdown_differences_only(run_dirs: list[Path]) -> None:
    text = render_compare_markdown(compare(run_dirs), differences_only=True)
    assert f"`{PASSING}`" not in text
    assert f"`{FAILING}`" in text


def test_html_highlights_differences(run_dirs: list[Path]) -> None:
    page = render_compare_html(compare(run_dirs))
    assert f'<tr class="differs" data-check="{FAILING}">' in page
    assert f'<tr data-check="{PASSING}">' in page


def test_missing_report_named(tmp_path: Path) -> None:
    with pytest.raises(CompareError, match=r"contains no report\.json"):
        compare([tmp_path])


def test_missing_folder_named(tmp_path: Path) -> None:
    with pytest.raises(CompareError, match="not found"):
        compare([tmp_path / "absent"])


def test_other_major_version_rejected(tmp_path: Path) -> None:
    data: dict[str, Any] = {"schema_version": "2.0"}
    (tmp_path / "report.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CompareError, match=r"schema version '2\.0'"):
        compare([tmp_path])


def test_incomplete_report_rejected(tmp_path: Path) -> None:
    data = _clean_results().to_json()
    del data["checks"]
    (tmp_path / "report.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CompareError, match="it has no 'checks'"):
        compare([tmp_path])


def test_command_writes_both_formats(run_dirs: list[Path], tmp_path: Path) -> None:
    output = tmp_path / "compare.md"
    page = tmp_path / "compare.html"
    completed = _cli("compare", *map(str, run_dirs), "--output", str(output),
                     "--html", str(page))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == ""
    assert "≠" in output.read_text(encoding="utf-8")
    assert 'class="differs"' in page.read_text(encoding="utf-8")


def test_command_prints_markdown(run_dirs: list[Path]) -> None:
    completed = _cli("compare", *map(str, run_dirs))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("# Comparison of 2 runs")


def test_command_bad_folder_exits_two(tmp_path: Path) -> None:
    completed = _cli("compare", str(tmp_path))
    assert completed.returncode == 2
    assert "contains no report.json" in completed.stderr


# End to end


@pytest.fixture(scope="module")
def reference_and_variant(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Run the suite against the reference and the failing variant, side by side."""
    report_dir = tmp_path_factory.mktemp("runs")
    run = [sys.executable, "-m", "conformance", "run", *SELECTED]
    commands = [
        [*run, "--report-dir", str(report_dir / "ref")],
        [*run, "--app", "tests.variants.unsigned:app", "--report-dir", str(report_dir / "variant")],
    ]
    processes = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL) for command in commands]
    try:
        for process in processes:
            process.wait(timeout=RUN_TIMEOUT)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    return [next((report_dir / name).iterdir()) for name in ("ref", "variant")]


def _outcomes(run_dir: Path) -> dict[str, str]:
    data = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    return {check["id"]: check["outcome"] for check in data["checks"]}


def test_compare_shows_exactly_differing_checks(reference_and_variant: list[Path]) -> None:
    reference, variant = (_outcomes(run_dir) for run_dir in reference_and_variant)
    expected = {check_id for check_id in reference.keys() | variant.keys()
                if reference.get(check_id) != variant.get(check_id)}

    completed = _cli("compare", *map(str, reference_and_variant))
    marked = {line.split("`")[1] for line in completed.stdout.splitlines()
              if line.startswith("| ≠ |")}

    assert completed.returncode == 0, completed.stderr
    assert FAILING in expected
    assert marked == expected
