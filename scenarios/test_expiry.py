"""Scenarios of the expiry family: access tokens stop working at `exp`, to the second.

Each check signs in, moves the backend's clock through `harness.clock` to a second relative to
the access token's `exp`, and sends the token. With the forge clock the backend's clock stays
and the token is re-signed with shifted times instead.
"""

from __future__ import annotations

import math
import re

import httpx
import pytest

from conformance.clock_steps import (
    SignedIn,
    describe_moment,
    get_at,
    require_until,
    sign_in_working,
)
from conformance.expect import expect_status, expect_that
from conformance.harness import Harness
from conformance.outcome import CheckFailed
from conformance.tokens import replace_claims

# RFC 6750 §3.1: the status on which a client refreshes.
REFRESH_STATUS = 401

# A Bearer challenge outside quoted parameter values (RFC 9110 §11.6.1).
_QUOTED_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BEARER_CHALLENGE = re.compile(r"(?:^|,)\s*bearer(?:\s|,|$)", re.IGNORECASE)


def _request_line(signed_in: SignedIn) -> str:
    return f"{signed_in.resource.method} {signed_in.resource.path}"


def _leeway(harness: Harness) -> int:
    return harness.profile.access_token.leeway


def _expired_response(harness: Harness) -> tuple[SignedIn, httpx.Response]:
    """Return a session and the response to its access token one second after exp + leeway."""
    signed_in = sign_in_working(harness)
    moment = signed_in.times.expires_at + _leeway(harness) + 1
    require_until(harness, moment, server_state=False)
    return signed_in, get_at(harness, signed_in, moment)


def _has_bearer_challenge(response: httpx.Response) -> bool:
    for value in response.headers.get_list("www-authenticate"):
        if _BEARER_CHALLENGE.search(_QUOTED_STRING.sub('""', value)):
            return True
    return False


def _expect_accepted(signed_in: SignedIn, response: httpx.Response, moment: str,
                     remedy: str) -> None:
    expect_that(
        response.is_success,
        f"{_request_line(signed_in)} with the access token at {moment}: expected a 2xx "
        f"status, received {response.status_code}",
        expected="a 2xx status",
        received=response.status_code,
        remedy=remedy,
    )


def _expect_expired(harness: Harness, signed_in: SignedIn, response: httpx.Response,
                    moment: str) -> None:
    expected = harness.profile.statuses.expired_token
    if response.is_success:
        remedy = ("treat an access token as expired from exp on, that is when now >= exp "
                  "(RFC 7519 §4.1.4); if the backend allows clock skew, declare it in "
                  "access_token.leeway")
    else:
        remedy = ("answer an expired access token with the status the profile declares in "
                  "statuses.expired_token, or correct the profile")
    expect_status(response, expected,
                  f"{_request_line(signed_in)} with the access token at {moment}",
                  remedy=remedy)


# Checks


@pytest.mark.check("expiry.access-accepted-before-exp")
def test_expiry_access_accepted_before_exp(harness: Harness) -> None:
    signed_in = sign_in_working(harness)
    moment = signed_in.times.expires_at - 1
    require_until(harness, moment, server_state=False)

    response = get_at(harness, signed_in, moment)

    _expect_accepted(
        signed_in, response, describe_moment("exp - 1", moment),
        remedy="accept an access token until its exp: it expires when now >= exp, not "
               "earlier (RFC 7519 §4.1.4); look for an off-by-one or a lifetime shorter "
               "than the token's exp claims",
    )


@pytest.mark.check("expiry.access-accepted-within-leeway")
def test_expiry_access_accepted_within_leeway(harness: Harness) -> None:
    leeway = _leeway(harness)
    if leeway == 0:
        pytest.skip("the profile declares no leeway (access_token.leeway = 0)")
    signed_in = sign_in_working(harness)
    moment = signed_in.times.expires_at + leeway - 1
    require_until(harness, moment, server_state=False)

    response = get_at(harness, signed_in, moment)

    _expect_accepted(
        signed_in, response, describe_moment(f"exp + {leeway - 1}", moment),
        remedy=f"allow the declared leeway of {leeway} s after exp, or set "
               "access_token.leeway to the leeway the backend really allows",
    )


@pytest.mark.check("expiry.access-rejected-at-exp")
def test_expiry_access_rejected_at_exp(harness: Harness) -> None:
    signed_in = sign_in_working(harness)
    leeway = _leeway(harness)
    moment = signed_in.times.expires_at + leeway
    require_until(harness, moment, server_state=False)

    response = get_at(harness, signed_in, moment)

    label = f"exp + {leeway}" if leeway else "exp"
    _expect_expired(harness, signed_in, response, describe_moment(label, moment))


@pytest.mark.check("expiry.access-rejected-after-exp")
def test_expiry_access_rejected_after_exp(harness: Harness) -> None:
    signed_in, response = _expired_response(harness)

    leeway = _leeway(harness)
    label = f"exp + {leeway + 1}"
    moment = signed_in.times.expires_at + leeway + 1
    _expect_expired(harness, signed_in, response, describe_moment(label, moment))


