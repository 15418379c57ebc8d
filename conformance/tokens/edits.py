"""Edits of a JWT's header, claims and bytes, kept unsigned or re-signed, and re-encodings.

An edit that keeps the old signature produces a token that no correct verifier accepts
(RFC 7515 §5.2): the signing input changed. Re-signed edits need the backend's key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance.tokens.jws import (
    Part,
    decode_segment,
    decode_unverified,
    encode_json,
    encode_segment,
    split_segments,
)
from conformance.tokens.keys import SigningKey
from conformance.tokens.signing import apply_changes, sign_segments


def replace_claims_unsigned(token: str, changes: Mapping[str, Any]) -> str:
    """Return `token` with its claims updated by `changes` and the old signature kept.

    A change to None removes that claim. Raises NotAJWTError for a non-JWT.
    """
    header_segment, _, signature_segment = split_segments(token)
    _, claims = decode_unverified(token)
    payload_segment = encode_json(apply_changes(claims, changes))
    return f"{header_segment}.{payload_segment}.{signature_segment}"


def replace_header(token: str, changes: Mapping[str, Any], key: SigningKey | None = None) -> str:
    """Return `token` with its header updated by `changes`.

    With `key` the token is signed again under the new header's `alg`; without it the old
    signature is kept. A change to None removes that member. Raises NotAJWTError for a non-JWT
    and ValueError for an algorithm that pyjwt does not know.
    """
    _, payload_segment, signature_segment = split_segments(token)
    header, _ = decode_unverified(token)
    new_header = apply_changes(header, changes)
    header_segment = encode_json(new_header)
    if key is None:
        return f"{header_segment}.{payload_segment}.{signature_segment}"
    return sign_segments(header_segment, payload_segment, key, str(new_header.get("alg")))


def pad_segments(token: str) -> str:
    """Return `token` with base64 `=` padding added to every segment whose length needs it.

    The decoded header, claims and signature stay the same, but RFC 7515 §2 forbids padding.
    Padding of the header or payload changes the signing input (the encoded segments), so the
    old signature no longer verifies. Padding of the signature alone changes no signed byte.
    """
    segments = split_segments(token)
    padded = [segment + "=" * (-len(segment) % 4) for segment in segments]
    return ".".join(padded)


def add_json_whitespace(token: str, key: SigningKey | None = None) -> str:
    """Return `token` with its header and claims serialised again with spaces and newlines.

    The JSON values stay the same. Without `key` the old signature is kept, so the token must
    be rejected. With `key` it is signed again and stays a valid JWT, since RFC 7515 §7.1
    allows any JSON serialisation of the header and payload.
    """
    _, _, signature_segment = split_segments(token)
    header, claims = decode_unverified(token)
    header_segment = _spaced_segment(header)
    payload_segment = _spaced_segment(claims)
    if key is None:
        return f"{header_segment}.{payload_segment}.{signature_segment}"
    return sign_segments(header_segment, payload_segment, key, str(header["alg"]))


@dataclass(frozen=True)
class ByteChange:
    """One changed byte of a decoded token part: its index, old value and new value."""

    part: Part
    index: int
    old: int
    new: int

    def describe(self) -> str:
        """Return a sentence such as "payload byte 12 changed from 0x22 ('"') to 0x41 ('A')"."""
        return (f"{self.part} byte {self.index} changed from {_show_byte(self.old)} to "
                f"{_show_byte(self.new)}")


def part_bytes(token: str, part: Part) -> bytes:
    """Return the decoded bytes of `part` in `token`; raise NotAJWTError for a non-JWT."""
    segment = split_segments(token)[_index(part)]
    return decode_segment(segment, part, token)


def change_byte(token: str, part: Part, index: int, new: int) -> tuple[str, ByteChange]:
    """Return `token` with decoded byte `index` of `part` set to `new`, and the change made.

    The part is encoded again as unpadded base64url, so the change is a real change of the
    decoded bytes. Raises NotAJWTError for a non-JWT, IndexError for an index outside the part
    and ValueError when `new` is not a byte or equals the old value.
    """
    segments = list(split_segments(token))
    position = _index(part)
    data = bytearray(decode_segment(segments[position], part, token))
    if not 0 <= index < len(data):
        raise IndexError(f"{part} has {len(data)} bytes, so byte {index} does not exist")
    if not 0 <= new <= 255 or new == data[index]:
        raise ValueError(f"the new value of {part} byte {index} must be a byte other than "
                         f"{data[index]}, got {new}")

    change = ByteChange(part, index, data[index], new)
    data[index] = new
    segments[position] = encode_segment(bytes(data))
    return ".".join(segments), change


def _index(part: Part) -> int:
    return ("header", "payload", "signature").index(part)


def _spaced_segment(value: Mapping[str, Any]) -> str:
    return encode_segment(json.dumps(value, indent=1, separators=(" , ", " : ")).encode("utf-8"))


def _show_byte(value: int) -> str:
    if 0x20 <= value < 0x7F:
        return f"0x{value:02x} ({chr(value)!r})"
    return f"0x{value:02x}"
