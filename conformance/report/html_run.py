"""The single-file HTML report of one run: a matrix of families by outcome, the failures with
their evidence, the baseline, and a filterable list of every check."""

from __future__ import annotations

from typing import Any

from conformance.report.html_evidence import render_problem
from conformance.report.html_page import badge, count_cell, esc, page
from conformance.report.text import (
    OUTCOME_ORDER,
    PROBLEM_OUTCOMES,
    SUMMARY_KEYS,
    describe_clock,
    known_failures,
)

# Hides the rows of the check list whose outcome is unticked, states how many are shown, and
# opens the failure a link points to. The page works without it: every row is visible, the
# counter stays empty and the reader opens each failure by hand.
_FILTER_SCRIPT = """
(function () {
  function openTarget() {
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && target.tagName === 'DETAILS') { target.open = true; }
  }
  window.addEventListener('hashchange', openTarget);
  openTarget();
  var boxes = document.querySelectorAll('.filters input[type=checkbox]');
  var rows = document.querySelectorAll('#check-list tbody tr');
  var counter = document.getElementById('shown-count');
  function apply() {
    var enabled = {};
    boxes.forEach(function (box) { enabled[box.value] = box.checked; });
    var shown = 0;
    rows.forEach(function (row) {
      var visible = enabled[row.dataset.outcome] !== false;
      row.hidden = !visible;
      if (visible) { shown += 1; }
    });
    counter.textContent = 'showing ' + shown + ' of ' + rows.length + ' checks';
  }
  boxes.forEach(function (box) { box.addEventListener('change', apply); });
  apply();
})();
"""


def render_html(data: dict[str, Any]) -> str:
    """Render a report.json document as one self-contained HTML page."""
    known = known_failures(data)
    sections = [
        _header(data),
        _matrix(data),
        _problems(data, known),
        _baseline(data),
        _check_list(data, known),
        f'<footer>{esc(data["tool"]["name"])} {esc(data["tool"]["version"])}, report schema '
        f'{esc(data["schema_version"])}. Tokens, passwords and signing keys are redacted: '
        "each keeps its first six characters and its length.</footer>",
    ]
    return page(f"Conformance report {data['run_id']}", "\n".join(sections), _FILTER_SCRIPT)


def _header(data: dict[str, Any]) -> str:
    gate = data["gate"]
    rows = [("run", data["run_id"]), ("target", data["target"]), ("profile", data["profile"]),
            ("started", data["started"])]
    if data["clock"]:
        rows.append(("clock", describe_clock(data["clock"])))
    if gate["strict"]:
        rows.append(("strict", "yes: a SHOULD check that is not met fails the run"))
    if gate["select"]:
        rows.append(("select", ", ".join(gate["select"])))
    if gate["deselect"]:
        rows.append(("deselect", ", ".join(gate["deselect"])))
    if gate["baseline"] is not None:
        rows.append(("baseline", gate["baseline"]["path"]))
    meta = "".join(f"<dt>{esc(name)}</dt><dd>{esc(value)}</dd>" for name, value in rows)
    return (
        f"<header><h1>Conformance report</h1><dl class=\"meta\">{meta}</dl>"
        f'<p class="verdict exit-{gate["exit_code"]}" id="verdict">{esc(gate["result"])}</p>'
        "</header>"
    )


def _matrix(data: dict[str, Any]) -> str:
    head = "".join(f"<th>{badge(outcome)}</th>" for outcome in OUTCOME_ORDER)
    rows = []
    for family, counts in data["families"].items():
        rows.append(_matrix_row(family, counts, f"<th>{esc(family)}</th>"))
    total = _matrix_row("total", data["summary"], "<th>total</th>")
    return (
        '<section id="matrix"><h2>Outcomes by family</h2>'
        f'<table class="matrix"><thead><tr><th>family</th>{head}<th>checks</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody><tfoot>{total}</tfoot></table></section>"
    )


def _matrix_row(family: str, counts: dict[str, int], label: str) -> str:
    cells = [
        count_cell(counts[SUMMARY_KEYS[outcome]],
                   f'data-outcome="{outcome}"', css=f"outcome-{outcome}")
        for outcome in OUTCOME_ORDER
    ]
    cells.append(count_cell(sum(counts.values()), 'data-outcome="total"'))
    return f'<tr data-family="{esc(family)}">{label}{"".join(cells)}</tr>'


def _problems(data: dict[str, Any], known: dict[str, str]) -> str:
    problems = [check for check in data["checks"] if check["outcome"] in PROBLEM_OUTCOMES]
    if not problems:
        return ('<section id="problems"><h2>Failures, warnings and errors</h2>'
                "<p>None: every check that ran passed or was skipped.</p></section>")
    details = "\n".join(render_problem(check, known.get(check["id"])) for check in problems)
    return (
        f'<section id="problems"><h2>Failures, warnings and errors ({len(problems)})</h2>'
        '<p class="muted">Open a check to see its expected and received values, the exchanges '
        f"that led to it and a curl command that repeats the last request.</p>\n{details}"
        "</section>"
    )


def _baseline(data: dict[str, Any]) -> str:
    baseline = data["gate"]["baseline"]
    if baseline is None:
        return ""
    rows = []
    for entry in baseline["entries"]:
        status = entry["status"] + (" (stale: remove the entry)" if entry["stale"] else "")
        rows.append(f"<tr><td><code>{esc(entry['check'])}</code></td><td>{esc(status)}</td>"
                    f"<td>{esc(entry['reason'])}</td><td>{esc(entry['detail'])}</td></tr>")
    return (
        f'<section id="baseline"><h2>Baseline</h2><p>Known failures listed in '
        f"<code>{esc(baseline['path'])}</code>.</p><table><thead><tr><th>check</th>"
        "<th>status</th><th>reason</th><th>detail</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _check_list(data: dict[str, Any], known: dict[str, str]) -> str:
    boxes = "".join(
        f'<label><input type="checkbox" value="{outcome}" checked> {badge(outcome)}</label>'
        for outcome in OUTCOME_ORDER
    )
    rows = []
    for check in data["checks"]:
        name = f"<code>{esc(check['id'])}</code>"
        if check["outcome"] in PROBLEM_OUTCOMES:
            name = f'<a href="#check-{esc(check["id"])}">{name}</a>'
        label = badge(check["outcome"])
        if check["id"] in known:
            label += " " + badge("known", "KNOWN")
        rows.append(
            f'<tr data-outcome="{esc(check["outcome"])}" data-check="{esc(check["id"])}">'
            f"<td>{name}</td><td>{esc(check['level'])}</td><td>{label}</td>"
            f"<td>{esc(check['reference'])}</td><td>{esc(check['message'])}</td></tr>"
        )
    return (
        '<section id="checks"><h2>All checks</h2>'
        f'<p class="filters">{boxes} <span class="muted" id="shown-count"></span></p>'
        '<table id="check-list"><thead><tr><th>check</th><th>level</th><th>outcome</th>'
        f"<th>reference</th><th>message</th></tr></thead><tbody>{''.join(rows)}</tbody>"
        "</table></section>"
    )
