"""The summary printed at the end of a run: a table per family, the skipped checks with their
reasons, the checks that need work, the baseline entries that went stale, and the result with
its exit code."""

from __future__ import annotations

import textwrap
from collections.abc import Collection
from pathlib import Path

from conformance.outcome import Outcome
from conformance.results import CheckSummary, RunResults

_COLUMNS = ("passed", "failed", "warned", "skipped", "errors")
# Checks that end alike with one message are listed under it once, from this many on.
MIN_GROUPED = 3


def render_summary(results: RunResults, report_folder: Path | None, pytest_code: int = 0) -> str:
    families = results.by_family()
    width = max([len("family"), len("total"), *(len(name) for name in families)])
    header = f"{'family':<{width}}  " + "  ".join(f"{c:>7}" for c in _COLUMNS)
    lines = [f"target:  {results.target}", f"profile: {results.profile}", "", header,
             "-" * len(header)]
    for family, counts in families.items():
        lines.append(f"{family:<{width}}  " + "  ".join(f"{counts[c]:>7}" for c in _COLUMNS))
    total = results.summary()
    lines.append("-" * len(header))
    lines.append(f"{'total':<{width}}  " + "  ".join(f"{total[c]:>7}" for c in _COLUMNS))

    verdict = results.verdict()
    baseline = results.gate.baseline
    # Skips come first, so the checks that need work end up nearest the result line.
    listed = [s for s in results.checks() if s.outcome is Outcome.SKIP]
    listed += [s for s in results.checks()
               if s.outcome in (Outcome.FAIL, Outcome.WARN, Outcome.ERROR)]
    if listed:
        lines.append("")
    groups = _group_repeats(listed, verdict.known)
    for group in groups:
        if len(group) >= MIN_GROUPED:
            continue
        for summary in group:
            line = (f"{summary.outcome.value.upper():<5} {summary.check.id} "
                    f"({summary.check.level.value}): {summary.message}")
            if summary.check.id in verdict.known and baseline is not None:
                line += f" [known failure: {baseline.reason_for(summary.check.id)}]"
            lines.append(line)
    # Large groups come last, where the terminal shows them, because one cause such as an
    # unreachable backend explains them all.
    for group in groups:
        if len(group) < MIN_GROUPED:
            continue
        first = group[0]
        lines.append(f"{first.outcome.value.upper():<5} {len(group)} checks: {first.message}")
        lines += textwrap.wrap(", ".join(s.check.id for s in group), width=100,
                               initial_indent="      ", subsequent_indent="      ",
                               break_on_hyphens=False)

    baseline_lines = render_baseline(results)
    if baseline_lines:
        lines += ["", *baseline_lines]

    if not results.results:
        lines.append(f"\nno check ran (pytest exit code {pytest_code})")
    if report_folder is not None:
        lines.append(f"\nreports: {report_folder}")
    lines.append(verdict.describe())
    return "\n".join(lines)


def _group_repeats(summaries: list[CheckSummary],
                   known: Collection[str]) -> list[list[CheckSummary]]:
    """Group the checks that ended alike with the same message, such as every check of a run
    whose backend cannot be reached. A known failure stays alone, to show its baseline
    reason."""
    groups: dict[tuple[Outcome, str, str], list[CheckSummary]] = {}
    for summary in summaries:
        alone = summary.check.id if summary.check.id in known else ""
        groups.setdefault((summary.outcome, summary.message, alone), []).append(summary)
    return list(groups.values())


def render_baseline(results: RunResults) -> list[str]:
    """Return the baseline's counts and one line per stale entry; none without a baseline."""
    baseline = results.gate.baseline
    if baseline is None:
        return []
    verdict = results.verdict()
    known = len(verdict.known)
    stale = len(verdict.stale)
    lines = [f"baseline {baseline.path}: {known} known {'failure' if known == 1 else 'failures'}, "
             f"{stale} stale {'entry' if stale == 1 else 'entries'}"]
    for entry in verdict.stale:
        lines.append(f"STALE {entry.entry.check_id}: {entry.detail}; remove the entry from "
                     f"{baseline.path}")
    return lines
