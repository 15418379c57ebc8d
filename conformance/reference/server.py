"""Command-line options for the reference backend, and serving it over HTTP with uvicorn."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import socket

import uvicorn

from conformance.reference.app import create_app
from conformance.reference.settings import (
    ACCESS_HEADERS,
    DEFAULT_SIGNING_KEY,
    ROTATIONS,
    ReferenceSettings,
)
from conformance.reference.store import Store

logger = logging.getLogger("conformance")

_DEFAULTS = ReferenceSettings()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the reference backend's server and settings options to `parser`."""
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="Set the address to listen on (default: %(default)s, reachable from this host only).",
    )
    parser.add_argument(
        "--port",
        type=int,
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
    """Build settings from parsed options. Raises SettingsError naming the invalid field."""
    return ReferenceSettings(
        access_header=args.access_header,
        access_ttl=args.access_ttl,
        refresh_ttl=args.refresh_ttl,
        rotation=args.rotation,
        grace_seconds=args.grace,
        leeway=args.leeway,
        signing_key=args.signing_key,
        database=args.database,
        password_hash_iterations=args.password_hash_iterations,
        test_endpoints=args.test_endpoints,
    )


def describe_settings(settings: ReferenceSettings) -> str:
    """Return the settings as one log-friendly line, with the signing key redacted."""
    if settings.signing_key == DEFAULT_SIGNING_KEY:
        key = "default test key"
    else:
        key = f"custom, {len(settings.signing_key)} chars"
    return f"{settings!r} signing_key=<{key}>"


def serve(settings: ReferenceSettings, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve the reference backend with uvicorn until SIGINT or SIGTERM.

    After a graceful shutdown uvicorn raises the stop signal again, so SIGTERM ends the process
    with that signal and SIGINT raises KeyboardInterrupt in the caller.
    """
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
        server.run()
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


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
