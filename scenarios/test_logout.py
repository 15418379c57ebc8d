"""Scenarios of the logout family: the forced logout once the refresh token has expired, and
what signout revokes.

The forced logout runs through the suite's correct client, so it shows what any well-built
client experiences: a rejected refresh ends the session for good.
"""

from __future__ import annotations

import asyncio

import pytest

from conformance.client import LoggedOutError, RefreshError, TokenPair
from conformance.clock_steps import user_resource
from conformance.clocks import format_epoch
from conformance.expect import describe_statuses, expect_no_server_error, expect_status, expect_that
from conformance.harness import Harness
from conformance.outcome import HarnessError
from conformance.races.evidence import attach
from conformance.races.forced_logout import run_forced_logout
from conformance.races.requests import client_settings
from conformance.session import Session
from conformance.token_times import access_token_times

# Helpers


def _signed_out(harness: Harness) -> Session:
    """Sign in and out; raise HarnessError if signout fails, which another check reports."""
    if harness.profile.endpoints.signout is None:
        pytest.skip("the profile has no signout endpoint (endpoints.signout)")
    _, role = user_resource(harness)
    session = harness.new_session(role)
    response = harness.signout(session)
    if response.status_code not in harness.profile.statuses.signout_success:
        raise HarnessError(
            f"signout responded with {response.status_code}, so what it revokes cannot be checked; "
            "make logout.signout-revokes-refresh pass first"
        )
    return session


def _protected_status(harness: Harness, session: Session) -> int:
    resource, _ = user_resource(harness)
    return harness.get_resource(resource, session.access_token).status_code


# Forced logout


@pytest.mark.check("logout.refresh-expiry-logs-out")
def test_logout_refresh_expiry_logs_out(harness: Harness) -> None:
    profile = harness.profile
    resource, role = user_resource(harness)
    span = max(profile.refresh_token.lifetime, profile.access_token.lifetime) \
        + profile.access_token.leeway + 1
    harness.clock.require(span, server_state=True)

    session = harness.new_session(role)
    harness.clock.advance(span)
    target = harness.context.target
    tokens = TokenPair(session.access_token, session.refresh_token)
    result = asyncio.run(run_forced_logout(target, profile, resource, tokens))
    attach(harness, result.sent, client_settings(target, profile))

    if isinstance(result.first, RefreshError):
        raise HarnessError(f"the refresh after the refresh token expired failed without an "
                           f"response that ends the session: {result.first}")
    expect_that(
        isinstance(result.first, LoggedOutError),
        f"{resource.method} {resource.path} did not end in a logout after the refresh token "
        f"expired: the refresh responded with {result.refresh_statuses}",
        expected="the refresh rejected with a 4xx status",
        received=f"refresh responded with {result.refresh_statuses}",
        remedy="reject a refresh token from its expiry on, with the failed-refresh status",
    )
    expect_that(result.tokens_after is None, "the client kept its tokens after the refresh failed",
                expected="tokens dropped", received="tokens kept")
    expect_that(len(result.events) == 1,
                f"the client raised {len(result.events)} logout events instead of one",
                expected=1, received=len(result.events))
    extra = len(result.sent) - result.sent_by_first
    expect_that(
        isinstance(result.second, LoggedOutError) and extra == 0,
        f"the logged-out client sent {extra} requests on the next call",
        expected="no request sent", received=f"{extra} requests",
    )
    harness.note(f"the refresh responded with {result.refresh_statuses} after the refresh token "
                 "expired; the client dropped its tokens and sent nothing on the next request")


# Signout


@pytest.mark.check("logout.signout-revokes-refresh")
def test_logout_signout_revokes_refresh(harness: Harness) -> None:
    if harness.profile.endpoints.signout is None:
        pytest.skip("the profile has no signout endpoint (endpoints.signout)")
    _, role = user_resource(harness)
    session = harness.new_session(role)
    statuses = harness.profile.statuses

    expect_status(harness.signout(session), statuses.signout_success, "signout")
    expect_status(
        harness.refresh_request(session.refresh_token), statuses.refresh_failed,
        "refresh with the refresh token of a signed-out session",
        remedy="revoke the session's refresh token (or its whole family) at signout",
    )


@pytest.mark.check("logout.signout-repeatable")
def test_logout_signout_repeatable(harness: Harness) -> None:
    session = _signed_out(harness)
    refresh_first = harness.refresh_request(session.refresh_token).status_code
    protected_first = _protected_status(harness, session)

    second = harness.signout(session)
    expect_no_server_error(second, "a second signout of the same session")
    refresh_second = harness.refresh_request(session.refresh_token).status_code
    protected_second = _protected_status(harness, session)

    expect_that(
        refresh_second == refresh_first,
        f"after a second signout the refresh responded with {refresh_second}, after the first "
        f"{refresh_first}",
        expected=refresh_first, received=refresh_second,
        remedy="treat a signout of a session that is already signed out as a no-op",
    )
    expect_that(
        protected_second == protected_first,
        f"after a second signout the protected resource responded with {protected_second}, after "
        f"the first {protected_first}",
        expected=protected_first, received=protected_second,
        remedy="treat a signout of a session that is already signed out as a no-op",
    )
    harness.note(f"second signout responded with {second.status_code}; refresh "
                 f"{refresh_second} and protected resource {protected_second} as after the first")


@pytest.mark.check("logout.access-token-after-signout")
def test_logout_access_token_after_signout(harness: Harness) -> None:
    session = _signed_out(harness)
    status = _protected_status(harness, session)
    expires = access_token_times(session.access_token).expires_at

    until = f" until it expires at {format_epoch(expires)}"
    if 200 <= status < 300:
        harness.note(f"the access token still works after signout{until}: access tokens are "
                     "stateless here, so signout revokes only the refresh token")
    else:
        allowed = describe_statuses(harness.profile.statuses.invalid_token)
        harness.note(f"the access token is rejected after signout with {status} (invalid-token "
                     f"status {allowed}): the backend revokes access tokens at signout")
