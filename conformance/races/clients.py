"""Async clients for a target whose requests pass through a recording transport."""

from __future__ import annotations

import httpx

from conformance.races.recording import RecordingTransport
from conformance.target import Target


def recording_transport(target: Target, *, connections: int) -> RecordingTransport:
    """Return a recording transport to `target` that ends each exchange at the target's timeout.

    Over the network the connection pool admits `connections` connections at once, so that
    many requests can be in flight together, and each request gets a connection of its own.
    In process the target's shared transport is wrapped (`Target.open_async_transport`).
    """
    # No keep-alive: a burst can outlast a server's keep-alive timeout (5 s in uvicorn and
    # Node.js), and reusing a connection the server is closing fails with RemoteProtocolError,
    # a fault of neither the backend's protocol nor the client's.
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=0)
    return RecordingTransport(target.open_async_transport(limits=limits), owns_inner=True)


def recording_client(
    target: Target, *, connections: int, auth: httpx.Auth | None = None
) -> tuple[httpx.AsyncClient, RecordingTransport]:
    """Return an async client for `target` and the transport that records its requests."""
    recorder = recording_transport(target, connections=connections)
    client = httpx.AsyncClient(base_url=target.base_url, transport=recorder, auth=auth,
                               timeout=target.timeout, follow_redirects=False)
    return client, recorder


def target_url(target: Target, path: str) -> str:
    """Return the absolute URL of `path` on `target`, keeping a path prefix of its base URL."""
    return target.base_url.rstrip("/") + path


def target_path(target: Target, path: str) -> str:
    """Return the URL path that a request for `path` on `target` carries."""
    return httpx.URL(target_url(target, path)).path
