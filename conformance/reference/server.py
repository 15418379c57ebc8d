"""Command-line options for the reference backend, and serving it over HTTP with uvicorn."""

from __future__ import annotations

import argparse
import errno
import ipaddress
import logging
import os
import socket

import uvicorn

from conformance.reference.app import create_app
from conformance.reference.settings import (
    ACCESS_HEADERS,
    DEFAULT_SIGNING_KEY,
    ROTATIONS,
    ReferenceSettings,
    validate_settings,
)
from conformance.reference.store import Store

logger = logging.getLogger("conformance")

_DEFAULTS = ReferenceSettings()

# The option that sets each field of ReferenceSettings. Its destination in the parsed arguments
# is the option's name without the dashes, with underscores for the inner dashes.
_OPTIONS = {
    "access_header": "--access-header",
    "access_ttl": "--access-ttl",
    "refresh_ttl": "--refresh-ttl",
    "rotation": "--rotation",
    "grace_seconds": "--grace",
    "leeway": "--leeway",
    "signing_key": "--signing-key",
    "database": "--database",
    "password_hash_iterations": "--password-hash-iterations",
    "test_endpoints": "--test-endpoints",
}


class ListenError(RuntimeError):
    """The server cannot listen on the requested host and port; the message names the fix."""


def _tcp_port(text: str) -> int:
    """Parse a --port value; argparse reports the ArgumentTypeError with the option's name."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid port {text!r}; write a whole number from 1 to 65535") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a TCP port; use 1 to 65535")
    return port


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the reference backend's server and settings options to `parser`."""
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="Set the address to listen on (default: %(default)s, reachable from this host only).",
    )
    parser.add_argument(
        "--port",
        type=_tcp_port,
        default=8080,
        help="Set the TCP port to listen on (default: %(default)s).",
    )

    parser.add_argument(
        "--access-header",
        choices=ACCESS_HEADERS,
        default=_DEFAULTS.access_header,
        help="Set the request header that carries the access token: the raw token in "
        "x-access-token, or 'Authorization: Bearer <token>' (default: %(default)s).",
    )
    parser.add_argument(
        "--access-ttl",
        type=int,
        metavar="SECONDS",
        default=_DEFAULTS.access_ttl,
        help="Set the access token lifetime in seconds (default: %(default)s).",
    )
    parser.add_argument(
        "--refresh-ttl",
        type=int,
        metavar="SECONDS",
        default=_DEFAULTS.refresh_ttl,
        help="Set the refresh token lifetime in seconds (default: %(default)s, 7 days).",
    )

    parser.add_argument(
        "--rotation",
        choices=ROTATIONS,
        default=_DEFAULTS.rotation,
        help="Set the refresh token rotation policy: keep the same token, rotate it on every "
        "refresh, or rotate and revoke the whole session when a rotated-out token is reused "
        "(default: %(default)s).",
    )
    parser.add_argument(
        "--grace",
        type=int,
        metavar="SECONDS",
        default=_DEFAULTS.grace_seconds,
        help="Set how many seconds after its rotation a rotated-out refresh token still "
        "returns the session's current tokens. Needs --rotation rotate or "
        "rotate-reuse-detection (default: %(default)s).",
    )
    parser.add_argument(
        "--leeway",
        type=int,
        metavar="SECONDS",
        default=_DEFAULTS.leeway,
        help="Set the clock-skew leeway in seconds for the access token's exp and nbf "
        "(default: %(default)s).",
    )

    parser.add_argument(
        "--signing-key",
        metavar="KEY",
        default=DEFAULT_SIGNING_KEY,
        help="Set the HS256 key for access tokens, at least 32 bytes "
        "(default: a published test-only key).",
    )

    parser.add_argument(
        "--database",
        metavar="PATH",
        default=_DEFAULTS.database,
        help="Set the SQLite database file, or :memory: for a database that lives only as "
        "long as the process (default: %(default)s).",
    )
    parser.add_argument(
        "--password-hash-iterations",
        type=int,
        metavar="N",
        default=_DEFAULTS.password_hash_iterations,
        help="Set the PBKDF2-HMAC-SHA256 iteration count for new password hashes "
        "(default: %(default)s).",
    )

    parser.add_argument(
        "--test-endpoints",
        action="store_true",
        help="Enable the test-only routes GET/PUT /api/test/clock (moves the backend clock) "
        "and GET /api/test/stats (call counters).",
    )


