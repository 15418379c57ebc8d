"""Results of one run: check outcomes grouped by check id, summary counts and the exit code.

A check decided by several parametrised tests gets the most severe of their outcomes, so one
failing case fails the check.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance import __version__, registry
from conformance.exit_codes import EXIT_ERROR, EXIT_FAILED, EXIT_OK
from conformance.gate import Gate, GateVerdict, gate_json, judge
from conformance.outcome import CheckResult, Outcome

if TYPE_CHECKING:
    from conformance.harness import RunContext

# The major version names the schema file that describes report.json: conformance/schemas/
# report-1.json for every 1.x. A minor version adds fields and updates that file.
SCHEMA_VERSION = "1.0"
TOOL_NAME = "jwt-refresh-conformance"
SEVERITY = [Outcome.SKIP, Outcome.PASS, Outcome.WARN, Outcome.ERROR, Outcome.FAIL]
SUMMARY_KEYS = {
    Outcome.PASS: "passed",
    Outcome.FAIL: "failed",
    Outcome.WARN: "warned",
    Outcome.SKIP: "skipped",
    Outcome.ERROR: "errors",
}

__all__ = ["EXIT_ERROR", "EXIT_FAILED", "EXIT_OK", "CheckSummary", "RunResults"]


@dataclass
class CheckSummary:
    """One check's outcome in a run, merged from every test that decided it."""

    check: registry.Check
    outcome: Outcome
    results: list[CheckResult]

    @property
    def message(self) -> str:
        for result in self.results:
            if result.outcome is self.outcome and result.message:
                return result.message
        return ""

    @property
    def deciding(self) -> CheckResult:
        for result in self.results:
            if result.outcome is self.outcome:
                return result
        return self.results[0]


@dataclass
class RunResults:
    """Collects check results during a run and renders them for reports."""

    run_id: str
    started: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    target: str = ""
    profile: str = ""
    results: list[CheckResult] = field(default_factory=list)
    gate: Gate = field(default_factory=Gate)
    # The run's clock as `Clock.describe()` returns it, such as {"name": "frozen", ...}.
    clock: dict[str, Any] = field(default_factory=dict)

    def describe(self, context: RunContext) -> None:
        self.target = context.target.description
        self.profile = context.profile.name
        if context.clock is not None:
            self.clock = context.clock.describe()

    def add(self, result: CheckResult) -> None:
        self.results.append(result)

    def checks(self) -> list[CheckSummary]:
        """Return one summary per check id, in id order."""
        grouped: dict[str, list[CheckResult]] = {}
        for result in self.results:
            grouped.setdefault(result.check_id, []).append(result)
        summaries = []
        for check_id in sorted(grouped):
            results = grouped[check_id]
            outcome = max((r.outcome for r in results), key=SEVERITY.index)
            if outcome is Outcome.SKIP or all(r.outcome is Outcome.SKIP for r in results):
                outcome = Outcome.SKIP
            summaries.append(CheckSummary(registry.get(check_id), outcome, results))
        return summaries

    def summary(self) -> dict[str, int]:
        counts = Counter(summary.outcome for summary in self.checks())
        return {key: counts.get(outcome, 0) for outcome, key in SUMMARY_KEYS.items()}

    def by_family(self) -> dict[str, dict[str, int]]:
        table: dict[str, Counter[Outcome]] = {}
        for summary in self.checks():
            table.setdefault(summary.check.family, Counter())[summary.outcome] += 1
        return {
            family: {key: counts.get(outcome, 0) for outcome, key in SUMMARY_KEYS.items()}
            for family, counts in sorted(table.items())
        }

    def outcomes(self) -> dict[str, tuple[Outcome, str]]:
        """Return each check's merged outcome and message, by check id."""
        return {summary.check.id: (summary.outcome, summary.message)
                for summary in self.checks()}

    def verdict(self, strict: bool | None = None) -> GateVerdict:
        """Judge the run with its gate, or with `strict` in place of the gate's strict option."""
        gate = self.gate if strict is None else replace(self.gate, strict=strict)
        return judge(gate, self.outcomes())

    def exit_code(self, strict: bool | None = None) -> int:
        """Return 1 when a check fails the gate or the baseline is stale, 2 on an error, else 0.

        A check fails the gate when a MUST check fails, or a SHOULD check under strict, and the
        baseline does not list it. The gate's strict option applies unless `strict` is given.
        """
        return self.verdict(strict).exit_code

    def to_json(self) -> dict[str, Any]:
        """Render the run as the report.json document that conformance/schemas/report-1.json
        describes."""
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": TOOL_NAME, "version": __version__},
            "run_id": self.run_id,
            "started": self.started,
            "target": self.target,
            "profile": self.profile,
            "clock": self.clock,
            "gate": gate_json(self.gate, self.verdict()),
            "summary": self.summary(),
            "families": self.by_family(),
            "checks": [_check_json(summary) for summary in self.checks()],
        }

    def write(self, report_dir: Path) -> Path:
        """Write every report format into `report_dir/<run-id>/` and return that folder.

        The folder receives report.json, report.md, report.html and the JUnit XML report.xml.
        """
        from conformance.report import write_reports

        return write_reports(self, report_dir)


def _check_json(summary: CheckSummary) -> dict[str, Any]:
    check = summary.check
    deciding = summary.deciding
    return {
        "id": check.id,
        "family": check.family,
        "level": check.level.value,
        "outcome": summary.outcome.value,
        "reference": check.reference,
        "stimulus": check.stimulus,
        "requirement": check.requirement,
        "message": summary.message,
        "expected": _plain(deciding.expected),
        "received": _plain(deciding.received),
        "remedy": deciding.remedy,
        "reproducer": deciding.reproducer,
        "cases": [
            {
                "test": result.test,
                "outcome": result.outcome.value,
                "message": result.message,
                "duration_s": round(result.duration, 4),
                "exchanges": result.exchanges if result.outcome is not Outcome.PASS else [],
                "backend_output": result.backend_output,
            }
            for result in summary.results
        ],
    }


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return repr(value)
