"""Managed targets: a backend process that the suite starts, waits for, and stops.

`--target-cmd CMD --ready-url URL` starts CMD (split like a shell would, without a shell) in its
own process group, with its output captured to a file, and waits until GET URL returns 2xx.
At the end the suite sends SIGTERM to the group, then SIGKILL after a grace period.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import signal
import socket
import subprocess
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

import httpx

from conformance.target import Target, TargetError

log = logging.getLogger("conformance")

DEFAULT_READY_TIMEOUT = 30.0
STOP_GRACE_SECONDS = 5.0
OUTPUT_TAIL_LINES = 30
_READY_INTERVAL_SECONDS = 0.1


@dataclass
class ManagedTarget(Target):
    """A backend process started by the suite, reached over HTTP."""

    command: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None
    output_path: Path | None = None
    preloaded_faketime: bool = False

    def output_tail(self, lines: int = OUTPUT_TAIL_LINES) -> str:
        """Return the last `lines` lines that the backend wrote to stdout and stderr."""
        if self.output_path is None or not self.output_path.exists():
            return ""
        with self.output_path.open(encoding="utf-8", errors="replace") as output:
            return "".join(deque(output, maxlen=lines))

    def close(self) -> None:
        super().close()
        self.stop()

    def stop(self) -> None:
        """Stop the process group: SIGTERM, then SIGKILL after the grace period."""
        process = self.process
        if process is None:
            return
        self.process = None
        if process.poll() is None:
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                log.warning("backend %s did not stop within %g s of SIGTERM; sending SIGKILL",
                            process.pid, STOP_GRACE_SECONDS)
                _signal_group(process, signal.SIGKILL)
                process.wait()
        log.info("backend process %d stopped with exit code %s", process.pid, process.returncode)
        if self.preloaded_faketime:
            _remove_faketime_leftovers(process.pid)
        if self.output_path is not None:
            self.output_path.unlink(missing_ok=True)
            self.output_path.parent.rmdir()


def managed_target(command: str, ready_url: str, *, base_url: str | None, timeout: float,
                   ready_timeout: float = DEFAULT_READY_TIMEOUT,
                   environment: dict[str, str] | None = None) -> ManagedTarget:
    """Start `command` with `environment` added, wait for `ready_url`, and return the target.

    The base URL is `base_url`, or the scheme and host of `ready_url`. Raises TargetError,
    with the tail of the backend's output, when it cannot start or does not become ready.
    """
    arguments = _split_command(command)
    ready = _parse_ready_url(ready_url)
    base = base_url.rstrip("/") if base_url else f"{ready.scheme}://{ready.netloc}"
    _require_free_port(ready_url)

    folder = Path(tempfile.mkdtemp(prefix="conformance-backend-"))
    output_path = folder / "output.log"
    env = {**os.environ, **(environment or {})}
    with output_path.open("wb") as output:
        try:
            process = subprocess.Popen(arguments, stdin=subprocess.DEVNULL, stdout=output,
                                       stderr=subprocess.STDOUT, env=env,
                                       start_new_session=True)
        except OSError as error:
            output_path.unlink(missing_ok=True)
            folder.rmdir()
            raise TargetError(
                f"invalid --target-cmd {command!r}: cannot start {arguments[0]!r}: {error}"
            ) from None
    log.info("started backend process %d: %s", process.pid, shlex.join(arguments))

    target = ManagedTarget(
        "managed", f"managed process `{shlex.join(arguments)}` at {base}", base, timeout,
        command=arguments, process=process, output_path=output_path,
        preloaded_faketime="FAKETIME_TIMESTAMP_FILE" in (environment or {}),
    )
    try:
        _wait_until_ready(target, process, ready_url, ready_timeout)
    except TargetError:
        target.close()
        raise
    return target


def _split_command(command: str) -> list[str]:
    try:
        arguments = shlex.split(command)
    except ValueError as error:
        raise TargetError(f"invalid --target-cmd {command!r}: {error}") from None
    if not arguments:
        raise TargetError("invalid --target-cmd '': give the command that starts the backend")
    return arguments


def _parse_ready_url(ready_url: str) -> SplitResult:
    parts = urlsplit(ready_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TargetError(
            f"invalid --ready-url {ready_url!r}: write the http URL of a page the backend "
            "answers with 2xx once it runs, for example http://127.0.0.1:8080/api/test/all"
        )
    return parts


def _require_free_port(ready_url: str) -> None:
    """Raise TargetError when something already listens where the new backend will."""
    parts = urlsplit(ready_url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=0.5):
            pass
    except OSError:
        return
    raise TargetError(
        f"something already listens on {host}:{port}, so the suite would check it instead of "
        "the backend that --target-cmd starts; stop it or start the backend on another port"
    )


def _wait_until_ready(target: ManagedTarget, process: subprocess.Popen[bytes], ready_url: str,
                      ready_timeout: float) -> None:
    started = time.monotonic()
    last = "no answer yet"
    with httpx.Client(timeout=max(1.0, _READY_INTERVAL_SECONDS)) as client:
        while True:
            code = process.poll()
            if code is not None:
                raise TargetError(
                    f"the backend process exited with code {code} before GET {ready_url} "
                    f"answered; its last output:\n{target.output_tail()}"
                )
            try:
                response = client.get(ready_url)
            except httpx.HTTPError as error:
                last = f"{type(error).__name__}"
            else:
                if response.is_success:
                    log.info("backend ready after %.1f s", time.monotonic() - started)
                    return
                last = f"status {response.status_code}"
            if time.monotonic() - started >= ready_timeout:
                raise TargetError(
                    f"the backend did not become ready: GET {ready_url} gave {last} for "
                    f"{ready_timeout:g} s; raise --ready-timeout or check --ready-url. Its "
                    f"last output:\n{target.output_tail()}"
                )
            time.sleep(_READY_INTERVAL_SECONDS)


def _signal_group(process: subprocess.Popen[bytes], signal_number: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal_number)


def _remove_faketime_leftovers(pid: int) -> None:
    # libfaketime 0.9.10 names its shared memory and semaphore after the preloaded process and
    # leaves both behind. A later preloaded process with the same pid would fail to start.
    for name in (f"faketime_shm_{pid}", f"sem.faketime_sem_{pid}"):
        Path("/dev/shm", name).unlink(missing_ok=True)
