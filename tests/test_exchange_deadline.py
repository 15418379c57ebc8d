"""The exchange deadlines of sync and async clients end a dripped response and leave others alone.

A loopback server started in the test sends either a whole response at once or one byte every
quarter second. The timing margins are wide so that a loaded, shared machine does not make
the tests flake: each deadline is 1 s, an exchange must end within 5 s, and a drip would last
20 s.
"""

from __future__ import annotations

import asyncio
import socketserver
import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from conformance.clocks import WaitClock
from conformance.deadline import (
    AsyncDeadlineTransport,
    DeadlineTransport,
    deadline_passed,
    exchange_deadline,
)
from conformance.harness import Harness, RunContext
from conformance.outcome import HarnessError
from conformance.profile_loader import load_profile
from conformance.races.clients import recording_client
from conformance.races.recording import RecordingTransport
from conformance.target import Target, url_target

DEADLINE = 1.0
EXCHANGE_LIMIT = 5.0
DRIP_SECONDS = 20.0
DRIP_INTERVAL = 0.25

BODY = b"hello"
HEAD = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Padding: " + b"p" * 100 + b"\r\n"
        b"Content-Length: " + str(len(BODY)).encode() + b"\r\n\r\n")


class _Handler(socketserver.StreamRequestHandler):
    """Serve HTTP/1.1 requests on one connection until the client closes it or a drip ends."""

    server: DripServer

    def handle(self) -> None:
        self.server.count_connection()
        while True:
            request_line = self.rfile.readline()
            if not request_line:
                return
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            path = request_line.split(b" ")[1]
            try:
                if path == b"/drip-head":
                    self._drip(HEAD + BODY)
                    return
                if path == b"/drip-body":
                    self.wfile.write(HEAD)
                    self._drip(BODY * 100)
                    return
                self.wfile.write(HEAD + BODY)
            except OSError:
                return

    def _drip(self, data: bytes) -> None:
        """Send `data` one byte every DRIP_INTERVAL seconds, for at most DRIP_SECONDS."""
        stop = time.monotonic() + DRIP_SECONDS
        for index in range(len(data)):
            if time.monotonic() >= stop:
                return
            self.wfile.write(data[index:index + 1])
            time.sleep(DRIP_INTERVAL)


class DripServer(socketserver.ThreadingTCPServer):
    """Loopback server: /drip-head drips its whole response, /drip-body drips its body."""

    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.connections = 0
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def count_connection(self) -> None:
        with self._lock:
            self.connections += 1


@pytest.fixture
def server() -> Iterator[DripServer]:
    drip_server = DripServer()
    thread = threading.Thread(target=drip_server.serve_forever, daemon=True)
    thread.start()
    try:
        yield drip_server
    finally:
        drip_server.shutdown()
        drip_server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def client(server: DripServer) -> Iterator[httpx.Client]:
    with httpx.Client(transport=DeadlineTransport(trust_env=False), base_url=server.url,
                      timeout=DEADLINE, trust_env=False) as deadline_client:
        yield deadline_client


def test_header_drip_ends_at_deadline(client: httpx.Client) -> None:
    started = time.monotonic()
    with exchange_deadline(DEADLINE), pytest.raises(httpx.ReadTimeout) as raised:
        client.get("/drip-head")
    elapsed = time.monotonic() - started

    assert elapsed < EXCHANGE_LIMIT, f"the exchange took {elapsed:.1f} s"
    assert "exchange deadline of 1 s" in str(raised.value)


def test_body_drip_ends_at_deadline(client: httpx.Client) -> None:
    started = time.monotonic()
    with exchange_deadline(DEADLINE), pytest.raises(httpx.ReadTimeout):
        client.get("/drip-body")
    elapsed = time.monotonic() - started

    assert elapsed < EXCHANGE_LIMIT, f"the exchange took {elapsed:.1f} s"


def test_normal_responses_reuse_connection(client: httpx.Client, server: DripServer) -> None:
    responses = []
    for _ in range(3):
        with exchange_deadline(DEADLINE):
            responses.append(client.get("/ok"))

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert [response.content for response in responses] == [BODY, BODY, BODY]
    assert server.connections == 1


def test_no_deadline_passes_through(client: httpx.Client) -> None:
    response = client.get("/ok")

    assert response.status_code == 200
    assert response.content == BODY


