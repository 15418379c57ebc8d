"""Authentication of protected requests by access token, and the RFC 6750 challenges on failure."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request

from conformance.reference.backend import Backend
from conformance.reference.records import User
from conformance.reference.redaction import redact
from conformance.reference.settings import AccessHeader
from conformance.reference.tokens import AccessTokenError, AccessTokenInvalid

logger = logging.getLogger("conformance")

REALM = "api"
MISSING_TOKEN_MESSAGE = "No token provided!"
MALFORMED_BEARER = "The Authorization header is not in the form Bearer <token>"
DELETED_USER = "The user of this access token no longer exists"


def extract_access_token(request: Request, access_header: AccessHeader) -> str | None:
    """Return the access token from the configured header, or None if the request has none.

    With `access_header="authorization"` a header of another scheme (such as Basic) counts as
    no token. A Bearer header without exactly one token raises AccessTokenInvalid.
    """
    if access_header == "x-access-token":
        return request.headers.get("x-access-token", "").strip() or None

    scheme, _, credentials = request.headers.get("authorization", "").strip().partition(" ")

    # RFC 7235 §2.1: the auth-scheme is case-insensitive.
    if scheme.lower() != "bearer":
        return None

    credentials = credentials.strip()
    if not credentials or " " in credentials:
        raise AccessTokenInvalid(MALFORMED_BEARER)
    return credentials


def authenticate(backend: Backend, request: Request) -> User:
    """Return the signed-in user of a request, or raise 401 with a WWW-Authenticate challenge."""
    try:
        token = extract_access_token(request, backend.settings.access_header)
    except AccessTokenError as error:
        raise unauthorized(error.description) from error

    if token is None:
        # RFC 6750 §3.1: a request without credentials gets a challenge without an error code.
        raise HTTPException(
            401, MISSING_TOKEN_MESSAGE, headers={"WWW-Authenticate": f'Bearer realm="{REALM}"'}
        )

    try:
        claims = backend.access_tokens.verify(token)
    except AccessTokenError as error:
        logger.debug("rejected access token %s: %s", redact(token), error.description)
        raise unauthorized(error.description) from error

    user = backend.store.get_user(claims.user_id)
    if user is None:
        logger.debug("rejected access token of deleted user %d", claims.user_id)
        raise unauthorized(DELETED_USER)

    return user


def require_role(user: User, role: str, message: str) -> None:
    """Raise 403 with `message` unless the user has `role`."""
    if role not in user.roles:
        # RFC 6750 §3.1: insufficient_scope goes with 403.
        raise HTTPException(
            403,
            message,
            headers={"WWW-Authenticate": f'Bearer realm="{REALM}", error="insufficient_scope"'},
        )


def unauthorized(description: str) -> HTTPException:
    """Build the 401 for a present but rejected token (RFC 6750 §3.1 invalid_token)."""
    challenge = (
        f'Bearer realm="{REALM}", error="invalid_token", error_description="{description}"'
    )
    return HTTPException(401, description, headers={"WWW-Authenticate": challenge})
