"""Shared helpers of the benchmark scripts: the machine description and bench/RESULTS.md sections.

Other scripts write sections of their own into RESULTS.md, so a script replaces only the section
under its own heading and reads the file again right before it writes.
"""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "RESULTS.md"


def cpu_model() -> str:
    """Return the first `model name` of /proc/cpuinfo, or the platform's processor name."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def cpu_count() -> str:
    """Return the output of `nproc`, the CPUs this process may use."""
    try:
        return subprocess.run(["nproc"], capture_output=True, text=True, check=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return str(len(os.sched_getaffinity(0)))


def machine() -> str:
    """Return one line that names the CPUs, kernel and Python of this machine."""
    return (f"{cpu_count()} CPUs (`nproc`), {cpu_model()} (/proc/cpuinfo), "
            f"Linux {platform.release()}, Python {platform.python_version()}")


def load_average() -> float:
    """Return the 1-minute load average."""
    return os.getloadavg()[0]


def write_section(heading: str, text: str) -> None:
    """Replace the section that starts with `heading` in RESULTS.md, or append it.

    `text` starts with the heading line. A section ends where the next `## ` heading starts.
    """
    existing = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
    body = text.rstrip("\n") + "\n"
    start = existing.find(heading + "\n")
    if start == -1:
        RESULTS.write_text(existing.rstrip("\n") + "\n\n" + body, encoding="utf-8")
        return

    following = existing.find("\n## ", start + len(heading))
    rest = "" if following == -1 else "\n" + existing[following + 1:]
    RESULTS.write_text(existing[:start] + body + rest, encoding="utf-8")


def read_section(heading: str) -> str | None:
    """Return the text of the section under `heading` in RESULTS.md, or None."""
    if not RESULTS.exists():
        return None
    existing = RESULTS.read_text(encoding="utf-8")
    start = existing.find(heading + "\n")
    if start == -1:
        return None
    following = existing.find("\n## ", start + len(heading))
    return existing[start:] if following == -1 else existing[start:following + 1]
