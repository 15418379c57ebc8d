"""The JWS compact serialisation (RFC 7515 §7.1): split, decode and encode its segments.

Only three base64url segments with a JSON object header carrying `alg` and a JSON object payload
count as a JWT here. Encrypted JWTs (JWE, five segments) are reported as not JWTs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Literal

from jwt.utils import base64url_decode, base64url_encode

from conformance.redact import mask

Part = Literal["header", "payload", "signature"]
PARTS: tuple[Part, ...] = ("header", "payload", "signature")

# RFC 4648 §5 alphabet, without padding as RFC 7515 §2 requires.
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class NotAJWTError(ValueError):
    """A string that is not a JWS compact serialisation with JSON object header and payload."""


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the header and the claims of `token` without checking its signature or times.

    Raises NotAJWTError, naming the part that is wrong, for anything that is not a JWT. The
    message shows only a redacted label of the token.
    """
    header_segment, payload_segment, _ = split_segments(token)
    header = json_object(header_segment, "header", token)
    claims = json_object(payload_segment, "payload", token)

    # RFC 7515 §4.1.1: `alg` is required in every JWS header.
    if not isinstance(header.get("alg"), str):
        raise NotAJWTError(f"not a JWT: {mask(token)} has no string `alg` in its header")
    return header, claims


def is_jwt(text: str) -> bool:
    """Return whether `text` decodes as a JWT; the signature is not checked."""
    try:
        decode_unverified(text)
    except NotAJWTError:
        return False
    return True


def split_segments(token: str) -> tuple[str, str, str]:
    """Return the header, payload and signature segments; raise NotAJWTError unless 3."""
    if not isinstance(token, str):
        raise NotAJWTError(f"not a JWT: expected a string, got {type(token).__name__}")
    segments = token.split(".")
    if len(segments) != 3:
        raise NotAJWTError(
            f"not a JWT: {mask(token)} contains {len(segments) - 1} dots, but a JWT has 2"
        )
    header_segment, payload_segment, signature_segment = segments
    return header_segment, payload_segment, signature_segment


def decode_segment(segment: str, part: str, token: str) -> bytes:
    """Return the bytes of one base64url segment; raise NotAJWTError if it is not base64url."""
    # len % 4 == 1 cannot come from any byte string, so base64 rejects it.
    if not _BASE64URL.match(segment) or len(segment) % 4 == 1:
        raise NotAJWTError(f"not a JWT: the {part} of {mask(token)} is not base64url")
    return base64url_decode(segment)


def encode_segment(data: bytes) -> str:
    """Return `data` as an unpadded base64url segment (RFC 7515 §2)."""
    return base64url_encode(data).decode("ascii")


def encode_json(value: Mapping[str, Any]) -> str:
    """Return `value` as compact JSON in an unpadded base64url segment."""
    return encode_segment(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def json_object(segment: str, part: str, token: str) -> dict[str, Any]:
    """Return the JSON object in one segment; raise NotAJWTError for anything else."""
    raw = decode_segment(segment, part, token)
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise NotAJWTError(f"not a JWT: the {part} of {mask(token)} is not JSON") from None
    if not isinstance(value, dict):
        raise NotAJWTError(
            f"not a JWT: the {part} of {mask(token)} is JSON {type(value).__name__}, "
            "expected an object"
        )
    return value
