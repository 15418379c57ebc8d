"""Tests of target construction from user options, and of the transports targets hand out."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from conformance.deadline import AsyncDeadlineTransport
from conformance.target import Target, TargetError, url_target


@pytest.mark.parametrize("url", ["localhost:8080", "ftp://127.0.0.1", "http://", "http://h:99999"])
def test_url_target_rejects_invalid(url: str) -> None:
    with pytest.raises(TargetError) as raised:
        url_target(url, timeout=1)

    assert repr(url) in str(raised.value)


def test_url_target_port_range_explained() -> None:
    with pytest.raises(TargetError, match="1 to 65535"):
        url_target("http://127.0.0.1:70000", timeout=1)


def test_url_target_strips_trailing_slash() -> None:
    target = url_target("http://127.0.0.1:8080/", timeout=1)

    assert target.base_url == "http://127.0.0.1:8080"
    assert target.trust_env is False


class _ClosingTransport(httpx.AsyncBaseTransport):
    """An in-process transport that serves 200 and records whether it was closed."""

    def __init__(self) -> None:
        self.closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"ok")

    async def aclose(self) -> None:
        self.closed = True


def test_async_transport_keeps_shared_open() -> None:
    shared = _ClosingTransport()
    target = Target("app", "in-process app", "http://backend.test", 1.0, _async_transport=shared)

    async def get_twice() -> list[int]:
        statuses = []
        for _ in range(2):
            async with httpx.AsyncClient(transport=target.open_async_transport(),
                                         base_url=target.base_url) as client:
                statuses.append((await client.get("/")).status_code)
        return statuses

    assert asyncio.run(get_twice()) == [200, 200]
    assert not shared.closed


def test_async_transport_has_deadline() -> None:
    in_process = Target("app", "in-process app", "http://backend.test", 1.0,
                        _async_transport=_ClosingTransport())
    network = url_target("http://127.0.0.1:8080", timeout=1)

    assert isinstance(in_process.open_async_transport(), AsyncDeadlineTransport)
    assert isinstance(network.open_async_transport(), AsyncDeadlineTransport)
