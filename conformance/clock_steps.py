"""Steps shared by checks that move the clock: a session with a working token, timed requests."""

from __future__ import annotations

import math
from dataclasses import dataclass

import httpx
import pytest

from conformance.clocks import format_epoch
from conformance.harness import Harness
from conformance.outcome import HarnessError
from conformance.profile import ProtectedResource
from conformance.session import Session
from conformance.token_times import TokenTimes, access_token_times


@dataclass(frozen=True)
class SignedIn:
    """A fresh session, a protected resource its access token opens, and the token's times."""

    resource: ProtectedResource
    session: Session
    times: TokenTimes


def user_resource(harness: Harness) -> tuple[ProtectedResource, str]:
    """Return a protected resource and a role it admits, preferring role user."""
    profile = harness.profile
    for_user = profile.resources_for("user")
    if for_user:
        return for_user[0], "user"
    if not profile.endpoints.protected:
        pytest.skip("the profile names no protected resource (endpoints.protected)")
    resource = profile.endpoints.protected[0]
    return resource, resource.roles[0]


def sign_in_working(harness: Harness) -> SignedIn:
    """Sign in and confirm that the fresh access token opens a protected resource.

    A rejection at a moved time proves nothing when the fresh token is rejected too, so that
    raises HarnessError.
    """
    resource, role = user_resource(harness)
    session = harness.new_session(role)
    times = access_token_times(session.access_token)

    response = harness.get_resource(resource, session.access_token)
    if not response.is_success:
        raise HarnessError(
            f"{resource.method} {resource.path} rejects a fresh access token with "
            f"{response.status_code}, so a rejection after the clock moved would prove nothing; "
            "make access.valid-token-accepted pass first"
        )
    return SignedIn(resource, session, times)


def get_at(harness: Harness, signed_in: SignedIn, epoch: float) -> httpx.Response:
    """Move the clock to `epoch` and request the resource with the session's access token."""
    harness.clock.move_to(epoch)
    token = harness.clock.present_access_token(signed_in.session.access_token)
    return harness.get_resource(signed_in.resource, token)


def require_until(harness: Harness, epoch: float, *, server_state: bool) -> None:
    """Skip the check unless the clock can move from now to `epoch`."""
    harness.clock.require(max(0.0, epoch - harness.clock.now()), server_state=server_state)


def start_on_whole_second(harness: Harness) -> float:
    """Move the clock to the next whole second and return it.

    Backends store times of their own, such as a refresh token's issue or rotation time. When
    the check starts on a whole second, those times and every offset from them are exact.
    """
    start = float(math.ceil(harness.clock.now()))
    harness.clock.move_to(start)
    return start


def describe_moment(label: str, epoch: float) -> str:
    """Return a label such as "exp - 1 (2030-01-01T00:14:59Z)" for messages."""
    return f"{label} ({format_epoch(epoch)})"
