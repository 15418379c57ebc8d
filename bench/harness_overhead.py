"""Measure the harness's cost per exchange against raw httpx on the same loopback target.

Starts the reference backend as a loopback server (`python -m conformance.reference`) and signs
in once. Then it times one request, GET of a protected resource with a valid access token, sent
through `Harness.get_resource` and through a plain `httpx.Client` in alternating blocks of one
run. Both keep their connection alive. The harness adds what every check pays per exchange:
building the request from the profile, the whole-response deadline, the exchange record and
its cookie handling.

    python bench/harness_overhead.py [--exchanges 2000] [--block 100] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import httpx
from results_file import REPO, load_average, machine, write_section

# The script runs from a checkout, where the conformance package is not installed.
sys.path.insert(0, str(REPO))

from conformance.harness import Harness
from conformance.run_options import RunOptions, build_context

SECTION = "## Harness cost per exchange against raw httpx"
RESOURCE = "/api/test/user"
PASSWORD = "bench-password-0123456789"
STARTUP_TIMEOUT = 30.0


def free_port() -> int:
    """Return a loopback port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(port: int) -> subprocess.Popen[bytes]:
    """Start the reference backend on `port` and wait until it responds."""
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance.reference", "--host", "127.0.0.1", "--port",
         str(port), "--log-level", "WARNING"],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + STARTUP_TIMEOUT
    with httpx.Client(trust_env=False, timeout=1.0) as client:
        while time.monotonic() < deadline:
            try:
                if client.get(f"http://127.0.0.1:{port}/api/test/all").status_code == 200:
                    return process
            except httpx.TransportError:
                time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"the reference backend did not start on port {port} within "
                       f"{STARTUP_TIMEOUT:g} s")


def sign_in(base_url: str) -> str:
    """Create an account and return a fresh access token (the default lifetime is 15 min)."""
    account = {"username": "bench-harness", "email": "bench-harness@example.test",
               "password": PASSWORD}
    with httpx.Client(base_url=base_url, trust_env=False) as client:
        client.post("/api/auth/signup", json=account)
        response = client.post("/api/auth/signin", json=account)
        response.raise_for_status()
        token: str = response.json()["accessToken"]
        return token


def time_block(send: Callable[[], httpx.Response], count: int) -> list[float]:
    """Send `count` requests and return the seconds each took. Raise on a status other than 200."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = send()
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"GET {RESOURCE} returned {response.status_code}, expected 200")
    return times


def measure(base_url: str, exchanges: int, block: int) -> tuple[list[float], list[float]]:
    """Return the per-exchange seconds of the harness and of raw httpx, in alternating blocks."""
    token = sign_in(base_url)
    context = build_context(RunOptions(target=base_url, profile="reference", timeout=10.0))
    harness = Harness(context)
    resource = next(r for r in context.profile.endpoints.protected if r.path == RESOURCE)

    harness_times: list[float] = []
    raw_times: list[float] = []
    try:
        with httpx.Client(base_url=base_url, trust_env=False, timeout=10.0) as raw:
            headers = {"x-access-token": token}

            def send_raw() -> httpx.Response:
                return raw.get(RESOURCE, headers=headers)

            def send_harness() -> httpx.Response:
                return harness.get_resource(resource, token)

            # One warm-up block each opens the connections and fills the caches.
            time_block(send_raw, block)
            time_block(send_harness, block)
            for number in range(max(1, exchanges // block)):
                order = [(send_raw, raw_times), (send_harness, harness_times)]
                for send, times in order if number % 2 == 0 else reversed(order):
                    times += time_block(send, block)
                # A check records only its own exchanges, so the list starts empty per block.
                harness.exchanges.clear()
    finally:
        context.close()
    return harness_times, raw_times


def render(harness_times: list[float], raw_times: list[float], block: int,
           loads: tuple[float, float]) -> str:
    """Return the RESULTS.md section for the measured times."""
    def micro(values: list[float]) -> str:
        return f"{statistics.median(values) * 1e6:,.0f}"

    harness_median = statistics.median(harness_times)
    raw_median = statistics.median(raw_times)
    return "\n".join([
        SECTION,
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {machine()}, httpx {httpx.__version__}, with "
        f"`python bench/harness_overhead.py --exchanges {len(raw_times)} --block {block}`. "
        "The reference backend ran as a loopback server (uvicorn) in the same run. The "
        f"1-minute load average was {loads[0]:.1f} before and {loads[1]:.1f} after; other "
        "processes shared the CPUs, so single timings vary and the medians are rough.",
        "",
        f"Each exchange is GET {RESOURCE} with a valid access token on a kept-alive "
        "connection. \"harness\" sends it through `Harness.get_resource`, \"raw\" through a "
        "plain `httpx.Client`; blocks of each alternate.",
        "",
        "| exchanges each | harness median µs | raw median µs | harness - raw µs "
        "| harness / raw |",
        "|---|---|---|---|---|",
        f"| {len(raw_times)} | {micro(harness_times)} | {micro(raw_times)} | "
        f"{(harness_median - raw_median) * 1e6:,.0f} | {harness_median / raw_median:.2f} |",
        "",
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exchanges", type=int, default=2000,
                        help="timed exchanges per client (default: 2000)")
    parser.add_argument("--block", type=int, default=100,
                        help="exchanges per block before the clients alternate (default: 100)")
    parser.add_argument("--no-write", action="store_true",
                        help="print the section instead of writing bench/RESULTS.md")
    args = parser.parse_args()
    if args.exchanges < 1 or args.block < 1:
        parser.error("--exchanges and --block must be whole numbers >= 1")

    load_before = load_average()
    port = free_port()
    server = start_server(port)
    try:
        harness_times, raw_times = measure(f"http://127.0.0.1:{port}", args.exchanges,
                                           args.block)
    finally:
        server.terminate()
        server.wait(timeout=10)
    text = render(harness_times, raw_times, args.block, (load_before, load_average()))
    print(text)
    if not args.no_write:
        write_section(SECTION, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
