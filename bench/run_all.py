"""Run every benchmark and collect their key numbers into one summary section of RESULTS.md.

    python bench/run_all.py [--quick] [--collect-only]

Runs bench/main_job.py and bench/harness_overhead.py, which write their own sections, and the
benchmarks of other families: bench/faketime_compression.py, which writes its section, and
bench/storm.py, which prints its table for its owner to record. The summary section then quotes
the key ratio of each recorded section and names the section it comes from; it measures nothing
itself. `--quick` runs fewer repetitions, and `--collect-only` only rewrites the summary.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass

from results_file import REPO, read_section, write_section

SECTION = "## Summary: key numbers of the recorded sections"

# Safety net of one benchmark script.
SCRIPT_TIMEOUT = 1800.0


@dataclass(frozen=True)
class Script:
    """A benchmark script with its arguments for a full and for a quick run."""

    path: str
    full: tuple[str, ...]
    quick: tuple[str, ...]


SCRIPTS = [
    Script("bench/main_job.py", ("--repeat", "3"), ("--repeat", "1")),
    Script("bench/harness_overhead.py", ("--exchanges", "2000"), ("--exchanges", "400")),
    Script("bench/faketime_compression.py", ("--repeat", "3"), ("--repeat", "1")),
    Script("bench/storm.py", ("--sizes", "50", "500", "--rounds", "10", "3"),
           ("--sizes", "50", "--rounds", "3")),
]


@dataclass(frozen=True)
class Quote:
    """One number to collect: a row of a section's table, picked by a cell, and a column."""

    measure: str
    section: str
    row_contains: str
    column: str


QUOTES = [
    Quote("main job wall time, median s",
          "## Main job: `jwt-conformance run` against the embedded reference backend",
          "", "median s"),
    Quote("harness / raw httpx, per exchange", "## Harness cost per exchange against raw httpx",
          "", "harness / raw"),
    Quote("harness - raw httpx, µs per exchange",
          "## Harness cost per exchange against raw httpx", "", "harness - raw µs"),
    Quote("simulated s per wall s, faketime clock (managed process)",
          "## Clock compression: expiry and refresh families", "faketime",
          "simulated s per wall s"),
    Quote("simulated s per wall s, frozen clock (in process)",
          "## Clock compression: expiry and refresh families", "frozen",
          "simulated s per wall s"),
    Quote("expired-token storm, client / raw, N = 50",
          "## Expired-token storm: the refreshing client against the same exchanges by hand",
          "| 50 |", "client / raw"),
    Quote("expired-token storm, client / raw, N = 500",
          "## Expired-token storm: the refreshing client against the same exchanges by hand",
          "| 500 |", "client / raw"),
]


def table_cell(section: str, row_contains: str, column: str) -> str | None:
    """Return the cell in `column` of the first table row of `section` that contains
    `row_contains`, or None."""
    header: list[str] | None = None
    for line in section.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if set(line) <= set("|-: "):
            continue
        if row_contains in line and column in header and len(cells) == len(header):
            return cells[header.index(column)]
    return None


def render_summary() -> str:
    """Return the summary section, quoting each number from the section that records it."""
    rows = []
    for quote in QUOTES:
        section = read_section(quote.section)
        value = None if section is None else table_cell(section, quote.row_contains,
                                                        quote.column)
        source = quote.section.removeprefix("## ")
        rows.append(f"| {quote.measure} | {value or 'not recorded'} | {source} |")
    return "\n".join([
        SECTION,
        "",
        f"Collected {time.strftime('%Y-%m-%d')} by `python bench/run_all.py` from the sections "
        "named in the last column; each of those states its machine, command and load.",
        "",
        "| measure | value | section |",
        "|---|---|---|",
        *rows,
        "",
    ])


def run_script(script: Script, quick: bool) -> int:
    """Run one benchmark script from the repository root and return its exit code."""
    arguments = script.quick if quick else script.full
    command = [sys.executable, script.path, *arguments]
    print(f"$ {' '.join(command[1:])}", flush=True)
    try:
        return subprocess.run(command, cwd=REPO, timeout=SCRIPT_TIMEOUT, check=False).returncode
    except subprocess.TimeoutExpired:
        print(f"{script.path} did not finish within {SCRIPT_TIMEOUT:g} s", file=sys.stderr)
        return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="run each benchmark with fewer repetitions")
    parser.add_argument("--collect-only", action="store_true",
                        help="run no benchmark, only rewrite the summary section")
    args = parser.parse_args()

    failed = []
    if not args.collect_only:
        for script in SCRIPTS:
            if not (REPO / script.path).is_file():
                print(f"{script.path} is missing; its numbers stay as recorded", file=sys.stderr)
                continue
            if run_script(script, args.quick) != 0:
                failed.append(script.path)

    text = render_summary()
    print(text)
    write_section(SECTION, text)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
