"""Access tokens: HS256 JWTs issued and verified against the injected clock.

pyjwt reads `datetime.now` itself, so its exp/nbf/iat checks are off and this module checks
the times against the backend's clock.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from typing import Any, Protocol

import jwt

from conformance.reference.clock import Clock
from conformance.reference.records import User
from conformance.reference.settings import ReferenceSettings

ALGORITHM = "HS256"
TOKEN_USE = "access"
MAX_USER_ID = 2**63 - 1  # the largest SQLite INTEGER


class AccessTokenError(Exception):
    """Rejected access token. `description` goes into the WWW-Authenticate error_description.

    RFC 6750 §3 allows only printable ASCII without `"` and `\\` there, so descriptions are
    fixed strings.
    """

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class AccessTokenExpired(AccessTokenError):
    """Access token at or past its `exp` (after the leeway). A client should refresh."""


class AccessTokenInvalid(AccessTokenError):
    """Access token that is malformed, forged, of another kind or not valid yet."""


@dataclass(frozen=True)
class AccessClaims:
    """Verified claims of an access token. Times are epoch seconds."""

    user_id: int
    username: str
    roles: tuple[str, ...]
    issued_at: float
    not_before: float | None
    expires_at: float
    token_id: str


class AccessTokenService(Protocol):
    """Issuer and verifier of access tokens, the seam that backend variants replace."""

    def issue(self, user: User) -> str: ...

    def verify(self, token: str) -> AccessClaims:
        """Return the claims, or raise AccessTokenExpired or AccessTokenInvalid."""
        ...


class AccessTokens:
    """HS256 access tokens with `sub`, `id`, `username`, `roles`, `iat`, `nbf`, `exp`, `jti`
    and `token_use: "access"`."""

    def __init__(self, settings: ReferenceSettings, clock: Clock) -> None:
        self.key = settings.signing_key
        self.ttl = settings.access_ttl
        self.leeway = settings.leeway
        self.clock = clock

    def issue(self, user: User) -> str:
        issued_at = math.floor(self.clock.now())
        claims = {
            "sub": str(user.id),
            "id": user.id,
            "username": user.username,
            "roles": list(user.roles),
            "iat": issued_at,
            "nbf": issued_at,
            "exp": issued_at + self.ttl,
            "jti": secrets.token_urlsafe(16),
            "token_use": TOKEN_USE,
        }
        return jwt.encode(claims, self.key, algorithm=ALGORITHM, headers={"typ": "JWT"})

    def verify(self, token: str) -> AccessClaims:
        payload = self.decode_signed(token)
        claims = parse_claims(payload)
        self.check_times(claims)
        return claims

    def decode_signed(self, token: str) -> dict[str, Any]:
        """Check the signature and return the payload, without any time checks."""
        try:
            # RFC 8725 §3.1: the verifier fixes the algorithm. A token that names another one,
            # "none" included, fails here.
            return jwt.decode(
                token,
                self.key,
                algorithms=[ALGORITHM],
                options={
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,
                    "verify_iss": False,
                    "require": ["exp", "iat", "jti", "sub"],
                },
            )
        except jwt.InvalidSignatureError as error:
            raise AccessTokenInvalid("The access token signature is invalid") from error
        except jwt.InvalidAlgorithmError as error:
            raise AccessTokenInvalid("The access token algorithm is not HS256") from error
        except jwt.MissingRequiredClaimError as error:
            raise AccessTokenInvalid(f"The access token has no {error.claim} claim") from error
        except (jwt.PyJWTError, ValueError) as error:
            raise AccessTokenInvalid("The access token is malformed") from error

    def check_times(self, claims: AccessClaims) -> None:
        """Raise unless the token is valid now, allowing `leeway` seconds of clock skew."""
        now = self.clock.now()

        # RFC 7519 §4.1.5: the token must not be accepted before nbf.
        if claims.not_before is not None and now < claims.not_before - self.leeway:
            raise AccessTokenInvalid("The access token is not valid yet")

        # RFC 7519 §4.1.4: the token must not be accepted on or after exp.
        if now >= claims.expires_at + self.leeway:
            raise AccessTokenExpired("The access token expired")


def parse_claims(payload: dict[str, Any]) -> AccessClaims:
    """Check the kinds and types of the claims of a signed payload and return them typed."""
    # RFC 8725 §3.12: a token of another kind signed with the same key must not pass.
    if payload.get("token_use") != TOKEN_USE:
        raise AccessTokenInvalid("The token is not an access token")

    user_id = payload.get("id")
    if isinstance(user_id, bool) or not isinstance(user_id, int) or not 1 <= user_id <= MAX_USER_ID:
        raise AccessTokenInvalid("The access token id claim is not a valid user id")
    if payload.get("sub") != str(user_id):
        raise AccessTokenInvalid("The access token sub claim does not match its id claim")

    username = payload.get("username")
    roles = payload.get("roles")
    if not isinstance(username, str):
        raise AccessTokenInvalid("The access token username claim is not a string")
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise AccessTokenInvalid("The access token roles claim is not a list of strings")

    return AccessClaims(
        user_id=user_id,
        username=username,
        roles=tuple(roles),
        issued_at=_time_claim(payload, "iat"),
        not_before=_time_claim(payload, "nbf") if "nbf" in payload else None,
        expires_at=_time_claim(payload, "exp"),
        token_id=str(payload["jti"]),
    )


def _time_claim(payload: dict[str, Any], name: str) -> float:
    value = payload[name]
    message = f"The access token {name} claim is not a finite number"

    # RFC 7519 §2: a NumericDate is a JSON number. Python's json module also accepts
    # Infinity and NaN, which would make a token valid forever.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AccessTokenInvalid(message)

    try:
        number = float(value)
    except OverflowError as error:
        raise AccessTokenInvalid(message) from error

    if not math.isfinite(number):
        raise AccessTokenInvalid(message)
    return number
