"""End-to-end redaction: no token, password or signing key of a run appears whole in its output.

Each run is a real subprocess with logging at debug level: the CLI against the embedded
reference backend and against a variant that fails a check (so failure evidence, reproducers
and exchanges are written), and plain pytest with the plugin, whose terminal output, tracebacks
and pytest's own JUnit file are scanned as well. Every file the runs write and everything they
print is searched for the secrets the runs used.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.reference.settings import DEFAULT_SIGNING_KEY

ROOT = Path(__file__).resolve().parent.parent
RUN_TIMEOUT = 600.0
FAILING_VARIANT = "tests.variants.unsigned:app"

# A whole JWT: three base64url segments of at least 10 characters each. A redacted token keeps
# only its first six characters, which this pattern cannot match.
WHOLE_JWT = re.compile(r"[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")
# Test passwords: the account factory makes them "Pw-" and 16 base64url characters.
WHOLE_PASSWORD = re.compile(r"Pw-[A-Za-z0-9_-]{16}")
# Opaque refresh tokens of the reference backend: secrets.token_urlsafe(32), 43 base64url
# characters. The lookarounds require a lower-case letter, an upper-case letter and a digit,
# which identifiers in the output do not combine over 43 characters.
WHOLE_OPAQUE_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[a-z])(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[0-9])"
    r"[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])"
)


@dataclass
class Run:
    """What one run printed and the folder it wrote to."""

    name: str
    output_dir: Path
    stdout: str
    stderr: str
    returncode: int


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[Run]:
    reference_dir = tmp_path_factory.mktemp("reference")
    variant_dir = tmp_path_factory.mktemp("variant")
    plugin_dir = tmp_path_factory.mktemp("plugin")
    cli = [sys.executable, "-m", "conformance", "run", "-v", "-v"]
    commands = {
        "cli-reference": ([*cli, "--report-dir", str(reference_dir)], reference_dir),
        "cli-variant": ([*cli, "--app", FAILING_VARIANT, "--report-dir", str(variant_dir)],
                        variant_dir),
        "pytest-variant": ([
            sys.executable, "-m", "pytest", "scenarios", "-p", "conformance.plugin",
            "-p", "no:cacheprovider", "--app", FAILING_VARIANT,
            "--report-dir", str(plugin_dir), f"--junitxml={plugin_dir / 'pytest-junit.xml'}",
            "-rA", "-vv", "--log-level=DEBUG", "-o", "junit_logging=all",
        ], plugin_dir),
    }
    # The three runs are independent, so they run side by side.
    processes = {name: subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
                 for name, (command, _) in commands.items()}
    finished = []
    try:
        for name, process in processes.items():
            stdout, stderr = process.communicate(timeout=RUN_TIMEOUT)
            finished.append(Run(name, commands[name][1], stdout, stderr, process.returncode))
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.communicate()
    return finished


def _texts(run: Run) -> dict[str, str]:
    """Return every output of a run by name: stdout, stderr and each file it wrote."""
    texts = {f"{run.name} stdout": run.stdout, f"{run.name} stderr": run.stderr}
    for path in sorted(run.output_dir.rglob("*")):
        if path.is_file():
            texts[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    return texts


def _leaks(pattern: re.Pattern[str], texts: dict[str, str]) -> list[str]:
    return [f"{name}: {match.group(0)[:12]}…" for name, text in texts.items()
            for match in pattern.finditer(text)]


def _all_texts(runs: list[Run]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for run in runs:
        texts.update(_texts(run))
    return texts


def test_runs_write_every_report(runs: list[Run]) -> None:
    for run in runs:
        names = {path.name for path in run.output_dir.rglob("report.*")}
        assert names == {"report.json", "report.md", "report.html", "report.xml"}, run.name


def test_runs_log_at_debug_level(runs: list[Run]) -> None:
    # Without debug logs in the captured output the scan below would prove little.
    for run in runs:
        assert "DEBUG" in run.stderr + run.stdout, f"{run.name} printed no debug log line"


def test_failing_variant_leaves_evidence(runs: list[Run]) -> None:
    variant = next(run for run in runs if run.name == "cli-variant")
    report = next(variant.output_dir.rglob("report.md")).read_text(encoding="utf-8")
    assert variant.returncode == 1, variant.stdout + variant.stderr
    assert "access.bad-signature-rejected" in report
    assert "curl " in report
    # Redacted tokens in the evidence show that there were tokens to redact.
    assert "eyJhbG…[" in report


def test_signing_key_never_written(runs: list[Run]) -> None:
    texts = _all_texts(runs)
    leaks = [name for name, text in texts.items() if DEFAULT_SIGNING_KEY in text]
    assert leaks == []


def test_whole_jwt_never_written(runs: list[Run]) -> None:
    assert _leaks(WHOLE_JWT, _all_texts(runs)) == []


def test_password_never_written(runs: list[Run]) -> None:
    assert _leaks(WHOLE_PASSWORD, _all_texts(runs)) == []


def test_opaque_token_never_written(runs: list[Run]) -> None:
    assert _leaks(WHOLE_OPAQUE_TOKEN, _all_texts(runs)) == []


@pytest.mark.parametrize(("pattern", "sample"), [
    (WHOLE_JWT, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLWJ5dGVz"),
    (WHOLE_PASSWORD, "Pw-AbCdEfGh12345678"),
    (WHOLE_OPAQUE_TOKEN, "yRFpLzT0aQ8kP3mN5vB7cX9zW1eR4tY6uI2oP0aS8dF"),
])
def test_patterns_find_whole_secrets(pattern: re.Pattern[str], sample: str) -> None:
    assert pattern.search(f"value {sample} end") is not None


@pytest.mark.parametrize("masked", [
    "eyJhbG…[301 chars #07b092]",
    "Pw-J1E…[19 chars #a1b2c3]",
    "yRFpLz…[43 chars #d4e5f6]",
])
def test_patterns_skip_redacted_secrets(masked: str) -> None:
    for pattern in (WHOLE_JWT, WHOLE_PASSWORD, WHOLE_OPAQUE_TOKEN):
        assert pattern.search(masked) is None, pattern.pattern


def test_body_cut_masks_whole_secret() -> None:
    from conformance.exchange import MAX_BODY_CHARS, Exchange
    from conformance.redact import Redactor

    secret = "yRFpLzT0aQ8kP3mN5vB7cX9zW1eR4tY6uI2oP0aS8dF"
    redactor = Redactor()
    redactor.add(secret)
    # The secret starts 10 characters before the cut, so a cut first would keep 10 of it.
    body = ("x" * (MAX_BODY_CHARS - 10) + secret + "y" * 100).encode()
    exchange = Exchange("POST", "http://backend.test/", [], body, 200, [], body, 0.01)

    rendered = exchange.to_dict(redactor)

    assert secret[:10] not in rendered["request"]["body"]
    assert secret[:10] not in rendered["response"]["body"]