def test_transport_seam_reaches_backend(client: httpx.Client, server: DripServer) -> None:
    # DeadlineTransport replaces httpx.HTTPTransport._pool. If an httpx release stops sending
    # requests through that pool, this request connects and succeeds instead of failing.
    with exchange_deadline(0.0), pytest.raises(httpx.ConnectTimeout) as raised:
        client.get("/ok")

    assert "exchange deadline of 0 s passed during the connect" in str(raised.value)
    assert server.connections == 0


def test_deadline_reset_after_block() -> None:
    with exchange_deadline(0.0):
        inside = deadline_passed()
    outside = deadline_passed()

    assert inside
    assert not outside


def test_url_target_client_ends_drip(server: DripServer) -> None:
    target = url_target(server.url, timeout=DEADLINE)
    try:
        started = time.monotonic()
        with exchange_deadline(DEADLINE), pytest.raises(httpx.ReadTimeout):
            target.client().get("/drip-head")
        elapsed = time.monotonic() - started
    finally:
        target.close()

    assert elapsed < EXCHANGE_LIMIT, f"the exchange took {elapsed:.1f} s"


def _harness(target: Target) -> Harness:
    context = RunContext(profile=load_profile("reference"), target=target, run_id="deadline",
                         clock=WaitClock())
    return Harness(context)


@pytest.mark.parametrize("path", ["/drip-head", "/drip-body"])
def test_harness_request_ends_drip(server: DripServer, path: str) -> None:
    harness = _harness(url_target(server.url, timeout=DEADLINE))
    try:
        started = time.monotonic()
        with pytest.raises(HarnessError) as raised:
            harness.request("GET", path)
        elapsed = time.monotonic() - started
    finally:
        harness.context.close()

    assert elapsed < EXCHANGE_LIMIT, f"the exchange took {elapsed:.1f} s"
    assert f"GET {path} timed out after 1.0 s" in str(raised.value)
    assert harness.exchanges[-1].error is not None


def _drip_body(request: httpx.Request) -> httpx.Response:
    def chunks() -> Iterator[bytes]:
        stop = time.monotonic() + DRIP_SECONDS
        while time.monotonic() < stop:
            yield b"x"
            time.sleep(DRIP_INTERVAL)

    return httpx.Response(200, content=chunks())


def test_harness_in_process_ends_drip() -> None:
    target = Target("app", "dripping mock app", "http://backend.test", DEADLINE,
                    _sync_transport=httpx.MockTransport(_drip_body))
    harness = _harness(target)
    try:
        started = time.monotonic()
        with pytest.raises(HarnessError) as raised:
            harness.request("GET", "/anything")
        elapsed = time.monotonic() - started
    finally:
        harness.context.close()

    assert elapsed < EXCHANGE_LIMIT, f"the exchange took {elapsed:.1f} s"
    assert "GET /anything timed out after 1.0 s" in str(raised.value)


# Async clients: AsyncDeadlineTransport


async def _get_async(transport: httpx.AsyncBaseTransport, url: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=transport, timeout=DEADLINE,
                                 trust_env=False) as async_client:
        return await async_client.get(url)


def _network_transport() -> AsyncDeadlineTransport:
    return AsyncDeadlineTransport(httpx.AsyncHTTPTransport(trust_env=False), DEADLINE,
                                  owns_inner=True)


@pytest.mark.parametrize(("path", "phrase"), [
    ("/drip-head", "passed during the connect, the request or the response headers"),
    ("/drip-body", "passed during the response body"),
])
def test_async_drip_ends_at_deadline(server: DripServer, path: str, phrase: str) -> None:
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout) as raised:
        asyncio.run(_get_async(_network_transport(), server.url + path))
    elapsed = time.monotonic() - started

    assert elapsed < EXCHANGE_LIMIT, f"the exchange took {elapsed:.1f} s"
    assert "exchange deadline of 1 s" in str(raised.value)
    assert phrase in str(raised.value)


def test_async_normal_responses_pass(server: DripServer) -> None:
    async def three_requests() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=_network_transport(), base_url=server.url,
                                     timeout=DEADLINE, trust_env=False) as async_client:
            return [await async_client.get("/ok") for _ in range(3)]

    responses = asyncio.run(three_requests())

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert [response.content for response in responses] == [BODY, BODY, BODY]
    assert server.connections == 1


