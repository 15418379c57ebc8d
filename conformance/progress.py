"""Progress lines of a run: the family that starts and each check as it finishes, with counts.

A check is finished when the last of its collected tests has run, because a parametrised check
is decided by several tests. Lines look like::

    running access checks (10 checks; 0 of 25 done)
    [ 1/25] pass  access.error-body-json
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from conformance.outcome import Outcome

_SEVERITY = [Outcome.SKIP, Outcome.PASS, Outcome.WARN, Outcome.ERROR, Outcome.FAIL]


@dataclass
class _CheckState:
    remaining: int
    outcome: Outcome | None = None


@dataclass
class ProgressTracker:
    """Counts the finished checks of a run and sends progress lines to `emit`."""

    emit: Callable[[str], None]
    _check_of: dict[str, str] = field(default_factory=dict)
    _checks: dict[str, _CheckState] = field(default_factory=dict)
    _family_sizes: dict[str, int] = field(default_factory=dict)
    _family: str | None = None
    _done: int = 0

    def collected(self, tests: Iterable[tuple[str, str]]) -> None:
        """Record the (test node id, check id) pairs that will run."""
        self._check_of.clear()
        self._checks.clear()
        self._family_sizes.clear()
        self._done = 0
        for nodeid, check_id in tests:
            self._check_of[nodeid] = check_id
            state = self._checks.get(check_id)
            if state is None:
                self._checks[check_id] = _CheckState(remaining=1)
                family = check_id.split(".", 1)[0]
                self._family_sizes[family] = self._family_sizes.get(family, 0) + 1
            else:
                state.remaining += 1

    @property
    def total(self) -> int:
        return len(self._checks)

    def started(self, nodeid: str) -> None:
        """Announce a family when the first test of a different family starts."""
        check_id = self._check_of.get(nodeid)
        if check_id is None:
            return
        family = check_id.split(".", 1)[0]
        if family != self._family:
            self._family = family
            size = self._family_sizes.get(family, 0)
            noun = "check" if size == 1 else "checks"
            self.emit(f"running {family} checks ({size} {noun}; {self._done} of "
                      f"{self.total} done)")

    def finished(self, nodeid: str, outcome: Outcome | None) -> None:
        """Record a finished test; announce its check when that was the check's last test."""
        check_id = self._check_of.get(nodeid)
        state = self._checks.get(check_id) if check_id is not None else None
        if check_id is None or state is None or state.remaining == 0:
            return
        if outcome is not None and (state.outcome is None or
                                    _SEVERITY.index(outcome) > _SEVERITY.index(state.outcome)):
            state.outcome = outcome
        state.remaining -= 1
        if state.remaining == 0:
            self._done += 1
            width = len(str(self.total))
            label = state.outcome.value if state.outcome is not None else "none"
            self.emit(f"[{self._done:>{width}}/{self.total}] {label:<5} {check_id}")
