"""Rendering of the HTML reports in headless Chromium (Debian package `chromium`).

A run of three families against the variant without signature verification writes
report.html. Chromium loads it from disk with networking off, runs its inline script and dumps
the resulting DOM, and the test reads the matrix of families by outcome from that DOM and
compares it with report.json.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
RUN_TIMEOUT = 600.0
BROWSER_TIMEOUT = 120.0
# Three families keep the run to seconds while the matrix still has several rows.
SELECTED = ("--select", "access", "--select", "signin", "--select", "signup")
OUTCOME_KEYS = {"pass": "passed", "fail": "failed", "warn": "warned", "skip": "skipped",
                "error": "errors"}

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed; install Debian's package with `apt-get install chromium`",
)


class MatrixParser(HTMLParser):
    """Collects the counts of the matrix cells: {family: {outcome: count}}."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, dict[str, int]] = {}
        self.shown_count = ""
        self.failure_ids: list[str] = []
        self._family: str | None = None
        self._outcome: str | None = None
        self._in_matrix = False
        self._in_counter = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table" and attributes.get("class") == "matrix":
            self._in_matrix = True
        elif self._in_matrix and tag == "tr" and attributes.get("data-family"):
            self._family = attributes["data-family"]
        elif self._in_matrix and tag == "td" and self._family is not None:
            self._outcome = attributes.get("data-outcome")
        elif tag == "span" and attributes.get("id") == "shown-count":
            self._in_counter = True
        elif tag == "details" and "check" in (attributes.get("class") or "").split():
            self.failure_ids.append(attributes.get("data-check") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_matrix = False
        elif tag == "td":
            self._outcome = None
        elif tag == "span":
            self._in_counter = False

    def handle_data(self, data: str) -> None:
        if self._family is not None and self._outcome is not None and data.strip():
            self.counts.setdefault(self._family, {})[self._outcome] = int(data)
        if self._in_counter:
            self.shown_count += data


def _chromium(page: Path, profile_dir: Path, *mode: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={profile_dir}", *mode, page.resolve().as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=BROWSER_TIMEOUT,
                          check=False)


@pytest.fixture(scope="module")
def variant_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    report_dir = tmp_path_factory.mktemp("reports")
    completed = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--app", "tests.variants.unsigned:app",
         *SELECTED, "--report-dir", str(report_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    (folder,) = report_dir.iterdir()
    return folder


@pytest.fixture(scope="module")
def rendered(variant_run: Path, tmp_path_factory: pytest.TempPathFactory) -> MatrixParser:
    completed = _chromium(variant_run / "report.html", tmp_path_factory.mktemp("profile"),
                          "--dump-dom")
    assert completed.returncode == 0, completed.stderr[-2000:]
    parser = MatrixParser()
    parser.feed(completed.stdout)
    return parser


def _report(run: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((run / "report.json").read_text(encoding="utf-8"))
    return data


def test_run_writes_every_format(variant_run: Path) -> None:
    names = sorted(path.name for path in variant_run.iterdir())
    assert names == ["report.html", "report.json", "report.md", "report.xml"]


def test_matrix_shows_family_counts(variant_run: Path, rendered: MatrixParser) -> None:
    families = _report(variant_run)["families"]
    for family, counts in families.items():
        shown = rendered.counts[family]
        for outcome, key in OUTCOME_KEYS.items():
            assert shown[outcome] == counts[key], (family, outcome)


def test_matrix_shows_totals(variant_run: Path, rendered: MatrixParser) -> None:
    summary = _report(variant_run)["summary"]
    shown = rendered.counts["total"]
    for outcome, key in OUTCOME_KEYS.items():
        assert shown[outcome] == summary[key], outcome
    assert shown["total"] == sum(summary.values())


def test_matrix_lists_every_family(variant_run: Path, rendered: MatrixParser) -> None:
    families = set(_report(variant_run)["families"])
    assert set(rendered.counts) == families | {"total"}


def test_failure_is_rendered(rendered: MatrixParser) -> None:
    assert "access.bad-signature-rejected" in rendered.failure_ids


def test_inline_script_ran(variant_run: Path, rendered: MatrixParser) -> None:
    checks = len(_report(variant_run)["checks"])
    assert rendered.shown_count == f"showing {checks} of {checks} checks"


def test_screenshot_is_written(variant_run: Path, tmp_path: Path) -> None:
    picture = tmp_path / "report.png"
    completed = _chromium(variant_run / "report.html", tmp_path / "profile",
                          f"--screenshot={picture}", "--window-size=1280,1600")
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_page_marks_differences(variant_run: Path, tmp_path: Path) -> None:
    # A copy of the run in which one passing check failed: exactly that row must differ.
    changed = tmp_path / "changed"
    changed.mkdir()
    data = _report(variant_run)
    flipped = next(check for check in data["checks"] if check["outcome"] == "pass")
    flipped["outcome"] = "fail"
    (changed / "report.json").write_text(json.dumps(data), encoding="utf-8")
    page = tmp_path / "compare.html"
    completed = subprocess.run(
        [sys.executable, "-m", "conformance", "compare", str(variant_run), str(changed),
         "--html", str(page), "--output", str(tmp_path / "compare.md")],
        cwd=ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    assert completed.returncode == 0, completed.stderr

    dumped = _chromium(page, tmp_path / "profile", "--dump-dom")

    assert dumped.returncode == 0, dumped.stderr[-2000:]
    assert dumped.stdout.count('class="differs"') == 1
    assert f'<tr class="differs" data-check="{flipped["id"]}">' in dumped.stdout
