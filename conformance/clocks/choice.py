"""Choosing the clock for a run: the best one the target allows, or the one `--clock` names."""

from __future__ import annotations

import difflib
from typing import Literal

from conformance.clocks.base import Clock
from conformance.clocks.faketime import FaketimeClock
from conformance.clocks.forge import ForgeClock
from conformance.clocks.frozen import FrozenClock
from conformance.clocks.hook import HookClock
from conformance.clocks.wait import DEFAULT_MAX_WAIT, WaitClock
from conformance.profile import Profile
from conformance.target import Target, TargetError, TargetKind

ClockName = Literal["frozen", "faketime", "hook", "wait", "forge"]
CLOCK_NAMES: tuple[ClockName, ...] = ("frozen", "faketime", "hook", "wait", "forge")


def best_clock(kind: TargetKind, profile: Profile) -> ClockName:
    """Return the most exact clock for a target of `kind` checked with `profile`."""
    if kind in ("reference", "app"):
        return "frozen"
    if kind == "managed":
        return "faketime"
    if profile.clock.hook is not None:
        return "hook"
    if profile.access_token.signing_key is not None:
        return "forge"
    return "wait"


def choose_clock(requested: str | None, kind: TargetKind, profile: Profile) -> ClockName:
    """Return the clock `--clock` names, or the best one; raise TargetError if it cannot work."""
    if requested is None:
        return best_clock(kind, profile)
    for name in CLOCK_NAMES:
        if name == requested:
            _check_available(name, kind, profile)
            return name
    close = difflib.get_close_matches(requested, CLOCK_NAMES, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise TargetError(f"invalid --clock {requested!r}: {hint}use one of "
                      + ", ".join(CLOCK_NAMES))


def _check_available(name: ClockName, kind: TargetKind, profile: Profile) -> None:
    if name == "frozen" and kind not in ("reference", "app"):
        raise TargetError(
            "invalid --clock frozen: freezegun moves only a backend in this process, but the "
            f"target is a {kind} target; pass --app MODULE:ATTR, or use --clock faketime with "
            "--target-cmd, or --clock hook, forge or wait"
        )
    if name == "faketime" and kind != "managed":
        raise TargetError(
            "invalid --clock faketime: libfaketime needs a backend process that the suite "
            "starts; pass --target-cmd CMD --ready-url URL, or pick another clock"
        )
    if name == "hook" and profile.clock.hook is None:
        raise TargetError(
            f"invalid --clock hook: profile {profile.name!r} names no clock hook; add "
            '[clock] hook = "/path" to the profile, or pick another clock'
        )
    if name == "forge" and profile.access_token.signing_key is None:
        raise TargetError(
            f"invalid --clock forge: profile {profile.name!r} has no access_token.signing_key "
            "to sign tokens with; add the backend's key to the profile, or pick another clock"
        )


def build_clock(name: ClockName, target: Target, profile: Profile, *,
                max_wait: float = DEFAULT_MAX_WAIT,
                faketime: FaketimeClock | None = None) -> Clock:
    """Build the clock `name` for `target`; a faketime clock is built before its target."""
    if name == "frozen":
        return FrozenClock()
    if name == "faketime":
        if faketime is None:
            raise TargetError("the faketime clock must be created before the managed target, "
                              "which starts under it")
        return faketime
    if name == "hook":
        assert profile.clock.hook is not None
        return HookClock(target.client(), profile.clock.hook)
    if name == "forge":
        assert profile.access_token.signing_key is not None
        return ForgeClock(profile.access_token.signing_key)
    return WaitClock(max_wait)


def default_clock(target: Target, profile: Profile) -> Clock:
    """Return the best clock for `target`, for contexts built without run options."""
    name = best_clock(target.kind, profile)
    if name == "faketime":
        return WaitClock()
    return build_clock(name, target, profile)
