"""Hypothesis runs of the input family: bounded, repeatable, and kept out of the user's tree.

Every run is derandomized, so the same profile, suite and library versions send the same
requests. `--fuzz-examples` sets how many examples each run tries. Hypothesis keeps no example
database, and its caches go to the suite's cache folder unless HYPOTHESIS_STORAGE_DIRECTORY
names another.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.errors import FlakyFailure, Unsatisfiable

from conformance.harness import Harness
from conformance.outcome import CheckFailed, HarnessError

log = logging.getLogger("conformance")

T = TypeVar("T")

STORAGE_ENVIRONMENT_VARIABLE = "HYPOTHESIS_STORAGE_DIRECTORY"


def storage_directory() -> Path:
    """Return the folder for Hypothesis' caches: $XDG_CACHE_HOME/jwt-conformance/hypothesis."""
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "jwt-conformance" / "hypothesis"


def use_suite_storage() -> None:
    """Point Hypothesis' storage at `storage_directory()` unless the user has chosen one.

    Hypothesis caches Unicode tables and constants under `./.hypothesis` by default, which
    would land in the folder the user runs the suite from.
    """
    if os.environ.get(STORAGE_ENVIRONMENT_VARIABLE):
        return
    set_hypothesis_home_dir(storage_directory())


def fuzz_settings(examples: int) -> settings:
    """Return the Hypothesis settings of one run: `examples` examples, derandomized."""
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        report_multiple_bugs=False,
        print_blob=False,
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
    )


def run_examples(harness: Harness, strategy: st.SearchStrategy[T], check: Callable[[T], None],
                 *, examples: int) -> int:
    """Call `check` on values drawn from `strategy` and return how many calls were made.

    A `CheckFailed` from `check` makes Hypothesis shrink the value to a minimal one. That
    failure is raised, and the harness keeps only the exchanges of the minimal example. The
    first `HarnessError` stops the run without shrinking and is raised at the end.
    """
    use_suite_storage()
    first_exchange = len(harness.exchanges)
    example_starts: list[int] = []
    harness_errors: list[HarnessError] = []

    @fuzz_settings(examples)
    @given(strategy)
    def property_holds(value: T) -> None:
        if harness_errors:
            return
        example_starts.append(len(harness.exchanges))
        try:
            check(value)
        except HarnessError as error:
            harness_errors.append(error)

    try:
        property_holds()
    except CheckFailed as failure:
        _keep_last_example(harness, first_exchange, example_starts)
        raise _with_count(failure, len(example_starts)) from None
    except FlakyFailure as group:
        # The backend responded differently to the minimal example on the replay, for example
        # because an earlier request changed its state. The first failure is still a finding.
        failures = [error for error in group.exceptions if isinstance(error, CheckFailed)]
        if not failures:
            raise
        _keep_last_example(harness, first_exchange, example_starts)
        raise _with_count(failures[0], len(example_starts),
                          "; the failure did not repeat when the request was sent again") from None
    except Unsatisfiable:
        raise HarnessError(
            "Hypothesis could not generate any request for this check; the profile's request "
            "bodies may leave nothing to vary"
        ) from None

    if harness_errors:
        raise harness_errors[0]
    log.debug("input: %d generated requests, no failure", len(example_starts))
    return len(example_starts)


def _keep_last_example(harness: Harness, first: int, starts: list[int]) -> None:
    if starts:
        del harness.exchanges[first:starts[-1]]


def _with_count(failure: CheckFailed, count: int, suffix: str = "") -> CheckFailed:
    plural = "" if count == 1 else "s"
    message = f"{failure.message} (minimal case after {count} generated request{plural}{suffix})"
    return CheckFailed(message, expected=failure.expected, received=failure.received,
                       remedy=failure.remedy)
