"""Password hashing with PBKDF2-HMAC-SHA256 from the standard library.

Stored format: `pbkdf2_sha256$<iterations>$<salt base64url>$<hash base64url>`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

ALGORITHM = "pbkdf2_sha256"
SALT_BYTES = 16


class PasswordHasher:
    """Hashes new passwords at a fixed cost and verifies stored hashes at the cost they record."""

    def __init__(self, iterations: int) -> None:
        self.iterations = iterations

        # Verifying against this hash for unknown users makes a failed sign-in take about the
        # same time whether or not the username exists, so timing does not reveal usernames.
        self._dummy_hash = self.hash("dummy password for unknown users")

    def hash(self, password: str) -> str:
        """Hash `password` with a fresh random salt and return the stored format."""
        salt = secrets.token_bytes(SALT_BYTES)
        digest = _derive(password, salt, self.iterations)
        return f"{ALGORITHM}${self.iterations}${_b64encode(salt)}${_b64encode(digest)}"

    def verify(self, password: str, stored: str | None) -> bool:
        """Check `password` against a stored hash in constant time.

        With `stored=None` (unknown user) this still spends one hash of work and returns False.
        A stored value in an unknown format also returns False.
        """
        if stored is None:
            self._check(password, self._dummy_hash)
            return False

        return self._check(password, stored)

    def _check(self, password: str, stored: str) -> bool:
        parts = stored.split("$")
        if len(parts) != 4 or parts[0] != ALGORITHM or not parts[1].isdigit():
            return False

        iterations = int(parts[1])
        try:
            salt = _b64decode(parts[2])
            expected = _b64decode(parts[3])
        except ValueError:
            return False

        actual = _derive(password, salt, iterations)
        return hmac.compare_digest(actual, expected)


def _derive(password: str, salt: bytes, iterations: int) -> bytes:
    # surrogatepass keeps a password with lone surrogates (valid in JSON strings) hashable.
    secret = password.encode("utf-8", errors="surrogatepass")
    return hashlib.pbkdf2_hmac("sha256", secret, salt, iterations)


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    padding = "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(text + padding)
