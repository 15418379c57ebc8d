"""Unit tests of conformance.tokens: decoding, describing, forging and tampering with JWTs.

Every forged or tampered token is checked against pyjwt as the verifier, so a test fails when a
forgery would not fool a vulnerable verifier or would pass a correct one.
"""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import HMACAlgorithm
from jwt.utils import base64url_decode, base64url_encode

from conformance.tokens import (
    ALG_NONE_SPELLINGS,
    KID_INJECTIONS,
    ByteChange,
    NotAJWTError,
    add_json_whitespace,
    alter_signature,
    change_byte,
    confuse_keys,
    decode_unverified,
    describe_token,
    find_password_leaks,
    generate_key,
    hmac_counterpart,
    inject_kid,
    is_jwt,
    is_symmetric,
    pad_segments,
    part_bytes,
    replace_claims,
    replace_claims_unsigned,
    replace_header,
    resign,
    sign_with_other_key,
    strip_signature,
    with_alg_none,
)

# 64 bytes, long enough for HS512 (RFC 7518 §3.2).
KEY = "unit-test-signing-key-long-enough-for-every-hmac-algorithm-hs512"
CLAIMS = {"sub": "7", "id": 7, "roles": ["user"], "iat": 1_900_000_000, "nbf": 1_900_000_000,
          "exp": 1_900_000_900, "token_use": "access"}


def _token(claims: dict[str, Any] | None = None, key: str = KEY, alg: str = "HS256") -> str:
    return jwt.encode(claims or CLAIMS, key, algorithm=alg, headers={"typ": "JWT"})


def _verify(token: str, key: Any = KEY, alg: str = "HS256") -> dict[str, Any]:
    return jwt.decode(token, key, algorithms=[alg], options={"verify_exp": False,
                                                             "verify_nbf": False,
                                                             "verify_iat": False})


def _segments(token: str) -> list[str]:
    return token.split(".")


def _rsa_pair() -> tuple[rsa.RSAPrivateKey, str]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public.decode("ascii")


def _hmac_verifies(token: str, secret: bytes, alg: str = "HS256") -> bool:
    header_segment, payload_segment, signature_segment = _segments(token)
    algorithm = HMACAlgorithm(getattr(HMACAlgorithm, "SHA" + alg[2:]))
    signing_input = f"{header_segment}.{payload_segment}".encode("ascii")
    return algorithm.verify(signing_input, secret, base64url_decode(signature_segment))


# Decoding


def test_decode_unverified_returns_header_and_claims() -> None:
    header, claims = decode_unverified(_token())

    assert header == {"alg": "HS256", "typ": "JWT"}
    assert claims == CLAIMS


@pytest.mark.parametrize("text", ["a.b", "a.b.c.d", "***.e30.", "bm90IGpzb24.e30.",
                                  "WzFd.e30.", "e30.e30."])
def test_decode_unverified_rejects_non_jwts(text: str) -> None:
    with pytest.raises(NotAJWTError):
        decode_unverified(text)


def test_decode_error_masks_token() -> None:
    token = "not-a-jwt-but-a-long-secret-string"

    with pytest.raises(NotAJWTError) as error:
        decode_unverified(token)

    assert token not in str(error.value)


def test_is_jwt_tells_jwt_apart() -> None:
    assert is_jwt(_token())
    assert not is_jwt("opaque-refresh-token")


# Signing


def test_alter_signature_breaks_verification() -> None:
    token = _token()

    altered = alter_signature(token)

    assert _segments(altered)[:2] == _segments(token)[:2]
    assert _segments(altered)[2] != _segments(token)[2]
    with pytest.raises(jwt.InvalidSignatureError):
        _verify(altered)


def test_alter_signature_rejects_empty_signature() -> None:
    with pytest.raises(ValueError, match="empty signature"):
        alter_signature(strip_signature(_token()))


def test_resign_keeps_segments_byte_for_byte() -> None:
    token = _token(key="another-key-of-at-least-thirty-two-bytes")

    resigned = resign(token, KEY)

    assert _segments(resigned)[:2] == _segments(token)[:2]
    assert _verify(resigned) == CLAIMS


def test_resign_with_other_alg_changes_header() -> None:
    resigned = resign(_token(), KEY, "HS512")

    assert decode_unverified(resigned)[0]["alg"] == "HS512"
    assert _verify(resigned, alg="HS512") == CLAIMS


def test_resign_rejects_unknown_alg() -> None:
    with pytest.raises(ValueError, match="unknown JWS algorithm"):
        resign(_token(), KEY, "HS999")


def test_replace_claims_signs_edited_claims() -> None:
    edited = replace_claims(_token(), {"exp": 1_900_009_000, "nbf": None}, KEY)

    claims = _verify(edited)
    assert claims["exp"] == 1_900_009_000
    assert "nbf" not in claims


