"""Signing and re-signing of JWTs with pyjwt's algorithms (RFC 7515 §5.1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jwt.algorithms import get_default_algorithms

from conformance.redact import mask
from conformance.tokens.jws import (
    decode_segment,
    decode_unverified,
    encode_json,
    encode_segment,
    split_segments,
)
from conformance.tokens.keys import SigningKey


def sign_segments(header_segment: str, payload_segment: str, key: SigningKey, alg: str) -> str:
    """Return the token made of the two segments and their signature with `key` under `alg`.

    The key goes through pyjwt's `prepare_key`, which rejects keys of the wrong kind, such as
    a PEM public key used as an HMAC secret. Raises ValueError for an unknown algorithm.
    """
    signer = _algorithm(alg)
    # RFC 7515 §5.1: the signing input is the two encoded segments joined by a dot.
    signing_input = f"{header_segment}.{payload_segment}".encode("ascii")
    signature = signer.sign(signing_input, signer.prepare_key(key))
    return f"{header_segment}.{payload_segment}.{encode_segment(signature)}"


def sign_segments_hmac_raw(header_segment: str, payload_segment: str, secret: bytes,
                           alg: str) -> str:
    """Return the token signed by HMAC `alg` with `secret` used exactly as given.

    pyjwt's `prepare_key` (2.15) rejects empty secrets and public keys as HMAC secrets, which is
    right for a verifier. Forged tokens need exactly those secrets, so this skips that step.
    Raises ValueError unless `alg` is HS256, HS384 or HS512.
    """
    if alg not in ("HS256", "HS384", "HS512"):
        raise ValueError(f"{alg!r} is not an HMAC algorithm; use HS256, HS384 or HS512")
    signing_input = f"{header_segment}.{payload_segment}".encode("ascii")
    signature = _algorithm(alg).sign(signing_input, secret)
    return f"{header_segment}.{payload_segment}.{encode_segment(signature)}"


def alter_signature(token: str) -> str:
    """Return `token` with different signature bytes, so that the signature no longer verifies.

    Header and payload stay byte for byte the same, and the signature stays valid base64url.
    Raises NotAJWTError for a non-JWT and ValueError for an unsigned token (`alg: none`).
    """
    header_segment, payload_segment, signature_segment = split_segments(token)
    signature = decode_segment(signature_segment, "signature", token)
    if not signature:
        raise ValueError(f"{mask(token)} has an empty signature, so there is nothing to alter")

    # Flipping every bit of a whole byte changes the decoded signature. Changing only the
    # last base64url character could touch nothing but padding bits, which decoders ignore.
    altered = bytes([signature[0] ^ 0xFF]) + signature[1:]
    return f"{header_segment}.{payload_segment}.{encode_segment(altered)}"


def resign(token: str, key: SigningKey, alg: str | None = None) -> str:
    """Return `token` with the same header and claims, signed with `key`.

    With `alg` None the token's own algorithm is used, and the header and payload segments stay
    byte for byte the same. Another `alg` replaces only the header's `alg` member. Raises
    NotAJWTError for a non-JWT and ValueError for an algorithm that pyjwt does not know.
    """
    header, _ = decode_unverified(token)
    header_segment, payload_segment, _ = split_segments(token)
    algorithm = header["alg"] if alg is None else alg

    _algorithm(algorithm)
    if algorithm != header["alg"]:
        header_segment = encode_json({**header, "alg": algorithm})
    return sign_segments(header_segment, payload_segment, key, algorithm)


def replace_claims(token: str, changes: Mapping[str, Any], key: SigningKey) -> str:
    """Return `token` with its claims updated by `changes`, signed with `key`.

    The header segment stays byte for byte the same, so the token's own `alg` signs it. A change
    to None removes that claim. Raises NotAJWTError for a non-JWT and ValueError for an
    algorithm that pyjwt does not know.
    """
    header_segment, _, _ = split_segments(token)
    _, claims = decode_unverified(token)
    payload_segment = encode_json(apply_changes(claims, changes))
    return resign(f"{header_segment}.{payload_segment}.", key)


def apply_changes(members: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Return `members` updated by `changes`, where a change to None removes the member."""
    updated = dict(members)
    for name, value in changes.items():
        if value is None:
            updated.pop(name, None)
        else:
            updated[name] = value
    return updated


def _algorithm(alg: str) -> Any:
    known = get_default_algorithms()
    if alg not in known:
        raise ValueError(f"unknown JWS algorithm {alg!r}; use one of: " + ", ".join(sorted(known)))
    return known[alg]
