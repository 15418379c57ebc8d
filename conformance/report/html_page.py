"""The frame of the single-file HTML reports: inline CSS, the page skeleton and small helpers.

The pages load nothing from elsewhere, so a report opens offline and from a CI artifact.
Every value taken from a run passes through `esc`, because backend bodies may contain markup.
"""

from __future__ import annotations

import html

from conformance.report.text import xml_safe

STYLE = """
:root { --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700; --skip: #6e7781; --error: #8250df;
        --line: #d0d7de; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
       max-width: 1200px; padding: 16px 24px; color: #1f2328; }
h1 { font-size: 22px; margin: 8px 0; } h2 { font-size: 18px; margin: 28px 0 8px; }
code, pre { font: 12.5px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px;
      padding: 8px 10px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
table { border-collapse: collapse; margin: 6px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left;
         vertical-align: top; }
thead th { background: var(--soft); }
td.n { text-align: right; font-variant-numeric: tabular-nums; min-width: 4em; }
td.n.zero { color: #8c959f; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; margin: 8px 0; }
dl.meta dt { color: #59636e; } dl.meta dd { margin: 0; }
.badge { display: inline-block; min-width: 3.6em; padding: 0 6px; border-radius: 10px;
         color: #fff; font-size: 12px; font-weight: 600; text-align: center; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); }
.badge.warn { background: var(--warn); } .badge.skip { background: var(--skip); }
.badge.error { background: var(--error); } .badge.none { background: #afb8c1; }
.badge.known { background: #fff; color: var(--fail); border: 1px solid var(--fail); }
td.outcome-fail.nonzero { background: #ffebe9; font-weight: 600; }
td.outcome-warn.nonzero { background: #fff8c5; font-weight: 600; }
td.outcome-error.nonzero { background: #fbefff; font-weight: 600; }
td.outcome-pass.nonzero { background: #dafbe1; }
.verdict { padding: 8px 12px; border-radius: 6px; font-weight: 600; }
.verdict.exit-0 { background: #dafbe1; } .verdict.exit-1 { background: #ffebe9; }
.verdict.exit-2 { background: #fbefff; }
details.check { border: 1px solid var(--line); border-radius: 6px; margin: 6px 0;
                padding: 4px 10px; }
details.check > summary { cursor: pointer; padding: 4px 0; }
details.check[open] > summary { border-bottom: 1px solid var(--line); margin-bottom: 6px; }
details.case, details.exchange { margin: 4px 0 4px 12px; }
details.case > summary, details.exchange > summary { cursor: pointer; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 4px 12px; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
#runs code, #runs td:nth-child(5) { white-space: nowrap; }
#runs td:last-child { min-width: 16em; }
tr.differs { background: #fff8c5; }
tr.differs td.marker { color: var(--fail); font-weight: 700; }
.filters label { margin-right: 12px; }
.muted { color: #59636e; }
footer { margin-top: 32px; color: #59636e; font-size: 12px; }
"""


def esc(value: object) -> str:
    """Escape a value for HTML text or a quoted attribute."""
    return html.escape(xml_safe(str(value)), quote=True)


def badge(outcome: str | None, text: str | None = None) -> str:
    """Return the coloured label of an outcome; None stands for a check that did not run."""
    css = outcome if outcome is not None else "none"
    if text is not None:
        label = text
    elif outcome is not None:
        label = outcome.upper()
    else:
        label = "—"
    return f'<span class="badge {esc(css)}">{esc(label)}</span>'


def count_cell(count: int, attributes: str, css: str = "") -> str:
    """Return a right-aligned number cell, dimmed when it is zero."""
    state = "nonzero" if count else "zero"
    return f'<td class="n {css} {state}" {attributes}>{count}</td>'


def page(title: str, body: str, script: str = "") -> str:
    """Wrap body markup in a complete HTML document with the inline style sheet."""
    script_tag = f"<script>{script}</script>\n" if script else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n{script_tag}</body>\n</html>\n"
    )
