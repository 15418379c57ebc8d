"""Report writers of a run: report.json, report.md, report.html and the JUnit XML report.xml.

Every writer renders the report.json document, so all formats show the same, redacted data.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.report.html_run import render_html
from conformance.report.junit import render_junit
from conformance.report.markdown import render_markdown

if TYPE_CHECKING:
    from conformance.results import RunResults

log = logging.getLogger("conformance")

JSON_NAME = "report.json"
MARKDOWN_NAME = "report.md"
HTML_NAME = "report.html"
JUNIT_NAME = "report.xml"

__all__ = ["HTML_NAME", "JSON_NAME", "JUNIT_NAME", "MARKDOWN_NAME", "render_html",
           "render_junit", "render_markdown", "write_reports"]


def write_reports(results: RunResults, report_dir: Path) -> Path:
    """Write every format into `report_dir/<run-id>/` and return that folder."""
    folder = report_dir / results.run_id
    folder.mkdir(parents=True, exist_ok=True)
    data = results.to_json()
    # JSON keeps its ASCII escapes, and the text formats replace what UTF-8 cannot encode,
    # because a hostile backend body may decode to lone surrogates.
    (folder / JSON_NAME).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    (folder / MARKDOWN_NAME).write_text(render_markdown(data), encoding="utf-8",
                                        errors="replace")
    (folder / HTML_NAME).write_text(render_html(data), encoding="utf-8", errors="replace")
    (folder / JUNIT_NAME).write_bytes(render_junit(data))
    log.info("wrote reports of run %s to %s", results.run_id, folder)
    return folder
