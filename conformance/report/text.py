"""Text helpers shared by the report writers: value formatting and safe Markdown and XML text."""

from __future__ import annotations

import html
import json
import re
from typing import Any

PROBLEM_OUTCOMES = ("fail", "warn", "error")
OUTCOME_ORDER = ("pass", "fail", "warn", "skip", "error")
SUMMARY_KEYS = {"pass": "passed", "fail": "failed", "warn": "warned", "skip": "skipped",
                "error": "errors"}

# Characters that XML 1.0 forbids (C0 controls other than tab, newline and carriage return,
# lone surrogates, U+FFFE and U+FFFF). Backend bodies may contain them; they would make the
# JUnit file unreadable, so the writers replace them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BACKTICKS = re.compile("`+")


def format_value(value: Any) -> str:
    """Render an expected or received value: strings as they are, anything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def describe_clock(clock: dict[str, Any]) -> str:
    """Return the run's clock as one phrase, such as `frozen (freezegun freezes ...)`."""
    if not clock:
        return ""
    name = str(clock.get("name", "unnamed"))
    how = clock.get("how")
    return f"{name} ({how})" if how else name


def known_failures(data: dict[str, Any]) -> dict[str, str]:
    """Return the reason of each check that failed as the run's baseline lists, by check id."""
    baseline = data["gate"]["baseline"]
    if baseline is None:
        return {}
    return {entry["check"]: entry["reason"] for entry in baseline["entries"]
            if entry["status"] == "known-failure"}


def xml_safe(text: str) -> str:
    """Replace the characters XML 1.0 cannot contain with U+FFFD."""
    return _XML_INVALID.sub("\ufffd", text)


def markdown_cell(text: str) -> str:
    """Make text safe for one Markdown table cell: one line, pipes and HTML escaped."""
    escaped = html.escape(text, quote=False).replace("|", "\\|")
    return " ".join(escaped.split())


def markdown_fence(text: str, info: str = "") -> str:
    """Wrap text in a fenced code block whose fence is longer than any backtick run inside."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def pretty_body(body: str) -> str:
    """Indent a JSON body for reading; return any other body unchanged."""
    stripped = body.strip()
    if not stripped.startswith(("{", "[")):
        return body
    try:
        return json.dumps(json.loads(stripped), indent=2, ensure_ascii=False)
    except ValueError:
        return body


def exchange_text(exchange: dict[str, Any]) -> str:
    """Render one redacted exchange of report.json as HTTP-like text."""
    request = exchange["request"]
    lines = [f"{request['method']} {request['url']}"]
    lines += [f"{name}: {value}" for name, value in request["headers"].items()]
    if request["body"]:
        lines += ["", pretty_body(request["body"])]

    response = exchange["response"]
    lines.append("")
    if response is None:
        lines.append(f"(no response: {exchange['error']})")
    else:
        lines.append(f"HTTP {response['status']}  ({exchange['elapsed_ms']} ms)")
        lines += [f"{name}: {value}" for name, value in response["headers"].items()]
        if response["body"]:
            lines += ["", pretty_body(response["body"])]
    return "\n".join(lines)
