"""The Markdown report of a run: summary, a table per family and outcome, every check, and each
failure with its expected and received values, its exchanges and a curl reproducer."""

from __future__ import annotations

from typing import Any

from conformance.report.text import (
    PROBLEM_OUTCOMES,
    describe_clock,
    exchange_text,
    format_value,
    known_failures,
    markdown_cell,
    markdown_fence,
)

_COLUMNS = ("passed", "failed", "warned", "skipped", "errors")


def render_markdown(data: dict[str, Any]) -> str:
    """Render a report.json document as Markdown."""
    lines = _header(data)
    lines += _family_table(data)
    lines += _baseline(data)
    lines += _check_table(data)
    lines += _problems(data)
    return "\n".join(lines) + "\n"


def _header(data: dict[str, Any]) -> list[str]:
    summary = data["summary"]
    gate = data["gate"]
    lines = [
        f"# Conformance report {data['run_id']}",
        "",
        f"- target: {markdown_cell(data['target'])}",
        f"- profile: {markdown_cell(data['profile'])}",
        f"- started: {data['started']}",
        f"- {data['tool']['name']} {data['tool']['version']}",
        f"- passed {summary['passed']}, failed {summary['failed']}, warned {summary['warned']}, "
        f"skipped {summary['skipped']}, errors {summary['errors']}",
    ]
    if data["clock"]:
        lines.append(f"- clock: {markdown_cell(describe_clock(data['clock']))}")
    options = []
    if gate["strict"]:
        options.append("strict (a SHOULD check that is not met fails the run)")
    if gate["select"]:
        options.append("select " + ", ".join(f"`{p}`" for p in gate["select"]))
    if gate["deselect"]:
        options.append("deselect " + ", ".join(f"`{p}`" for p in gate["deselect"]))
    if options:
        lines.append(f"- gate: {'; '.join(options)}")
    lines.append(f"- {gate['result']}")
    return lines


def _family_table(data: dict[str, Any]) -> list[str]:
    lines = ["", "| family | " + " | ".join(_COLUMNS) + " |",
             "|---|" + "---:|" * len(_COLUMNS)]
    for family, counts in data["families"].items():
        lines.append(f"| {family} | " + " | ".join(str(counts[c]) for c in _COLUMNS) + " |")
    total = data["summary"]
    lines.append("| **total** | " + " | ".join(f"**{total[c]}**" for c in _COLUMNS) + " |")
    return lines


def _baseline(data: dict[str, Any]) -> list[str]:
    baseline = data["gate"]["baseline"]
    if baseline is None:
        return []
    lines = ["", "## Baseline", "", f"Known failures from `{markdown_cell(baseline['path'])}`:",
             "", "| check | status | reason | detail |", "|---|---|---|---|"]
    for entry in baseline["entries"]:
        status = entry["status"] + (" (stale)" if entry["stale"] else "")
        lines.append(f"| `{entry['check']}` | {status} | {markdown_cell(entry['reason'])} "
                     f"| {markdown_cell(entry['detail'])} |")
    return lines


def _check_table(data: dict[str, Any]) -> list[str]:
    lines = ["", "## Checks", "", "| check | level | outcome | reference | message |",
             "|---|---|---|---|---|"]
    for check in data["checks"]:
        lines.append(f"| `{check['id']}` | {check['level']} | {check['outcome']} "
                     f"| {markdown_cell(check['reference'])} | {markdown_cell(check['message'])} |")
    return lines


def _problems(data: dict[str, Any]) -> list[str]:
    problems = [check for check in data["checks"] if check["outcome"] in PROBLEM_OUTCOMES]
    if not problems:
        return []
    known = known_failures(data)
    lines = ["", "## Failures, warnings and errors"]
    for check in problems:
        lines += _problem(check, known.get(check["id"]))
    return lines


def _problem(check: dict[str, Any], known_reason: str | None) -> list[str]:
    lines = ["", f"### `{check['id']}`: {check['outcome']}", ""]
    if known_reason is not None:
        lines += [f"Known failure (baseline): {markdown_cell(known_reason)}", ""]
    lines += [
        f"Requirement ({check['level']}, {markdown_cell(check['reference'])}): "
        f"{markdown_cell(check['requirement'])}",
        "",
        f"Stimulus: {markdown_cell(check['stimulus'])}",
        "",
        f"Message: {markdown_cell(check['message'])}",
    ]
    facts = []
    if check["expected"] is not None:
        facts.append(f"- expected: {markdown_cell(format_value(check['expected']))}")
    if check["received"] is not None:
        facts.append(f"- received: {markdown_cell(format_value(check['received']))}")
    if check["remedy"]:
        facts.append(f"- remedy: {markdown_cell(check['remedy'])}")
    if facts:
        lines += ["", *facts]
    if check["reproducer"]:
        lines += ["", "Reproduce:", "", markdown_fence(check["reproducer"], "sh")]

    for case in check["cases"]:
        if case["outcome"] not in PROBLEM_OUTCOMES or not case["exchanges"]:
            continue
        test = case["test"].replace("`", "'")
        lines += ["", f"Exchanges of `{test}` ({case['outcome']}):"]
        for number, exchange in enumerate(case["exchanges"], start=1):
            lines += ["", f"{number}.", "", markdown_fence(exchange_text(exchange), "http")]
    for case in check["cases"]:
        if case["backend_output"]:
            test = case["test"].replace("`", "'")
            lines += ["", f"Last output of the backend after `{test}`:", "",
                      markdown_fence(case["backend_output"])]
    return lines
