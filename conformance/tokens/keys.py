"""Signing keys: new random keys for forged tokens, and the key type that signing accepts."""

from __future__ import annotations

import secrets
from typing import TypeAlias

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import AllowedPrivateKeys

SigningKey: TypeAlias = AllowedPrivateKeys | str | bytes

_EC_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "ES256": ec.SECP256R1,
    "ES384": ec.SECP384R1,
    "ES512": ec.SECP521R1,
}


def generate_key(alg: str) -> SigningKey:
    """Return a new random private key for the JWS algorithm `alg`.

    HMAC keys are 64 random bytes, the output size of SHA-512, because RFC 7518 §3.2 requires a
    key at least as long as the hash output. RSA keys have the 2048 bits that RFC 7518 §3.3
    requires. Raises ValueError for an algorithm without a key, such as `none`.
    """
    if alg in ("HS256", "HS384", "HS512"):
        return secrets.token_bytes(64)
    if alg.startswith(("RS", "PS")) and alg[2:] in ("256", "384", "512"):
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if alg in _EC_CURVES:
        return ec.generate_private_key(_EC_CURVES[alg]())
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"cannot generate a key for JWS algorithm {alg!r}")


def is_symmetric(alg: str) -> bool:
    """Return whether `alg` is an HMAC algorithm, whose one key both signs and verifies."""
    return alg in ("HS256", "HS384", "HS512")


def hmac_counterpart(alg: str) -> str:
    """Return the HMAC algorithm with the hash size of `alg`: HS384 for RS384, else HS256.

    Key-confusion attacks (RFC 8725 §2.1) sign with the HMAC algorithm that a verifier of `alg`
    may be tricked into running.
    """
    size = alg[-3:]
    return f"HS{size}" if size in ("256", "384", "512") else "HS256"
