"""Measure the wall time of the main job: `jwt-conformance run` against the embedded reference.

Runs `python -m conformance run --report-dir DIR` (no target, so every scenario runs against the
in-process reference backend) several times and writes the median into bench/RESULTS.md.

    python bench/main_job.py [--repeat 3] [--no-write]

Wall time is that of the whole subprocess: interpreter start, imports, backend start, every
check and the report writers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from results_file import REPO, load_average, machine, write_section

SECTION = "## Main job: `jwt-conformance run` against the embedded reference backend"
COMMAND = [sys.executable, "-m", "conformance", "run"]
# Safety net of one run. A full run took about 15 s on the 2-CPU machine that RESULTS.md names.
RUN_TIMEOUT = 600.0


@dataclass
class Sample:
    """One run: wall seconds, exit code and the report's summary counts."""

    seconds: float
    exit_code: int
    summary: dict[str, int]


def run_once() -> Sample:
    """Run the main job once into a fresh report folder and return its sample."""
    with tempfile.TemporaryDirectory(prefix="bench-main-job-") as folder:
        started = time.perf_counter()
        completed = subprocess.run([*COMMAND, "--report-dir", folder], cwd=REPO,
                                   capture_output=True, text=True, timeout=RUN_TIMEOUT,
                                   check=False)
        seconds = time.perf_counter() - started
        reports = sorted(Path(folder).glob("*/report.json"))
        if not reports:
            raise RuntimeError(f"the main job wrote no report.json (exit code "
                               f"{completed.returncode}):\n{completed.stderr[-2000:]}")
        summary = json.loads(reports[0].read_text(encoding="utf-8"))["summary"]
    return Sample(seconds, completed.returncode, summary)


def render(samples: list[Sample], loads: tuple[float, float]) -> str:
    """Return the RESULTS.md section for the samples."""
    seconds = [sample.seconds for sample in samples]
    last = samples[-1].summary
    counts = ", ".join(f"{last[key]} {key}" for key in ("passed", "failed", "warned",
                                                        "skipped", "errors"))
    exit_codes = sorted({sample.exit_code for sample in samples})
    return "\n".join([
        SECTION,
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {machine()}, with "
        f"`python bench/main_job.py --repeat {len(samples)}`, which runs "
        "`python -m conformance run --report-dir DIR` from the repository root. The 1-minute "
        f"load average was {loads[0]:.1f} before and {loads[1]:.1f} after; above the CPU "
        "count, other processes competed for the CPUs and lengthened the wall times.",
        "",
        "| runs | median s | min s | max s | checks (last run) | exit codes |",
        "|---|---|---|---|---|---|",
        f"| {len(samples)} | {statistics.median(seconds):.1f} | {min(seconds):.1f} | "
        f"{max(seconds):.1f} | {counts} | {', '.join(map(str, exit_codes))} |",
        "",
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs to time (default: 3)")
    parser.add_argument("--no-write", action="store_true",
                        help="print the section instead of writing bench/RESULTS.md")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error(f"invalid --repeat {args.repeat}: use a whole number >= 1")

    load_before = load_average()
    samples = [run_once() for _ in range(args.repeat)]
    text = render(samples, (load_before, load_average()))
    print(text)
    if not args.no_write:
        write_section(SECTION, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
