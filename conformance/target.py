"""Targets: where the backend under test runs and how the suite reaches it.

A target is an application in process (`--app module:attr`), a running server (`--target URL`), or
the embedded reference backend when neither is given. Each hands out sync and async httpx clients.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from conformance.app_transport import ASGIThreadTransport
from conformance.deadline import DEFAULT_LIMITS, AsyncDeadlineTransport, DeadlineTransport
from conformance.wsgi_transport import WSGIAsyncTransport, WSGITransport

log = logging.getLogger("conformance")

TargetKind = Literal["reference", "app", "url", "managed"]
IN_PROCESS_BASE_URL = "http://backend.test"


class TargetError(ValueError):
    """A target that cannot be used, with the value and the fix."""


@dataclass
class Target:
    """A backend the suite can send requests to."""

    kind: TargetKind
    description: str
    base_url: str
    timeout: float
    app: Any = None
    _sync_transport: httpx.BaseTransport | None = None
    _async_transport: httpx.AsyncBaseTransport | None = None
    _clients: list[httpx.Client] = field(default_factory=list)

    @property
    def trust_env(self) -> bool:
        """Tell whether proxy variables apply: never to loopback, where no proxy can help."""
        host = urlsplit(self.base_url).hostname or ""
        return not (host in ("localhost", "::1") or host.startswith("127."))

    @property
    def in_process(self) -> bool:
        return self.kind in ("reference", "app")

    def client(self) -> httpx.Client:
        """Return a new sync client for the target; the target closes it at the end.

        A network target's client gets a DeadlineTransport of its own, so that
        conformance.deadline.exchange_deadline bounds its exchanges.
        """
        transport = self._sync_transport
        if transport is None:
            transport = DeadlineTransport(trust_env=self.trust_env)
        client = httpx.Client(base_url=self.base_url, transport=transport,
                              timeout=self.timeout, follow_redirects=False,
                              trust_env=self.trust_env)
        self._clients.append(client)
        return client

    def open_async_transport(self, *,
                             limits: httpx.Limits | None = None) -> httpx.AsyncBaseTransport:
        """Return a new async transport to the target that ends each exchange after `timeout` s.

        Every async client of the suite sends through one of these, so `--timeout` bounds the
        whole of each async exchange as it does the sync ones. Over the network the transport
        has a connection pool of its own with `limits`. In process it wraps the transport that
        every client shares, so all requests reach one application instance, and `limits`
        does not apply. Closing the returned transport leaves the shared one open.
        """
        if self._async_transport is not None:
            return AsyncDeadlineTransport(self._async_transport, self.timeout, owns_inner=False)
        network = httpx.AsyncHTTPTransport(trust_env=self.trust_env,
                                           limits=limits or DEFAULT_LIMITS)
        return AsyncDeadlineTransport(network, self.timeout, owns_inner=True)

    def async_client(self) -> httpx.AsyncClient:
        """Return a new async client with the exchange deadline of `open_async_transport`.

        The caller closes it.
        """
        return httpx.AsyncClient(base_url=self.base_url, transport=self.open_async_transport(),
                                 timeout=self.timeout, follow_redirects=False,
                                 trust_env=self.trust_env)

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()
        if self._sync_transport is not None:
            self._sync_transport.close()


def url_target(url: str, *, timeout: float) -> Target:
    """Return a target for a server that is already running at `url`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TargetError(
            f"invalid --target {url!r}: write an http or https URL with a host, "
            "for example http://127.0.0.1:8080"
        )
    try:
        parts.port  # noqa: B018  (reading the port validates it)
    except ValueError:
        raise TargetError(
            f"invalid --target {url!r}: the port must be a number from 1 to 65535"
        ) from None
    return Target("url", url, url.rstrip("/"), timeout)


def app_target(spec: str, *, timeout: float) -> Target:
    """Return a target that drives the ASGI or WSGI application named `module:attr` in process."""
    app = load_app(spec)
    return in_process_target(app, "app", f"app {spec}", timeout=timeout)


def in_process_target(app: Any, kind: TargetKind, description: str, *,
                      timeout: float) -> Target:
    """Return a target for an application object, detecting whether it speaks ASGI or WSGI."""
    if is_asgi(app):
        transport = ASGIThreadTransport(app, timeout=timeout)
        return Target(kind, description, IN_PROCESS_BASE_URL, timeout, app,
                      transport, transport)
    return Target(kind, description, IN_PROCESS_BASE_URL, timeout, app,
                  WSGITransport(app, timeout=timeout), WSGIAsyncTransport(app, timeout=timeout))


def is_asgi(app: Any) -> bool:
    """Tell an ASGI application (an async callable of three arguments) from a WSGI one."""
    call = app if inspect.isfunction(app) or inspect.ismethod(app) else type(app).__call__
    if inspect.iscoroutinefunction(call):
        return True
    parameters = [
        p for p in inspect.signature(app).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return len(parameters) == 3


def load_app(spec: str) -> Any:
    """Import `module:attr`; `module:factory()` calls a factory without arguments."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise TargetError(
            f"invalid --app {spec!r}: write module:attribute, for example myproject.asgi:app "
            "or myproject.main:create_app()"
        )
    call = attribute.endswith("()")
    attribute = attribute.removesuffix("()")

    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise TargetError(
            f"invalid --app {spec!r}: module {module_name!r} cannot be imported ({error}); "
            "run from the folder that contains it or install it"
        ) from error

    try:
        app = getattr(module, attribute)
    except AttributeError:
        raise TargetError(
            f"invalid --app {spec!r}: module {module_name!r} has no attribute {attribute!r}"
        ) from None
    if call:
        app = app()
    if not callable(app):
        raise TargetError(f"invalid --app {spec!r}: {attribute!r} is not an ASGI or WSGI app")
    return app
