"""The `jwt-conformance compare` command: several runs side by side in Markdown and HTML."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance.exit_codes import EXIT_ERROR, EXIT_OK
from conformance.report.compare import CompareError, compare
from conformance.report.compare_html import render_compare_html
from conformance.report.compare_markdown import render_compare_markdown


def add_compare_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dirs", nargs="+", metavar="RUN_DIR", type=Path,
                        help="run folder that contains report.json, such as reports/<run-id>")
    parser.add_argument("--output", metavar="FILE.md", type=Path,
                        help="write the Markdown table to this file instead of standard output")
    parser.add_argument("--html", metavar="FILE", type=Path,
                        help="also write the comparison as a single-file HTML page")
    parser.add_argument("--differences-only", action="store_true",
                        help="list only the checks whose outcomes differ between the runs")


def compare_runs(args: argparse.Namespace) -> int:
    """Run the compare command; return 0, or 2 when a run folder cannot be read or written."""
    try:
        comparison = compare(list(args.run_dirs))
    except CompareError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR

    markdown = render_compare_markdown(comparison, args.differences_only)
    try:
        if args.output is not None:
            args.output.write_text(markdown, encoding="utf-8")
        else:
            sys.stdout.write(markdown)
        if args.html is not None:
            args.html.write_text(render_compare_html(comparison, args.differences_only),
                                 encoding="utf-8")
    except OSError as error:
        print(f"error: cannot write the comparison: {error}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK
