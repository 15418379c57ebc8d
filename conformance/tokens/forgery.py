"""Forged tokens: `alg: none`, a stripped signature, another key, key confusion, `kid` injection.

Each function takes a genuine token of the backend and returns a token that a correct verifier
rejects (RFC 8725 §2.1, §3.1). None of them needs the backend's key.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.tokens.jws import decode_unverified, encode_json, split_segments
from conformance.tokens.keys import generate_key, hmac_counterpart
from conformance.tokens.signing import resign, sign_segments_hmac_raw

# RFC 7518 §3.6 names the algorithm "none". Case variants slip past verifiers that compare
# case-sensitively against a deny list.
ALG_NONE_SPELLINGS: tuple[str, ...] = ("none", "None", "NONE", "nOnE")


@dataclass(frozen=True)
class KidInjection:
    """A `kid` value that makes a vulnerable key lookup return `secret`, which signs the token.

    RFC 7515 §4.1.4 leaves the structure of `kid` open, so a backend that builds a file path
    or an SQL query from it without checks can be steered to a key the attacker chose.
    """

    kid: str
    secret: bytes
    description: str


KID_INJECTIONS: dict[str, KidInjection] = {
    "path-traversal": KidInjection(
        "../../../../../../../../dev/null", b"",
        "a kid that walks to /dev/null, signed with the empty key such a lookup reads",
    ),
    "sql-union": KidInjection(
        "unknown-kid' UNION SELECT 'conformance-injected-key' -- ", b"conformance-injected-key",
        "a kid with an SQL UNION that selects a chosen key, signed with that key",
    ),
    "sql-tautology": KidInjection(
        "x' OR '1'='1", b"",
        "a kid with an SQL tautology, signed with the empty key",
    ),
}


def with_alg_none(token: str, spelling: str = "none", *, keep_signature: bool = False) -> str:
    """Return `token` with header `alg` set to `spelling` and, by default, an empty signature.

    `keep_signature` keeps the old signature segment after the edited header, for verifiers
    that skip the signature check of `alg: none` tokens but reject an empty signature. Raises
    NotAJWTError for a non-JWT.
    """
    header, _ = decode_unverified(token)
    _, payload_segment, signature_segment = split_segments(token)
    header_segment = encode_json({**header, "alg": spelling})
    signature = signature_segment if keep_signature else ""
    return f"{header_segment}.{payload_segment}.{signature}"


def strip_signature(token: str) -> str:
    """Return `token` with its header and payload unchanged and an empty signature segment."""
    header_segment, payload_segment, _ = split_segments(token)
    return f"{header_segment}.{payload_segment}."


def sign_with_other_key(token: str) -> str:
    """Return `token` with the same header and claims, signed with a new random key of its alg.

    Raises NotAJWTError for a non-JWT and ValueError for an algorithm without a key.
    """
    header, _ = decode_unverified(token)
    return resign(token, generate_key(str(header["alg"])))


def confuse_keys(token: str, public_key: str) -> str:
    """Return `token` signed by HMAC with the text of the verifier's `public_key` as the secret.

    The header's `alg` becomes the HMAC algorithm of the same hash size (HS256 for RS256). A
    verifier that takes the algorithm from the token and passes its public key to it verifies
    this token (RFC 8725 §2.1, §3.1). Raises NotAJWTError for a non-JWT.
    """
    header, _ = decode_unverified(token)
    _, payload_segment, _ = split_segments(token)
    alg = hmac_counterpart(str(header["alg"]))
    header_segment = encode_json({**header, "alg": alg})
    return sign_segments_hmac_raw(header_segment, payload_segment,
                                  public_key.encode("utf-8"), alg)


def inject_kid(token: str, injection: KidInjection) -> str:
    """Return `token` with header `kid` set to the injection and signed with its secret by HS256.

    Raises NotAJWTError for a non-JWT.
    """
    header, _ = decode_unverified(token)
    _, payload_segment, _ = split_segments(token)
    header_segment = encode_json({**header, "alg": "HS256", "kid": injection.kid})
    return sign_segments_hmac_raw(header_segment, payload_segment, injection.secret, "HS256")
