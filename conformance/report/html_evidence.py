"""HTML for the evidence of one check that did not pass: its facts, reproducer and exchanges."""

from __future__ import annotations

from typing import Any

from conformance.report.html_page import badge, esc
from conformance.report.text import PROBLEM_OUTCOMES, exchange_text, format_value


def render_problem(check: dict[str, Any], known_reason: str | None) -> str:
    """Return a collapsed `<details>` element with everything a reader needs to fix the check."""
    label = badge(check["outcome"])
    if known_reason is not None:
        label += " " + badge("known", "KNOWN")
    parts = [
        f'<details class="check outcome-{esc(check["outcome"])}" '
        f'id="check-{esc(check["id"])}" data-check="{esc(check["id"])}">',
        f"<summary>{label} <code>{esc(check['id'])}</code> "
        f'<span class="muted">{esc(check["level"])}</span> {esc(check["message"])}</summary>',
        '<dl class="facts">',
    ]

    if known_reason is not None:
        parts.append(f"<dt>known failure</dt><dd>{esc(known_reason)}</dd>")
    parts += [
        f"<dt>requirement</dt><dd>{esc(check['requirement'])}</dd>",
        f"<dt>reference</dt><dd>{esc(check['reference'])}</dd>",
        f"<dt>stimulus</dt><dd>{esc(check['stimulus'])}</dd>",
    ]
    if check["expected"] is not None:
        parts.append(f"<dt>expected</dt><dd><pre class=\"expected\">"
                     f"{esc(format_value(check['expected']))}</pre></dd>")
    if check["received"] is not None:
        parts.append(f"<dt>received</dt><dd><pre class=\"received\">"
                     f"{esc(format_value(check['received']))}</pre></dd>")
    if check["remedy"]:
        parts.append(f"<dt>remedy</dt><dd>{esc(check['remedy'])}</dd>")

    if check["reproducer"]:
        parts.append(f'<dt>reproduce</dt><dd><pre class="curl">{esc(check["reproducer"])}'
                     "</pre></dd>")
    parts.append("</dl>")

    parts += [_case(case) for case in check["cases"]]
    parts.append("</details>")
    return "\n".join(parts)


def _case(case: dict[str, Any]) -> str:
    exchanges = case["exchanges"]
    opened = " open" if case["outcome"] in PROBLEM_OUTCOMES else ""
    parts = [
        f'<details class="case"{opened}><summary>{badge(case["outcome"])} '
        f"<code>{esc(case['test'])}</code> "
        f'<span class="muted">{case["duration_s"]} s, {len(exchanges)} exchanges</span>'
        "</summary>",
    ]
    if case["message"] and case["outcome"] != "pass":
        parts.append(f"<p>{esc(case['message'])}</p>")
    if exchanges:
        parts.append('<ol class="exchanges">')
        # The last exchange of a test that did not pass is usually the one that decided it.
        last = len(exchanges) - 1 if opened else -1
        parts += [f"<li>{_exchange(exchange, number == last)}</li>"
                  for number, exchange in enumerate(exchanges)]
        parts.append("</ol>")
    if case["backend_output"]:
        parts.append('<details class="exchange"><summary>last output of the backend</summary>'
                     f'<pre class="backend-output">{esc(case["backend_output"])}</pre></details>')
    parts.append("</details>")
    return "\n".join(parts)


def _exchange(exchange: dict[str, Any], opened: bool) -> str:
    request = exchange["request"]
    response = exchange["response"]
    result = f"→ {response['status']}" if response is not None else "→ no response"
    state = " open" if opened else ""
    return (
        f'<details class="exchange"{state}><summary><code>{esc(request["method"])} '
        f"{esc(request['url'])} {esc(result)}</code></summary>"
        f"<pre>{esc(exchange_text(exchange))}</pre></details>"
    )
