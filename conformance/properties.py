"""Hypothesis runs of the property and model checks: seeded, bounded, reported as check fields.

A run uses the suite's Hypothesis profile (see `hypothesis_profiles`), whose settings keep no
example database, and an explicit seed that the failure message names. A `CheckFailed` makes
Hypothesis shrink the example. The minimal failure is raised with the seed, and the harness keeps
only the exchanges of that example. After a `HarnessError` the remaining examples do nothing,
and the error is raised at the end.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import freezegun
import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyFailure, Unsatisfiable
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from conformance.fuzz import use_suite_storage
from conformance.harness import Harness
from conformance.hypothesis_profiles import (
    active_settings,
    choose_seed,
    forced_seed,
    scaled_examples,
)
from conformance.outcome import CheckFailed, HarnessError

log = logging.getLogger("conformance")

T = TypeVar("T")

# Hypothesis times its phases with time.perf_counter, which the frozen clock would move by the
# days a check moves the clock, so Hypothesis would stop shrinking at once. freezegun gives the
# modules on its ignore list the real time. Registered on import, before any check freezes time.
freezegun.configure(extend_ignore_list=["hypothesis"])

# Note lines that Hypothesis adds to a failure that carry nothing a report reader can use. It
# heads the steps with "Falsifying example:" up to 6.155 and "Failing test case:" by 6.170.
_SKIPPED_NOTES = ("Falsifying example:", "Failing test case:", "state.teardown()")


@dataclass
class PropertyRun:
    """One check's Hypothesis run: its harness, check id and seed, and what it has seen."""

    harness: Harness
    check_id: str
    forced: Hashable | None = None
    examples: int = 0
    _example_starts: list[int] = field(default_factory=list)
    _harness_errors: list[HarnessError] = field(default_factory=list)
    _seed: Hashable | None = None

    @property
    def seed(self) -> Hashable:
        """Return the seed of this run, chosen once."""
        if self._seed is None:
            self._seed = choose_seed(self.check_id, active_settings(), self.forced,
                                     random.getrandbits(32))
        return self._seed

    def hypothesis_settings(self, share: float, step_share: float = 1.0) -> settings:
        """Return the profile's settings with `share` of its examples and `step_share` of its
        stateful steps."""
        base = active_settings()
        steps = max(1, round(int(base.stateful_step_count) * step_share))
        return settings(base, max_examples=scaled_examples(base, share),
                        stateful_step_count=steps, deadline=None, report_multiple_bugs=False)

    # Inside an example

    def start_example(self) -> bool:
        """Mark the start of an example; return False once a HarnessError stopped the run."""
        if self._harness_errors:
            return False
        self.examples += 1
        self._example_starts.append(len(self.harness.exchanges))
        return True

    def guard(self, action: Callable[[], T]) -> T | None:
        """Run `action`; keep a HarnessError for the end of the run and return None instead."""
        try:
            return action()
        except HarnessError as error:
            self._harness_errors.append(error)
            return None

    @property
    def stopped(self) -> bool:
        """Whether a HarnessError has stopped the run."""
        return bool(self._harness_errors)

    # Whole runs

    def run_given(self, strategy: st.SearchStrategy[T], check: Callable[[T], None], *,
                  share: float = 1.0) -> int:
        """Call `check` on values drawn from `strategy`; return how many examples ran."""

        @seed(self.seed)
        @self.hypothesis_settings(share)
        @given(strategy)
        def property_holds(value: T) -> None:
            if self.start_example():
                self.guard(lambda: check(value))

        self._run(property_holds, show_steps=False)
        return self.examples

    def run_machine(self, factory: Callable[[], RuleBasedStateMachine], *, share: float = 1.0,
                    step_share: float = 1.0) -> int:
        """Run the state machine that `factory` builds; return how many examples ran.

        The factory calls `start_example()` for each machine, and the rules use `guard`.
        """
        seeded = seed(self.seed)(factory)

        # Hypothesis 6.155 declares no types for this function and 6.170 types its first
        # argument as a machine class, but both accept any callable that returns a machine.
        run_machine_test: Any = run_state_machine_as_test

        def run() -> None:
            run_machine_test(seeded, settings=self.hypothesis_settings(share, step_share))

        self._run(run, show_steps=True)
        return self.examples

    def _run(self, test: Callable[[], None], *, show_steps: bool) -> None:
        use_suite_storage()
        try:
            test()
        except CheckFailed as failure:
            self._keep_last_example()
            raise self._reported(failure, show_steps) from None
        except FlakyFailure as group:
            # The backend answered the minimal example differently when it was replayed, for
            # example because an earlier request changed its state. The first failure is
            # still a finding.
            failures = [error for error in group.exceptions if isinstance(error, CheckFailed)]
            if not failures:
                raise
            self._keep_last_example()
            raise self._reported(failures[0], show_steps,
                                 "; the failure did not repeat when the example was run "
                                 "again") from None
        except Unsatisfiable:
            raise HarnessError(
                f"Hypothesis could not generate any example for {self.check_id}; the profile "
                "may leave nothing to vary"
            ) from None

        if self._harness_errors:
            raise self._harness_errors[0]
        log.debug("%s: %d examples, no failure (Hypothesis seed %s)", self.check_id,
                  self.examples, self.seed)

    def _keep_last_example(self) -> None:
        if self._example_starts:
            first = self._example_starts[0]
            del self.harness.exchanges[first:self._example_starts[-1]]

    def _reported(self, failure: CheckFailed, show_steps: bool, suffix: str = "") -> CheckFailed:
        notes = [str(note).strip() for note in getattr(failure, "__notes__", [])]
        steps = [note for note in notes
                 if note and not note.startswith(_SKIPPED_NOTES) and "@reproduce_failure" not in
                 note]
        blobs = [note for note in notes if "@reproduce_failure" in note]

        plural = "" if self.examples == 1 else "s"
        parts = [f"{failure.message} (minimal case after {self.examples} example{plural}"
                 f"{suffix})"]
        if show_steps and steps:
            parts.append("steps: " + "; ".join(steps))
        parts.append(f"Hypothesis seed {self.seed}: rerun with --hypothesis-seed={self.seed} "
                     "to repeat these examples")
        for blob in blobs:
            self.harness.note(blob)
            log.info("%s: %s", self.check_id, blob)
        return CheckFailed("; ".join(parts), expected=failure.expected,
                           received=failure.received, remedy=failure.remedy)


def property_run(harness: Harness, request: pytest.FixtureRequest) -> PropertyRun:
    """Return the Hypothesis run of the check that `request`'s test decides."""
    marker = request.node.get_closest_marker("check")
    check_id = str(marker.args[0]) if marker is not None else request.node.name
    return PropertyRun(harness, check_id, forced_seed(request.config))


__all__ = ["PropertyRun", "property_run"]
