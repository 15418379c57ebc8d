"""A Flask application authenticated by flask-jwt-extended, used as a real peer backend.

It follows the library's documentation: `POST /login` returns `{access_token, refresh_token}`,
`POST /refresh` takes the refresh token in `Authorization: Bearer` (`@jwt_required(refresh=True)`)
and returns a new access token, and roles travel as an additional claim checked by a custom
decorator. Accounts are fixed: a `test` user, as in the documentation, plus one account per other
role. `flask_peer:app` is the WSGI application for waitress or the suite's --app.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    get_jwt,
    get_jwt_identity,
    jwt_required,
    verify_jwt_in_request,
)

# A test-only key, overridable for runs that must not share it.
DEFAULT_SECRET = "flask-jwt-extended-peer-test-signing-key"


@dataclass(frozen=True)
class Account:
    password: str
    role: str


# The fixed accounts that the built-in `flask-jwt-extended` profile lists. No password is a part
# of a username, because token.no-password-in-claims looks for the password inside every claim
# and `sub` is the username.
ACCOUNTS: dict[str, Account] = {
    "test": Account("test-password", "user"),
    "moderator": Account("moderator-password", "moderator"),
    "admin": Account("admin-password", "admin"),
}


def role_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Admit a valid access token whose `role` claim is one of `roles`, else respond 403.

    This is the custom-decorator pattern of the flask-jwt-extended documentation
    (`verify_jwt_in_request` then `get_jwt`).
    """

    def wrapper(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def decorator(*args: Any, **kwargs: Any) -> Any:
            verify_jwt_in_request()
            if get_jwt().get("role") in roles:
                return view(*args, **kwargs)
            return jsonify(msg="Insufficient role"), 403

        return decorator

    return wrapper


def create_app() -> Flask:
    """Build the application with flask-jwt-extended's default token settings."""
    app = Flask(__name__)
    # Defaults kept: HS256, 15 min access tokens, 30 day refresh tokens, tokens in the
    # Authorization header with the Bearer scheme, no leeway.
    app.config["JWT_SECRET_KEY"] = os.environ.get("FLASK_PEER_SECRET", DEFAULT_SECRET)
    JWTManager(app)

    @app.post("/login")
    def login() -> ResponseReturnValue:
        # get_json(silent=True) returns None for a body that is not JSON, where `request.json`
        # (as in the documentation's example) would respond 415 with an HTML page.
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return jsonify(msg="Send a JSON object with username and password"), 400
        username = body.get("username")
        password = body.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            return jsonify(msg="username and password must be strings"), 400

        account = ACCOUNTS.get(username)
        if account is None or not hmac.compare_digest(account.password.encode(),
                                                       password.encode()):
            return jsonify(msg="Bad username or password"), 401

        claims = {"role": account.role}
        return jsonify(
            access_token=create_access_token(identity=username, additional_claims=claims),
            refresh_token=create_refresh_token(identity=username, additional_claims=claims),
        )

    @app.post("/refresh")
    @jwt_required(refresh=True)
    def refresh() -> ResponseReturnValue:
        identity = get_jwt_identity()
        account = ACCOUNTS.get(identity)
        if account is None:
            return jsonify(msg="Unknown user"), 401
        claims = {"role": account.role}
        return jsonify(access_token=create_access_token(identity=identity,
                                                        additional_claims=claims))

    @app.get("/public")
    def public() -> ResponseReturnValue:
        return jsonify(msg="public content")

    @app.get("/protected")
    @jwt_required()
    def protected() -> ResponseReturnValue:
        return jsonify(logged_in_as=get_jwt_identity())

    @app.get("/moderator")
    @role_required("moderator")
    def moderator() -> ResponseReturnValue:
        return jsonify(logged_in_as=get_jwt_identity())

    @app.get("/admin")
    @role_required("admin")
    def admin() -> ResponseReturnValue:
        return jsonify(logged_in_as=get_jwt_identity())

    return app


app = create_app()