@pytest.mark.parametrize("alg", ["HS256", "RS256", "PS384", "ES256", "ES384", "EdDSA"])
def test_generate_key_signs_for_alg(alg: str) -> None:
    key = generate_key(alg)

    token = resign(_token(), key, alg)

    assert decode_unverified(token)[0]["alg"] == alg


def test_generate_key_rejects_alg_none() -> None:
    with pytest.raises(ValueError, match="none"):
        generate_key("none")


def test_key_helpers_name_hmac_algorithms() -> None:
    assert is_symmetric("HS384")
    assert not is_symmetric("RS256")
    assert hmac_counterpart("RS384") == "HS384"
    assert hmac_counterpart("EdDSA") == "HS256"


# Forgeries


@pytest.mark.parametrize("spelling", ALG_NONE_SPELLINGS)
def test_alg_none_empty_signature(spelling: str) -> None:
    forged = with_alg_none(_token(), spelling)

    header, claims = decode_unverified(forged)
    assert header["alg"] == spelling
    assert claims == CLAIMS
    assert forged.endswith(".")


def test_alg_none_keeps_old_signature() -> None:
    token = _token()

    forged = with_alg_none(token, "nOnE", keep_signature=True)

    assert _segments(forged)[2] == _segments(token)[2]
    assert _segments(forged)[0] != _segments(token)[0]


def test_alg_none_rejected_by_pyjwt() -> None:
    with pytest.raises(jwt.InvalidAlgorithmError):
        _verify(with_alg_none(_token()))


def test_strip_signature_empties_last_segment() -> None:
    token = _token()

    stripped = strip_signature(token)

    assert stripped == ".".join(_segments(token)[:2]) + "."
    with pytest.raises(jwt.PyJWTError):
        _verify(stripped)


def test_sign_with_other_key_fails_verification() -> None:
    forged = sign_with_other_key(_token())

    assert decode_unverified(forged)[1] == CLAIMS
    with pytest.raises(jwt.InvalidSignatureError):
        _verify(forged)


def test_sign_with_other_key_keeps_asymmetric_alg() -> None:
    private, public = _rsa_pair()
    token = _token(key=private, alg="RS256")  # type: ignore[arg-type]

    forged = sign_with_other_key(token)

    assert decode_unverified(forged)[0]["alg"] == "RS256"
    with pytest.raises(jwt.InvalidSignatureError):
        _verify(forged, public, "RS256")


def test_confuse_keys_fools_hmac_verifier() -> None:
    private, public = _rsa_pair()
    token = _token(key=private, alg="RS384")  # type: ignore[arg-type]

    forged = confuse_keys(token, public)

    assert decode_unverified(forged)[0]["alg"] == "HS384"
    assert _hmac_verifies(forged, public.encode("ascii"), "HS384")
    with pytest.raises(jwt.InvalidAlgorithmError):
        _verify(forged, public, "RS384")


def test_confuse_keys_with_ec_key() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    token = _token(key=private, alg="ES256")  # type: ignore[arg-type]

    forged = confuse_keys(token, public)

    assert _hmac_verifies(forged, public.encode("ascii"))


@pytest.mark.parametrize("case", list(KID_INJECTIONS))
def test_inject_kid_signs_with_injected_secret(case: str) -> None:
    injection = KID_INJECTIONS[case]

    forged = inject_kid(_token(), injection)

    header, claims = decode_unverified(forged)
    assert header["kid"] == injection.kid
    assert header["alg"] == "HS256"
    assert claims == CLAIMS
    assert _hmac_verifies(forged, injection.secret)


# Edits


def test_replace_claims_unsigned_keeps_signature() -> None:
    token = _token()

    edited = replace_claims_unsigned(token, {"roles": ["user", "admin"], "sub": None})

    claims = decode_unverified(edited)[1]
    assert claims["roles"] == ["user", "admin"]
    assert "sub" not in claims
    assert _segments(edited)[2] == _segments(token)[2]
    with pytest.raises(jwt.InvalidSignatureError):
        _verify(edited)


def test_replace_header_keeps_signature_without_key() -> None:
    token = _token()

    edited = replace_header(token, {"kid": "1"})

    assert decode_unverified(edited)[0]["kid"] == "1"
    assert _segments(edited)[2] == _segments(token)[2]
    with pytest.raises(jwt.InvalidSignatureError):
        _verify(edited)


def test_replace_header_resigns_with_key() -> None:
    edited = replace_header(_token(), {"alg": "HS384", "typ": None}, KEY)

    header = decode_unverified(edited)[0]
    assert header == {"alg": "HS384"}
    assert _verify(edited, alg="HS384") == CLAIMS


