"""Redaction of secrets (tokens, passwords, keys) before they reach a log line."""

from __future__ import annotations

PREFIX_LENGTH = 6


def redact(secret: str) -> str:
    """Return the first 6 characters of a secret and its length, such as `eyJhbG...(172 chars)`."""
    return f"{secret[:PREFIX_LENGTH]}...({len(secret)} chars)"
