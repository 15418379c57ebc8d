"""The faketime clock: moves the clock of a backend process started under libfaketime.

The suite starts the backend with `LD_PRELOAD` of libfaketime and a timestamp file that it
rewrites to move the backend's clock. Facts below were checked with Debian's libfaketime 0.9.10:

- `FAKETIME_FMT=%s` with an epoch such as `1893456000` freezes the clock at that second, in
  every time zone. Fractions such as `1893456000.25` work too.
- `+0` gives real time again, and `FAKETIME_NO_CACHE=1` makes each time call reread the file.
- `FAKETIME_DONT_FAKE_MONOTONIC=1` leaves CLOCK_MONOTONIC real, so asyncio, Node.js timers and
  uvicorn keep running while the wall clock is frozen. With it, Python 3.11's `time.sleep()`
  in the backend fails with OSError EINVAL.
- The library leaves `/dev/shm/faketime_shm_<pid>` and `/dev/shm/sem.faketime_sem_<pid>`
  behind when a preloaded Python or sh process exits, even cleanly (Node.js 20 left none);
  the managed target removes them.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from conformance.clocks.backend_time import read_date_header
from conformance.clocks.base import Clock, format_epoch
from conformance.outcome import HarnessError
from conformance.target import TargetError

log = logging.getLogger("conformance")

LIBRARY_NAME = "libfaketime.so.1"
REAL_TIME = "+0"

# A move closer than this to real time looks the same as a clock that did not move, so the
# first check of the clock jumps this far ahead instead.
_DISTINGUISHABLE_SECONDS = 5.0
_PROBE_JUMP_SECONDS = 3 * 86_400.0
# uvicorn refreshes its Date header once a second and Node.js caches it for up to a second.
_VERIFY_TIMEOUT_SECONDS = 3.0
_VERIFY_INTERVAL_SECONDS = 0.1


def library_candidates() -> list[Path]:
    """Return the paths where distributions install libfaketime, most likely first."""
    directories: list[Path] = []
    multiarch = sysconfig.get_config_var("MULTIARCH")
    if multiarch:
        directories.append(Path("/usr/lib") / str(multiarch) / "faketime")
    directories += sorted(Path("/usr/lib").glob("*-linux-gnu*/faketime"))
    directories += [Path("/usr/lib/faketime"), Path("/usr/lib64/faketime"),
                    Path("/usr/local/lib/faketime")]
    unique = dict.fromkeys(directory / LIBRARY_NAME for directory in directories)
    return list(unique)


def find_libfaketime() -> Path:
    """Return the path of libfaketime.so.1, or raise TargetError saying how to install it."""
    override = os.environ.get("CONFORMANCE_LIBFAKETIME")
    if override:
        if Path(override).is_file():
            return Path(override)
        raise TargetError(
            f"invalid CONFORMANCE_LIBFAKETIME {override!r}: no such file; point it at "
            f"{LIBRARY_NAME} or unset it"
        )
    for candidate in library_candidates():
        if candidate.is_file():
            return candidate
    searched = ", ".join(str(path.parent) for path in library_candidates())
    raise TargetError(
        f"the faketime clock needs libfaketime, but {LIBRARY_NAME} is not in {searched}; "
        "install it with `apt-get install libfaketime` (Debian, Ubuntu), set "
        "CONFORMANCE_LIBFAKETIME to its path, or pick another clock with --clock hook, "
        "forge or wait"
    )


class FaketimeClock(Clock):
    """Moves a managed backend's clock by rewriting its libfaketime timestamp file."""

    name = "faketime"

    def __init__(self, library: Path | None = None) -> None:
        super().__init__()
        self.library = library if library is not None else find_libfaketime()
        self._folder = Path(tempfile.mkdtemp(prefix="conformance-faketime-"))
        self.timestamp_file = self._folder / "faketime.rc"
        self._write(REAL_TIME)
        self._client: httpx.Client | None = None
        self._probe_url: str | None = None
        self._verified = False
        self._failure: str | None = None

    def environment(self) -> dict[str, str]:
        """Return the environment variables that put a backend process under this clock."""
        preload = os.environ.get("LD_PRELOAD", "")
        return {
            "LD_PRELOAD": f"{self.library}:{preload}" if preload else str(self.library),
            "FAKETIME_TIMESTAMP_FILE": str(self.timestamp_file),
            "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "FAKETIME_FMT": "%s",
        }

    def attach(self, client: httpx.Client, probe_url: str) -> None:
        """Check the backend's clock through the Date header of GET `probe_url`."""
        self._client = client
        self._probe_url = probe_url

    def _apply(self, epoch: float) -> None:
        self._verify_once(epoch)
        self._write(_format_timestamp(epoch))

    def stop(self) -> None:
        if self.moved:
            self._write(REAL_TIME)
        super().stop()

    def close(self) -> None:
        super().close()
        shutil.rmtree(self._folder, ignore_errors=True)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "library": str(self.library),
                "how": "libfaketime freezes the backend process at the second each check sets",
                "verified": self._verified}

    def _write(self, content: str) -> None:
        # The backend rereads the file on every time call, so it must never see it half
        # written: write a new file and rename it over the old one.
        partial = self.timestamp_file.with_suffix(".partial")
        partial.write_text(content + "\n", encoding="ascii")
        os.replace(partial, self.timestamp_file)

    def _verify_once(self, epoch: float) -> None:
        """Raise HarnessError unless the backend's Date header follows the timestamp file."""
        if self._failure is not None:
            raise HarnessError(self._failure)
        if self._verified or self._client is None or self._probe_url is None:
            return

        probe = epoch
        if abs(epoch - time.time()) < _DISTINGUISHABLE_SECONDS:
            probe = time.time() + _PROBE_JUMP_SECONDS
        self._write(_format_timestamp(probe))

        seen = self._wait_for_date(probe)
        if seen is None:
            log.warning("cannot confirm that the backend's clock moves: GET %s sends no Date "
                        "header", self._probe_url)
            self._verified = True
            return
        if abs(seen - math.floor(probe)) <= 1:
            log.info("faketime clock confirmed: the backend's Date header followed the clock")
            self._verified = True
            return

        self._write(REAL_TIME)
        self._failure = (
            f"the backend's clock did not move: the suite set it to {format_epoch(probe)} "
            f"through libfaketime, but after {_VERIFY_TIMEOUT_SECONDS:g} s the Date header of "
            f"GET {self._probe_url} still reads {format_epoch(seen)}. libfaketime works "
            "through LD_PRELOAD, so it cannot change the time of statically linked programs, "
            "Go programs (their runtime reads the clock without libc), setuid programs, or a "
            "launcher that clears LD_PRELOAD; use --clock hook, forge or wait instead"
        )
        raise HarnessError(self._failure)

    def _wait_for_date(self, probe: float) -> float | None:
        assert self._client is not None and self._probe_url is not None
        deadline = time.monotonic() + _VERIFY_TIMEOUT_SECONDS
        while True:
            try:
                seen = read_date_header(self._client, self._probe_url)
            except httpx.HTTPError as error:
                raise HarnessError(
                    f"GET {self._probe_url} failed while checking the backend's clock: "
                    f"{type(error).__name__}: {error}"
                ) from None
            if seen is None or abs(seen - math.floor(probe)) <= 1:
                return seen
            if time.monotonic() >= deadline:
                return seen
            time.sleep(_VERIFY_INTERVAL_SECONDS)


def _format_timestamp(epoch: float) -> str:
    if epoch == math.floor(epoch):
        return str(int(epoch))
    return f"{epoch:.6f}"
