"""A redacted description of a token for reports: format, alg, typ, claims and lifetime."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

from conformance.redact import mask
from conformance.tokens.jws import NotAJWTError, decode_unverified

# Strings at most this long are shown whole unless they contain a secret. Longer strings, such
# as tokens nested in claims or hashes, are masked.
_SHOWN_STRING_LENGTH = 40
_TIME_CLAIMS = ("iat", "nbf", "exp")


def describe_token(token: str, secrets: Iterable[str] = ()) -> dict[str, Any]:
    """Return what a report may show of `token`: never the token, a key or a listed secret.

    A JWT gives `format`, `token` (masked), `alg`, `typ`, `kid`, `claims` (long strings and
    strings containing one of `secrets` masked), the times of `iat`, `nbf` and `exp` in UTC and
    `lifetime_s` (exp - iat). Anything else gives `format: "opaque"`, the masked token and its
    length.
    """
    hidden = [secret for secret in secrets if secret]
    try:
        header, claims = decode_unverified(token)
    except NotAJWTError:
        return {"format": "opaque", "token": mask(token), "length": len(token)}

    description: dict[str, Any] = {
        "format": "jwt",
        "token": mask(token),
        "alg": _redacted(header.get("alg"), hidden),
        "typ": _redacted(header.get("typ"), hidden),
        "claims": _redacted(claims, hidden),
    }
    if "kid" in header:
        description["kid"] = _redacted(header["kid"], hidden)
    for name in _TIME_CLAIMS:
        moment = _numeric(claims.get(name))
        if moment is not None:
            description[f"{name}_utc"] = _utc(moment)

    issued_at, expires_at = _numeric(claims.get("iat")), _numeric(claims.get("exp"))
    if issued_at is not None and expires_at is not None:
        description["lifetime_s"] = expires_at - issued_at
    return description


def _redacted(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        if len(value) > _SHOWN_STRING_LENGTH or any(secret in value for secret in secrets):
            return mask(value)
        return value
    if isinstance(value, list):
        return [_redacted(item, secrets) for item in value]
    if isinstance(value, dict):
        return {str(key): _redacted(item, secrets) for key, item in value.items()}
    return value


def _numeric(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _utc(epoch: float) -> str:
    try:
        moment = dt.datetime.fromtimestamp(epoch, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return f"out of range ({epoch:g})"
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
