"""The CI gate of a run: which checks it selects, whether SHOULD checks count (strict), the
baseline of known failures, and the exit code that follows from the outcomes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.exit_codes import EXIT_ERROR, EXIT_FAILED, EXIT_OK
from conformance.gate.baseline import (
    Baseline,
    EntryStatus,
    EntryVerdict,
    KnownFailure,
    evaluate,
    load_baseline,
)
from conformance.gate.errors import GateError
from conformance.gate.selection import Selection
from conformance.outcome import Outcome

__all__ = [
    "Baseline",
    "EntryStatus",
    "EntryVerdict",
    "Gate",
    "GateError",
    "GateVerdict",
    "KnownFailure",
    "Selection",
    "judge",
    "load_gate",
]


@dataclass(frozen=True)
class Gate:
    """Gate options of a run: strict, the check selection and the optional baseline."""

    strict: bool = False
    selection: Selection = field(default_factory=Selection)
    baseline: Baseline | None = None


def load_gate(
    *,
    strict: bool = False,
    select: Sequence[str] | None = None,
    deselect: Sequence[str] | None = None,
    baseline: Path | None = None,
    option_prefix: str = "--",
) -> Gate:
    """Build the gate from command-line values; raise `GateError` for an invalid one.

    Error messages name the options with `option_prefix`, such as `--conformance-` for pytest.
    """
    selection = Selection.of(select, deselect, option_prefix)
    loaded = load_baseline(baseline) if baseline is not None else None
    return Gate(strict=strict, selection=selection, baseline=loaded)


@dataclass(frozen=True)
class GateVerdict:
    """The exit code of a run and the reasons for it."""

    exit_code: int
    unexpected: tuple[str, ...]
    known: tuple[str, ...]
    entries: tuple[EntryVerdict, ...]
    errors: tuple[str, ...]
    no_checks: bool = False

    @property
    def stale(self) -> tuple[EntryVerdict, ...]:
        return tuple(verdict for verdict in self.entries if verdict.status.is_stale)

    def describe(self) -> str:
        """Return one line that states the result and what caused it."""
        reasons = []
        if self.unexpected:
            reasons.append(_count(len(self.unexpected), "check", "checks") + " not met")
        if self.stale:
            reasons.append(_count(len(self.stale), "stale baseline entry",
                                  "stale baseline entries"))
        if self.errors:
            reasons.append(_count(len(self.errors), "check", "checks") + " ended in an error")
        if self.no_checks:
            reasons.append("no check ran")
        if self.known:
            reasons.append(_count(len(self.known), "known failure", "known failures") +
                           " accepted by the baseline")
        word = {EXIT_OK: "passed", EXIT_FAILED: "failed"}.get(self.exit_code, "error")
        detail = f": {', '.join(reasons)}" if reasons else ""
        return f"result: {word} (exit code {self.exit_code}){detail}"


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def judge(gate: Gate, outcomes: Mapping[str, tuple[Outcome, str]]) -> GateVerdict:
    """Decide the exit code from each check's merged outcome and message.

    The code is 1 when a check fails outside the baseline or a baseline entry is stale. A MUST
    check fails when it is not met, and a SHOULD check only under strict. Otherwise the code is 2
    when a check ended in an error or no check ran, and else 0.
    """
    entries: tuple[EntryVerdict, ...] = ()
    if gate.baseline is not None:
        entries = tuple(evaluate(gate.baseline, outcomes, gate.selection))
    known = tuple(verdict.entry.check_id for verdict in entries
                  if verdict.status is EntryStatus.KNOWN_FAILURE)

    failing = [check_id for check_id, (outcome, _) in sorted(outcomes.items())
               if outcome is Outcome.FAIL or (gate.strict and outcome is Outcome.WARN)]
    unexpected = tuple(check_id for check_id in failing if check_id not in known)
    errors = tuple(check_id for check_id, (outcome, _) in sorted(outcomes.items())
                   if outcome is Outcome.ERROR)

    if unexpected or any(verdict.status.is_stale for verdict in entries):
        exit_code = EXIT_FAILED
    elif errors or not outcomes:
        exit_code = EXIT_ERROR
    else:
        exit_code = EXIT_OK
    return GateVerdict(exit_code, unexpected, known, entries, errors, no_checks=not outcomes)


def gate_json(gate: Gate, verdict: GateVerdict) -> dict[str, Any]:
    """Render the gate options and the baseline entries' statuses for report.json."""
    baseline = None
    if gate.baseline is not None:
        baseline = {
            "path": str(gate.baseline.path),
            "entries": [
                {
                    "check": entry.entry.check_id,
                    "reason": entry.entry.reason,
                    "status": entry.status.value,
                    "stale": entry.status.is_stale,
                    "detail": entry.detail,
                }
                for entry in verdict.entries
            ],
        }
    return {
        "strict": gate.strict,
        "select": list(gate.selection.select),
        "deselect": list(gate.selection.deselect),
        "baseline": baseline,
        "exit_code": verdict.exit_code,
        "result": verdict.describe(),
    }
