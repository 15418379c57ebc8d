"""End-to-end runs of the token, attack and model families against the reference backend and
against variants of it with one fault each (tests/variants/).

Each run is `python -m pytest scenarios -p conformance.plugin --app ... -k "token or attack or
model"` in a subprocess, as a user runs it, and the assertions read the report.json it writes.
The filter also selects other families' tests whose names contain "token". The assertions look
only at the checks each variant must fail and at the three families.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance import registry
from conformance.clocks import find_libfaketime
from conformance.target import TargetError
from tests.scenario_run import REPO, ScenarioRun, free_port
from tests.variants.rs256 import profile_text

FAMILIES = ("token", "attack", "model")
SELECTION = "token or attack or model"
RUN_TIMEOUT = 300.0

# Each variant and the checks it must fail.
VARIANTS: dict[str, set[str]] = {
    "alg_none": {"attack.alg-none-rejected"},
    "unsigned": {
        "attack.alg-none-rejected",
        "attack.stripped-signature-rejected",
        "attack.kid-injection-rejected",
        "attack.claim-edit-rejected",
        "attack.role-edit-rejected",
        "attack.impersonation-rejected",
        "token.single-byte-change-rejected",
    },
    "ignore_exp": {"model.protocol-state-machine"},
    "ignore_nbf": {"model.protocol-state-machine"},
    "refresh_as_access": {"attack.token-type-confusion-rejected"},
    # The refresh family owns the check of an access token at the refresh endpoint.
    "access_at_refresh": {"refresh.access-token-rejected"},
}


def _has_libfaketime() -> bool:
    try:
        find_libfaketime()
    except TargetError:
        return False
    return True


needs_libfaketime = pytest.mark.skipif(not _has_libfaketime(),
                                       reason="libfaketime is not installed")


def run_selection(report_dir: Path, *options: str, paths: tuple[str, ...] = ("scenarios",),
                  selection: str | None = SELECTION, cwd: Path = REPO) -> ScenarioRun:
    """Run the scenarios with `options` and the family filter, and read the report.

    Relative `paths` start at the repository; `cwd` is the folder the run starts in.
    """
    command = [sys.executable, "-m", "pytest", *(str(REPO / path) for path in paths),
               "-p", "conformance.plugin", "-p", "no:cacheprovider", "-q",
               "--report-dir", str(report_dir), *options]
    if selection is not None:
        command += ["-k", selection]
    # The repository on the path lets `--app tests.variants...` import from any folder.
    environment = {**os.environ,
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO),
                                                               os.environ.get("PYTHONPATH")]))}
    started = time.monotonic()
    completed = subprocess.run(command, cwd=cwd, env=environment, capture_output=True,
                               text=True, timeout=RUN_TIMEOUT, check=False)
    seconds = time.monotonic() - started
    output = completed.stdout + completed.stderr

    reports = sorted(report_dir.glob("*/report.json"))
    assert len(reports) == 1, f"expected one report.json in {report_dir}\n{output[-3000:]}"
    report = json.loads(reports[0].read_text(encoding="utf-8"))
    return ScenarioRun(completed.returncode, output, report, seconds)


def family_ids() -> set[str]:
    """Return the ids of every check of the token, attack and model families."""
    return {check.id for check in registry.all_checks() if check.family in FAMILIES}


def failed_in_families(run: ScenarioRun) -> set[str]:
    """Return the checks of the three families that failed or errored."""
    return {check_id for check_id, outcome in run.outcomes().items()
            if check_id in family_ids() and outcome in ("fail", "error")}


# The clean reference backend


@pytest.fixture(scope="module", params=["reference", "reference-rotating"])
def reference_run(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> ScenarioRun:
    """The three families run once against the reference backend with each profile."""
    profile = str(request.param)
    return run_selection(tmp_path_factory.mktemp(profile), "--profile", profile)


def test_reference_runs_every_family_check(reference_run: ScenarioRun) -> None:
    missing = family_ids() - set(reference_run.outcomes())

    assert not missing, f"checks missing from the report: {sorted(missing)}"


def test_reference_passes_the_families(reference_run: ScenarioRun) -> None:
    assert failed_in_families(reference_run) == set(), reference_run.output[-3000:]


def test_reference_skips_only_inapplicable_checks(reference_run: ScenarioRun) -> None:
    skipped = {check_id for check_id, outcome in reference_run.outcomes().items()
               if check_id in family_ids() and outcome == "skip"}

    # HS256 has no public key, and the reference issues opaque refresh tokens.
    assert skipped == {"attack.key-confusion-rejected", "token.refresh-typed"}


def test_reference_run_exits_zero(reference_run: ScenarioRun) -> None:
    assert reference_run.returncode == 0, reference_run.output[-3000:]


def test_reference_families_take_seconds(reference_run: ScenarioRun) -> None:
    durations = {check["id"]: sum(case.get("duration_s", 0.0) for case in check["cases"])
                 for check in reference_run.report["checks"] if check["id"] in family_ids()}
    total = sum(durations.values())

    # A bound far above the measured few seconds, which only a runaway example count reaches.
    assert total < 60, f"the families took {total:.1f} s: {durations}"


# Variants with one fault each


@pytest.fixture(scope="module")
def variant_runs(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], ScenarioRun]:
    """Return a function that runs the three families once against a variant and keeps it."""
    runs: dict[str, ScenarioRun] = {}

    def run_of(name: str) -> ScenarioRun:
        if name not in runs:
            runs[name] = run_selection(tmp_path_factory.mktemp(name), "--app",
                                       f"tests.variants.{name}:app")
        return runs[name]

    return run_of


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variant_fails_expected_checks(variant_runs: Callable[[str], ScenarioRun],
                                       name: str) -> None:
    run = variant_runs(name)
    outcomes = run.outcomes()

    for check_id in sorted(VARIANTS[name]):
        assert outcomes.get(check_id) == "fail", (
            f"{name}: {check_id} is {outcomes.get(check_id)}\n{run.output[-3000:]}")


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variant_fails_nothing_else_in_families(variant_runs: Callable[[str], ScenarioRun],
                                                name: str) -> None:
    run = variant_runs(name)

    assert failed_in_families(run) == VARIANTS[name] & family_ids(), run.output[-3000:]


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variant_run_exits_one(variant_runs: Callable[[str], ScenarioRun], name: str) -> None:
    run = variant_runs(name)

    assert run.returncode == 1, f"{name}\n{run.output[-3000:]}"


def test_model_failure_shows_shrunk_steps(variant_runs: Callable[[str], ScenarioRun]) -> None:
    model = variant_runs("ignore_exp").check("model.protocol-state-machine")

    assert "steps: state = ProtocolMachine(); sessions_0 = state.first_signin()" in (
        model["message"])
    assert "state.move_clock(seconds=900)" in model["message"]
    assert "--hypothesis-seed=" in model["message"]
    assert model["received"] == "200"


def test_byte_change_failure_names_change(variant_runs: Callable[[str], ScenarioRun]) -> None:
    check = variant_runs("unsigned").check("token.single-byte-change-rejected")

    assert " byte 0 changed from " in check["received"]
    assert " byte 0 changed from " in check["message"]


@pytest.mark.parametrize(("name", "expected"), [
    ("rs256", "pass"),
    ("key_confusion", "fail"),
])
def test_rs256_backend_key_confusion(tmp_path: Path, name: str, expected: str) -> None:
    profile = tmp_path / "reference-rs256.toml"
    profile.write_text(profile_text(), encoding="utf-8")

    run = run_selection(tmp_path / "reports", "--app", f"tests.variants.{name}:app",
                        "--profile", str(profile), paths=("scenarios/test_attack.py",),
                        selection=None)

    assert run.outcomes()["attack.key-confusion-rejected"] == expected, run.output[-3000:]
    others = failed_in_families(run) - {"attack.key-confusion-rejected"}
    assert others == set(), run.output[-3000:]


@pytest.fixture(scope="module")
def seeded_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ScenarioRun]:
    """One byte-change check against the unsigned variant with a forced seed, run from an
    empty folder."""
    folder = tmp_path_factory.mktemp("seeded")
    run = run_selection(folder / "reports", "--app", "tests.variants.unsigned:app",
                        "--hypothesis-seed", "1234", paths=("scenarios/test_token.py",),
                        selection="single_byte", cwd=folder)
    return folder, run


def test_forced_seed_reaches_message(seeded_run: tuple[Path, ScenarioRun]) -> None:
    _, run = seeded_run

    message = run.check("token.single-byte-change-rejected")["message"]
    assert "Hypothesis seed 1234: rerun with --hypothesis-seed=1234" in message


def test_runs_leave_no_hypothesis_folder(seeded_run: tuple[Path, ScenarioRun]) -> None:
    folder, run = seeded_run

    assert run.outcomes(), run.output[-3000:]
    assert not (folder / ".hypothesis").exists()


def test_thorough_profile_is_accepted(tmp_path: Path) -> None:
    run = run_selection(tmp_path, "--hypothesis-profile", "thorough",
                        paths=("scenarios/test_token.py",), selection="lifetime")

    assert run.outcomes() == {"token.lifetime-matches-profile": "pass"}, run.output[-3000:]


# The model under the faketime clock of a managed backend


def _managed(port: int, command: str) -> tuple[str, ...]:
    return ("--target-cmd", command, "--ready-url", f"http://127.0.0.1:{port}/api/test/all")


@needs_libfaketime
def test_model_passes_under_faketime(tmp_path: Path) -> None:
    port = free_port()
    command = shlex.join([sys.executable, "-m", "conformance.reference", "--port", str(port),
                          "--rotation", "rotate-reuse-detection"])

    run = run_selection(tmp_path, "--profile", "reference-rotating", *_managed(port, command),
                        paths=("scenarios/test_model.py",), selection=None)

    assert run.report["clock"]["name"] == "faketime"
    assert run.outcomes() == {"model.protocol-state-machine": "pass"}, run.output[-3000:]


@needs_libfaketime
def test_model_fails_variant_under_faketime(tmp_path: Path) -> None:
    port = free_port()
    command = shlex.join([sys.executable, "-m", "uvicorn", "tests.variants.ignore_exp:app",
                          "--host", "127.0.0.1", "--port", str(port)])

    run = run_selection(tmp_path, *_managed(port, command), paths=("scenarios/test_model.py",),
                        selection=None)

    assert run.report["clock"]["name"] == "faketime"
    assert run.outcomes() == {"model.protocol-state-machine": "fail"}, run.output[-3000:]
