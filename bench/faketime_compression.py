"""Measure how much simulated time the controlled clocks cover per second of wall time.

Runs the expiry and refresh scenario families against the reference backend, once in process
under the frozen clock and once as a managed process under the faketime clock, each several
times, and writes the medians into a section of bench/RESULTS.md.

    python bench/faketime_compression.py [--repeat 3] [--no-write]

Wall time is that of the whole `python -m pytest` subprocess, imports and backend start
included. Simulated time is the sum of the forward moves of the clock over the run, as the
report's `clock.moved_forward_s` states it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "RESULTS.md"
SECTION = "## Clock compression: expiry and refresh families"
SCENARIOS = ["scenarios/test_expiry.py", "scenarios/test_refresh.py"]
HOUR_DAY_PROFILE = "tests/profiles/reference-hour-day.toml"


@dataclass
class Sample:
    """One run: wall seconds, seconds spent inside checks, simulated seconds, outcomes."""

    wall: float
    in_checks: float
    simulated: float
    outcomes: dict[str, int]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def run_once(options: list[str]) -> Sample:
    """Run the two families with `options` and read the report."""
    with tempfile.TemporaryDirectory(prefix="bench-clock-") as folder:
        command = [sys.executable, "-m", "pytest", *SCENARIOS, "-p", "conformance.plugin",
                   "-p", "no:cacheprovider", "-q", "--report-dir", folder, *options]
        started = time.monotonic()
        completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True,
                                   timeout=600, check=False)
        wall = time.monotonic() - started
        reports = list(Path(folder).glob("*/report.json"))
        if completed.returncode != 0 or len(reports) != 1:
            raise SystemExit(f"benchmark run failed ({completed.returncode}):\n"
                             f"{completed.stdout[-2000:]}{completed.stderr[-2000:]}")
        report = json.loads(reports[0].read_text(encoding="utf-8"))

    in_checks = sum(case["duration_s"] for check in report["checks"] for case in check["cases"])
    return Sample(wall, in_checks, float(report["clock"]["moved_forward_s"]), report["summary"])


def frozen_options() -> list[str]:
    return ["--profile", "reference"]


def faketime_options() -> list[str]:
    port = free_port()
    backend = (f"{shlex.quote(sys.executable)} -m conformance.reference --port {port} "
               "--access-ttl 3600 --refresh-ttl 86400")
    return ["--profile", HOUR_DAY_PROFILE, "--target-cmd", backend,
            "--ready-url", f"http://127.0.0.1:{port}/api/test/all"]


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = match.group(1) if match else cpu
    libfaketime = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libfaketime"],
                                 capture_output=True, text=True, check=False).stdout.strip()
    return (f"{os.cpu_count()} CPUs (`nproc`), {cpu}, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}, libfaketime "
            f"{libfaketime or 'not installed'}")


def render(rows: list[tuple[str, list[Sample]]], repeat: int,
           load: tuple[float, float]) -> str:
    lines = [
        SECTION,
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {machine()}, with "
        f"`python bench/faketime_compression.py --repeat {repeat}`; medians of {repeat} runs. "
        f"The 1-minute load average was {load[0]:.1f} before and {load[1]:.1f} after; above the "
        "CPU count, other processes competed for the CPUs and lengthened the wall times.",
        "Wall time is the whole pytest subprocess (imports, backend start and stop included);",
        "in-check time is the sum of the check durations pytest measured. Simulated time is",
        "the sum of the clock's forward moves (`clock.moved_forward_s` in report.json).",
        "",
        "| setup | wall s | in-check s | simulated s | simulated s per wall s | outcomes |",
        "|---|---|---|---|---|---|",
    ]
    for name, samples in rows:
        wall = statistics.median(sample.wall for sample in samples)
        in_checks = statistics.median(sample.in_checks for sample in samples)
        simulated = statistics.median(sample.simulated for sample in samples)
        summary = samples[0].outcomes
        outcomes = f"{summary['passed']} checks passed, {summary['skipped']} skipped"
        lines.append(f"| {name} | {wall:.1f} | {in_checks:.1f} | {simulated:,.0f} | "
                     f"{simulated / wall:,.0f} | {outcomes} |")
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    """Replace this benchmark's section of RESULTS.md, or append it, keeping other sections."""
    existing = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
    start = existing.find(SECTION)
    if start == -1:
        updated = existing.rstrip("\n") + "\n\n" + text
    else:
        following = existing.find("\n## ", start + len(SECTION))
        end = len(existing) if following == -1 else following + 1
        updated = existing[:start] + text + ("\n" + existing[end:] if following != -1 else "")
    RESULTS.write_text(updated, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per setup (default: 3)")
    parser.add_argument("--no-write", action="store_true",
                        help="print the section instead of writing bench/RESULTS.md")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    rows = [
        ("in process, frozen clock, 15 min access / 7 day refresh",
         [run_once(frozen_options()) for _ in range(args.repeat)]),
        ("managed process, faketime clock, 1 h access / 1 day refresh",
         [run_once(faketime_options()) for _ in range(args.repeat)]),
    ]
    text = render(rows, args.repeat, (load_before, os.getloadavg()[0]))
    print(text)
    if not args.no_write:
        write_section(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