def settings_from_args(args: argparse.Namespace) -> ReferenceSettings:
    """Build settings from parsed options. Raises SettingsError naming the invalid option."""
    values = {
        field_name: getattr(args, option.removeprefix("--").replace("-", "_"))
        for field_name, option in _OPTIONS.items()
    }
    validate_settings(values, _OPTIONS)
    return ReferenceSettings(**values)


def describe_settings(settings: ReferenceSettings) -> str:
    """Return the settings as one log-friendly line, with the signing key redacted."""
    if settings.signing_key == DEFAULT_SIGNING_KEY:
        key = "default test key"
    else:
        key = f"custom, {len(settings.signing_key)} chars"
    return f"{settings!r} signing_key=<{key}>"


def serve(settings: ReferenceSettings, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve the reference backend with uvicorn until SIGINT or SIGTERM.

    Raises ListenError before serving when the server cannot listen on `host` and `port`. After
    a graceful shutdown uvicorn raises the stop signal again, so SIGTERM ends the process with
    that signal and SIGINT raises KeyboardInterrupt in the caller.
    """
    # The sockets are bound here rather than by uvicorn, because uvicorn 0.55 logs a bind error
    # and exits with its own status 3 (STARTUP_FAILURE) instead of raising it.
    listeners = _listen(host, port)
    app = create_app(settings)
    url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    if settings.signing_key == DEFAULT_SIGNING_KEY and not _is_loopback(host):
        logger.warning(
            "reference backend listens on non-loopback %s with the published test signing key, "
            "so anyone who can reach it can forge access tokens",
            host,
        )

    # log_config=None keeps the caller's logging setup instead of uvicorn's own.
    config = uvicorn.Config(app, host=host, port=port, log_config=None, lifespan="off")
    server = _ReferenceServer(config, app.state.store, url)

    logger.info("reference backend starting on %s with %s", url, describe_settings(settings))
    try:
        server.run(sockets=listeners)
    finally:
        # Covers a failed startup, where uvicorn never calls shutdown().
        server.stop()


class _ReferenceServer(uvicorn.Server):
    """uvicorn server that closes the store and logs the stop as soon as it has shut down.

    shutdown() runs before uvicorn raises the stop signal again, so the log line is written
    even when SIGTERM then ends the process.
    """

    def __init__(self, config: uvicorn.Config, store: Store, url: str) -> None:
        super().__init__(config)
        self.store = store
        self.url = url
        self.stopped = False

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await super().shutdown(sockets)
        self.stop()

    def stop(self) -> None:
        if self.stopped:
            return

        self.stopped = True
        self.store.close()
        logger.info("reference backend on %s stopped", self.url)


def _listen(host: str, port: int) -> list[socket.socket]:
    """Bind a TCP socket to each address of `host`, with the socket options that asyncio's
    create_server sets. Raise ListenError when `host` does not resolve or a bind fails."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                       flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise ListenError(f"cannot resolve --host {host!r}: {error.strerror}. Pass an IP "
                          "address of this machine, such as 127.0.0.1.") from None

    listeners: list[socket.socket] = []
    try:
        for family, kind, protocol, _name, address in dict.fromkeys(addresses):
            listener = socket.socket(family, kind, protocol)
            listeners.append(listener)
            if os.name == "posix":
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            listener.bind(address)
    except OSError as error:
        for listener in listeners:
            listener.close()
        raise ListenError(_listen_failure(host, port, error)) from None
    return listeners


def _listen_failure(host: str, port: int, error: OSError) -> str:
    where = f"cannot listen on {host} port {port}"
    if error.errno == errno.EADDRINUSE:
        return (f"{where}: another program already listens on port {port}. Stop it, or "
                "pass a free port with --port.")
    if error.errno == errno.EACCES:
        return (f"{where}: permission denied. Ports below 1024 need extra privileges; pass "
                "--port 1024 or above.")
    if error.errno == errno.EADDRNOTAVAIL:
        return (f"{where}: {host} is not an address of this machine. Pass one of its "
                "addresses with --host, such as 127.0.0.1.")
    return f"{where}: {error.strerror or error}. Check --host and --port."


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
