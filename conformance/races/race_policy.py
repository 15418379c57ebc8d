"""Expected end of a race of parallel refresh calls with one token, by rotation policy.

- `none`: the token stays valid, so every call succeeds (RFC 6749 §6 allows keeping it).
- `rotate` without a grace window: exactly one call wins and gets the successor token. The
  others present a rotated-out token, so they are rejected (RFC 6749 §6, RFC 9700 §4.14.2).
- any rotation with a grace window: every call within the window succeeds, and all of them get
  the session's one current token.
- `rotate-reuse-detection` without a grace window: one call wins, the others replay a rotated-out
  token, so the backend revokes the whole family, the winner's token included (RFC 9700
  §4.14.2, RFC 6749 §10.4).
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.profile import Profile


@dataclass(frozen=True)
class RaceExpectation:
    """The winners a race of `count` calls must have, and what stays alive afterwards."""

    winners: int
    live_tokens_after: int
    description: str
    original_rejected_after: bool


def expect_race(profile: Profile, count: int) -> RaceExpectation:
    """Return what a race of `count` parallel refreshes must end in under `profile`'s policy."""
    rotation = profile.refresh_token.rotation
    grace = profile.refresh_token.grace_seconds
    if rotation == "none":
        return RaceExpectation(count, 1, "rotation none: every call succeeds", False)
    if grace > 0:
        return RaceExpectation(
            count, 1,
            f"rotation {rotation} with a {grace} s grace window: every call within the window "
            "succeeds and gets the same current token",
            False,
        )
    if rotation == "rotate-reuse-detection" and count > 1:
        return RaceExpectation(
            1, 0,
            "rotation with reuse detection: exactly one call succeeds, and the replays by the "
            "other calls revoke the whole token family",
            True,
        )
    return RaceExpectation(
        1, 1, "rotation without a grace window: exactly one call succeeds", True)