def test_pad_segments_adds_base64_padding() -> None:
    # A payload segment whose length is not a multiple of 4 gets padding, which changes the
    # signing input. Padding of the signature segment alone changes no signed byte.
    tokens = [_token({**CLAIMS, "pad": "x" * size}) for size in range(4)]
    token = next(token for token in tokens if len(_segments(token)[1]) % 4)

    padded = pad_segments(token)

    assert all(len(segment) % 4 == 0 for segment in _segments(padded))
    assert [segment.rstrip("=") for segment in _segments(padded)] == _segments(token)
    with pytest.raises(jwt.PyJWTError):
        _verify(padded)


def test_json_whitespace_unsigned_is_rejected() -> None:
    spaced = add_json_whitespace(_token())

    assert b" " in base64url_decode(_segments(spaced)[1])
    assert decode_unverified(spaced)[1] == CLAIMS
    with pytest.raises(jwt.InvalidSignatureError):
        _verify(spaced)


def test_json_whitespace_resigned_is_valid() -> None:
    spaced = add_json_whitespace(_token(), KEY)

    assert _verify(spaced) == CLAIMS


@pytest.mark.parametrize("part", ["header", "payload", "signature"])
def test_change_byte_changes_one_byte(part: Any) -> None:
    token = _token()
    before = part_bytes(token, part)

    changed, change = change_byte(token, part, 3, before[3] ^ 0x01)

    after = part_bytes(changed, part)
    assert change == ByteChange(part, 3, before[3], before[3] ^ 0x01)
    assert [i for i in range(len(before)) if before[i] != after[i]] == [3]
    with pytest.raises(jwt.PyJWTError):
        _verify(changed)


def test_change_byte_rejects_same_value() -> None:
    token = _token()
    old = part_bytes(token, "payload")[0]

    with pytest.raises(ValueError, match="other than"):
        change_byte(token, "payload", 0, old)


def test_change_byte_rejects_missing_index() -> None:
    token = _token()
    length = len(part_bytes(token, "header"))

    with pytest.raises(IndexError):
        change_byte(token, "header", length, 0)


def test_byte_change_describes_printable_bytes() -> None:
    change = ByteChange("payload", 12, 0x22, 0x41)

    assert change.describe() == "payload byte 12 changed from 0x22 ('\"') to 0x41 ('A')"


# Description


def test_describe_token_reports_jwt_fields() -> None:
    token = _token()

    description = describe_token(token)

    assert description["format"] == "jwt"
    assert description["alg"] == "HS256"
    assert description["typ"] == "JWT"
    assert description["claims"]["roles"] == ["user"]
    assert description["lifetime_s"] == 900
    assert description["exp_utc"] == "2030-03-17T18:01:40Z"
    assert token not in json.dumps(description)


def test_describe_token_masks_secrets() -> None:
    token = _token({**CLAIMS, "note": "contains Pw-secret-1", "blob": "x" * 64})

    description = describe_token(token, secrets=["Pw-secret-1"])

    text = json.dumps(description)
    assert "Pw-secret-1" not in text
    assert "x" * 64 not in text


def test_describe_token_handles_opaque_token() -> None:
    token = "opaque-refresh-token-value-0123456789"

    description = describe_token(token)

    assert description["format"] == "opaque"
    assert description["length"] == len(token)
    assert token not in json.dumps(description)


# Password leaks


def test_password_leaks_find_password() -> None:
    leaks = find_password_leaks({"user": {"note": "pw is Pw-123456"}}, "Pw-123456")

    assert [(leak.path, leak.finding) for leak in leaks] == [("/user/note",
                                                              "the account's password")]


@pytest.mark.parametrize("value", [
    "$2b$12$abcdefghijklmnopqrstuv",
    "pbkdf2_sha256$600000$salt$hash",
    "pbkdf2:sha256:600000$salt$hash",
    "scrypt:32768:8:1$salt$hash",
    "$argon2id$v=19$m=65536,t=3,p=4$salt$hash",
    "$6$rounds=5000$salt$hash",
])
def test_password_leaks_find_hashes(value: str) -> None:
    leaks = find_password_leaks({"roles": ["user"], "h": value}, None)

    assert [leak.path for leak in leaks] == ["/h"]


def test_password_leaks_find_password_names() -> None:
    leaks = find_password_leaks({"profile": {"passwordHash": "opaque"}}, None)

    assert [leak.path for leak in leaks] == ["/profile/passwordHash"]


def test_password_leaks_pass_clean_claims() -> None:
    assert find_password_leaks(CLAIMS | {"username": "alice", "jti": "a$b"}, "Pw-1") == []


def test_base64url_encoding_has_no_padding() -> None:
    assert "=" not in base64url_encode(b"ab").decode()
