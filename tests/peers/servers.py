"""Start the peer backends on loopback and run the conformance scenarios against them.

Each peer is served by waitress: pure Python, one process with a pool of threads, no reloader.
One process matters under libfaketime, because the preloaded clock then covers the whole
server, with no parent process that keeps real time. The threads let the concurrency checks send
parallel requests.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
PEERS_DIR = Path(__file__).resolve().parent
EXPECTED_DIR = PEERS_DIR / "expected"

SERVER_THREADS = 8
# Waitress closes a keep-alive connection that was idle for this many seconds of wall-clock
# time. Its default of 120 s would close the suite's pooled connections as soon as libfaketime
# moves the clock a day ahead, so the limit exceeds every lifetime the checks jump over.
IDLE_CONNECTION_TIMEOUT = 10 * 365 * 86_400
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
MIGRATE_TIMEOUT = 120.0
# An upper bound for one full run of the scenarios against one peer, in seconds.
RUN_TIMEOUT = 1200.0


class PeerError(RuntimeError):
    """A peer backend could not be prepared or started."""


@dataclass(frozen=True)
class Peer:
    """One peer backend: where its code is, how to serve it, and the profile that describes it."""

    name: str
    folder: Path
    wsgi_app: str
    builtin_profile: str
    ready_path: str
    # The Django settings module that selects the configuration; None for a non-Django peer.
    settings_module: str | None = None

    @property
    def profile(self) -> Path:
        """The test profile: the built-in one plus the peer's test-only signing key."""
        return PEERS_DIR / "profiles" / f"{self.name}-peer.toml"

    @property
    def expected_file(self) -> Path:
        return EXPECTED_DIR / f"{self.name}.toml"


SIMPLEJWT_DIR = PEERS_DIR / "simplejwt"
FLASK_DIR = PEERS_DIR / "flask_jwt"

PEERS: dict[str, Peer] = {
    peer.name: peer
    for peer in (
        Peer("simplejwt", SIMPLEJWT_DIR, "simplejwt_peer.wsgi:application", "simplejwt",
             "/api/public/", settings_module="simplejwt_peer.settings"),
        Peer("simplejwt-rotating", SIMPLEJWT_DIR, "simplejwt_peer.wsgi:application",
             "simplejwt-rotating", "/api/public/",
             settings_module="simplejwt_peer.settings_rotating"),
        Peer("flask-jwt-extended", FLASK_DIR, "flask_peer:app", "flask-jwt-extended",
             "/public"),
    )
}


def free_port() -> int:
    """Return a loopback port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def peer_environment(peer: Peer, workdir: Path) -> dict[str, str]:
    """Return the environment for the peer's server, its commands and the suite.

    The SimpleJWT profiles provision accounts with `python manage.py createuser ...`, so `python`
    on PATH is made to run this interpreter, which has the peer libraries installed.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"

    bin_dir = workdir / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    shim = bin_dir / "python"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])

    if peer.settings_module is not None:
        env["DJANGO_SETTINGS_MODULE"] = peer.settings_module
        env["SIMPLEJWT_PEER_DB"] = str(workdir / "peer.sqlite3")
    return env


def prepare_peer(peer: Peer, env: dict[str, str]) -> None:
    """Create the peer's database tables; a peer without a database needs nothing."""
    if peer.settings_module is None:
        return
    completed = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=peer.folder, env=env, capture_output=True, text=True, timeout=MIGRATE_TIMEOUT,
        check=False,
    )
    if completed.returncode != 0:
        raise PeerError(f"`manage.py migrate` for peer {peer.name} exited with "
                        f"{completed.returncode}:\n{completed.stderr[-3000:]}")


def server_command(peer: Peer, port: int) -> list[str]:
    """Return the command that serves the peer on 127.0.0.1:`port`."""
    return [sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}",
            f"--threads={SERVER_THREADS}", f"--channel-timeout={IDLE_CONNECTION_TIMEOUT}",
            peer.wsgi_app]


