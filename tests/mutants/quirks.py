"""Clean reference variants that behave like the tutorial backends of the built-in profiles.

Each follows the protocol rules of its profile and differs from the reference only where the
real backend does, so a run with that profile must end without a failure.
"""

from __future__ import annotations

from typing import Any

import jwt
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from conformance.reference import (
    AccessTokenExpired,
    AccessTokenInvalid,
    AccessTokens,
    ReferenceHandlers,
    User,
)
from conformance.reference.access import MISSING_TOKEN_MESSAGE, extract_access_token
from conformance.reference.bodies import read_json_object
from tests.mutants.base import LEEWAY_PROFILE, WithoutChallenge, build_app
from tests.mutants.plain_errors import PlainTextUnauthorized, add_plain_text_handler

# RFC 7518 §3.2: an HS512 key must be at least 512 bits long.
HS512_SIGNING_KEY = "spring-like-test-signing-key-for-hs512-not-for-production-" + "0" * 16


def reference() -> Starlette:
    return build_app("reference")


def reference_rotating() -> Starlette:
    return build_app("reference-rotating")


def reference_leeway() -> Starlette:
    return build_app(LEEWAY_PROFILE)


class ExpressHandlers(ReferenceHandlers):
    """Responses of the Node.js Express tutorial: 403 without a token, a JSON 401 for an expired
    token, a text/plain 401 for any other bad token, 404 for an unknown user at signin and no
    signout endpoint."""

    def authenticate(self, request: Request) -> User:
        token = extract_access_token(request, self.backend.settings.access_header)
        if token is None:
            raise HTTPException(403, MISSING_TOKEN_MESSAGE)
        try:
            self.backend.access_tokens.verify(token)
        except AccessTokenExpired as error:
            raise HTTPException(401, "Unauthorized! Access Token was expired!") from error
        except AccessTokenInvalid as error:
            raise PlainTextUnauthorized("Unauthorized!") from error
        return super().authenticate(request)

    async def signin(self, request: Request) -> JSONResponse:
        # body() caches the body, so the reference handler can read it again.
        await request.body()
        body = await read_json_object(request)
        username = body.get("username")
        if isinstance(username, str) and self.backend.store.find_user_by_username(
                username) is None:
            raise HTTPException(404, "User Not found.")
        return await super().signin(request)

    async def signout(self, request: Request) -> JSONResponse:
        raise HTTPException(404, "Not Found")


def express_like() -> WithoutChallenge:
    app = build_app("bezkoder-express", handlers=ExpressHandlers)
    add_plain_text_handler(app)
    return WithoutChallenge(app)


class SpringAccessTokens(AccessTokens):
    """HS512 access tokens whose `sub` is the username, as jjwt issues them in the Spring
    tutorial."""

    def issue(self, user: User) -> str:
        claims = jwt.decode(super().issue(user), options={"verify_signature": False})
        claims["sub"] = user.username
        return jwt.encode(claims, self.key, algorithm="HS512", headers={"typ": "JWT"})

    def decode_signed(self, token: str) -> dict[str, Any]:
        try:
            payload: dict[str, Any] = jwt.decode(
                token, self.key, algorithms=["HS512"],
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False,
                         "require": ["exp", "iat", "jti", "sub"]},
            )
        except (jwt.PyJWTError, ValueError) as error:
            raise AccessTokenInvalid("The access token is invalid") from error

        # The reference claim checks expect sub to be the user id.
        if payload.get("sub") != payload.get("username"):
            raise AccessTokenInvalid("The access token sub claim is not its username")
        return {**payload, "sub": str(payload.get("id"))}


class SpringHandlers(ReferenceHandlers):
    """Signout authenticated by the access token, revoking every refresh token of the user."""

    async def signout(self, request: Request) -> JSONResponse:
        user = self.authenticate(request)
        with self.backend.store.transaction() as db:
            db.execute(
                "UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? "
                "AND revoked_at IS NULL",
                (self.backend.clock.now(), user.id),
            )
        return JSONResponse({"message": "Log out successful!"})

    async def refresh_token(self, request: Request) -> JSONResponse:
        # Bean validation rejects a blank refreshToken with 400.
        await request.body()
        body = await read_json_object(request)
        token = body.get("refreshToken")
        if isinstance(token, str) and not token.strip():
            raise HTTPException(400, "refreshToken must not be blank")
        return await super().refresh_token(request)


def spring_like() -> WithoutChallenge:
    app = build_app("bezkoder-spring", access_tokens=SpringAccessTokens,
                    handlers=SpringHandlers, signing_key=HS512_SIGNING_KEY)
    return WithoutChallenge(app)

