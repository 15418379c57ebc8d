"""End-to-end tests of the `jwt-conformance` command: the main job, a loopback run, exit codes."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args: str, cwd: Path = ROOT, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, check=False)


def _report(report_dir: Path) -> dict[str, object]:
    folders = sorted(report_dir.iterdir())
    assert len(folders) == 1, folders
    data: dict[str, object] = json.loads((folders[0] / "report.json").read_text())
    return data


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def reference_server() -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance", "serve-reference", "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(f"{base}/api/test/all", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            output = process.communicate()[0]
            pytest.fail(f"serve-reference did not start: {output}")
        time.sleep(0.1)
    try:
        yield base
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
        assert "started" in output.lower() or "listening" in output.lower(), output


def test_main_job_passes(tmp_path: Path) -> None:
    completed = _cli("run", "--report-dir", str(tmp_path))

    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = _report(tmp_path)
    summary = report["summary"]
    assert isinstance(summary, dict)
    assert summary["passed"] >= 20
    assert summary["failed"] == 0
    assert summary["errors"] == 0
    assert report["schema_version"]
    assert report["profile"] == "reference"
    assert "total" in completed.stdout


def test_report_checks_have_fields(tmp_path: Path) -> None:
    _cli("run", "--report-dir", str(tmp_path), "--select", "access.")

    checks = _report(tmp_path)["checks"]
    assert isinstance(checks, list)
    assert checks
    for check in checks:
        assert {"id", "level", "outcome", "reference", "message"} <= set(check)


def test_report_md_written(tmp_path: Path) -> None:
    _cli("run", "--report-dir", str(tmp_path), "--select", "access.public-without-token")

    folder = next(tmp_path.iterdir())
    text = (folder / "report.md").read_text()
    assert text.startswith("# Conformance report")
    assert "access.public-without-token" in text


def test_loopback_run_matches_in_process(tmp_path: Path, reference_server: str) -> None:
    in_process = tmp_path / "in-process"
    loopback = tmp_path / "loopback"

    families = ("--select", "signin.", "--select", "access.", "--select", "signup.")
    first = _cli("run", "--report-dir", str(in_process), *families)
    second = _cli("run", "--target", reference_server, "--profile", "reference",
                  "--report-dir", str(loopback), *families)

    assert first.returncode == 0, first.stdout + first.stderr
    assert second.returncode == 0, second.stdout + second.stderr
    outcomes_in_process = {c["id"]: c["outcome"] for c in _report(in_process)["checks"]}  # type: ignore[attr-defined]
    outcomes_loopback = {c["id"]: c["outcome"] for c in _report(loopback)["checks"]}  # type: ignore[attr-defined]
    assert outcomes_loopback == outcomes_in_process


def test_unknown_profile_exits_2(tmp_path: Path) -> None:
    completed = _cli("run", "--profile", "refrence", "--report-dir", str(tmp_path))

    assert completed.returncode == 2
    assert "did you mean 'reference'" in completed.stderr
    assert not any(tmp_path.iterdir())


def test_bad_target_url_exits_2(tmp_path: Path) -> None:
    completed = _cli("run", "--target", "localhost:8080", "--report-dir", str(tmp_path))

    assert completed.returncode == 2
    assert "localhost:8080" in completed.stderr


def test_bad_app_exits_2(tmp_path: Path) -> None:
    completed = _cli("run", "--app", "no_such_module:app", "--report-dir", str(tmp_path))

    assert completed.returncode == 2
    assert "no_such_module" in completed.stderr


def test_unsigned_variant_fails_run(tmp_path: Path) -> None:
    completed = _cli("run", "--app", "tests.variants.unsigned:app", "--report-dir",
                     str(tmp_path), "--select", "access.")

    assert completed.returncode == 1, completed.stdout + completed.stderr
    outcomes = {c["id"]: c["outcome"] for c in _report(tmp_path)["checks"]}  # type: ignore[attr-defined]
    assert outcomes["access.bad-signature-rejected"] == "fail"
    assert "FAIL  access.bad-signature-rejected" in completed.stdout


def test_unreachable_target_reports_errors(tmp_path: Path) -> None:
    port = _free_port()

    completed = _cli("run", "--target", f"http://127.0.0.1:{port}", "--report-dir",
                     str(tmp_path), "--select", "access.", "--timeout", "2")

    assert completed.returncode == 2, completed.stdout + completed.stderr
    summary = _report(tmp_path)["summary"]
    assert isinstance(summary, dict)
    assert summary["errors"] > 0
    assert "Traceback" not in completed.stdout


def test_secrets_absent_from_reports(tmp_path: Path) -> None:
    from conformance.reference.settings import DEFAULT_SIGNING_KEY

    _cli("run", "--report-dir", str(tmp_path), "--app", "tests.variants.unsigned:app",
         "--select", "access.")

    folder = next(tmp_path.iterdir())
    for path in folder.iterdir():
        text = path.read_text()
        assert DEFAULT_SIGNING_KEY not in text
        assert not re.search(r"Pw-[A-Za-z0-9_-]{10}", text), f"a password leaked: {path.name}"
        assert not re.search(r"eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}", text), (
            f"a whole JWT leaked into {path.name}"
        )


def test_module_and_script_agree() -> None:
    script = Path(sys.executable).parent / "jwt-conformance"
    if not script.exists():
        pytest.skip("the console script is not installed in this environment")

    completed = subprocess.run([str(script), "checks", "--format", "json"], capture_output=True,
                               text=True, check=True, env={**os.environ})
    assert json.loads(completed.stdout)


@pytest.mark.parametrize("command", ["validate", "run"])
def test_malformed_profile_exits_2(tmp_path: Path, command: str) -> None:
    profile = tmp_path / "typo.toml"
    profile.write_text('extends = "reference"\nname = "typo"\n[accounts]\nfixed = ["alice"]\n')
    if command == "validate":
        completed = _cli("profiles", "--validate", str(profile))
    else:
        completed = _cli("run", "--profile", str(profile), "--report-dir", str(tmp_path / "out"))

    assert completed.returncode == 2, completed.stderr
    assert "field `accounts.fixed[0]` = 'alice'" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_serve_reference_port_out_of_range() -> None:
    completed = _cli("serve-reference", "--port", "99999", timeout=60)

    assert completed.returncode == 2
    assert "argument --port: 99999 is not a TCP port; use 1 to 65535" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_serve_reference_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        completed = _cli("serve-reference", "--port", str(port), timeout=60)

    assert completed.returncode == 2
    assert f"another program already listens on port {port}" in completed.stderr
    assert "--port" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_serve_reference_error_names_option() -> None:
    completed = _cli("serve-reference", "--port", str(_free_port()), "--access-ttl", "0",
                     timeout=60)

    assert completed.returncode == 2
    assert "--access-ttl must be at least 1 second, got 0" in completed.stderr
    assert "access_ttl" not in completed.stderr
