"""Mutant declarations, and a builder of reference backends with one part replaced."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from conformance.profile_loader import load_profile
from conformance.reference import (
    AccessTokens,
    AdjustableClock,
    ReferenceHandlers,
    Store,
    create_app,
)
from conformance.reference_target import reference_settings_for

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"

# A profile that extends `reference` with access_token.leeway = 30.
LEEWAY_PROFILE = str(PROFILES_DIR / "reference-leeway.toml")


@dataclass(frozen=True)
class Mutant:
    """One variant of the reference backend with exactly one real-world fault.

    `factory` builds the app without arguments, so `--app module:factory()` loads it.
    `expected` lists the check ids that must end in fail, or in warn for a SHOULD check.
    `families` names the scenario modules that the run needs (`scenarios/test_<family>.py`),
    by default the families of the expected ids.
    """

    name: str
    description: str
    factory: Callable[[], Any]
    profile: str
    expected: tuple[str, ...]
    families: tuple[str, ...] = field(default=())

    @property
    def app_spec(self) -> str:
        """Return the `--app` value that loads this mutant."""
        return f"{self.factory.__module__}:{self.factory.__name__}()"

    @property
    def scenario_families(self) -> tuple[str, ...]:
        """Return the families to run: the declared ones, else those of the expected ids."""
        if self.families:
            return self.families
        return tuple(sorted({check_id.split(".", 1)[0] for check_id in self.expected}))


def build_app(
    profile: str = "reference",
    *,
    access_tokens: type[AccessTokens] | None = None,
    store: type[Store] | None = None,
    handlers: type[ReferenceHandlers] = ReferenceHandlers,
    **overrides: Any,
) -> Starlette:
    """Build the reference backend for `profile`, with the given parts replaced.

    `overrides` change single settings of `ReferenceSettings`, such as `access_ttl`. The access
    tokens and the app share one AdjustableClock, so the clock hook moves both.
    """
    settings = reference_settings_for(load_profile(profile), **overrides)
    clock = AdjustableClock()
    return create_app(
        settings,
        clock=clock,
        access_tokens=access_tokens(settings, clock) if access_tokens is not None else None,
        store=store(settings.database) if store is not None else None,
        handlers=handlers,
    )


class WithoutChallenge:
    """ASGI wrapper that drops every WWW-Authenticate header from the responses of `app`.

    `state` is the wrapped app's, so the suite still finds `app.state.metrics`.
    """

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.state = app.state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def send_without_challenge(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [(name, value) for name, value in message.get("headers", [])
                           if name.lower() != b"www-authenticate"]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_without_challenge)


@dataclass(frozen=True)
class CleanRun:
    """A clean backend and the profile whose promises it keeps: a run must not fail.

    `expected_warnings` maps a SHOULD check id to the reason why its warning is a true
    verdict on a client model rather than on the backend.
    """

    name: str
    factory: Callable[[], Any]
    profile: str
    expected_warnings: dict[str, str] = field(default_factory=dict)

    @property
    def app_spec(self) -> str:
        """Return the `--app` value that loads this backend."""
        return f"{self.factory.__module__}:{self.factory.__name__}()"