@pytest.mark.check("expiry.expired-status-triggers-refresh")
def test_expiry_expired_status_triggers_refresh(harness: Harness) -> None:
    signed_in, response = _expired_response(harness)
    if response.is_success:
        pytest.skip("the backend accepted the expired access token, so there is no rejection "
                    "status to judge; see expiry.access-rejected-after-exp")

    line = _request_line(signed_in)
    if response.status_code == 403:
        raise CheckFailed(
            f"{line} with an expired access token answered 403: the Angular tutorial client "
            "refreshes only on 401 and signs the user out on 403, so every expiry ends the "
            "session instead of refreshing it",
            expected=REFRESH_STATUS,
            received=response.status_code,
            remedy="answer an expired access token with 401 (RFC 6750 §3.1 invalid_token) and "
                   "keep 403 for insufficient rights",
        )
    expect_that(
        response.status_code == REFRESH_STATUS,
        f"{line} with an expired access token answered {response.status_code}, not 401, so a "
        "client that refreshes on 401 never refreshes",
        expected=REFRESH_STATUS,
        received=response.status_code,
        remedy="answer an expired access token with 401 (RFC 6750 §3.1 invalid_token)",
    )


@pytest.mark.check("expiry.www-authenticate-on-expired")
def test_expiry_www_authenticate_on_expired(harness: Harness) -> None:
    if not harness.profile.statuses.www_authenticate:
        pytest.skip("the profile declares statuses.www_authenticate = false; RFC 6750 §3 asks "
                    "for a WWW-Authenticate: Bearer header on every 401")
    signed_in, response = _expired_response(harness)
    if response.status_code != 401:
        pytest.skip(f"the expired access token was answered {response.status_code}, not 401")

    challenge = " | ".join(response.headers.get_list("www-authenticate"))
    expect_that(
        _has_bearer_challenge(response),
        f"{_request_line(signed_in)} with an expired access token answered 401 without a "
        "Bearer challenge",
        expected='WWW-Authenticate: Bearer error="invalid_token"',
        received=challenge or "no WWW-Authenticate header",
        remedy='add WWW-Authenticate: Bearer error="invalid_token" to the 401 (RFC 6750 §3)',
    )
    if "invalid_token" not in challenge:
        harness.note('the challenge has no error="invalid_token", which RFC 6750 §3.1 gives '
                     "for an expired token")


@pytest.mark.check("expiry.nbf-in-future-rejected")
def test_expiry_nbf_in_future_rejected(harness: Harness) -> None:
    signed_in = sign_in_working(harness)
    leeway = _leeway(harness)
    clock = harness.clock
    key = harness.profile.access_token.signing_key
    not_before = signed_in.times.not_before

    if not_before is not None and clock.moves_backwards:
        moment = not_before - leeway - 1
        response = get_at(harness, signed_in, moment)
        what = f"the backend's own access token at {describe_moment('nbf - 1', moment)}"
    elif key is not None:
        future = math.floor(clock.now()) + leeway + 60
        token = replace_claims(signed_in.session.access_token, {"nbf": future}, key)
        response = harness.get_resource(signed_in.resource, token)
        what = f"an access token signed with the profile's key whose nbf is {leeway + 60} s ahead"
    else:
        pytest.skip("the backend's access tokens carry no nbf claim and the profile has no "
                    "signing key to add one")

    expect_that(
        400 <= response.status_code < 500,
        f"{_request_line(signed_in)} with {what}: expected a 4xx rejection, received "
        f"{response.status_code}",
        expected="a 4xx status",
        received=response.status_code,
        remedy="reject an access token before its nbf time (RFC 7519 §4.1.5); most JWT "
               "libraries do when nbf checks are left on",
    )


@pytest.mark.check("expiry.lifetime-matches-profile")
def test_expiry_lifetime_matches_profile(harness: Harness) -> None:
    lifetime = harness.profile.access_token.lifetime
    before = math.floor(harness.clock.now())
    signed_in = sign_in_working(harness)
    after = math.ceil(harness.clock.now())
    times = signed_in.times

    if times.issued_at is not None:
        actual = times.expires_at - times.issued_at
        expect_that(
            actual == lifetime,
            f"the access token lives {actual:g} s from iat to exp, but the profile declares "
            f"{lifetime} s",
            expected=lifetime,
            received=actual,
            remedy="issue access tokens with exp = iat + access_token.lifetime, or correct "
                   "access_token.lifetime in the profile",
        )
        return

    earliest, latest = before + lifetime, after + lifetime
    expect_that(
        earliest <= times.expires_at <= latest,
        f"the access token expires {times.expires_at - before:g} s after signin, but the "
        f"profile declares {lifetime} s",
        expected=f"exp between {earliest} and {latest}",
        received=times.expires_at,
        remedy="issue access tokens that live access_token.lifetime seconds, or correct the "
               "profile",
    )
