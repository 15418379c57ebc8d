"""Redaction of secrets: tokens, passwords and signing keys never reach a report or a log whole.

A redacted value keeps its first six characters, its length and a short SHA-256 fingerprint.
The fingerprint distinguishes tokens that share a prefix and a length (all JWTs start `eyJhbG`)
without making any of them usable.
"""

from __future__ import annotations

import hashlib
import re
import threading

# Three base64url segments separated by dots: the compact serialisation of a JWT (RFC 7519 §3).
_JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
_MIN_SECRET_LENGTH = 4


def mask(secret: str) -> str:
    """Return the redacted form of one secret value."""
    fingerprint = hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()[:6]
    return f"{secret[:6]}…[{len(secret)} chars #{fingerprint}]"


class Redactor:
    """Replaces every registered secret, and anything shaped like a JWT, in text."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secret: str | None) -> None:
        """Register a secret; values shorter than four characters are too common to replace."""
        if secret and len(secret) >= _MIN_SECRET_LENGTH:
            with self._lock:
                self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, mask(secret))
        return _JWT_PATTERN.sub(lambda match: mask(match.group(0)), text)
