"""Outcomes of checks and the structured failure a scenario raises.

A failure carries fields (expected, received, remedy) that reports render; nothing parses its text.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Outcome(enum.Enum):
    """Result category of a check."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"
    ERROR = "error"


class CheckFailed(AssertionError):
    """The backend did not do what a check requires.

    Raised by scenarios; the plugin turns it into `fail` for a MUST check and `warn` for a SHOULD.
    """

    def __init__(
        self,
        message: str,
        *,
        expected: Any = None,
        received: Any = None,
        remedy: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.received = received
        self.remedy = remedy


class HarnessError(Exception):
    """The suite could not decide a check: backend unreachable, timed out, or an unusable response.

    The plugin reports it as `error`, never as a traceback.
    """


@dataclass
class CheckResult:
    """The outcome of one check in one run, with its evidence."""

    check_id: str
    outcome: Outcome
    message: str = ""
    expected: Any = None
    received: Any = None
    remedy: str | None = None
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    reproducer: str | None = None
    duration: float = 0.0
    test: str = ""
    # The last lines a managed backend process wrote, attached when the check did not pass.
    backend_output: str | None = None
