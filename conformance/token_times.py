"""The time claims of an access token, read without verifying it, for checks that move the clock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.outcome import HarnessError
from conformance.redact import mask
from conformance.tokens import NotAJWTError, decode_unverified


@dataclass(frozen=True)
class TokenTimes:
    """`iat`, `nbf` and `exp` of a JWT in epoch seconds (RFC 7519 §4.1.4-4.1.6)."""

    issued_at: float | None
    not_before: float | None
    expires_at: float


def access_token_times(token: str) -> TokenTimes:
    """Return the time claims of `token`; raise HarnessError when it has no numeric `exp`."""
    try:
        _, claims = decode_unverified(token)
    except NotAJWTError as error:
        raise HarnessError(f"cannot read the access token's times: {error}") from None

    expires_at = _numeric(claims.get("exp"))
    if expires_at is None:
        raise HarnessError(
            f"the access token {mask(token)} has no numeric exp claim, so the suite cannot "
            "tell when it expires"
        )
    return TokenTimes(_numeric(claims.get("iat")), _numeric(claims.get("nbf")), expires_at)


def _numeric(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