def wait_until_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Poll `url` until it responds 200; raise if the server exits or does not respond in time."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    # trust_env=False keeps proxy variables of the environment away from loopback requests.
    with httpx.Client(trust_env=False, timeout=1.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise PeerError(f"the server exited with {process.returncode} before it was "
                                f"ready:\n{log.read_text(errors='replace')[-3000:]}")
            try:
                if client.get(url).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise PeerError(f"the server did not answer 200 at {url} within {STARTUP_TIMEOUT} s:\n"
                    f"{log.read_text(errors='replace')[-3000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate a server this module started, and kill it if it does not exit in time."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


@contextmanager
def running_peer(peer: Peer, env: dict[str, str], log: Path) -> Iterator[str]:
    """Serve the peer on a free loopback port, yield its base URL, and stop it afterwards."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        process = subprocess.Popen(server_command(peer, port), cwd=peer.folder, env=env,
                                   stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_until_ready(process, base_url + peer.ready_path, log)
        yield base_url
    finally:
        stop(process)


@dataclass
class SuiteRun:
    """Exit code, output and report.json of one run of the scenarios."""

    returncode: int
    output: str
    report: dict[str, Any]
    seconds: float

    def outcomes(self) -> dict[str, tuple[str, str]]:
        """Return each check's outcome and message, by check id."""
        return {check["id"]: (check["outcome"], check.get("message") or "")
                for check in self.report["checks"]}


def run_suite(peer: Peer, env: dict[str, str], report_dir: Path,
              target_options: Sequence[str], profile: Path | None = None) -> SuiteRun:
    """Run every scenario against the peer, as `pytest scenarios -p conformance.plugin` does.

    The run starts in the peer's folder, where `python manage.py ...` and `--app` imports work.
    """
    command = [
        sys.executable, "-m", "pytest", str(REPO / "scenarios"), "-p", "conformance.plugin",
        "-p", "no:cacheprovider", "-q", "--report-dir", str(report_dir),
        "--profile", str(profile or peer.profile), *target_options,
    ]
    started = time.monotonic()
    completed = subprocess.run(command, cwd=peer.folder, env=env, capture_output=True,
                               text=True, timeout=RUN_TIMEOUT, check=False)
    seconds = time.monotonic() - started
    output = completed.stdout + completed.stderr

    reports = sorted(report_dir.glob("*/report.json"))
    if len(reports) != 1:
        raise PeerError(f"expected one report.json in {report_dir}, found {len(reports)}:\n"
                        f"{output[-3000:]}")
    report = json.loads(reports[0].read_text(encoding="utf-8"))
    return SuiteRun(completed.returncode, output, report, seconds)


def run_against_server(peer: Peer, workdir: Path) -> SuiteRun:
    """Prepare the peer, serve it on loopback, and run the scenarios against it."""
    env = peer_environment(peer, workdir)
    prepare_peer(peer, env)
    with running_peer(peer, env, workdir / "server.log") as base_url:
        return run_suite(peer, env, workdir / "reports", ["--target", base_url])


def run_under_faketime(peer: Peer, workdir: Path) -> SuiteRun:
    """Prepare the peer and let the suite start it with --target-cmd under the faketime clock."""
    env = peer_environment(peer, workdir)
    prepare_peer(peer, env)
    port = free_port()
    options = ["--target-cmd", shlex.join(server_command(peer, port)),
               "--ready-url", f"http://127.0.0.1:{port}{peer.ready_path}",
               "--clock", "faketime"]
    return run_suite(peer, env, workdir / "reports", options)


def run_in_process(peer: Peer, workdir: Path, keyword: str) -> SuiteRun:
    """Prepare the peer and run the scenarios matching `keyword` against it with --app."""
    env = peer_environment(peer, workdir)
    prepare_peer(peer, env)
    return run_suite(peer, env, workdir / "reports", ["--app", peer.wsgi_app, "-k", keyword])
