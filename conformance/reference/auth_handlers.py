"""Handlers of /api/auth: signup, signin, refresh-token exchange, signout and account deletion."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from conformance.reference.access import REALM
from conformance.reference.bodies import is_valid_unicode, read_json_object, require_text
from conformance.reference.handler_base import HandlerBase
from conformance.reference.records import (
    ROLE_NAMES,
    RefreshTokenRejected,
    RejectReason,
    UserExistsError,
)
from conformance.reference.redaction import redact

logger = logging.getLogger("conformance")

MAX_NAME_LENGTH = 255
MAX_PASSWORD_LENGTH = 1024
MAX_REFRESH_TOKEN_LENGTH = 4096

INVALID_CREDENTIALS = "Invalid username or password"
REFRESH_TOKEN_REQUIRED = "Refresh Token is required!"


class AuthHandlers(HandlerBase):
    """Account and session endpoints of the tutorial protocol."""

    async def signup(self, request: Request) -> JSONResponse:
        self.backend.metrics.count("signup_total")

        body = await read_json_object(request)
        username = require_text(body, "username", max_length=MAX_NAME_LENGTH)
        email = require_text(body, "email", max_length=MAX_NAME_LENGTH)
        password = require_text(body, "password", max_length=MAX_PASSWORD_LENGTH)
        roles = parse_roles(body.get("roles"))

        password_hash = self.backend.passwords.hash(password)
        try:
            user = self.backend.store.create_user(username, email, password_hash, roles)
        except UserExistsError as error:
            raise HTTPException(400, str(error)) from error

        logger.debug("signed up user %d with roles %s", user.id, ",".join(user.roles))
        return JSONResponse({"message": "User was registered successfully!"})

    async def signin(self, request: Request) -> JSONResponse:
        metrics = self.backend.metrics
        metrics.count("signin_total")

        try:
            body = await read_json_object(request)
            username = require_text(body, "username", max_length=MAX_NAME_LENGTH)
            password = require_text(body, "password", max_length=MAX_PASSWORD_LENGTH)
        except HTTPException:
            metrics.count("signin_failed")
            raise

        # Unknown user and wrong password get the same response, so usernames cannot be probed.
        user = self.backend.store.find_user_by_username(username)
        stored_hash = user.password_hash if user is not None else None
        if not self.backend.passwords.verify(password, stored_hash) or user is None:
            metrics.count("signin_failed")
            reason = "unknown username" if user is None else f"wrong password for user {user.id}"
            logger.debug("rejected signin: %s", reason)
            return JSONResponse(
                {"message": INVALID_CREDENTIALS, "accessToken": None},
                status_code=401,
                # RFC 7235 §3.1: a 401 response carries a WWW-Authenticate challenge.
                headers={"WWW-Authenticate": f'Bearer realm="{REALM}"'},
            )

        access_token = self.backend.access_tokens.issue(user)
        refresh_token = self.backend.store.issue_refresh_token(
            user.id, self.backend.clock.now(), self.backend.settings.refresh_ttl
        )

        metrics.count("signin_succeeded")
        logger.debug("signed in user %d, refresh token %s", user.id, redact(refresh_token))
        return JSONResponse(
            {
                "id": user.id,
                "username": user.username,
                "email": user.email,
                "roles": [f"ROLE_{role.upper()}" for role in user.roles],
                "accessToken": access_token,
                "refreshToken": refresh_token,
            }
        )

    async def refresh_token(self, request: Request) -> JSONResponse:
        metrics = self.backend.metrics
        metrics.count("refresh_total")

        try:
            response = await self._exchange_refresh_token(request)
        except HTTPException:
            metrics.count("refresh_failed")
            raise

        metrics.count("refresh_succeeded")
        return response

    async def _exchange_refresh_token(self, request: Request) -> JSONResponse:
        body = await read_json_object(request)

        # 403, not 400, for a missing token: the tutorial client signs out on 403.
        token = body.get("refreshToken")
        if not isinstance(token, str) or not token:
            raise HTTPException(403, REFRESH_TOKEN_REQUIRED)

        # From here on nothing awaits, so the exchange and the token issue are one step on the
        # event loop and parallel refreshes see each other's rotation.
        backend = self.backend
        try:
            exchange = backend.store.exchange_refresh_token(
                token, backend.clock.now(), backend.refresh_policy
            )
        except RefreshTokenRejected as rejection:
            if rejection.reason is RejectReason.REUSE_DETECTED:
                backend.metrics.count("refresh_reuse_detected")
            logger.debug("rejected refresh token %s: %s", redact(token), rejection.reason.name)
            raise HTTPException(403, rejection.reason.value) from rejection

        # Deleting a user deletes its refresh tokens, so the exchange above already fails for a
        # deleted user. This check covers a deletion from another thread between the two calls.
        user = backend.store.get_user(exchange.user_id)
        if user is None:
            raise HTTPException(403, RejectReason.UNKNOWN.value)

        access_token = backend.access_tokens.issue(user)
        logger.debug(
            "refreshed user %d (%s), refresh token %s",
            user.id,
            exchange.kind,
            redact(exchange.refresh_token),
        )
        return JSONResponse({"accessToken": access_token, "refreshToken": exchange.refresh_token})

    async def signout(self, request: Request) -> JSONResponse:
        self.backend.metrics.count("signout_total")

        body = await read_json_object(request)
        token = require_text(body, "refreshToken", max_length=MAX_REFRESH_TOKEN_LENGTH)

        # An unknown or already revoked token gets the same 200, so signout leaks nothing and
        # can be repeated. Access tokens are stateless and stay valid until their exp.
        found = self.backend.store.revoke_refresh_family(token, self.backend.clock.now())
        logger.debug("signout with refresh token %s (known: %s)", redact(token), found)
        return JSONResponse({"message": "Log out successful!"})

    async def delete_account(self, request: Request) -> JSONResponse:
        # The tutorial has no account deletion. This endpoint lets the suite check the tokens of
        # a deleted account. Deleting the user deletes its refresh tokens with it.
        user = self.authenticate(request)

        self.backend.store.delete_user(user.id)
        logger.debug("deleted user %d", user.id)
        return JSONResponse({"message": "User account deleted!"})


def parse_roles(value: Any) -> list[str]:
    """Return the role names of a signup request, ["user"] if none, or raise 400."""
    if value is None or value == []:
        return ["user"]

    if not isinstance(value, list) or not all(isinstance(role, str) for role in value):
        raise HTTPException(400, "roles must be a list of role names")

    for role in value:
        # The message repeats the role, and a lone surrogate cannot be encoded in a response.
        if not is_valid_unicode(role):
            raise HTTPException(400, "roles contains invalid Unicode (a lone surrogate)")
        if role not in ROLE_NAMES:
            raise HTTPException(400, f"Failed! Role does not exist = {role}")

    return list(value)
