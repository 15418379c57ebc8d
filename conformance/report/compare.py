"""Comparison of several runs: one row per check, one column per run, and the rows that differ.

A run is a folder that contains report.json, such as `reports/<run-id>/`. A check that did not
run in a run has no outcome there (None), which differs from every outcome.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.report import JSON_NAME

READABLE_MAJOR_VERSION = "1"


class CompareError(ValueError):
    """A run folder that cannot be compared. The message names the folder and the fix."""


@dataclass(frozen=True)
class RunColumn:
    """One compared run: its label in the table and the facts the legend shows."""

    label: str
    folder: Path
    run_id: str
    target: str
    profile: str
    started: str
    summary: dict[str, int]
    result: str


@dataclass(frozen=True)
class ComparisonRow:
    """One check with its outcome in each run, None where it did not run."""

    check_id: str
    level: str
    outcomes: tuple[str | None, ...]

    @property
    def differs(self) -> bool:
        return len(set(self.outcomes)) > 1


@dataclass(frozen=True)
class Comparison:
    """The runs side by side."""

    runs: tuple[RunColumn, ...]
    rows: tuple[ComparisonRow, ...]

    @property
    def differing(self) -> tuple[ComparisonRow, ...]:
        return tuple(row for row in self.rows if row.differs)


def load_report(folder: Path) -> dict[str, Any]:
    """Read the report.json of a run folder; raise `CompareError` when it is missing or unusable."""
    path = folder / JSON_NAME
    if not folder.is_dir():
        raise CompareError(f"run folder {str(folder)!r} not found; pass a folder such as "
                           "reports/<run-id> that contains report.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CompareError(f"{str(folder)!r} contains no {JSON_NAME}; pass a run folder such as "
                           "reports/<run-id>") from None
    except (OSError, ValueError) as error:
        raise CompareError(f"cannot read {str(path)!r}: {error}") from None
    if not isinstance(data, dict):
        raise CompareError(f"{str(path)!r} is not a report: its top level is not an object")

    version = str(data.get("schema_version", ""))
    if version.split(".", 1)[0] != READABLE_MAJOR_VERSION:
        raise CompareError(
            f"{str(path)!r} has report schema version {version or '(none)'!r}; this version of "
            f"jwt-conformance compares version {READABLE_MAJOR_VERSION}.x reports"
        )
    for key in ("run_id", "target", "profile", "started", "summary", "checks"):
        if key not in data:
            raise CompareError(f"{str(path)!r} is not a complete report: it has no {key!r}")
    return data


def compare(folders: list[Path]) -> Comparison:
    """Load the runs in `folders` and line up their checks."""
    reports = [load_report(folder) for folder in folders]
    labels = _labels(reports)
    runs = tuple(
        RunColumn(
            label=label,
            folder=folder,
            run_id=str(report["run_id"]),
            target=str(report["target"]),
            profile=str(report["profile"]),
            started=str(report["started"]),
            summary=dict(report["summary"]),
            result=str(report.get("gate", {}).get("result", "")).removeprefix("result: "),
        )
        for label, folder, report in zip(labels, folders, reports, strict=True)
    )

    outcomes: list[dict[str, str]] = []
    levels: dict[str, str] = {}
    for report in reports:
        outcomes.append({check["id"]: check["outcome"] for check in report["checks"]})
        for check in report["checks"]:
            levels.setdefault(check["id"], check["level"])
    check_ids = sorted(set().union(*outcomes)) if outcomes else []
    rows = tuple(
        ComparisonRow(check_id, levels[check_id],
                      tuple(run.get(check_id) for run in outcomes))
        for check_id in check_ids
    )
    return Comparison(runs, rows)


def _labels(reports: list[dict[str, Any]]) -> list[str]:
    """Name each run by its profile and target, adding the run id where two names collide."""
    names = [f"{report['profile']} @ {report['target']}" for report in reports]
    return [
        f"{name} ({report['run_id']})" if names.count(name) > 1 else name
        for name, report in zip(names, reports, strict=True)
    ]
