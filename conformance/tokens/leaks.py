"""Search of JWT claims for a password, a password hash, or a claim named like one.

JWT claims are only base64url-encoded, so anyone with the token can read them (RFC 7519 §12).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Prefixes of the usual password hash formats: bcrypt ($2b$), Argon2, scrypt, PBKDF2 as Django
# (pbkdf2_sha256$), Werkzeug (pbkdf2:sha256:) and passlib ($pbkdf2-sha256$) write it, crypt(3)
# MD5, SHA-256, SHA-512 and yescrypt ($1$, $5$, $6$, $y$), and Django's legacy sha1$ and md5$.
_HASH_PATTERN = re.compile(
    r"\$2[abxy]\$\d\d\$|\$argon2(?:id|i|d)\$|\$scrypt\$|\bscrypt:|pbkdf2[_:$-]|\$pbkdf2"
    r"|\$[156y7]\$|\bbcrypt(?:_sha256)?\$|\b(?:sha1|md5)\$",
    re.IGNORECASE,
)
_PASSWORD_NAME = re.compile(r"^(?:pass(?:word)?|passwd|pwd|password_?hash|hashed_?password)$",
                            re.IGNORECASE)


@dataclass(frozen=True)
class Leak:
    """A claim that exposes a password: where it is and what was found, never the value."""

    path: str
    finding: str


def find_password_leaks(claims: dict[str, Any], password: str | None) -> list[Leak]:
    """Return the claims that contain `password`, a password hash, or a password-like name.

    Nested objects and lists are searched too. Paths are JSON pointers (RFC 6901), such as
    "/user/hash".
    """
    leaks: list[Leak] = []
    _search(claims, "", password, leaks)
    return leaks


def _search(value: Any, path: str, password: str | None, leaks: list[Leak]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}/{_escape(str(key))}"
            if _PASSWORD_NAME.match(str(key)):
                leaks.append(Leak(child, f"a claim named {key!r}"))
            _search(item, child, password, leaks)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _search(item, f"{path}/{index}", password, leaks)
    elif isinstance(value, str):
        if password and password in value:
            leaks.append(Leak(path or "/", "the account's password"))
        match = _HASH_PATTERN.search(value)
        if match:
            leaks.append(Leak(path or "/", f"a password hash prefix {match.group(0)!r}"))


def _escape(key: str) -> str:
    # RFC 6901 §3: "~" becomes "~0" and "/" becomes "~1" in a reference token.
    return key.replace("~", "~0").replace("/", "~1")
