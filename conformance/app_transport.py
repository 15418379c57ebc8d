"""An httpx transport that drives an ASGI application in process, without sockets.

An ASGI application runs on one event loop in a background thread for the whole run, so the sync
and async clients of the suite reach the same application state. Its lifespan (startup and
shutdown) runs when the transport opens and closes.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import Future
from typing import Any, TypeVar

import httpx

log = logging.getLogger("conformance")

T = TypeVar("T")
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Message, Callable[[], Awaitable[Message]],
                    Callable[[Message], Awaitable[None]]], Awaitable[None]]


class ASGIThreadTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Sends requests to an ASGI app that runs on its own event loop thread."""

    def __init__(self, app: Any, *, timeout: float = 30.0) -> None:
        self._app = app
        self._timeout = timeout
        self._inner = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="asgi-app",
                                        daemon=True)
        self._thread.start()
        self._lifespan = _Lifespan(app)
        self._run(self._lifespan.startup(), timeout)

    def _run(self, coroutine: Awaitable[T], timeout: float) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(_as_coroutine(coroutine), self._loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise httpx.ReadTimeout(f"the application did not respond within {timeout} s") from None

    async def _forward(self, method: str, url: httpx.URL, headers: httpx.Headers,
                       body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        request = httpx.Request(method, url, headers=headers, content=body)
        response = await self._inner.handle_async_request(request)
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
        return response.status_code, response.headers.raw, raw

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        status, headers, raw = self._run(
            self._forward(request.method, request.url, request.headers, body), self._timeout
        )
        return httpx.Response(status, headers=headers, content=raw, request=request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        future = asyncio.run_coroutine_threadsafe(
            self._forward(request.method, request.url, request.headers, body), self._loop
        )
        try:
            status, headers, raw = await asyncio.wait_for(asyncio.wrap_future(future),
                                                          self._timeout)
        except TimeoutError:
            future.cancel()
            raise httpx.ReadTimeout(
                f"the application did not respond within {self._timeout} s") from None
        return httpx.Response(status, headers=headers, content=raw, request=request)

    def close(self) -> None:
        if not self._loop.is_running():
            return
        try:
            self._run(self._lifespan.shutdown(), self._timeout)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    async def aclose(self) -> None:
        """Leave the shared loop running; the sync `close` ends it at the end of the run."""


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable


class _Lifespan:
    """Drives the ASGI lifespan protocol; apps that do not support it are left alone."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._receive: asyncio.Queue[Message] | None = None
        self._send: asyncio.Queue[Message] | None = None
        self._task: asyncio.Task[None] | None = None
        self._supported = True

    async def startup(self) -> None:
        self._receive = asyncio.Queue()
        self._send = asyncio.Queue()
        self._task = asyncio.ensure_future(self._main())
        await self._receive.put({"type": "lifespan.startup"})
        message = await self._next_message()
        if message is not None and message["type"] == "lifespan.startup.failed":
            raise RuntimeError(f"the application's startup failed: {message.get('message', '')}")

    async def shutdown(self) -> None:
        if not self._supported or self._receive is None:
            return
        await self._receive.put({"type": "lifespan.shutdown"})
        await self._next_message()

    async def _main(self) -> None:
        assert self._receive is not None and self._send is not None
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"},
                 "state": {}}
        try:
            await self._app(scope, self._receive.get, self._send.put)
        except Exception as error:  # an app without lifespan support raises on this scope
            log.debug("application has no lifespan support: %s", error)
            self._supported = False
        finally:
            await self._send.put({"type": "lifespan.ended"})

    async def _next_message(self) -> Message | None:
        assert self._send is not None
        message = await self._send.get()
        if message["type"] == "lifespan.ended":
            return None
        return message
