"""Unit tests of conformance.hypothesis_profiles: registration, the active profile and seeds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import settings

from conformance.hypothesis_profiles import (
    FAST,
    FAST_EXAMPLES,
    THOROUGH,
    THOROUGH_ALIAS,
    THOROUGH_EXAMPLES,
    active_settings,
    choose_seed,
    register_profiles,
    scaled_examples,
)


@pytest.fixture
def restored_profile() -> Iterator[None]:
    """Load the suite's profiles and restore the loaded profile afterwards."""
    register_profiles()
    name = settings.get_current_profile_name()
    yield
    settings.load_profile(name)


def test_profiles_registered_with_counts(restored_profile: None) -> None:
    assert settings.get_profile(FAST).max_examples == FAST_EXAMPLES
    assert settings.get_profile(THOROUGH).max_examples == THOROUGH_EXAMPLES
    assert settings.get_profile(THOROUGH_ALIAS).max_examples == THOROUGH_EXAMPLES


def test_profiles_keep_no_database(restored_profile: None) -> None:
    assert settings.get_profile(FAST).database is None
    assert settings.get_profile(THOROUGH).database is None


def test_builtin_profile_means_fast(restored_profile: None) -> None:
    settings.load_profile("default")

    assert active_settings().max_examples == FAST_EXAMPLES
    assert active_settings().derandomize


def test_loaded_profile_is_used(restored_profile: None) -> None:
    settings.load_profile(THOROUGH_ALIAS)

    assert active_settings().max_examples == THOROUGH_EXAMPLES


def test_user_thorough_profile_kept(restored_profile: None) -> None:
    settings.register_profile(THOROUGH_ALIAS, max_examples=3)

    register_profiles()

    assert settings.get_profile(THOROUGH_ALIAS).max_examples == 3
    settings.register_profile(THOROUGH_ALIAS, settings.get_profile(THOROUGH))


def test_scaled_examples_at_least_one() -> None:
    base = settings(max_examples=20)

    assert scaled_examples(base, 0.25) == 5
    assert scaled_examples(base, 0.01) == 1


def test_choose_seed_prefers_forced() -> None:
    fast = settings(derandomize=True)
    random_profile = settings(derandomize=False)

    assert choose_seed("token.jwt-structure", fast, 42, 7) == 42
    assert choose_seed("token.jwt-structure", random_profile, None, 7) == 7
    assert choose_seed("token.jwt-structure", fast, None, 7) == choose_seed(
        "token.jwt-structure", fast, None, 8)
