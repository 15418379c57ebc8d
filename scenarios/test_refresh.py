"""Scenarios of the refresh family: exchanging refresh tokens, rotation, expiry and bad input.

Checks that depend on time move the backend's clock through `harness.clock`. Those that need the
backend itself to see time pass (refresh-token expiry, grace windows) skip under a clock that
cannot move it.
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

from conformance.clock_steps import (
    describe_moment,
    require_until,
    sign_in_working,
    start_on_whole_second,
    user_resource,
)
from conformance.expect import describe_statuses, expect_status, expect_that
from conformance.harness import Harness
from conformance.jsonpointer import PointerNotFound, resolve
from conformance.outcome import HarnessError
from conformance.session import Session
from conformance.tokens import alter_signature, is_jwt

# Helpers


def _refresh_header(harness: Harness) -> str | None:
    """Return the request header that carries the refresh token, or None for a body field."""
    transport = harness.profile.refresh_token.transport
    if transport == "bearer":
        return "authorization"
    if transport == "cookie":
        return "cookie"
    return None


def _with_access_token(harness: Harness, access_token: str) -> dict[str, str]:
    """Return the access-token headers to send beside a refresh, as the tutorial client does.

    They are left out when the profile carries both tokens in the same header.
    """
    headers = harness.access_headers(access_token)
    refresh_header = _refresh_header(harness)
    if any(name.lower() == refresh_header for name in headers):
        return {}
    return headers


def _refresh(harness: Harness, refresh_token: str | None,
             access_token: str | None = None) -> httpx.Response:
    """Send a refresh request, with `access_token` in the access-token header if given."""
    headers = _with_access_token(harness, access_token) if access_token is not None else {}
    return harness.refresh_request(refresh_token, headers=headers)


def _refresh_or_error(harness: Harness, session: Session) -> Session:
    """Refresh `session` and return the new one; raise HarnessError if the refresh fails."""
    response = _refresh(harness, session.refresh_token)
    if response.status_code not in harness.profile.statuses.refresh_success:
        raise HarnessError(
            f"a refresh of a fresh session answered {response.status_code}, so this check "
            "cannot go on; make refresh.new-access-token-works pass first"
        )
    return harness.session_from_refresh(session, response)


def _rejected_statuses(harness: Harness) -> frozenset[int]:
    statuses = harness.profile.statuses
    return statuses.refresh_failed | statuses.refresh_invalid


def _expect_rejected(harness: Harness, response: httpx.Response, what: str, *,
                     remedy: str) -> None:
    allowed = _rejected_statuses(harness)
    expect_that(
        response.status_code in allowed,
        f"{what}: expected status {describe_statuses(allowed)}, received "
        f"{response.status_code}",
        expected=describe_statuses(allowed),
        received=response.status_code,
        remedy=("the backend failed on this input; validate it and reject it with a 4xx "
                "status" if response.status_code >= 500 else remedy),
    )


def _require_rotation(harness: Harness) -> None:
    if not harness.profile.rotates:
        pytest.skip("the profile declares no refresh-token rotation (refresh_token.rotation = "
                    "none)")


def _new_refresh_token(harness: Harness, old: Session, new: Session) -> str:
    """Return the rotated refresh token; fail when the backend sent back the old one."""
    rotated = new.refresh_token
    expect_that(
        rotated is not None and rotated != old.refresh_token,
        f"the profile declares rotation {harness.profile.refresh_token.rotation!r}, but the "
        "refresh returned the same refresh token",
        expected="a new refresh token",
        received="the refresh token that was sent",
        remedy="issue a new refresh token on every refresh (RFC 6749 §6), or set "
               "refresh_token.rotation = \"none\" in the profile",
    )
    assert rotated is not None
    return rotated


def _rotate_past_grace(harness: Harness, session: Session) -> tuple[str, str]:
    """Rotate `session` once and move past any grace window; return the old and new tokens."""
    grace = harness.profile.refresh_token.grace_seconds
    if grace:
        harness.clock.require(grace + 1, server_state=True)
    start = start_on_whole_second(harness) if grace else 0.0
    old = session.refresh_token
    assert old is not None

    rotated = _new_refresh_token(harness, session, _refresh_or_error(harness, session))
    if grace:
        harness.clock.move_to(start + grace + 1)
    return old, rotated


def _missing_field_problems(harness: Harness, response: httpx.Response) -> list[str]:
    """Return what the profile promises in a refresh response but the response lacks."""
    profile = harness.profile
    problems: list[str] = []
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    for kind, pointer in (("access", profile.refresh_response.access_token),
                          ("refresh", profile.refresh_response.refresh_token)):
        transport = getattr(profile, f"{kind}_token")
        if transport.transport == "cookie":
            if not response.cookies.get(transport.name):
                problems.append(f"no {kind} token cookie {transport.name!r}")
            continue
        if pointer is None:
            continue
        try:
            value = resolve(body, pointer)
        except PointerNotFound:
            problems.append(f"no {kind} token at {pointer}")
            continue
        if not isinstance(value, str) or not value:
            problems.append(f"the {kind} token at {pointer} is not a non-empty string")
    return problems


# Checks


@pytest.mark.check("refresh.new-access-token-works")
def test_refresh_new_access_token_works(harness: Harness) -> None:
    resource, role = user_resource(harness)
    session = harness.new_session(role)

    response = _refresh(harness, session.refresh_token, session.access_token)
    expect_status(response, harness.profile.statuses.refresh_success,
                  "refresh with the refresh token of a fresh session",
                  remedy="accept a refresh token that signin issued and has not expired")
    refreshed = harness.session_from_refresh(session, response)

    response = harness.get_resource(resource, refreshed.access_token)
    expect_that(
        response.is_success,
        f"{resource.method} {resource.path} with the refreshed access token: expected a 2xx "
        f"status, received {response.status_code}",
        expected="a 2xx status",
        received=response.status_code,
        remedy="issue access tokens on refresh exactly as on signin",
    )


@pytest.mark.check("refresh.response-fields-present")
def test_refresh_response_fields_present(harness: Harness) -> None:
    session = harness.new_session(user_resource(harness)[1])

    response = _refresh(harness, session.refresh_token)
    if response.status_code not in harness.profile.statuses.refresh_success:
        raise HarnessError(f"the refresh answered {response.status_code}; make "
                           "refresh.new-access-token-works pass first")

    problems = _missing_field_problems(harness, response)
    expect_that(
        not problems,
        "the refresh response lacks what the profile promises: " + "; ".join(problems),
        expected="the fields of the profile's [refresh] response",
        received="; ".join(problems),
        remedy="return the new tokens where the profile's [refresh] response says, or "
               "correct the profile",
    )


@pytest.mark.check("refresh.works-after-access-expiry")
def test_refresh_works_after_access_expiry(harness: Harness) -> None:
    signed_in = sign_in_working(harness)
    session = signed_in.session
    leeway = harness.profile.access_token.leeway
    moment = signed_in.times.expires_at + leeway + 1
    require_until(harness, moment, server_state=False)

    harness.clock.move_to(moment)
    expired = harness.clock.present_access_token(session.access_token)
    response = _refresh(harness, session.refresh_token, expired)

    expect_status(
        response, harness.profile.statuses.refresh_success,
        f"refresh at {describe_moment(f'exp + {leeway + 1}', moment)} with the expired access "
        "token in the access-token header",
        remedy="let the refresh endpoint ignore the access token, or at least its expiry: the "
               "client refreshes because its access token expired; keep the refresh path out "
               "of access-token middleware",
    )
    refreshed = harness.session_from_refresh(session, response)
    response = harness.get_resource(signed_in.resource, refreshed.access_token)
    expect_that(
        response.is_success,
        f"{signed_in.resource.method} {signed_in.resource.path} with the access token of a "
        f"refresh after expiry: expected a 2xx status, received {response.status_code}",
        expected="a 2xx status",
        received=response.status_code,
        remedy="issue the new access token with exp counted from the time of the refresh",
    )


@pytest.mark.check("refresh.accepted-before-expiry")
def test_refresh_accepted_before_expiry(harness: Harness) -> None:
    lifetime = harness.profile.refresh_token.lifetime
    harness.clock.require(lifetime + 1, server_state=True)
    start = start_on_whole_second(harness)
    session = harness.new_session(user_resource(harness)[1])

    moment = start + lifetime - 1
    harness.clock.move_to(moment)
    response = _refresh(harness, session.refresh_token)

    expect_status(
        response, harness.profile.statuses.refresh_success,
        f"refresh at {describe_moment('signin + lifetime - 1', moment)}",
        remedy=f"keep refresh tokens valid for refresh_token.lifetime = {lifetime} s, or "
               "correct the profile",
    )


@pytest.mark.check("refresh.expired-token-rejected")
def test_refresh_expired_token_rejected(harness: Harness) -> None:
    lifetime = harness.profile.refresh_token.lifetime
    harness.clock.require(lifetime + 1, server_state=True)
    start = start_on_whole_second(harness)
    session = harness.new_session(user_resource(harness)[1])

    moment = start + lifetime + 1
    harness.clock.move_to(moment)
    failed = harness.profile.statuses.refresh_failed
    remedy = ("store an expiry with each refresh token and reject it from then on "
              "(RFC 6749 §5.2 invalid_grant)")
    for attempt in ("first", "second"):
        response = _refresh(harness, session.refresh_token)
        expect_status(
            response, failed,
            f"{attempt} refresh at {describe_moment('signin + lifetime + 1', moment)}",
            remedy=remedy,
        )


@pytest.mark.check("refresh.same-token-reusable")
def test_refresh_same_token_reusable(harness: Harness) -> None:
    if harness.profile.rotates:
        pytest.skip(f"the profile declares rotation {harness.profile.refresh_token.rotation!r}")
    session = harness.new_session(user_resource(harness)[1])

    for attempt in range(1, 4):
        response = _refresh(harness, session.refresh_token)
        expect_status(
            response, harness.profile.statuses.refresh_success,
            f"refresh number {attempt} with the refresh token that signin issued",
            remedy="keep a refresh token valid after use, or declare the rotation the "
                   "backend does in refresh_token.rotation",
        )
        returned = harness.session_from_refresh(session, response).refresh_token
        expect_that(
            returned == session.refresh_token,
            f"refresh number {attempt} returned another refresh token, but the profile "
            "declares rotation none",
            expected="the refresh token that was sent",
            received="a different refresh token",
            remedy="declare refresh_token.rotation = \"rotate\" if the backend rotates",
        )


@pytest.mark.check("refresh.rotated-token-rejected")
def test_refresh_rotated_token_rejected(harness: Harness) -> None:
    _require_rotation(harness)
    session = harness.new_session(user_resource(harness)[1])

    old, _ = _rotate_past_grace(harness, session)
    response = _refresh(harness, old)

    expect_status(
        response, harness.profile.statuses.refresh_failed,
        "refresh with a rotated-out refresh token",
        remedy="reject a refresh token once a refresh replaced it (RFC 6749 §6), after the "
               "declared grace window",
    )


@pytest.mark.check("refresh.grace-window-honoured")
def test_refresh_grace_window_honoured(harness: Harness) -> None:
    _require_rotation(harness)
    grace = harness.profile.refresh_token.grace_seconds
    if not grace:
        pytest.skip("the profile declares no grace window (refresh_token.grace_seconds = 0)")
    harness.clock.require(grace, server_state=True)
    session = harness.new_session(user_resource(harness)[1])

    start = start_on_whole_second(harness)
    old = session.refresh_token
    _new_refresh_token(harness, session, _refresh_or_error(harness, session))
    moment = start + grace - 1
    harness.clock.move_to(moment)
    response = _refresh(harness, old)

    label = describe_moment(f"rotation + {grace - 1}", moment)
    expect_status(
        response, harness.profile.statuses.refresh_success,
        f"refresh with the rotated-out token at {label}",
        remedy=f"accept a rotated-out refresh token for grace_seconds = {grace} s, or correct "
               "the profile",
    )


@pytest.mark.check("refresh.reuse-revokes-family")
def test_refresh_reuse_revokes_family(harness: Harness) -> None:
    _require_rotation(harness)
    session = harness.new_session(user_resource(harness)[1])

    old, newest = _rotate_past_grace(harness, session)
    replay = _refresh(harness, old)
    response = _refresh(harness, newest)

    revoked = response.status_code in harness.profile.statuses.refresh_failed
    if harness.profile.refresh_token.rotation == "rotate":
        observed = "revoked" if revoked else "did not revoke"
        pytest.skip(f"the profile declares rotation 'rotate' without reuse detection, so this "
                    f"is not required; replaying the rotated-out token {observed} the newest "
                    "refresh token")

    expect_that(
        replay.status_code not in harness.profile.statuses.refresh_success,
        f"the replay of a rotated-out refresh token succeeded with {replay.status_code}",
        expected=describe_statuses(harness.profile.statuses.refresh_failed),
        received=replay.status_code,
        remedy="reject a rotated-out refresh token (RFC 9700 §4.14.2)",
    )
    expect_status(
        response, harness.profile.statuses.refresh_failed,
        "refresh with the newest refresh token after the rotated-out one was replayed",
        remedy="on reuse of a rotated-out refresh token revoke every token of its family "
               "(RFC 9700 §4.14.2)",
    )


UNKNOWN_TOKENS = ("random", "altered", "not-a-token")


@pytest.mark.check("refresh.unknown-token-rejected")
@pytest.mark.parametrize("case", UNKNOWN_TOKENS)
def test_refresh_unknown_token_rejected(harness: Harness, case: str) -> None:
    session = harness.new_session(user_resource(harness)[1])
    issued = session.refresh_token
    assert issued is not None
    if case == "random":
        token = secrets.token_urlsafe(max(16, len(issued) * 3 // 4))
    elif case == "altered" and is_jwt(issued):
        token = alter_signature(issued)
    elif case == "altered":
        token = issued[:-1] + ("A" if issued[-1] != "A" else "B")
    else:
        token = "not a refresh token!"

    response = harness.refresh_request(token)

    _expect_rejected(harness, response, f"refresh with a {case} refresh token",
                     remedy="look the refresh token up and reject it when it is unknown")


MALFORMED_VALUES: dict[str, Any] = {
    "empty": "",
    "missing": None,
    "null": None,
    "number": 12345,
    "list": ["token"],
    "object": {"token": "value"},
}


@pytest.mark.check("refresh.malformed-token-rejected")
@pytest.mark.parametrize("case", list(MALFORMED_VALUES))
def test_refresh_malformed_token_rejected(harness: Harness, case: str) -> None:
    transport = harness.profile.refresh_token
    if transport.transport == "body":
        body: Any = {} if case == "missing" else {transport.name: MALFORMED_VALUES[case]}
        response = harness.refresh_request(None, body=body)
    elif case == "missing":
        response = harness.refresh_request(None)
    elif case == "empty":
        response = harness.refresh_request("")
    else:
        pytest.skip(f"the profile sends the refresh token in the {transport.transport} "
                    "transport, which carries only text")

    _expect_rejected(harness, response, f"refresh with the refresh token {case}",
                     remedy="check that the refresh token is a non-empty string before "
                            "looking it up, and reject anything else with a 4xx status")


@pytest.mark.check("refresh.access-token-rejected")
def test_refresh_access_token_rejected(harness: Harness) -> None:
    session = harness.new_session(user_resource(harness)[1])

    response = harness.refresh_request(session.access_token)

    _expect_rejected(
        harness, response, "refresh with an access token in place of the refresh token",
        remedy="accept only refresh tokens on the refresh endpoint: look them up in the "
               "refresh-token store, or check a token-type claim (RFC 8725 §3.11)",
    )


@pytest.mark.check("refresh.deleted-user-rejected")
def test_refresh_deleted_user_rejected(harness: Harness) -> None:
    if harness.profile.account_deletion is None:
        pytest.skip("the profile declares no way to delete an account; add [account_deletion] "
                    "with the endpoint or the command that deletes one")
    if harness.profile.accounts.mode == "fixed":
        pytest.skip("the profile's accounts are fixed and shared by every check, so this check "
                    "has no account of its own to delete; use accounts mode \"signup\" or "
                    "\"command\"")
    resource, role = user_resource(harness)
    session = harness.signin(harness.disposable_account(role))

    harness.delete_account(session)

    signin = harness.signin_request(account=session.account)
    if signin.status_code in harness.profile.statuses.signin_success:
        raise HarnessError(
            f"the deletion of {session.account.username!r} did not take effect: signin with "
            f"its credentials still answered {signin.status_code}; check [account_deletion] "
            "in the profile"
        )

    access = harness.get_resource(resource, session.access_token)
    harness.note(f"{resource.method} {resource.path} with the deleted account's access token "
                 f"answered {access.status_code}"
                 + ("; a stateless access token lasts until its exp" if access.is_success
                    else ""))

    response = _refresh(harness, session.refresh_token)
    allowed = _rejected_statuses(harness)
    expect_that(
        response.status_code in allowed,
        "refresh with the refresh token of a deleted account: expected status "
        f"{describe_statuses(allowed)}, received {response.status_code}",
        expected=describe_statuses(allowed),
        received=response.status_code,
        remedy=("the backend failed when the token's account no longer exists; treat a "
                "missing account as an invalid grant and reject the token with a 4xx status"
                if response.status_code >= 500 else
                "delete an account's refresh tokens with it, or look the account up on every "
                "refresh and reject the token when the account is gone"),
    )