def test_async_deadline_per_exchange(server: DripServer) -> None:
    # Each exchange gets a whole deadline, so three quick requests spread over more than one
    # deadline all succeed.
    async def spaced_requests() -> list[int]:
        transport = _network_transport()
        statuses = []
        async with httpx.AsyncClient(transport=transport, base_url=server.url,
                                     timeout=DEADLINE, trust_env=False) as async_client:
            for _ in range(3):
                statuses.append((await async_client.get("/ok")).status_code)
                await asyncio.sleep(DEADLINE / 2)
        return statuses

    assert asyncio.run(spaced_requests()) == [200, 200, 200]


class _DripStream(httpx.AsyncByteStream):
    """A body of one byte every DRIP_INTERVAL seconds for DRIP_SECONDS that records its closing."""

    def __init__(self) -> None:
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        stop = time.monotonic() + DRIP_SECONDS
        while time.monotonic() < stop:
            yield b"x"
            await asyncio.sleep(DRIP_INTERVAL)

    async def aclose(self) -> None:
        self.closed = True


def test_async_deadline_closes_inner_response() -> None:
    stream = _DripStream()

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=stream)

    transport = AsyncDeadlineTransport(httpx.MockTransport(handler), DEADLINE, owns_inner=True)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        asyncio.run(_get_async(transport, "http://backend.test/"))
    elapsed = time.monotonic() - started

    assert elapsed < EXCHANGE_LIMIT, f"the exchange took {elapsed:.1f} s"
    assert stream.closed


def test_async_deadline_passes_read_body() -> None:
    # In-process transports return responses built with content=, which httpx has read already.
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=BODY)

    transport = AsyncDeadlineTransport(httpx.MockTransport(handler), DEADLINE, owns_inner=True)

    response = asyncio.run(_get_async(transport, "http://backend.test/"))

    assert response.status_code == 200
    assert response.content == BODY


def test_async_inner_timeout_error_not_renamed() -> None:
    # A TimeoutError that the wrapped transport raises before the deadline is not the deadline's.
    async def handler(request: httpx.Request) -> httpx.Response:
        raise TimeoutError("raised by the wrapped transport")

    transport = AsyncDeadlineTransport(httpx.MockTransport(handler), DEADLINE, owns_inner=True)

    with pytest.raises(TimeoutError, match="raised by the wrapped transport"):
        asyncio.run(_get_async(transport, "http://backend.test/"))


def _async_client_timeout_seconds(target: Target, path: str) -> float:
    """Return the seconds until the target's async client raises httpx.ReadTimeout for `path`."""
    async def drip() -> None:
        async with target.async_client() as async_client:
            await async_client.get(path)

    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        asyncio.run(drip())
    return time.monotonic() - started


def test_url_target_async_client_ends_drip(server: DripServer) -> None:
    target = url_target(server.url, timeout=DEADLINE)

    elapsed = _async_client_timeout_seconds(target, "/drip-head")

    assert elapsed < EXCHANGE_LIMIT, f"the exchange took {elapsed:.1f} s"


def test_recording_client_records_deadline(server: DripServer) -> None:
    target = url_target(server.url, timeout=DEADLINE)

    async def drip() -> tuple[httpx.Response | BaseException, RecordingTransport]:
        client, recorder = recording_client(target, connections=2)
        async with client:
            outcome = await asyncio.gather(client.get("/drip-body"), return_exceptions=True)
        return outcome[0], recorder

    started = time.monotonic()
    outcome, recorder = asyncio.run(drip())
    elapsed = time.monotonic() - started

    assert isinstance(outcome, httpx.ReadTimeout)
    assert elapsed < EXCHANGE_LIMIT, f"the exchange took {elapsed:.1f} s"
    assert [sent.status for sent in recorder.sent] == [None]
    assert "exchange deadline of 1 s" in (recorder.sent[0].error or "")


def test_in_process_async_client_ends_drip() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=_DripStream())

    target = Target("app", "dripping mock app", "http://backend.test", DEADLINE,
                    _async_transport=httpx.MockTransport(handler))

    elapsed = _async_client_timeout_seconds(target, "/anything")

    assert elapsed < EXCHANGE_LIMIT, f"the exchange took {elapsed:.1f} s"
