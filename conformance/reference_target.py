"""The embedded reference backend as a target, configured to match the run's profile.

With no `--target` and no `--app`, the suite checks the reference backend in process. Its header,
lifetimes, rotation policy, leeway and signing key come from the profile, so
`--profile reference-rotating` checks a rotating reference backend.
"""

from __future__ import annotations

from typing import Any

from conformance.profile import Profile
from conformance.target import Target, TargetError, in_process_target


def reference_settings_for(profile: Profile, **overrides: Any) -> Any:
    """Return `ReferenceSettings` that make the reference backend keep `profile`'s promises."""
    from conformance.reference.settings import DEFAULT_SIGNING_KEY, ReferenceSettings

    access = profile.access_token
    refresh = profile.refresh_token
    if access.transport == "bearer":
        header = "authorization"
    elif access.transport == "header" and access.name.lower() == "x-access-token":
        header = "x-access-token"
    else:
        raise TargetError(
            f"profile {profile.name!r} sends the access token as {access.transport} "
            f"{access.name!r}, which the embedded reference backend does not offer; pass "
            "--target or --app to check another backend"
        )
    if refresh.transport != "body" or refresh.name != "refreshToken":
        raise TargetError(
            f"profile {profile.name!r} sends the refresh token as {refresh.transport} "
            f"{refresh.name!r}; the embedded reference backend reads the body field "
            "'refreshToken', so pass --target or --app to check another backend"
        )
    settings: dict[str, Any] = {
        "access_header": header,
        "access_ttl": access.lifetime,
        "refresh_ttl": refresh.lifetime,
        "rotation": refresh.rotation,
        "grace_seconds": refresh.grace_seconds,
        "leeway": access.leeway,
        "signing_key": access.signing_key or DEFAULT_SIGNING_KEY,
        "test_endpoints": profile.clock.hook is not None,
    }
    settings.update(overrides)
    return ReferenceSettings(**settings)


def reference_target(profile: Profile, *, timeout: float) -> Target:
    """Start the reference backend in process with settings that match `profile`."""
    from conformance.reference import create_app

    settings = reference_settings_for(profile)
    app = create_app(settings)
    description = f"embedded reference backend (rotation {settings.rotation})"
    return in_process_target(app, "reference", description, timeout=timeout)
