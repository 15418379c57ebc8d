"""The suite catches every mutant of the reference backend and raises no false alarm.

Each mutant is the reference backend with one real-world fault. The run of its scenarios must
end in fail (or warn, for a SHOULD check) on each check id it declares. Each clean
run is a faultless backend with a profile whose promises it keeps, and it must end without a
fail or error, and without a warning other than those it declares.

Every run is `python -m pytest scenarios/test_<family>.py -p conformance.plugin --app ...` in a
subprocess, at most two at a time, and the assertions read the report.json it writes. A mutant's
run selects with -k the tests that decide its expected check ids, each with all its cases, and
loads only the conformance and Hypothesis pytest plugins. Clean runs take every family and the
installed plugins, as a user's run does. The
catch rate and the false-alarm count are printed to the terminal by the last two tests.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from conformance import registry
from tests.mutants.base import CleanRun, Mutant
from tests.mutants.catalogue import CLEAN_RUNS, MUTANTS
from tests.mutants.runs import ScenarioRun, keyword_for_checks, run_scenarios

# Under pytest-xdist with --dist loadgroup, one worker runs every test of this module, so the
# session fixture starts its subprocess runs once rather than once per worker.
pytestmark = pytest.mark.xdist_group("mutant-runs")

# The machine has two cores, which other test runs share.
MAX_PARALLEL_RUNS = 2
MIN_MUTANTS = 25
CAUGHT = {"MUST": {"fail"}, "SHOULD": {"warn", "fail"}}
FALSE_ALARM_OUTCOMES = {"fail", "error"}

_MUTANTS_BY_NAME = {mutant.name: mutant for mutant in MUTANTS}
_CLEAN_BY_NAME = {clean.name: clean for clean in CLEAN_RUNS}


def _run_mutant(mutant: Mutant, folder: Path) -> ScenarioRun:
    try:
        keyword = keyword_for_checks(mutant.expected)
    except (FileNotFoundError, LookupError) as error:
        return ScenarioRun(mutant.name, None, str(error), None, 0.0)
    return run_scenarios(mutant.name, mutant.app_spec, mutant.profile, folder / mutant.name,
                         families=mutant.scenario_families, keyword=keyword,
                         autoload_plugins=False)


def _run_clean(clean: CleanRun, folder: Path) -> ScenarioRun:
    return run_scenarios(clean.name, clean.app_spec, clean.profile, folder / clean.name)


@pytest.fixture(scope="session")
def scenario_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ScenarioRun]:
    """Run every clean backend and every mutant once, two at a time, and key them by name.

    Clean runs take every family and so the longest, and they start first.
    """
    folder = tmp_path_factory.mktemp("mutant-runs")
    with ThreadPoolExecutor(max_workers=MAX_PARALLEL_RUNS) as pool:
        clean = {c.name: pool.submit(_run_clean, c, folder / "clean") for c in CLEAN_RUNS}
        mutants = {m.name: pool.submit(_run_mutant, m, folder / "mutants") for m in MUTANTS}
    runs = {f"clean:{name}": future.result() for name, future in clean.items()}
    runs.update({f"mutant:{name}": future.result() for name, future in mutants.items()})
    return runs


def _caught(run: ScenarioRun, check_id: str) -> bool:
    check = run.checks().get(check_id)
    if check is None:
        return False
    return check["outcome"] in CAUGHT.get(check["level"], set())


def _false_alarms(clean: CleanRun, run: ScenarioRun) -> dict[str, str]:
    """Return the checks of a clean run that failed, errored or warned unexpectedly."""
    alarms: dict[str, str] = {}
    for check_id, check in run.checks().items():
        outcome = check["outcome"]
        unexpected_warning = outcome == "warn" and check_id not in clean.expected_warnings
        if outcome in FALSE_ALARM_OUTCOMES or unexpected_warning:
            alarms[check_id] = f"{outcome}: {check['message'][:300]}"
    return alarms


def _describe_checks(run: ScenarioRun, check_ids: Any) -> str:
    lines = []
    for check_id in check_ids:
        check = run.checks().get(check_id, {})
        lines.append(f"  {check_id}: {check.get('outcome')} {str(check.get('message'))[:200]}")
    return "\n".join(lines)


# Declarations


def test_catalogue_has_enough_mutants() -> None:
    assert len(MUTANTS) >= MIN_MUTANTS


def test_mutant_names_unique() -> None:
    names = [mutant.name for mutant in MUTANTS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda mutant: mutant.name)
def test_mutant_declaration_complete(mutant: Mutant) -> None:
    known = {check.id for check in registry.all_checks()}
    unknown = [check_id for check_id in mutant.expected if check_id not in known]

    assert mutant.expected, f"{mutant.name} names no check id that must catch it"
    assert not unknown, f"{mutant.name} names check ids that are not registered: {unknown}"
    assert mutant.description.endswith("."), f"{mutant.name}: end the description with '.'"
    assert mutant.description.count(". ") == 0, f"{mutant.name}: use one sentence"


def test_every_family_has_mutant() -> None:
    families = {check.family for check in registry.all_checks()}
    covered = {check_id.split(".", 1)[0] for mutant in MUTANTS for check_id in mutant.expected}

    assert families <= covered, f"families without a mutant: {sorted(families - covered)}"


# Runs


@pytest.mark.parametrize("name", list(_MUTANTS_BY_NAME))
def test_mutant_caught(scenario_runs: dict[str, ScenarioRun], name: str) -> None:
    mutant = _MUTANTS_BY_NAME[name]
    run = scenario_runs[f"mutant:{name}"]

    assert run.report is not None, f"{name} wrote no report.json\n{run.tail()}"
    for check_id in mutant.expected:
        assert _caught(run, check_id), (
            f"{name} ({mutant.description}) was not caught by {check_id}\n"
            f"{_describe_checks(run, mutant.expected)}\n{run.tail(1500)}"
        )


@pytest.mark.parametrize("name", list(_CLEAN_BY_NAME))
def test_clean_run_passes(scenario_runs: dict[str, ScenarioRun], name: str) -> None:
    clean = _CLEAN_BY_NAME[name]
    run = scenario_runs[f"clean:{name}"]

    assert run.report is not None, f"{name} wrote no report.json\n{run.tail()}"
    alarms = _false_alarms(clean, run)
    assert not alarms, f"clean run {name} with profile {clean.profile}: " + "; ".join(
        f"{check_id} {detail}" for check_id, detail in alarms.items())


@pytest.mark.parametrize("name", list(_CLEAN_BY_NAME))
def test_clean_run_covers_every_family(scenario_runs: dict[str, ScenarioRun], name: str) -> None:
    run = scenario_runs[f"clean:{name}"]
    families = {check.family for check in registry.all_checks()}
    reported = {check_id.split(".", 1)[0] for check_id in run.checks()}

    assert families <= reported, f"families missing from {name}: {sorted(families - reported)}"


# Totals, printed to the terminal


def test_catch_rate_complete(scenario_runs: dict[str, ScenarioRun],
                             capsys: pytest.CaptureFixture[str]) -> None:
    rows = []
    caught_count = 0
    for mutant in MUTANTS:
        run = scenario_runs[f"mutant:{mutant.name}"]
        missed = [check_id for check_id in mutant.expected if not _caught(run, check_id)]
        caught_count += not missed
        verdict = "caught" if not missed else "MISSED " + ", ".join(missed)
        rows.append(f"  {mutant.name:<38} {mutant.profile.rsplit('/', 1)[-1]:<24} "
                    f"{run.seconds:5.1f} s  {verdict}")
    rate = caught_count / len(MUTANTS)

    with capsys.disabled():
        print("\n\nmutants (name, profile, run time, verdict):")
        print("\n".join(rows))
        print(f"catch rate: {caught_count}/{len(MUTANTS)} = {rate:.0%}")
    assert rate == 1.0


def test_false_alarms_zero(scenario_runs: dict[str, ScenarioRun],
                           capsys: pytest.CaptureFixture[str]) -> None:
    alarms = {}
    for clean in CLEAN_RUNS:
        for check_id, detail in _false_alarms(clean, scenario_runs[f"clean:{clean.name}"]).items():
            alarms[f"{clean.name} {check_id}"] = detail

    with capsys.disabled():
        print(f"\nfalse alarms in {len(CLEAN_RUNS)} clean runs: {len(alarms)}")
        for where, detail in alarms.items():
            print(f"  {where}: {detail}")
    assert len(alarms) == 0
