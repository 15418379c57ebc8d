"""Unit tests of the report writers: report.json against its schema, Markdown, HTML and JUnit.

The results are built by hand, with one check per outcome and hostile backend content (markup,
pipes, control characters), so every branch of each writer runs without a backend.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conformance.gate import Gate, KnownFailure
from conformance.gate.baseline import Baseline
from conformance.outcome import CheckResult, Outcome
from conformance.report import render_html, render_junit, render_markdown, write_reports
from conformance.report.schema import load_schema, schema_name
from conformance.results import RunResults
from conformance.summary import render_summary

FAILING = "access.bad-signature-rejected"
PASSING = "access.valid-token-accepted"
WARNING = "access.www-authenticate-on-401"
SKIPPED = "signin.mistyped-fields-rejected"
ERRORED = "signup.new-account-accepted"
HOSTILE_BODY = '<script>alert("x")</script> | pipe \x01 control'


def _exchange(body: str = '{"message": "ok"}', status: int | None = 200) -> dict[str, Any]:
    return {
        "request": {"method": "GET", "url": "http://backend.test/api/test/user",
                    "headers": {"x-access-token": "eyJhbG…[301 chars #07b092]"}, "body": ""},
        "response": None if status is None else {
            "status": status, "headers": {"content-type": "text/html"}, "body": body},
        "error": None if status is not None else "ConnectError: refused",
        "elapsed_ms": 3.2,
    }


def sample_results(gate: Gate | None = None) -> RunResults:
    """Return a run with one check of each outcome, the failure carrying full evidence."""
    results = RunResults("20260101-120000-abcd", target="app tests.variants.unsigned:app",
                         profile="reference", gate=gate or Gate())
    results.clock = {"name": "frozen", "how": "freezegun freezes the suite"}
    results.add(CheckResult(PASSING, Outcome.PASS, test="scenarios/test_access.py::test_ok",
                            duration=0.02))
    results.add(CheckResult(
        FAILING, Outcome.FAIL, "expected status 401, received 200 OK", expected=401,
        received={"status": 200, "body": HOSTILE_BODY}, remedy="verify the signature",
        exchanges=[_exchange(), _exchange(HOSTILE_BODY)],
        reproducer="curl -i -X GET -H 'x-access-token: eyJhbG…[301 chars #07b092]' "
                   "http://backend.test/api/test/user",
        duration=0.05, test="scenarios/test_access.py::test_bad_signature[altered]"))
    results.add(CheckResult(FAILING, Outcome.PASS, duration=0.01,
                            test="scenarios/test_access.py::test_bad_signature[other-key]"))
    results.add(CheckResult(WARNING, Outcome.WARN, "401 without WWW-Authenticate",
                            exchanges=[_exchange(status=401)], test="t::warn"))
    results.add(CheckResult(SKIPPED, Outcome.SKIP, "the signin.body template has no field",
                            test="t::skip"))
    results.add(CheckResult(ERRORED, Outcome.ERROR, "POST /api/auth/signup failed: refused",
                            exchanges=[_exchange(status=None)], test="t::error",
                            backend_output="listening on 8080\nTypeError: boom\n"))
    return results


def _known_failure_gate(tmp_path: Path) -> Gate:
    baseline = Baseline(tmp_path / "baseline.toml",
                        (KnownFailure(FAILING, "fix lands with the key rotation work"),))
    return Gate(baseline=baseline)


# report.json


def test_report_json_matches_schema() -> None:
    data = sample_results().to_json()
    validator = jsonschema.Draft202012Validator(
        load_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = [error.message for error in validator.iter_errors(data)]
    assert errors == []


def test_report_json_with_baseline_matches_schema(tmp_path: Path) -> None:
    data = sample_results(_known_failure_gate(tmp_path)).to_json()
    jsonschema.validate(data, load_schema(), cls=jsonschema.Draft202012Validator)


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(load_schema())


def test_schema_rejects_unknown_field() -> None:
    data = sample_results().to_json()
    data["undocumented"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, load_schema(), cls=jsonschema.Draft202012Validator)


def test_schema_rejects_other_major_version() -> None:
    data = sample_results().to_json()
    data["schema_version"] = "2.0"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, load_schema(), cls=jsonschema.Draft202012Validator)


def test_schema_name_follows_major_version() -> None:
    assert schema_name("1.0") == "report-1.json"
    assert schema_name("1.7") == "report-1.json"
    assert schema_name("2.0") == "report-2.json"


def test_check_takes_most_severe_case() -> None:
    checks = {check["id"]: check for check in sample_results().to_json()["checks"]}
    assert checks[FAILING]["outcome"] == "fail"
    assert len(checks[FAILING]["cases"]) == 2
    assert checks[FAILING]["expected"] == 401


def test_passing_case_keeps_no_exchanges() -> None:
    checks = {check["id"]: check for check in sample_results().to_json()["checks"]}
    passing_case = checks[FAILING]["cases"][1]
    assert passing_case["outcome"] == "pass"
    assert passing_case["exchanges"] == []


# write_reports


def test_write_creates_every_format(tmp_path: Path) -> None:
    folder = write_reports(sample_results(), tmp_path)
    assert folder == tmp_path / "20260101-120000-abcd"
    assert sorted(path.name for path in folder.iterdir()) == [
        "report.html", "report.json", "report.md", "report.xml"]


def test_results_write_uses_report_package(tmp_path: Path) -> None:
    folder = sample_results().write(tmp_path)
    data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert data["run_id"] == "20260101-120000-abcd"


def test_write_survives_lone_surrogate(tmp_path: Path) -> None:
    results = sample_results()
    results.add(CheckResult("signin.valid-credentials-accepted", Outcome.FAIL, "bad \ud800 text",
                            received="\ud800", test="t::surrogate"))
    folder = results.write(tmp_path)
    assert "\\ud800" in (folder / "report.json").read_text(encoding="utf-8")
    ET.parse(folder / "report.xml")


# Markdown


def test_markdown_lists_failure_evidence() -> None:
    text = render_markdown(sample_results().to_json())
    assert f"### `{FAILING}`: fail" in text
    assert "- expected: 401" in text
    assert "curl -i -X GET" in text
    assert "HTTP 200" in text


def test_markdown_escapes_table_cells() -> None:
    results = sample_results()
    results.add(CheckResult("signin.wrong-password-rejected", Outcome.FAIL, "a | b <i>c</i>",
                            test="t::pipes"))
    line = next(line for line in render_markdown(results.to_json()).splitlines()
                if line.startswith("| `signin.wrong-password-rejected`"))
    assert "a \\| b &lt;i&gt;c&lt;/i&gt;" in line


def test_markdown_fence_outlasts_backticks() -> None:
    results = sample_results()
    results.results[1].exchanges = [_exchange("````` inside")]
    text = render_markdown(results.to_json())
    assert "``````http" in text


def test_markdown_shows_backend_output() -> None:
    text = render_markdown(sample_results().to_json())
    assert "TypeError: boom" in text


def test_markdown_marks_known_failure(tmp_path: Path) -> None:
    text = render_markdown(sample_results(_known_failure_gate(tmp_path)).to_json())
    assert "Known failure (baseline): fix lands with the key rotation work" in text
    assert "known-failure" in text


# HTML


def test_html_escapes_backend_markup() -> None:
    page = render_html(sample_results().to_json())
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


def test_html_loads_nothing_external() -> None:
    page = render_html(sample_results().to_json())
    assert "<link" not in page
    assert " src=" not in page
    assert "http://" not in page.replace("http://backend.test", "")
    assert "https://" not in page


def test_html_matrix_has_counts() -> None:
    page = render_html(sample_results().to_json())
    assert '<tr data-family="access"><th>access</th>' in page
    assert 'data-outcome="fail">1</td>' in page
    assert 'data-outcome="total">3</td>' in page


def test_html_failure_is_expandable() -> None:
    page = render_html(sample_results().to_json())
    assert f'<details class="check outcome-fail" id="check-{FAILING}"' in page
    assert '<pre class="curl">curl -i -X GET' in page
    assert '<pre class="expected">401</pre>' in page


def test_html_replaces_control_characters() -> None:
    page = render_html(sample_results().to_json())
    assert "\x01" not in page


# JUnit XML


def _testcases(xml: bytes) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    return {case.get("name", ""): case for case in root.iter("testcase")}


def _properties(case: ET.Element) -> dict[str, str]:
    return {prop.get("name", ""): prop.get("value", "") for prop in case.iter("property")}


def test_junit_one_testcase_per_check() -> None:
    cases = _testcases(render_junit(sample_results().to_json()))
    assert sorted(cases) == sorted([FAILING, PASSING, WARNING, SKIPPED, ERRORED])


def test_junit_properties_name_the_check() -> None:
    case = _testcases(render_junit(sample_results().to_json()))[FAILING]
    properties = _properties(case)
    assert properties["check_id"] == FAILING
    assert properties["level"] == "MUST"
    assert properties["reference"].startswith("RFC 7515")
    assert properties["outcome"] == "fail"


@pytest.mark.parametrize(("check_id", "child"), [
    (FAILING, "failure"),
    (ERRORED, "error"),
    (SKIPPED, "skipped"),
])
def test_junit_outcome_elements(check_id: str, child: str) -> None:
    case = _testcases(render_junit(sample_results().to_json()))[check_id]
    assert case.find(child) is not None


def test_junit_warning_passes_unless_strict() -> None:
    case = _testcases(render_junit(sample_results().to_json()))[WARNING]
    assert case.find("failure") is None
    assert "WARN" in (case.findtext("system-out") or "")


def test_junit_warning_fails_when_strict() -> None:
    case = _testcases(render_junit(sample_results(Gate(strict=True)).to_json()))[WARNING]
    assert case.find("failure") is not None


def test_junit_known_failure_is_skipped(tmp_path: Path) -> None:
    data = sample_results(_known_failure_gate(tmp_path)).to_json()
    skipped = _testcases(render_junit(data))[FAILING].find("skipped")
    assert skipped is not None
    assert skipped.get("type") == "known-failure"


def test_junit_suite_counts() -> None:
    root = ET.fromstring(render_junit(sample_results().to_json()))
    assert root.get("tests") == "5"
    assert root.get("failures") == "1"
    assert root.get("errors") == "1"
    assert root.get("skipped") == "1"


def test_junit_failure_text_has_evidence() -> None:
    failure = _testcases(render_junit(sample_results().to_json()))[FAILING].find("failure")
    assert failure is not None
    assert "expected: 401" in (failure.text or "")
    assert "reproduce: curl" in (failure.text or "")


def test_junit_attaches_backend_output() -> None:
    case = _testcases(render_junit(sample_results().to_json()))[ERRORED]
    assert "TypeError: boom" in (case.findtext("system-err") or "")


# Terminal summary


def test_summary_states_result() -> None:
    text = render_summary(sample_results(), None)
    assert text.splitlines()[-1] == (
        "result: failed (exit code 1): 1 check not met, 1 check ended in an error")


def test_summary_marks_known_failure(tmp_path: Path) -> None:
    text = render_summary(sample_results(_known_failure_gate(tmp_path)), None)
    assert "[known failure: fix lands with the key rotation work]" in text
    assert "1 known failure, 0 stale entries" in text


def test_summary_groups_repeated_errors() -> None:
    results = RunResults("20260101-120000-abcd", target="url http://127.0.0.1:9",
                         profile="reference", gate=Gate())
    message = "the backend at http://127.0.0.1:9 cannot be reached"
    for check_id in (PASSING, FAILING, WARNING):
        results.add(CheckResult(check_id, Outcome.ERROR, message, test=f"t::{check_id}"))
    results.add(CheckResult(ERRORED, Outcome.ERROR, "another error", test="t::other"))

    lines = render_summary(results, None).splitlines()

    assert f"ERROR 3 checks: {message}" in lines
    assert sum(message in line for line in lines) == 1
    assert any(PASSING in line and FAILING in line and WARNING in line for line in lines)
    assert any(line.startswith(f"ERROR {ERRORED} (") for line in lines)


def test_summary_lists_two_alike_separately() -> None:
    results = RunResults("20260101-120000-abcd", target="t", profile="reference", gate=Gate())
    for check_id in (PASSING, FAILING):
        results.add(CheckResult(check_id, Outcome.FAIL, "same message", test=f"t::{check_id}"))

    lines = render_summary(results, None).splitlines()

    assert sum("same message" in line for line in lines) == 2


def test_summary_shows_skip_reason() -> None:
    lines = render_summary(sample_results(), None).splitlines()

    skip_line = next(line for line in lines if line.startswith("SKIP"))
    assert SKIPPED in skip_line
    assert "the signin.body template has no field" in skip_line
    assert lines.index(skip_line) < next(i for i, line in enumerate(lines)
                                         if line.startswith("FAIL"))
