"""The Markdown form of a comparison: a legend of the runs and a table of checks by run."""

from __future__ import annotations

from conformance.report.compare import Comparison
from conformance.report.text import markdown_cell

DIFFERS_MARK = "≠"
NOT_RUN = "—"
_COUNTS = ("passed", "failed", "warned", "skipped", "errors")


def render_compare_markdown(comparison: Comparison, differences_only: bool = False) -> str:
    """Render the comparison; rows whose outcomes differ carry ≠ and bold outcomes."""
    runs = comparison.runs
    lines = [
        f"# Comparison of {len(runs)} runs",
        "",
        "| run | target | profile | run id | started | " + " | ".join(_COUNTS) + " | result |",
        "|---|---|---|---|---|" + "---:|" * len(_COUNTS) + "---|",
    ]
    for number, run in enumerate(runs, start=1):
        counts = " | ".join(str(run.summary.get(key, 0)) for key in _COUNTS)
        lines.append(f"| {number} | {markdown_cell(run.target)} | {markdown_cell(run.profile)} "
                     f"| {run.run_id} | {run.started} | {counts} | {markdown_cell(run.result)} |")

    differing = len(comparison.differing)
    lines += ["", f"{differing} of {len(comparison.rows)} checks differ between the runs "
                  f"(marked {DIFFERS_MARK}; {NOT_RUN} means the check did not run).", ""]

    rows = comparison.differing if differences_only else comparison.rows
    if not rows:
        return "\n".join(lines) + "\n"
    numbers = " | ".join(str(number) for number in range(1, len(runs) + 1))
    lines += [f"| | check | level | {numbers} |", "|---|---|---|" + "---|" * len(runs)]
    for row in rows:
        cells = [outcome if outcome is not None else NOT_RUN for outcome in row.outcomes]
        if row.differs:
            cells = [f"**{cell}**" for cell in cells]
        mark = DIFFERS_MARK if row.differs else ""
        lines.append(f"| {mark} | `{row.check_id}` | {row.level} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
