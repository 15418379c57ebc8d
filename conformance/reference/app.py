"""Assembly of the reference backend's Starlette app from settings and replaceable parts."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from conformance.reference.auth_handlers import AuthHandlers
from conformance.reference.backend import Backend
from conformance.reference.clock import AdjustableClock, Clock
from conformance.reference.content_handlers import ContentHandlers
from conformance.reference.hook_handlers import HookHandlers
from conformance.reference.metrics import Metrics
from conformance.reference.passwords import PasswordHasher
from conformance.reference.settings import ReferenceSettings
from conformance.reference.store import Store
from conformance.reference.tokens import AccessTokens, AccessTokenService

logger = logging.getLogger("conformance")


class ReferenceHandlers(AuthHandlers, ContentHandlers, HookHandlers):
    """Every handler of the reference backend. Variants subclass it and override one method."""


def create_app(
    settings: ReferenceSettings | None = None,
    *,
    clock: Clock | None = None,
    access_tokens: AccessTokenService | None = None,
    store: Store | None = None,
    handlers: type[ReferenceHandlers] = ReferenceHandlers,
) -> Starlette:
    """Build the reference backend app. Every part left out is built from `settings`.

    `clock` defaults to the system clock. It is wrapped in an AdjustableClock for the clock
    hook unless it is one already. A custom `access_tokens` reads its own clock, so to move it
    with the hook, build it on an AdjustableClock and pass that same clock here.
    The app owns a store that it builds, and `app.state.store.close()` releases it.
    """
    settings = settings if settings is not None else ReferenceSettings()
    app_clock = clock if isinstance(clock, AdjustableClock) else AdjustableClock(clock)

    backend = Backend(
        settings=settings,
        clock=app_clock,
        store=store if store is not None else Store(settings.database),
        access_tokens=(
            access_tokens if access_tokens is not None else AccessTokens(settings, app_clock)
        ),
        passwords=PasswordHasher(settings.password_hash_iterations),
        metrics=Metrics(),
    )
    routes = build_routes(handlers(backend), test_endpoints=settings.test_endpoints)

    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
    app.state.backend = backend
    app.state.settings = settings
    app.state.clock = app_clock
    app.state.store = backend.store
    app.state.metrics = backend.metrics
    return app


def build_routes(handlers: ReferenceHandlers, *, test_endpoints: bool) -> list[Route]:
    """Map the tutorial's paths, account deletion, and the test-only ones if enabled."""
    routes = [
        Route("/api/auth/signup", handlers.signup, methods=["POST"]),
        Route("/api/auth/signin", handlers.signin, methods=["POST"]),
        Route("/api/auth/refreshtoken", handlers.refresh_token, methods=["POST"]),
        Route("/api/auth/signout", handlers.signout, methods=["POST"]),
        Route("/api/auth/account", handlers.delete_account, methods=["DELETE"]),
        Route("/api/test/all", handlers.public_content, methods=["GET"]),
        Route("/api/test/user", handlers.user_content, methods=["GET"]),
        Route("/api/test/mod", handlers.moderator_content, methods=["GET"]),
        Route("/api/test/admin", handlers.admin_content, methods=["GET"]),
    ]

    if test_endpoints:
        routes += [
            Route("/api/test/clock", handlers.clock, methods=["GET", "PUT"]),
            Route("/api/test/stats", handlers.stats, methods=["GET"]),
        ]

    return routes


async def http_error(request: Request, exc: Exception) -> Response:
    """Send an HTTPException (4xx from a handler, 404 or 405 from routing) as JSON."""
    assert isinstance(exc, HTTPException)
    logger.debug(
        "%s %s rejected with %d: %s", request.method, request.url.path, exc.status_code, exc.detail
    )
    return JSONResponse({"message": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def server_error(request: Request, exc: Exception) -> Response:
    """Log an unexpected error and send 500. Any call that ends here is a bug of the backend."""
    logger.error(
        "reference backend failed on %s %s", request.method, request.url.path, exc_info=exc
    )
    return JSONResponse({"message": "Internal server error"}, status_code=500)
