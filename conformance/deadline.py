"""A deadline for one whole HTTP exchange: connect, request and complete response.

httpcore applies httpx's timeouts to each network operation, so a server that sends one byte
every quarter second can keep a response open indefinitely. Inside `exchange_deadline`,
the connections of a `DeadlineTransport` cut every connect, TLS handshake, write and read short
at the deadline and raise the matching httpcore timeout, which httpx raises as
httpx.ConnectTimeout, httpx.WriteTimeout or httpx.ReadTimeout. Outside it they behave like
httpx's default transport.

The deadline lives in a ContextVar, so it applies to the thread or task that set it. Name
resolution (getaddrinfo in socket.create_connection) takes no timeout, so a slow resolver can
overrun the deadline.

Async clients use `AsyncDeadlineTransport` instead. It wraps any async transport and needs no
ContextVar: each request's deadline starts when the request reaches it, and asyncio.timeout_at
cancels the exchange when the deadline passes.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

import httpcore
import httpx

_Result = TypeVar("_Result")

# The limits of httpx's default transports (httpx._config.DEFAULT_LIMITS in 0.29).
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


@dataclass(frozen=True)
class _Deadline:
    """The end of the current exchange on a monotonic clock, and its length.

    The clock is time.monotonic() for sync exchanges and the event loop's time() for async ones.
    """

    at: float
    seconds: float

    def message(self, step: str) -> str:
        return f"the exchange deadline of {self.seconds:g} s passed during {step}"


_current: ContextVar[_Deadline | None] = ContextVar("exchange_deadline", default=None)


@contextmanager
def exchange_deadline(seconds: float | None) -> Iterator[None]:
    """Bound the network I/O of the exchanges inside the block to `seconds` from now.

    None sets no deadline. Nested blocks each set their own deadline.
    """
    if seconds is None:
        token = _current.set(None)
    else:
        token = _current.set(_Deadline(time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _current.reset(token)


def deadline_passed() -> bool:
    """Return whether the current exchange deadline has passed, or False when none is set."""
    deadline = _current.get()
    return deadline is not None and time.monotonic() >= deadline.at


def _within(step: str, timeout: float | None, timeout_error: type[httpcore.TimeoutException],
            operation: Callable[[float | None], _Result]) -> _Result:
    """Run `operation` with `timeout` clamped to the time left before the exchange deadline.

    When the clamped timeout expires, the error names the deadline in place of the
    per-operation timeout.
    """
    deadline = _current.get()
    if deadline is None:
        return operation(timeout)

    left = deadline.at - time.monotonic()
    if left <= 0:
        raise timeout_error(deadline.message(step))
    if timeout is not None and timeout <= left:
        return operation(timeout)

    try:
        return operation(left)
    except timeout_error as error:
        raise timeout_error(deadline.message(step)) from error


class DeadlineStream(httpcore.NetworkStream):
    """A network stream whose operations end at the exchange deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return _within("the response", timeout, httpcore.ReadTimeout,
                       lambda clamped: self._inner.read(max_bytes, clamped))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        _within("the request", timeout, httpcore.WriteTimeout,
                lambda clamped: self._inner.write(buffer, clamped))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        # httpcore 1.0's own backends raise ConnectTimeout when the TLS handshake times out.
        upgraded = _within("the TLS handshake", timeout, httpcore.ConnectTimeout,
                           lambda clamped: self._inner.start_tls(ssl_context, server_hostname,
                                                                 clamped))
        return DeadlineStream(upgraded)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """A network backend whose connects and streams end at the exchange deadline."""

    def __init__(self, inner: httpcore.NetworkBackend | None = None) -> None:
        self._inner = httpcore.SyncBackend() if inner is None else inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
                    ) -> httpcore.NetworkStream:
        stream = _within("the connect", timeout, httpcore.ConnectTimeout,
                         lambda clamped: self._inner.connect_tcp(host, port, clamped,
                                                                 local_address, socket_options))
        return DeadlineStream(stream)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
                            ) -> httpcore.NetworkStream:
        stream = _within("the connect", timeout, httpcore.ConnectTimeout,
                         lambda clamped: self._inner.connect_unix_socket(path, clamped,
                                                                         socket_options))
        return DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's default transport, with connections that end each exchange at its deadline.

    httpx 0.29 has no public way to give HTTPTransport an httpcore network backend: its
    __init__ builds an httpcore.ConnectionPool in the attribute `_pool` without the
    `network_backend` argument. This subclass lets httpx build the transport, then puts a
    pool with a DeadlineBackend in `_pool`, so httpx's handle_request and its mapping of
    httpcore errors to httpx errors stay in use. It raises RuntimeError at construction when
    httpx no longer keeps an httpcore.ConnectionPool in `_pool`, and
    tests/test_exchange_deadline.py checks that requests reach the DeadlineBackend.

    NOTE: it takes no proxy, and httpx 0.29 mounts the proxies of environment variables only on
    a client built without a transport, so a client with this transport connects directly even
    where HTTP_PROXY or HTTPS_PROXY is set.
    """

    def __init__(self, *, trust_env: bool = True,
                 limits: httpx.Limits | None = None) -> None:
        ssl_context = httpx.create_ssl_context(trust_env=trust_env)
        if limits is None:
            limits = DEFAULT_LIMITS
        super().__init__(verify=ssl_context, trust_env=trust_env, limits=limits)

        if not isinstance(getattr(self, "_pool", None), httpcore.ConnectionPool):
            raise RuntimeError(
                f"httpx {httpx.__version__} no longer keeps an httpcore.ConnectionPool in "
                "HTTPTransport._pool, so DeadlineTransport cannot install its network backend. "
                "Update conformance/deadline.py for this httpx version."
            )
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=DeadlineBackend(),
        )


class AsyncDeadlineTransport(httpx.AsyncBaseTransport):
    """An async transport that ends each exchange `seconds` after the request reaches it.

    The wrapped transport's handle_async_request and every read of the response body run
    under one asyncio.timeout_at deadline. When it passes, the wrapped response is closed and
    httpx.ReadTimeout names the deadline. With `owns_inner` True, closing this transport also
    closes the wrapped one.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, seconds: float, *,
                 owns_inner: bool) -> None:
        self._inner = inner
        self._seconds = seconds
        self._owns_inner = owns_inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        loop = asyncio.get_running_loop()
        deadline = _Deadline(loop.time() + self._seconds, self._seconds)
        scope = asyncio.timeout_at(deadline.at)
        try:
            async with scope:
                response = await self._inner.handle_async_request(request)
        except TimeoutError:
            if not scope.expired():
                raise
            raise httpx.ReadTimeout(
                deadline.message("the connect, the request or the response headers"),
                request=request) from None
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_AsyncDeadlineStream(response, deadline, request),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        if self._owns_inner:
            await self._inner.aclose()


class _AsyncDeadlineStream(httpx.AsyncByteStream):
    """A response body whose every chunk must arrive before the exchange deadline."""

    def __init__(self, inner: httpx.Response, deadline: _Deadline,
                 request: httpx.Request) -> None:
        self._inner = inner
        self._deadline = deadline
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        # Iterate the stream itself, because aiter_raw() rejects a response built with content=,
        # which httpx has read already. Its ByteStream can be read again.
        stream = self._inner.stream
        if not isinstance(stream, httpx.AsyncByteStream):
            raise TypeError(f"the wrapped transport returned a {type(stream).__name__} body, "
                            "not an httpx.AsyncByteStream")
        chunks = aiter(stream)
        while True:
            scope = asyncio.timeout_at(self._deadline.at)
            try:
                async with scope:
                    chunk = await anext(chunks)
            except StopAsyncIteration:
                return
            except TimeoutError:
                if not scope.expired():
                    raise
                await self._inner.aclose()
                raise httpx.ReadTimeout(self._deadline.message("the response body"),
                                        request=self._request) from None
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()
