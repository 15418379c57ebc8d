"""Token tools for scenarios: decode JWTs without verifying them, describe, forge and tamper.

Only the JWS compact serialisation (RFC 7515 §7.1) counts as a JWT here: three base64url
segments, a JSON object header with `alg`, a JSON object payload. Encrypted JWTs (JWE, five
segments) are reported as not JWTs.

- `jws`: split and decode (`decode_unverified`, `is_jwt`);
- `signing`: `resign`, `replace_claims`, `alter_signature`;
- `keys`: `generate_key` and the `SigningKey` type;
- `describe`: `describe_token`, a redacted dict for reports;
- `forgery`: `alg: none`, stripped signature, another key, key confusion, `kid` injection;
- `edits`: claim and header edits kept unsigned or re-signed, byte changes, re-encodings;
- `leaks`: passwords and password hashes in claims.
"""

from conformance.tokens.describe import describe_token
from conformance.tokens.edits import (
    ByteChange,
    add_json_whitespace,
    change_byte,
    pad_segments,
    part_bytes,
    replace_claims_unsigned,
    replace_header,
)
from conformance.tokens.forgery import (
    ALG_NONE_SPELLINGS,
    KID_INJECTIONS,
    KidInjection,
    confuse_keys,
    inject_kid,
    sign_with_other_key,
    strip_signature,
    with_alg_none,
)
from conformance.tokens.jws import PARTS, NotAJWTError, Part, decode_unverified, is_jwt
from conformance.tokens.keys import SigningKey, generate_key, hmac_counterpart, is_symmetric
from conformance.tokens.leaks import Leak, find_password_leaks
from conformance.tokens.signing import alter_signature, replace_claims, resign

__all__ = [
    "ALG_NONE_SPELLINGS",
    "KID_INJECTIONS",
    "PARTS",
    "ByteChange",
    "KidInjection",
    "Leak",
    "NotAJWTError",
    "Part",
    "SigningKey",
    "add_json_whitespace",
    "alter_signature",
    "change_byte",
    "confuse_keys",
    "decode_unverified",
    "describe_token",
    "find_password_leaks",
    "generate_key",
    "hmac_counterpart",
    "inject_kid",
    "is_jwt",
    "is_symmetric",
    "pad_segments",
    "part_bytes",
    "replace_claims",
    "replace_claims_unsigned",
    "replace_header",
    "resign",
    "sign_with_other_key",
    "strip_signature",
    "with_alg_none",
]
