"""Tokens the backend issues under conditions Hypothesis varies: role, signin or refresh, time.

The token family's properties hold for every such token. Times vary only under a clock that
moves the backend's own clock both ways (frozen, faketime, hook). Under other clocks every
token is issued at the current time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hypothesis import strategies as st

from conformance.clock_steps import start_on_whole_second
from conformance.harness import Harness
from conformance.outcome import HarnessError
from conformance.profile import ROLES, Profile
from conformance.session import Session

Step = Literal["signin", "refresh"]


@dataclass(frozen=True)
class IssueCase:
    """How to obtain one access token: the account's role, the step, and when.

    `offset` is the seconds after the check's start time at which the account signs in.
    `delay` is the seconds between signin and the refresh that issues the token.
    """

    role: str
    step: Step
    offset: int
    delay: int


@dataclass(frozen=True)
class IssuedToken:
    """An access token with the session it belongs to and the clock readings around its issue."""

    case: IssueCase
    session: Session
    access_token: str
    refresh_token: str | None
    clock_before: float
    clock_after: float


def issuing_roles(profile: Profile) -> list[str]:
    """Return the roles that some protected resource admits, or ["user"] if none does."""
    return [role for role in ROLES if profile.resources_for(role)] or ["user"]


def can_vary_time(harness: Harness) -> bool:
    """Return whether the clock can move the backend's own clock freely in both directions."""
    clock = harness.clock
    return clock.moves_backend and clock.moves_backwards


def issue_cases(harness: Harness) -> st.SearchStrategy[IssueCase]:
    """Return a strategy of issue cases for the run's profile and clock."""
    profile = harness.profile
    roles = st.sampled_from(issuing_roles(profile))
    steps: st.SearchStrategy[Step] = st.sampled_from(("signin", "refresh"))
    if not can_vary_time(harness):
        return st.builds(IssueCase, role=roles, step=steps, offset=st.just(0), delay=st.just(0))

    access_lifetime = profile.access_token.lifetime
    # The refresh must still work, so it happens before the refresh token expires.
    longest_delay = max(0, min(access_lifetime, profile.refresh_token.lifetime) - 1)
    return st.builds(
        IssueCase,
        role=roles,
        step=steps,
        offset=st.integers(0, 2 * access_lifetime),
        delay=st.integers(0, longest_delay),
    )


class Issuer:
    """Issues tokens for one check, every case relative to the check's start time."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.start: float | None = None
        if can_vary_time(harness):
            self.start = start_on_whole_second(harness)

    def issue(self, case: IssueCase) -> IssuedToken:
        """Sign in, refresh when the case's step is refresh, and return the last access token."""
        harness = self.harness
        clock = harness.clock
        if self.start is not None:
            clock.move_to(self.start + case.offset)
        account = harness.new_account(case.role)

        before = clock.now()
        session = harness.signin(account)
        after = clock.now()
        if case.step == "refresh":
            if session.refresh_token is None:
                raise HarnessError("signin returned no refresh token, so the suite cannot refresh")
            if self.start is not None:
                clock.move_to(self.start + case.offset + case.delay)
            before = clock.now()
            session = harness.refresh(session)
            after = clock.now()
        return IssuedToken(case, session, session.access_token, session.refresh_token,
                           before, after)


def within_second(moment: float, before: float, after: float) -> bool:
    """Return whether `moment` lies within one second of the interval [before, after]."""
    return before - 1 <= moment <= after + 1
