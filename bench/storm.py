"""Benchmark: the correct client's expired-token storm against the same work done by hand.

Starts the reference backend on a free loopback port, then for each round signs in, forges an
expired copy of the access token with the reference's test signing key, and times two ways of
getting N protected responses:

- client: N requests at once through `RefreshingAuth`, which gets N 401 responses, refreshes
  once and retries every request;
- raw: N requests at once with plain `httpx.AsyncClient` (N 401s), one refresh request, then N
  requests at once with the new token: the same exchanges with no auth flow.

Both use the same connection settings as the concurrency checks (a connection per request).
The rounds alternate which way goes first. The result is the ratio of the medians,
client / raw; the goal is at most 1.3.

    python bench/storm.py --sizes 50 500 --rounds 10 3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from conformance.client import RefreshingAuth, TokenPair  # noqa: E402
from conformance.profile_loader import load_profile  # noqa: E402
from conformance.tokens import decode_unverified, replace_claims  # noqa: E402

PROFILE = load_profile("reference")
RESOURCE = "/api/test/user"
PASSWORD = "bench-password-1"
EXPIRED_BY = 10_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance.reference", "--port", str(port),
         "--log-level", "WARNING"],
        cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/test/all", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"the reference backend did not start on port {port} within 20 s")


def expired_session(client: httpx.Client, username: str) -> TokenPair:
    """Sign in and return the tokens with the access token re-signed as long expired."""
    body = client.post("/api/auth/signin",
                       json={"username": username, "password": PASSWORD}).json()
    _, claims = decode_unverified(body["accessToken"])
    shifted = {name: claims[name] - EXPIRED_BY for name in ("iat", "nbf", "exp")}
    key = PROFILE.access_token.signing_key
    assert key is not None
    return TokenPair(replace_claims(body["accessToken"], shifted, key), body["refreshToken"])


def async_client(base_url: str, size: int, auth: httpx.Auth | None = None) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=size, max_keepalive_connections=0)
    return httpx.AsyncClient(base_url=base_url, limits=limits, auth=auth, timeout=60)


async def client_storm(base_url: str, size: int, tokens: TokenPair) -> float:
    auth = RefreshingAuth.from_profile(PROFILE, tokens)
    async with async_client(base_url, size, auth) as client:
        started = time.perf_counter()
        responses = await asyncio.gather(*(client.get(RESOURCE) for _ in range(size)))
        elapsed = time.perf_counter() - started
    assert all(r.status_code == 200 for r in responses), "the client storm failed"
    assert auth.refresh_count == 1
    return elapsed


async def raw_storm(base_url: str, size: int, tokens: TokenPair) -> float:
    async with async_client(base_url, size) as client:
        started = time.perf_counter()
        expired = {"x-access-token": tokens.access_token}
        first = await asyncio.gather(*(client.get(RESOURCE, headers=expired)
                                       for _ in range(size)))
        refreshed = await client.post(PROFILE.endpoints.refresh,
                                      json={"refreshToken": tokens.refresh_token})
        fresh = {"x-access-token": refreshed.json()["accessToken"]}
        second = await asyncio.gather(*(client.get(RESOURCE, headers=fresh)
                                        for _ in range(size)))
        elapsed = time.perf_counter() - started
    assert all(r.status_code == 401 for r in first), "the raw storm's first round was not 401"
    assert all(r.status_code == 200 for r in second), "the raw storm's retries failed"
    return elapsed


def measure(base_url: str, size: int, rounds: int) -> tuple[list[float], list[float]]:
    with httpx.Client(base_url=base_url) as client:
        username = f"bench{size}"
        client.post("/api/auth/signup", json={"username": username, "password": PASSWORD,
                                              "email": f"{username}@example.test"})
        client_times: list[float] = []
        raw_times: list[float] = []
        for number in range(rounds):
            order = [client_storm, raw_storm] if number % 2 == 0 else [raw_storm, client_storm]
            for storm in order:
                elapsed = asyncio.run(storm(base_url, size, expired_session(client, username)))
                (client_times if storm is client_storm else raw_times).append(elapsed)
    return client_times, raw_times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 500],
                        help="requests per storm (default: 50 500)")
    parser.add_argument("--rounds", type=int, nargs="+", default=[10, 3],
                        help="rounds per size, one number per size (default: 10 3)")
    args = parser.parse_args()
    if len(args.rounds) != len(args.sizes):
        parser.error("give one --rounds number per --sizes number")

    port = free_port()
    server = start_server(port)
    try:
        print(f"python {platform.python_version()}, {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f} at start")
        for size, rounds in zip(args.sizes, args.rounds, strict=True):
            client_times, raw_times = measure(f"http://127.0.0.1:{port}", size, rounds)
            client_median = statistics.median(client_times)
            raw_median = statistics.median(raw_times)
            print(f"N={size:<4} rounds={rounds:<3} client median {client_median * 1000:8.1f} ms"
                  f"  raw median {raw_median * 1000:8.1f} ms"
                  f"  ratio {client_median / raw_median:.2f}")
        print(f"load average {os.getloadavg()[0]:.1f} at end")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
