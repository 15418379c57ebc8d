"""Hypothesis settings profiles of the suite: a fast default and a thorough one.

The plugin registers them on import, before Hypothesis' own pytest plugin reads
`--hypothesis-profile`, so `pytest scenarios --hypothesis-profile thorough` works. Registering
loads nothing: a user's own tests keep the profile the user loads. The property and model
checks run under `conformance-fast` while the loaded profile is one of Hypothesis' built-ins
("default", or "ci" when the CI variable is set), and under the loaded profile otherwise.
"""

from __future__ import annotations

import zlib
from collections.abc import Hashable

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import InvalidArgument

FAST = "conformance-fast"
THOROUGH = "conformance-thorough"
# The short name the suite documents; registered unless a profile of that name exists.
THOROUGH_ALIAS = "thorough"

# Profiles Hypothesis registers and loads by itself, which the suite does not take as a choice.
_BUILTIN_PROFILES = ("default", "ci")

# Each check scales these by its own share, so that a check whose example costs several
# requests runs fewer examples. The fast counts keep the token, attack and model families to a
# few seconds against the in-process reference backend.
FAST_EXAMPLES = 20
FAST_STEPS = 10
THOROUGH_EXAMPLES = 200
THOROUGH_STEPS = 30

def register_profiles() -> None:
    """Register `conformance-fast`, `conformance-thorough` and, if free, `thorough`."""
    settings.register_profile(FAST, _profile(FAST_EXAMPLES, FAST_STEPS, derandomize=True))
    settings.register_profile(THOROUGH,
                              _profile(THOROUGH_EXAMPLES, THOROUGH_STEPS, derandomize=False))
    try:
        settings.get_profile(THOROUGH_ALIAS)
    except InvalidArgument:
        settings.register_profile(THOROUGH_ALIAS, settings.get_profile(THOROUGH))


def _profile(examples: int, steps: int, *, derandomize: bool) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        derandomize=derandomize,
        # A backend's response time varies with load, so a deadline would make checks flaky.
        deadline=None,
        # No example database: nothing lands in the folder the suite runs from.
        database=None,
        print_blob=True,
        report_multiple_bugs=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                               HealthCheck.filter_too_much, HealthCheck.data_too_large],
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )


def active_settings() -> settings:
    """Return the settings the suite's Hypothesis checks start from.

    `--hypothesis-verbosity` loads a copy of the current profile named like
    "default-with-debug-verbosity"; its verbosity then applies to `conformance-fast`.
    """
    name = settings.get_current_profile_name()
    if name.split("-with-", 1)[0] not in _BUILTIN_PROFILES:
        return settings()
    fast = settings.get_profile(FAST)
    if name in _BUILTIN_PROFILES:
        return fast
    return settings(fast, verbosity=settings().verbosity)


def scaled_examples(base: settings, share: float) -> int:
    """Return `share` of the profile's max_examples, at least 1."""
    return max(1, round(int(base.max_examples) * share))


def forced_seed(config: pytest.Config) -> Hashable | None:
    """Return the value of `--hypothesis-seed`, or None when it is not given."""
    value = config.getoption("hypothesis_seed", None)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return str(value)


def choose_seed(check_id: str, base: settings, forced: Hashable | None,
                fresh: int) -> Hashable:
    """Return the seed of one check's run.

    `--hypothesis-seed` wins. A derandomized profile gets a seed derived from the check id, so
    every run repeats the same examples. Other profiles use `fresh`, a new random number.
    """
    if forced is not None:
        return forced
    if base.derandomize:
        return zlib.crc32(check_id.encode("utf-8"))
    return fresh
