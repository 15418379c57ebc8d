"""The JUnit XML report of a run (report.xml): one test suite per family, one test case per check.

Each test case carries the check's id, level, reference and outcome as properties. JUnit has no
warning and no expected failure, so the writer follows pytest's own JUnit output. A warning (a
SHOULD check not met) passes unless the run is strict. A failure that the baseline accepts is
skipped, like an expected failure (xfail).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from conformance.report.text import format_value, known_failures, xml_safe

_MAX_ATTRIBUTE_CHARS = 1000


def render_junit(data: dict[str, Any]) -> bytes:
    """Render a report.json document as JUnit XML, encoded as UTF-8 with a declaration."""
    known = known_failures(data)
    strict = bool(data["gate"]["strict"])
    root = ET.Element("testsuites", name="jwt-conformance")
    _properties(root, {"run_id": data["run_id"], "target": data["target"],
                       "profile": data["profile"], "result": data["gate"]["result"]})

    families: dict[str, list[dict[str, Any]]] = {}
    for check in data["checks"]:
        families.setdefault(check["family"], []).append(check)

    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    for family, checks in families.items():
        suite = ET.SubElement(root, "testsuite", name=f"conformance.{family}",
                              timestamp=data["started"])
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        suite_time = 0.0
        for check in checks:
            kind, duration = _testcase(suite, check, known.get(check["id"]), strict)
            counts["tests"] += 1
            if kind is not None:
                counts[kind] += 1
            suite_time += duration
        _set_counts(suite, counts, suite_time)
        for key, value in counts.items():
            totals[key] += value
        total_time += suite_time
    _set_counts(root, totals, total_time)

    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _set_counts(element: ET.Element, counts: dict[str, int], seconds: float) -> None:
    for key, value in counts.items():
        element.set(key, str(value))
    element.set("time", f"{seconds:.3f}")


def _properties(parent: ET.Element, values: dict[str, str]) -> None:
    properties = ET.SubElement(parent, "properties")
    for name, value in values.items():
        ET.SubElement(properties, "property", name=name, value=_attribute(value))


def _testcase(
    suite: ET.Element, check: dict[str, Any], known_reason: str | None, strict: bool
) -> tuple[str | None, float]:
    """Add the test case of one check; return the count it adds to (or None) and its time."""
    duration = sum(case["duration_s"] for case in check["cases"])
    case = ET.SubElement(suite, "testcase", classname=f"conformance.{check['family']}",
                         name=check["id"], time=f"{duration:.3f}")
    _properties(case, {"check_id": check["id"], "level": check["level"],
                       "reference": check["reference"], "outcome": check["outcome"]})

    outcome = check["outcome"]
    message = _attribute(check["message"])
    kind: str | None = None
    if known_reason is not None and outcome in ("fail", "warn"):
        ET.SubElement(case, "skipped", type="known-failure",
                      message=_attribute(f"known failure (baseline): {known_reason}"))
        kind = "skipped"
    elif outcome == "fail" or (outcome == "warn" and strict):
        failure = ET.SubElement(case, "failure", type=f"{check['level']} not met",
                                message=message)
        failure.text = xml_safe(_details(check))
        kind = "failures"
    elif outcome == "error":
        error = ET.SubElement(case, "error", type="harness error", message=message)
        error.text = xml_safe(_details(check))
        kind = "errors"
    elif outcome == "skip":
        ET.SubElement(case, "skipped", message=message)
        kind = "skipped"
    elif outcome == "warn":
        output = ET.SubElement(case, "system-out")
        output.text = xml_safe(f"WARN (SHOULD not met; fails only under --strict)\n"
                               f"{_details(check)}")

    backend_output = [f"--- {item['test']}\n{item['backend_output']}"
                      for item in check["cases"] if item["backend_output"]]
    if backend_output:
        errors = ET.SubElement(case, "system-err")
        errors.text = xml_safe("\n".join(backend_output))
    return kind, duration


def _details(check: dict[str, Any]) -> str:
    lines = [f"[{check['id']}] {check['outcome']}: {check['message']}",
             f"requirement ({check['level']}, {check['reference']}): {check['requirement']}"]
    if check["expected"] is not None:
        lines.append(f"expected: {format_value(check['expected'])}")
    if check["received"] is not None:
        lines.append(f"received: {format_value(check['received'])}")
    if check["remedy"]:
        lines.append(f"remedy: {check['remedy']}")
    if check["reproducer"]:
        lines.append(f"reproduce: {check['reproducer']}")
    return "\n".join(lines)


def _attribute(text: str) -> str:
    text = xml_safe(" ".join(str(text).split()))
    if len(text) > _MAX_ATTRIBUTE_CHARS:
        text = text[:_MAX_ATTRIBUTE_CHARS] + "…"
    return text
