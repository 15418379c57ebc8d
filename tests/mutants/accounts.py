"""Mutants of signup and signin."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse

from conformance.reference import ReferenceHandlers, Store, User
from conformance.reference.bodies import read_json_object
from tests.mutants.base import Mutant, build_app


class PasswordIgnoredHandlers(ReferenceHandlers):
    """Signs in any known username without comparing the password."""

    async def signin(self, request: Request) -> JSONResponse:
        # body() caches the body, so the reference handler can read it again.
        await request.body()
        body = await read_json_object(request)
        username = body.get("username")
        user = self.backend.store.find_user_by_username(username) if isinstance(
            username, str) else None
        if user is None:
            return await super().signin(request)

        backend = self.backend
        refresh_token = backend.store.issue_refresh_token(
            user.id, backend.clock.now(), backend.settings.refresh_ttl)
        return JSONResponse({
            "id": user.id,
            "username": user.username,
            "email": user.email,
            "roles": [f"ROLE_{role.upper()}" for role in user.roles],
            "accessToken": backend.access_tokens.issue(user),
            "refreshToken": refresh_token,
        })


def wrong_password_accepted() -> Starlette:
    return build_app(handlers=PasswordIgnoredHandlers)


class UnknownUserCrashHandlers(ReferenceHandlers):
    """Reads `user.password_hash` before checking that the user exists."""

    async def signin(self, request: Request) -> JSONResponse:
        await request.body()
        body = await read_json_object(request)
        user = self.backend.store.find_user_by_username(str(body.get("username")))
        user.password_hash  # type: ignore[union-attr]  # noqa: B018
        return await super().signin(request)


def unknown_user_500() -> Starlette:
    return build_app(handlers=UnknownUserCrashHandlers)


class UserDerivedRefreshStore(Store):
    """Derives the refresh token from the user id, so every signin of a user gets the same
    one."""

    def issue_refresh_token(self, user_id: int, now: float, ttl: int) -> str:
        token = hashlib.sha256(f"refresh-token-of-user-{user_id}".encode()).hexdigest()
        if self.find_refresh_token(token) is None:
            with self.transaction() as db:
                self._insert_refresh_token(db, token, secrets.token_hex(16), user_id, now,
                                           now + ttl)
        return token


def refresh_token_per_user() -> Starlette:
    return build_app(store=UserDerivedRefreshStore)


class SnakeCaseSigninHandlers(ReferenceHandlers):
    """Returns the signin's refresh token as `refresh_token`, not the declared
    `refreshToken`."""

    async def signin(self, request: Request) -> JSONResponse:
        response = await super().signin(request)
        if response.status_code != 200:
            return response
        data = json.loads(bytes(response.body))
        data["refresh_token"] = data.pop("refreshToken")
        return JSONResponse(data)


def signin_field_renamed() -> Starlette:
    return build_app(handlers=SnakeCaseSigninHandlers)


class DatabaseUniquenessStore(Store):
    """Inserts users without checking for a taken name or address, so the database's UNIQUE
    constraint raises sqlite3.IntegrityError."""

    def create_user(self, username: str, email: str, password_hash: str,
                    roles: Sequence[str]) -> User:
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
                (username, email, password_hash),
            )
            user_id = cursor.lastrowid
            db.executemany(
                "INSERT OR IGNORE INTO user_roles (user_id, role_id) "
                "SELECT ?, id FROM roles WHERE name = ?",
                [(user_id, role) for role in roles],
            )
            user = self._load_user(db, "id = ?", user_id)
        assert user is not None
        return user


def duplicate_signup_500() -> Starlette:
    return build_app(store=DatabaseUniquenessStore)


MUTANTS = [
    Mutant(
        "wrong-password-accepted",
        "Signin issues tokens for a known username without comparing the password.",
        wrong_password_accepted, "reference",
        ("signin.wrong-password-rejected",),
    ),
    Mutant(
        "unknown-user-500",
        "Signin with an unknown username crashes with a 500 before the user is checked.",
        unknown_user_500, "reference",
        ("signin.unknown-user-rejected",),
    ),
    Mutant(
        "refresh-token-per-user",
        "The refresh token is derived from the user id, so every signin of a user returns "
        "the same one.",
        refresh_token_per_user, "reference",
        ("signin.refresh-token-unique", "token.refresh-unique-per-signin"),
    ),
    Mutant(
        "signin-field-renamed",
        "The signin response names the refresh token refresh_token, not the declared "
        "refreshToken.",
        signin_field_renamed, "reference",
        ("signin.response-fields-present",),
    ),
    Mutant(
        "duplicate-signup-500",
        "Signup leaves uniqueness to the database, so a taken username or email gets a 500.",
        duplicate_signup_500, "reference",
        ("signup.duplicate-username-rejected", "signup.duplicate-email-rejected"),
    ),
]
