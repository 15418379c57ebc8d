"""Verdicts of a client model in one flow, and how they are read off what happened."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import httpx


class Verdict(enum.Enum):
    """A client's result in one flow against the backend."""

    WORKS = "works"
    """The flow ended as it should: requests succeeded, or the client logged out when due."""

    DEADLOCKS = "deadlocks"
    """A request never finished: the client waited with no request in flight."""

    LOOPS = "loops"
    """The client sent more requests than the flow's budget."""

    LOGS_OUT_EARLY = "logs out early"
    """The client dropped the session although the backend would still refresh it."""

    FAILS_REQUESTS = "fails requests"
    """Requests failed although the backend would serve them, and the session was kept."""

    MISSES_LOGOUT = "misses logout"
    """The refresh token was dead, but the client stayed signed in."""


class Stall(enum.Enum):
    """The reason the watchdog cancelled a flow."""

    IDLE = "idle"
    TIME = "time"
    BUDGET = "budget"


@dataclass
class Step:
    """One stage of a flow: a label and the outcome of each call the client made in it."""

    label: str
    outcomes: list[httpx.Response | BaseException] = field(default_factory=list)
    stall: Stall | None = None

    @property
    def failures(self) -> list[httpx.Response | BaseException]:
        return [o for o in self.outcomes
                if not isinstance(o, httpx.Response) or not o.is_success]

    @property
    def succeeded(self) -> bool:
        return self.stall is None and bool(self.outcomes) and not self.failures


def describe_outcome(outcome: httpx.Response | BaseException) -> str:
    """Return a short text for one call's outcome, such as '200' or 'HttpErrorResponse: ...'."""
    if isinstance(outcome, httpx.Response):
        return str(outcome.status_code)
    status = getattr(outcome, "status", None)
    name = type(outcome).__name__
    return f"{name} {status}" if isinstance(status, int) else f"{name}: {outcome}"
