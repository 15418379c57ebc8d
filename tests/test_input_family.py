"""Tests of the input family: its request sources, its Hypothesis runs, and whole runs.

The whole runs are `python -m pytest scenarios -p conformance.plugin -k input` in a subprocess
against the clean reference backend, which must pass every input check, and against the
variants in tests/variants/, which must fail the checks their fault breaks.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance import registry
from conformance.cli import build_parser
from conformance.fuzz import run_examples
from conformance.harness import Harness, RunContext
from conformance.input_cases import OVERSIZED_LENGTH, InputCases
from conformance.input_requests import (
    MAX_RECORDED_BODY_BYTES,
    InputRequest,
    large_body_reproducer,
    send_input,
    shorten_large_bodies,
)
from conformance.outcome import CheckFailed, HarnessError
from conformance.run_options import RunOptions, TargetError, build_context

REPO = Path(__file__).resolve().parent.parent
RUN_TIMEOUT = 300.0
INPUT_CHECKS = sorted(check.id for check in registry.all_checks() if check.family == "input")
JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
PASSWORD_PATTERN = re.compile(r"Pw-[A-Za-z0-9_-]{16}")
SIGNIN_BODY = {"username": "someone", "password": "a password"}


# Whole runs


@dataclass
class InputRun:
    """Exit code, output and report of one run of the input family."""

    returncode: int
    output: str
    report: dict[str, Any]
    cwd: Path

    def check(self, check_id: str) -> dict[str, Any]:
        for check in self.report["checks"]:
            if check["id"] == check_id:
                return dict(check)
        raise AssertionError(f"check {check_id} is not in the report\n{self.output[-3000:]}")

    def outcome(self, check_id: str) -> str:
        return str(self.check(check_id)["outcome"])


def run_input_family(report_dir: Path, *options: str, cwd: Path = REPO,
                     env: dict[str, str] | None = None) -> InputRun:
    """Run the input scenarios in a subprocess and return the report it writes."""
    command = [
        sys.executable, "-m", "pytest", str(REPO / "scenarios"), "-p", "conformance.plugin",
        "-p", "no:cacheprovider", "-q", "-k", "input", "--report-dir", str(report_dir),
        *options,
    ]
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                               timeout=RUN_TIMEOUT, check=False)
    output = completed.stdout + completed.stderr
    reports = sorted(report_dir.glob("*/report.json"))
    assert len(reports) == 1, f"expected one report.json in {report_dir}\n{output[-3000:]}"
    report = json.loads(reports[0].read_text(encoding="utf-8"))
    return InputRun(completed.returncode, output, report, cwd)


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> InputRun:
    """Run the family against the reference from an empty folder, with its own cache folder."""
    cwd = tmp_path_factory.mktemp("cwd")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "XDG_CACHE_HOME": str(tmp_path_factory.mktemp("cache")),
    }
    env.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
    return run_input_family(tmp_path_factory.mktemp("report"), "-p", "no:benchmark",
                            cwd=cwd, env=env)


@pytest.fixture(scope="module")
def null_crash_run(tmp_path_factory: pytest.TempPathFactory) -> InputRun:
    return run_input_family(tmp_path_factory.mktemp("report"),
                            "--app", "tests.variants.refresh_null_crash:app")


@pytest.fixture(scope="module")
def password_crash_run(tmp_path_factory: pytest.TempPathFactory) -> InputRun:
    return run_input_family(tmp_path_factory.mktemp("report"),
                            "--app", "tests.variants.signin_password_crash:app",
                            "--fuzz-examples", "5")


@pytest.mark.parametrize("check_id", INPUT_CHECKS)
def test_reference_passes_input_check(clean_run: InputRun, check_id: str) -> None:
    assert clean_run.outcome(check_id) == "pass", clean_run.check(check_id)["message"]


def test_reference_run_exits_zero(clean_run: InputRun) -> None:
    assert clean_run.returncode == 0, clean_run.output[-3000:]


def test_run_leaves_no_hypothesis_folder(clean_run: InputRun) -> None:
    assert not (clean_run.cwd / ".hypothesis").exists()


@pytest.mark.parametrize("check_id", [
    "input.null-values-rejected", "input.no-server-error", "input.declared-statuses",
])
def test_null_crash_fails_check(null_crash_run: InputRun, check_id: str) -> None:
    assert null_crash_run.outcome(check_id) == "fail", null_crash_run.output[-3000:]


def test_null_crash_passes_wrong_types(null_crash_run: InputRun) -> None:
    assert null_crash_run.outcome("input.wrong-types-rejected") == "pass"


def test_null_crash_reproducer_minimal(null_crash_run: InputRun) -> None:
    check = null_crash_run.check("input.null-values-rejected")

    assert check["reproducer"].startswith("curl ")
    assert '{"refreshToken": null}' in check["reproducer"]
    assert '{"refreshToken": null}' in check["remedy"]


def test_null_crash_keeps_failing_exchange(null_crash_run: InputRun) -> None:
    check = null_crash_run.check("input.null-values-rejected")
    failed = [case for case in check["cases"] if case["outcome"] == "fail"]

    assert [case["test"].split("::")[1] for case in failed] == [
        "test_input_null_values_rejected[refresh]"
    ]
    assert failed[0]["exchanges"][-1]["response"]["status"] == 500


@pytest.mark.parametrize("check_id", [
    "input.wrong-types-rejected", "input.null-values-rejected", "input.no-server-error",
    "input.declared-statuses",
])
def test_password_crash_fails_check(password_crash_run: InputRun, check_id: str) -> None:
    assert password_crash_run.outcome(check_id) == "fail", password_crash_run.output[-3000:]


def test_password_crash_names_password(password_crash_run: InputRun) -> None:
    check = password_crash_run.check("input.wrong-types-rejected")

    assert "password" in check["message"]
    assert "500" in check["message"]


def test_failure_report_hides_secrets(password_crash_run: InputRun) -> None:
    text = json.dumps(password_crash_run.report)

    assert not JWT_PATTERN.search(text)
    assert not PASSWORD_PATTERN.search(text)


# Request sources and Hypothesis runs, in process


@pytest.fixture(scope="module")
def context() -> Iterator[RunContext]:
    context = build_context(RunOptions())
    yield context
    context.close()


@pytest.fixture(scope="module")
def cases(context: RunContext) -> InputCases:
    return InputCases(context.profile)


def _body() -> dict[str, Any]:
    return dict(SIGNIN_BODY)


def test_generated_requests_repeat(context: RunContext) -> None:
    def collect() -> list[tuple[str, bytes | None]]:
        sent: list[tuple[str, bytes | None]] = []
        run_examples(Harness(context), InputCases(context.profile).fuzz_requests("signin"),
                     lambda request: sent.append((request.method, request.content)),
                     examples=10)
        return sent

    assert collect() == collect()


def test_shrinks_to_minimal_request(context: RunContext, cases: InputCases) -> None:
    harness = Harness(context)

    def check(request: InputRequest) -> None:
        if send_input(harness, request).status_code == 401:
            raise CheckFailed("unknown user")

    with pytest.raises(CheckFailed, match="minimal case after") as failure:
        run_examples(harness, cases.fuzz_requests("signin"), check, examples=20)

    assert failure.value.message.startswith("unknown user")
    assert len(harness.exchanges) == 1
    assert len(harness.exchanges[0].request_body) < 40


def test_harness_error_stops_run(context: RunContext, cases: InputCases) -> None:
    calls: list[InputRequest] = []

    def check(request: InputRequest) -> None:
        calls.append(request)
        raise HarnessError("backend unreachable")

    with pytest.raises(HarnessError, match="unreachable"):
        run_examples(Harness(context), cases.fuzz_requests("signin"), check, examples=10)

    assert len(calls) == 1


def test_unrepeated_failure_still_fails(context: RunContext, cases: InputCases) -> None:
    calls: list[InputRequest] = []

    def check(request: InputRequest) -> None:
        calls.append(request)
        if len(calls) == 1:
            raise CheckFailed("failed once")

    with pytest.raises(CheckFailed, match="did not repeat"):
        run_examples(Harness(context), cases.fuzz_requests("signin"), check, examples=10)


def test_malformed_bodies_are_not_json(context: RunContext, cases: InputCases) -> None:
    bodies: list[bytes] = []
    run_examples(Harness(context), cases.malformed_json_requests("signin"),
                 lambda request: bodies.append(request.content or b""), examples=20)

    assert bodies
    for body in bodies:
        with pytest.raises(ValueError):
            json.loads(body)


def test_null_requests_only_null(cases: InputCases) -> None:
    requests = cases.wrong_type_requests("refresh", lambda: {"refreshToken": "live"}, null=True)

    assert sorted(request.content or b"" for request in requests) == [
        b"null", b'{"refreshToken": null}',
    ]


def test_wrong_types_keep_valid_fields(cases: InputCases) -> None:
    requests = cases.wrong_type_requests("signin", _body, null=False)
    bodies = [json.loads(request.content or b"") for request in requests]
    field_cases = [body for body in bodies if isinstance(body, dict)]

    assert len(field_cases) == 8
    for body in field_cases:
        unchanged = [key for key in body if body[key] == SIGNIN_BODY[key]]
        assert len(unchanged) == 1, body


def test_wrong_types_skip_optional_roles(cases: InputCases) -> None:
    body = {"username": "u", "email": "e", "password": "p", "roles": ["user"]}
    requests = cases.wrong_type_requests("signup", lambda: dict(body), null=False)

    for request in requests:
        decoded = json.loads(request.content or b"")
        if isinstance(decoded, dict):
            assert decoded["roles"] == ["user"], request.description


def test_content_types_carry_valid_body(cases: InputCases) -> None:
    requests = cases.content_type_requests("signin", _body)
    media_types = sorted(request.headers["Content-Type"] for request in requests)

    assert media_types == [
        "application/x-www-form-urlencoded", "multipart/form-data", "text/plain",
    ]
    for request in requests:
        assert json.loads(request.content or b"") == SIGNIN_BODY


def test_oversized_one_per_string_field(cases: InputCases) -> None:
    requests = cases.oversized_requests("signin", _body)

    assert [oversized.field for _, oversized in requests] == ["username", "password"]
    for request, oversized in requests:
        body = json.loads(request.content or b"")
        assert len(body[oversized.field]) == OVERSIZED_LENGTH


def test_large_body_reproducer_runs(context: RunContext, cases: InputCases) -> None:
    harness = Harness(context)
    request, oversized = cases.oversized_requests("signin", _body)[1]
    send_input(harness, request)
    line = large_body_reproducer(harness.exchanges[-1], oversized.body, oversized.field,
                                 OVERSIZED_LENGTH, harness.redact)
    writer = line.split(" | curl ")[0]

    written = subprocess.run(writer, shell=True, capture_output=True, timeout=60, check=True)

    assert len(line) < 1000
    assert json.loads(written.stdout)["password"] == "x" * OVERSIZED_LENGTH
    assert json.loads(written.stdout)["username"] == "someone"


def test_large_bodies_shortened(context: RunContext, cases: InputCases) -> None:
    harness = Harness(context)
    request, _ = cases.oversized_requests("signin", _body)[0]
    send_input(harness, request)

    shorten_large_bodies(harness, 0)

    body = harness.exchanges[-1].request_body
    assert len(body) < MAX_RECORDED_BODY_BYTES + 100
    assert body.endswith(f"[{len(request.content or b'')} bytes in all]".encode())


def test_transport_headers_dropped(cases: InputCases) -> None:
    request = cases.content_type_requests("signin", _body)[0]
    names = {name.lower() for name in request.headers}

    assert "user-agent" not in names
    assert "x-schemathesis-testcaseid" not in names


def test_non_ascii_header_not_sendable() -> None:
    request = InputRequest("signin", "POST", "/", {"x-access-token": "caf\u00e9"}, None, "case")

    assert not request.sendable


def test_zero_fuzz_examples_rejected() -> None:
    with pytest.raises(TargetError, match="--fuzz-examples"):
        RunOptions(fuzz_examples=0).validate()


def test_cli_accepts_fuzz_examples() -> None:
    args = build_parser().parse_args(["run", "--fuzz-examples", "7"])

    assert args.fuzz_examples == 7
