"""The HTML form of a comparison: one self-contained page, rows that differ highlighted."""

from __future__ import annotations

from conformance.report.compare import Comparison
from conformance.report.html_page import badge, esc, page

_COUNTS = ("passed", "failed", "warned", "skipped", "errors")


def render_compare_html(comparison: Comparison, differences_only: bool = False) -> str:
    """Render the comparison as one HTML page; rows whose outcomes differ get class `differs`."""
    runs = comparison.runs
    legend_rows = []
    for number, run in enumerate(runs, start=1):
        counts = "".join(f'<td class="n">{run.summary.get(key, 0)}</td>' for key in _COUNTS)
        legend_rows.append(
            f"<tr><td>{number}</td><td>{esc(run.target)}</td><td>{esc(run.profile)}</td>"
            f"<td><code>{esc(run.run_id)}</code></td><td>{esc(run.started)}</td>{counts}"
            f"<td>{esc(run.result)}</td></tr>"
        )
    count_heads = "".join(f"<th>{key}</th>" for key in _COUNTS)
    legend = (
        '<table id="runs"><thead><tr><th>run</th><th>target</th><th>profile</th><th>run id</th>'
        f"<th>started</th>{count_heads}<th>result</th></tr></thead>"
        f"<tbody>{''.join(legend_rows)}</tbody></table>"
    )

    rows = comparison.differing if differences_only else comparison.rows
    heads = "".join(f'<th title="{esc(run.label)}">{number}<br><span class="muted">'
                    f"{esc(run.label)}</span></th>"
                    for number, run in enumerate(runs, start=1))
    body_rows = []
    for row in rows:
        css = ' class="differs"' if row.differs else ""
        mark = "≠" if row.differs else ""
        cells = "".join(f'<td data-outcome="{esc(outcome or "none")}">{badge(outcome)}</td>'
                        for outcome in row.outcomes)
        body_rows.append(
            f'<tr{css} data-check="{esc(row.check_id)}"><td class="marker">{mark}</td>'
            f"<td><code>{esc(row.check_id)}</code></td><td>{esc(row.level)}</td>{cells}</tr>"
        )
    differing = len(comparison.differing)
    body = (
        f"<h1>Comparison of {len(runs)} runs</h1>{legend}"
        f'<p id="difference-count">{differing} of {len(comparison.rows)} checks differ between '
        "the runs (highlighted and marked ≠; — means the check did not run).</p>"
        '<table id="comparison"><thead><tr><th></th><th>check</th><th>level</th>'
        f"{heads}</tr></thead><tbody>{''.join(body_rows)}</tbody></table>"
    )
    return page(f"Comparison of {len(runs)} runs", body)
