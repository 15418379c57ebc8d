"""Scenarios of the concurrency family: a storm of requests with one expired access token,
parallel refresh calls with one refresh token, and refresh racing signout.

Requests start together behind an asyncio barrier, and each check notes how far apart they
reached the transport. N is --concurrency (50 by default).
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from conformance.client import TokenPair
from conformance.clock_steps import user_resource
from conformance.expect import describe_statuses, expect_that
from conformance.harness import Harness
from conformance.jsonpointer import PointerNotFound, resolve
from conformance.outcome import HarnessError
from conformance.plugin import run_options
from conformance.races.evidence import attach, register_secrets
from conformance.races.expired_storm import StormResult, run_expired_storm
from conformance.races.race_policy import expect_race
from conformance.races.recording import SentRequest, describe_spread
from conformance.races.refresh_race import RaceResult, run_refresh_race
from conformance.races.requests import client_settings
from conformance.races.signout_race import run_signout_race
from conformance.session import Session


@pytest.fixture
def concurrency(pytestconfig: pytest.Config) -> int:
    """Provide the number of requests fired together (--concurrency)."""
    return run_options(pytestconfig).concurrency


# Helpers


def _storm(harness: Harness, count: int) -> StormResult:
    """Sign in, let the access token expire, and fire `count` requests through the client."""
    profile = harness.profile
    resource, role = user_resource(harness)
    span = profile.access_token.lifetime + profile.access_token.leeway + 1
    harness.clock.require(span, server_state=False)

    session = harness.new_session(role)
    harness.clock.advance(span)
    tokens = TokenPair(harness.clock.present_access_token(session.access_token),
                       session.refresh_token)
    result = asyncio.run(run_expired_storm(harness.context.target, profile, tokens, resource,
                                           count))

    settings = client_settings(harness.context.target, profile)
    attach(harness, [*result.first_responses[:2], *result.refresh_requests[:3],
                     *result.retries[:2]], settings)
    backend = ("the backend offers no count" if result.backend_refreshes is None
               else f"the backend counted {result.backend_refreshes}")
    harness.note(f"{describe_spread(len(result.first_responses), result.spread)}; "
                 f"{len(result.refresh_requests)} refresh requests ({backend}); "
                 f"{len(result.succeeded)} of {count} requests succeeded in "
                 f"{result.elapsed * 1000:.0f} ms")
    return result


def _expect_storm_answered(harness: Harness, result: StormResult) -> None:
    """Fail the check when a request of the storm got no response, naming the first error."""
    unanswered = result.unanswered
    if not unanswered:
        return
    first = unanswered[0]
    timeout = harness.context.target.timeout
    expect_that(
        False,
        f"{len(unanswered)} of the storm's {len(result.sent)} requests got no response; the "
        f"first, {first.method} {first.path}, failed with {first.error}",
        expected="a response to every request", received=f"{len(unanswered)} without a response",
        remedy=f"send each whole response within the request timeout ({timeout:g} s, "
               "--timeout), under load as well",
    )


def _signed_in(harness: Harness) -> Session:
    _, role = user_resource(harness)
    session = harness.new_session(role)
    if session.refresh_token is None:
        raise HarnessError("signin returned no refresh token, so there is nothing to race")
    return session


def _race(harness: Harness, count: int) -> tuple[Session, RaceResult]:
    session = _signed_in(harness)
    assert session.refresh_token is not None
    target = harness.context.target
    result = asyncio.run(run_refresh_race(target, harness.profile, session.refresh_token, count))

    register_secrets(harness, result.issued)
    attach(harness, _first_per_status(result.sent), client_settings(target, harness.profile))
    harness.note(f"{describe_spread(len(result.sent), result.spread)}; responses: "
                 f"{_tally(result)}")
    return session, result


def _require_answered(outcomes: list[httpx.Response | BaseException], calls: str) -> None:
    """Raise HarnessError when one of `calls` got no response.

    The refresh tokens that such a call issued are unknown, so no check can count the tokens
    that still work.
    """
    errors = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    if errors:
        first = errors[0]
        raise HarnessError(
            f"{len(errors)} of {len(outcomes)} {calls} got no response (the first: "
            f"{type(first).__name__}: {first}), so the suite cannot tell which refresh tokens "
            "they issued"
        )


def _first_per_status(records: list[SentRequest]) -> list[SentRequest]:
    """Return the first record of each status, so the report shows each kind of response once."""
    first_of_status: dict[int | None, SentRequest] = {}
    for record in records:
        first_of_status.setdefault(record.status, record)
    return list(first_of_status.values())


def _tally(result: RaceResult) -> str:
    counts: dict[str, int] = {}
    for outcome in result.outcomes:
        key = (str(outcome.status_code) if isinstance(outcome, httpx.Response)
               else type(outcome).__name__)
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{count} x {key}" for key, count in sorted(counts.items()))


def _works(harness: Harness, refresh_token: str) -> bool:
    """Refresh once with `refresh_token` and return whether the backend accepted it."""
    response = harness.refresh_request(refresh_token)
    if response.status_code >= 500:
        raise HarnessError(f"a refresh after the race responded with {response.status_code}, so "
                           "the suite cannot tell which tokens still work")
    if response.status_code in harness.profile.statuses.refresh_success:
        register_secrets(harness, [_refresh_token_of(harness, response)])
        return True
    return False


def _refresh_token_of(harness: Harness, response: httpx.Response) -> str | None:
    pointer = harness.profile.refresh_response.refresh_token
    if pointer is None:
        return None
    try:
        value = resolve(response.json(), pointer)
    except (ValueError, PointerNotFound):
        return None
    return value if isinstance(value, str) else None


# Storm with one expired access token


@pytest.mark.check("concurrency.storm-single-refresh")
def test_concurrency_storm_single_refresh(harness: Harness, concurrency: int) -> None:
    result = _storm(harness, concurrency)
    _expect_storm_answered(harness, result)
    refreshes = len(result.refresh_requests)

    if refreshes == 0:
        statuses = sorted({s.status for s in result.first_responses}, key=str)
        expect_that(
            False,
            f"no refresh request reached the backend: the first responses were {statuses}, not "
            f"the profile's expired-token status {describe_statuses(result.expired_statuses)}",
            expected=1, received=0,
            remedy="reject a request with an expired access token with the expired-token "
                   "status the profile declares, so clients know to refresh",
        )
    expect_that(
        refreshes == 1,
        f"{refreshes} refresh requests reached the backend for {concurrency} requests with one "
        "expired access token; the correct client sends exactly one",
        expected=1, received=refreshes,
    )
    if result.backend_refreshes is not None:
        expect_that(
            result.backend_refreshes == 1,
            f"the backend counted {result.backend_refreshes} refresh calls while the suite "
            "sent exactly one",
            expected=1, received=result.backend_refreshes,
            remedy="count each refresh call once; another client may have used the backend "
                   "during the check",
        )


@pytest.mark.check("concurrency.storm-requests-succeed")
def test_concurrency_storm_requests_succeed(harness: Harness, concurrency: int) -> None:
    result = _storm(harness, concurrency)
    _expect_storm_answered(harness, result)
    expired = describe_statuses(result.expired_statuses)

    not_expired = result.first_not_expired
    expect_that(
        not not_expired,
        f"{len(not_expired)} of {concurrency} requests with an expired access token were first "
        f"got {sorted({s.status for s in not_expired}, key=str)}, not {expired}",
        expected=expired, received=sorted({s.status for s in not_expired}, key=str),
        remedy="reject an expired access token with the expired-token status the profile "
               "declares, under load as well",
    )
    expect_that(
        len(result.first_responses) == concurrency,
        f"{len(result.first_responses)} of {concurrency} requests reached the backend with the "
        "expired access token; the others were sent after the refresh",
        expected=concurrency, received=len(result.first_responses),
    )
    failed = result.failed
    failures = ", ".join(
        str(outcome.status_code) if isinstance(outcome, httpx.Response)
        else type(outcome).__name__
        for outcome in failed[:5])
    expect_that(
        not failed,
        f"{len(failed)} of {concurrency} requests did not succeed after the refresh "
        f"({failures})",
        expected=f"{concurrency} successes", received=f"{len(result.succeeded)} successes",
        remedy="accept the refreshed access token at once, for every request",
    )


# Parallel refresh calls with one refresh token


@pytest.mark.check("concurrency.parallel-refresh-served")
def test_concurrency_parallel_refresh_served(harness: Harness, concurrency: int) -> None:
    _, result = _race(harness, concurrency)

    if result.transport_errors and len(result.transport_errors) == concurrency:
        first = result.transport_errors[0]
        raise HarnessError(f"no refresh call reached the backend: {type(first).__name__}: "
                           f"{first}")
    unanswered = [*result.timed_out, *result.transport_errors]
    kinds = sorted({type(error).__name__ for error in unanswered})
    expect_that(
        not unanswered,
        f"{len(unanswered)} of {concurrency} parallel refresh calls got no response within "
        f"{harness.context.target.timeout:g} s ({', '.join(kinds)})",
        expected="a response to every call", received=f"{len(unanswered)} without a response",
        remedy="make parallel refreshes of one token wait for each other briefly or fail "
               "fast, never block",
    )
    errors = result.server_errors
    expect_that(
        not errors,
        f"{len(errors)} of {concurrency} parallel refresh calls with one refresh token "
        f"responded with {sorted({r.status_code for r in errors})}",
        expected="no 5xx", received=_tally(result),
        remedy="serialise the read and the update of the refresh-token row (a transaction or "
               "a row lock), so parallel refreshes never collide",
    )


@pytest.mark.check("concurrency.parallel-refresh-policy")
def test_concurrency_parallel_refresh_policy(harness: Harness, concurrency: int) -> None:
    _, result = _race(harness, concurrency)
    expectation = expect_race(harness.profile, concurrency)
    winners = len(result.succeeded)

    expect_that(
        winners == expectation.winners,
        f"{winners} of {concurrency} parallel refresh calls with one refresh token succeeded, "
        f"but under the profile's policy ({expectation.description}) {expectation.winners} "
        "must",
        expected=f"{expectation.winners} successes", received=_tally(result),
        remedy="decide each refresh on the token's current state inside one transaction, so "
               "that exactly the calls the rotation policy allows succeed",
    )
    allowed = harness.profile.statuses.refresh_failed | harness.profile.statuses.refresh_invalid
    losers = [o for o in result.outcomes
              if not (isinstance(o, httpx.Response)
                      and o.status_code in result.success_statuses | allowed)]
    expect_that(
        not losers,
        f"{len(losers)} of {concurrency} parallel refresh calls were neither accepted nor "
        f"rejected with the failed-refresh status {describe_statuses(allowed)}",
        expected=describe_statuses(result.success_statuses | allowed), received=_tally(result),
    )


@pytest.mark.check("concurrency.parallel-refresh-consistent")
def test_concurrency_parallel_refresh_consistent(harness: Harness, concurrency: int) -> None:
    session, result = _race(harness, concurrency)
    assert session.refresh_token is not None
    _require_answered(result.outcomes, "parallel refresh calls")
    expectation = expect_race(harness.profile, concurrency)

    candidates = result.distinct_issued
    live = [token for token in candidates if _works(harness, token)]
    harness.note(f"{len(live)} of {len(candidates)} refresh tokens the race returned still "
                 "work")
    expect_that(
        len(live) == expectation.live_tokens_after,
        f"after the race {len(live)} refresh tokens of one session work, but "
        f"{expectation.live_tokens_after} must ({expectation.description})",
        expected=expectation.live_tokens_after, received=len(live),
        remedy="issue at most one successor per refresh token, and under reuse detection "
               "revoke the whole family when a rotated-out token comes back",
    )
    if expectation.original_rejected_after and session.refresh_token not in candidates:
        expect_that(
            not _works(harness, session.refresh_token),
            "the raced refresh token still works after a rotation replaced it",
            expected="rejected", received="accepted",
            remedy="mark a refresh token as used when its successor is issued (RFC 6749 §6)",
        )


# Refresh racing signout


@pytest.mark.check("concurrency.refresh-signout-race")
def test_concurrency_refresh_signout_race(harness: Harness, concurrency: int) -> None:
    if harness.profile.endpoints.signout is None:
        pytest.skip("the profile has no signout endpoint (endpoints.signout)")
    session = _signed_in(harness)
    assert session.refresh_token is not None
    target = harness.context.target
    result = asyncio.run(run_signout_race(target, harness.profile, session.access_token,
                                          session.refresh_token, concurrency))
    register_secrets(harness, result.session_tokens)
    attach(harness, result.sent[:1], client_settings(target, harness.profile))
    harness.note(f"{describe_spread(len(result.sent), result.spread)}; "
                 f"{len(result.session_tokens)} refresh tokens of the session seen")

    signout = result.signout
    status = signout.status_code if isinstance(signout, httpx.Response) else None
    outcome = (f"responded with {status}" if status is not None
               else f"got no response ({type(signout).__name__}: {signout})")
    expect_that(
        status in harness.profile.statuses.signout_success,
        f"the signout racing {concurrency} refresh calls {outcome}",
        expected=describe_statuses(harness.profile.statuses.signout_success), received=status,
    )
    _require_answered(result.refreshes, "refresh calls racing the signout")
    live = [token for token in result.session_tokens if _works(harness, token)]
    expect_that(
        not live,
        f"{len(live)} refresh tokens of the signed-out session still work after signout raced "
        f"{concurrency} refresh calls",
        expected="no working refresh token", received=f"{len(live)} working",
        remedy="revoke the session's whole token family at signout, including a successor a "
               "parallel refresh issued a moment earlier",
    )
