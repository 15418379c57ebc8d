"""Mutants of signout, of parallel refresh calls and of the statuses clients react to."""

from __future__ import annotations

import asyncio
import json

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from conformance.reference import ReferenceHandlers, RefreshTokenRejected, RejectReason, Store, User
from conformance.reference.backend import Backend
from conformance.reference.bodies import read_json_object
from tests.mutants.base import Mutant, build_app


class SignoutNoopStore(Store):
    """Reports every signout as done without revoking anything."""

    def revoke_refresh_family(self, token: str, now: float) -> bool:
        return self.find_refresh_token(token) is not None


def signout_revokes_nothing() -> Starlette:
    return build_app(store=SignoutNoopStore)


class SignoutOnceStore(Store):
    """Raises LookupError when the token's family is already revoked, so a second signout of
    one session gets a 500."""

    def revoke_refresh_family(self, token: str, now: float) -> bool:
        record = self.find_refresh_token(token)
        if record is not None and record.revoked_at is not None:
            raise LookupError("the session is already signed out")
        return super().revoke_refresh_family(token, now)


def second_signout_500() -> Starlette:
    return build_app(store=SignoutOnceStore)


class SplitRotationHandlers(ReferenceHandlers):
    """Looks the refresh token up, awaits as an async database driver would, and rotates in a
    second transaction. Parallel calls with one token all pass the lookup, and all but the
    first then insert the same successor and fail on its UNIQUE constraint."""

    async def refresh_token(self, request: Request) -> JSONResponse:
        self.backend.metrics.count("refresh_total")
        body = await read_json_object(request)
        token = body.get("refreshToken")
        if not isinstance(token, str) or not token:
            raise HTTPException(403, "Refresh Token is required!")

        backend = self.backend
        record = backend.store.find_refresh_token(token)
        now = backend.clock.now()
        if (record is None or record.revoked_at is not None or record.rotated_at is not None
                or backend.store.is_refresh_token_expired(record, now)):
            raise HTTPException(403, RejectReason.UNKNOWN.value)
        user = backend.store.get_user(record.user_id)
        if user is None:
            raise HTTPException(403, RejectReason.UNKNOWN.value)

        await asyncio.sleep(0.01)
        with backend.store.transaction() as db:
            successor = backend.store.rotate_refresh_token(db, record, token, now,
                                                           backend.refresh_policy)
        return JSONResponse({"accessToken": backend.access_tokens.issue(user),
                             "refreshToken": successor})


def parallel_refresh_500() -> Starlette:
    return build_app("reference-rotating", handlers=SplitRotationHandlers)


class RefreshRejected401Handlers(ReferenceHandlers):
    """Rejects a refresh token with 401 instead of 403, the status on which the Angular
    tutorial client refreshes again."""

    async def refresh_token(self, request: Request) -> JSONResponse:
        try:
            return await super().refresh_token(request)
        except HTTPException as error:
            if error.status_code == 403:
                raise HTTPException(401, str(error.detail)) from error
            raise


def refresh_rejected_401() -> Starlette:
    return build_app(handlers=RefreshRejected401Handlers)


class OrphanTokensStore(Store):
    """Deletes the user row but keeps its refresh tokens, as a store without foreign keys
    does."""

    def __init__(self, database: str = ":memory:") -> None:
        super().__init__(database)
        # SQLite ignores this PRAGMA inside a transaction, so it runs outside `transaction()`.
        with self._lock:
            self._connection.execute("PRAGMA foreign_keys = OFF")


class CachedUserRefreshHandlers(ReferenceHandlers):
    """Issues refreshed access tokens from the user record cached at signin, so a deleted
    user keeps refreshing."""

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        self.cached_users: dict[int, User] = {}

    async def signin(self, request: Request) -> JSONResponse:
        response = await super().signin(request)
        if response.status_code == 200:
            user_id = json.loads(bytes(response.body))["id"]
            user = self.backend.store.get_user(user_id)
            if user is not None:
                self.cached_users[user_id] = user
        return response

    async def refresh_token(self, request: Request) -> JSONResponse:
        self.backend.metrics.count("refresh_total")
        body = await read_json_object(request)
        token = body.get("refreshToken")
        if not isinstance(token, str) or not token:
            raise HTTPException(403, "Refresh Token is required!")

        backend = self.backend
        try:
            exchange = backend.store.exchange_refresh_token(token, backend.clock.now(),
                                                            backend.refresh_policy)
        except RefreshTokenRejected as rejection:
            raise HTTPException(403, rejection.reason.value) from rejection
        user = self.cached_users.get(exchange.user_id)
        if user is None:
            raise HTTPException(403, RejectReason.UNKNOWN.value)
        return JSONResponse({"accessToken": backend.access_tokens.issue(user),
                             "refreshToken": exchange.refresh_token})


def deleted_user_can_refresh() -> Starlette:
    return build_app(store=OrphanTokensStore, handlers=CachedUserRefreshHandlers)


MUTANTS = [
    Mutant(
        "signout-revokes-nothing",
        "Signout answers 200 but leaves the refresh token valid.",
        signout_revokes_nothing, "reference",
        ("logout.signout-revokes-refresh", "concurrency.refresh-signout-race",
         "model.protocol-state-machine"),
    ),
    Mutant(
        "second-signout-500",
        "A second signout of a signed-out session crashes with a 500.",
        second_signout_500, "reference",
        ("logout.signout-repeatable",),
    ),
    Mutant(
        "parallel-refresh-500",
        "Rotation looks the token up and rotates in two steps, so parallel refreshes with one "
        "token get 500s.",
        parallel_refresh_500, "reference-rotating",
        ("concurrency.parallel-refresh-served",),
    ),
    Mutant(
        "refresh-rejected-401",
        "A rejected refresh token gets 401 instead of the declared 403, so the Angular client "
        "never logs out.",
        refresh_rejected_401, "reference",
        ("refresh.expired-token-rejected", "client.angular12-refresh-rejected"),
    ),
    Mutant(
        "deleted-user-can-refresh",
        "A deleted user's refresh tokens survive and keep issuing access tokens.",
        deleted_user_can_refresh, "reference",
        ("refresh.deleted-user-rejected",),
    ),
]
