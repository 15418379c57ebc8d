"""The forge clock: shifts the times inside access tokens instead of the backend's clock.

With the profile's `access_token.signing_key` the suite re-signs an access token with its `iat`,
`nbf` and `exp` moved, so that the backend, judging it by its real clock, treats the token as it
would at the time the check set. Nothing the backend stores changes with time, so checks of
refresh-token expiry skip under this clock.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from conformance.clocks.base import Clock
from conformance.outcome import HarnessError
from conformance.tokens import NotAJWTError, decode_unverified, replace_claims

log = logging.getLogger("conformance")

TIME_CLAIMS = ("iat", "nbf", "exp")

# A re-signed token must reach the backend within the second it was shifted for. So in the last
# part of a second the suite waits for the next second before it shifts a token.
_LATEST_FRACTION = 0.6


class ForgeClock(Clock):
    """Keeps a virtual time and re-signs access tokens to match it."""

    name = "forge"
    moves_backend = False

    def __init__(self, signing_key: str) -> None:
        super().__init__()
        self._key = signing_key
        self._moved_at_real: float | None = None

    def _apply(self, epoch: float) -> None:
        if self._moved_at_real is None:
            self._moved_at_real = time.time()

    def stop(self) -> None:
        self._moved_at_real = None
        super().stop()

    def present_access_token(self, token: str) -> str:
        """Return `token` re-signed so that the backend judges it at the clock's `now()`.

        `token` must have been issued before the check first moved the clock, because its times
        are taken to be on the real clock of that moment. A token whose `iat` is more than a
        second after the move raises HarnessError; one issued within that second passes unseen.
        """
        if not self.moved:
            return token
        try:
            _, claims = decode_unverified(token)
        except NotAJWTError as error:
            raise HarnessError(f"the forge clock cannot shift this access token: {error}") from None

        issued = claims.get("iat")
        assert self._moved_at_real is not None
        if isinstance(issued, int | float) and issued > self._moved_at_real + 1:
            raise HarnessError(
                "the forge clock can shift only access tokens issued before the check moved "
                "the clock, but this one was issued afterwards; sign in first, then move it"
            )

        shift = self._whole_second_shift()
        changes = {
            name: claims[name] + shift
            for name in TIME_CLAIMS
            if isinstance(claims.get(name), int | float) and not isinstance(claims[name], bool)
        }
        return replace_claims(token, changes, self._key)

    def _whole_second_shift(self) -> int:
        """Return the whole seconds from the clock's `now()` to the backend's current second."""
        real = time.time()
        if real - math.floor(real) > _LATEST_FRACTION:
            time.sleep(math.ceil(real) - real)
            real = time.time()
        return math.floor(real) - math.floor(self.now())

    def describe(self) -> dict[str, Any]:
        return {**super().describe(),
                "how": "access tokens re-signed with the profile's signing key and shifted times; "
                       "the backend's clock does not move"}
