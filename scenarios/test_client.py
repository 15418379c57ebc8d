"""Scenarios of the client family: verdicts on the correct client and on models of known
clients, each run through the flows of `conformance.compat` under time limits.

A model's verdict counts only where the suite's correct client passes the same flow. Where the
correct client fails too, the backend breaks every client there, so the model check is skipped
with that reason.
"""

from __future__ import annotations

import pytest

from conformance.client.tokens import TokenPair
from conformance.clock_steps import user_resource
from conformance.compat.flows import Flow, FlowEnv
from conformance.compat.runner import FlowResult, run_flow
from conformance.compat.verdict import Verdict
from conformance.expect import describe_statuses, expect_that
from conformance.harness import Harness
from conformance.outcome import HarnessError

# Requests in the concurrent flow: enough for a queue to matter, few enough to stay quick.
CLIENT_FLOW_CONCURRENCY = 5

REMEDIES: dict[tuple[str, Verdict], str] = {
    ("angular12", Verdict.LOGS_OUT_EARLY):
        "this client saves only the new access token and keeps the refresh token of signin; "
        "accept a rotated-out refresh token for at least the access-token lifetime (a grace "
        "window), or do not rotate refresh tokens for clients built on this tutorial",
    ("angular12", Verdict.DEADLOCKS):
        "reject a refresh token with 403, the tutorial's logout status: this client "
        "takes a 401 from its own refresh call for an expired access token and waits forever "
        "for the refresh in flight",
    ("angular17", Verdict.MISSES_LOGOUT):
        "reject a refresh token with 403: this client emits its logout event only "
        "on 403 and otherwise keeps the user signed in with dead tokens",
}
DEFAULT_REMEDY = ("compare the exchanges with the client's documented quirks in "
                  "conformance.client.models")


def _spans(harness: Harness) -> tuple[int, int]:
    """Return the seconds that expire the access token and the refresh token."""
    profile = harness.profile
    leeway = profile.access_token.leeway
    access_span = profile.access_token.lifetime + leeway + 1
    refresh_span = max(profile.refresh_token.lifetime, profile.access_token.lifetime) + leeway + 1
    return access_span, refresh_span


def _require_clock(harness: Harness, flow: Flow) -> None:
    """Skip unless the clock can run `flow`."""
    access_span, refresh_span = _spans(harness)
    if flow is Flow.REFRESH_REJECTED:
        harness.clock.require(refresh_span, server_state=True)
    elif flow is Flow.SECOND_REFRESH:
        harness.clock.require(2 * access_span, server_state=True)
        refresh = harness.profile.refresh_token
        if refresh.rotation == "none" and 2 * access_span >= refresh.lifetime:
            # Without rotation the signin's refresh token keeps its expiry, so the second
            # refresh would meet an expired refresh token and test refresh expiry instead.
            pytest.skip(f"two access-token lifetimes ({2 * access_span} s) reach the refresh "
                        f"token's lifetime ({refresh.lifetime} s), and the backend does not "
                        "renew the refresh token, so a second refresh cannot succeed")
    else:
        harness.clock.require(access_span, server_state=False)


def _env(harness: Harness) -> FlowEnv:
    """Return the flow environment: fresh sessions, and clock moves past each lifetime.

    NOTE: the flows of one check share the clock. The forge clock raises HarnessError for an
    access token issued more than a second after the check first moved it, so under that clock
    a flow that starts over a second after the first clock move cannot run.
    """
    resource, role = user_resource(harness)
    access_span, refresh_span = _spans(harness)
    clock = harness.clock

    def new_tokens() -> TokenPair:
        session = harness.new_session(role)
        return TokenPair(session.access_token, session.refresh_token)

    def present(tokens: TokenPair) -> TokenPair:
        return TokenPair(clock.present_access_token(tokens.access_token), tokens.refresh_token)

    return FlowEnv(
        resource=resource,
        new_tokens=new_tokens,
        expire_access=lambda: clock.advance(access_span),
        expire_refresh=lambda: clock.advance(refresh_span),
        concurrency=CLIENT_FLOW_CONCURRENCY,
        present=present,
    )


def _run(harness: Harness, env: FlowEnv, model: str, flow: Flow) -> FlowResult:
    result = run_flow(harness.context.target, harness.profile, env, model, flow)
    harness.note(result.describe())
    return result


def _verdict(harness: Harness, model: str, flow: Flow) -> FlowResult:
    """Run `flow` with the correct client, then with `model`; skip if the control fails."""
    _require_clock(harness, flow)
    env = _env(harness)
    control = run_flow(harness.context.target, harness.profile, env, "correct", flow)
    if control.verdict is not Verdict.WORKS:
        pytest.skip(f"the suite's correct client fails this flow too ({control.detail}), so a "
                    f"verdict on {model} would say nothing about it; see "
                    "client.correct-client-flows")
    return _run(harness, env, model, flow)


def _expect_works(harness: Harness, result: FlowResult) -> None:
    remedy = REMEDIES.get((result.model, result.verdict), DEFAULT_REMEDY)
    expect_that(
        result.verdict is Verdict.WORKS,
        f"the {result.model} client {result.verdict.value} in flow {result.flow.value}: "
        f"{result.detail}{_contradiction(harness, result)}",
        expected=Verdict.WORKS.value, received=result.verdict.value, remedy=remedy,
    )


def _contradiction(harness: Harness, result: FlowResult) -> str:
    """Return a clause naming the profile declaration the observed refresh responses break."""
    statuses = harness.profile.statuses
    declared = statuses.refresh_success | statuses.refresh_failed | statuses.refresh_invalid
    odd = sorted({status for status in result.refresh_statuses if status not in declared})
    if not odd:
        return ""
    return (f"; the refresh responded with {odd}, which the profile does not declare "
            f"(refresh_failed = {describe_statuses(statuses.refresh_failed)}), so "
            "client.correct-client-flows fails too")


# The correct client: the control


@pytest.mark.check("client.correct-client-flows")
def test_client_correct_client_flows(harness: Harness) -> None:
    _require_clock(harness, Flow.EXPIRED_ACCESS)
    flows: list[Flow] = []
    for flow in Flow:
        try:
            _require_clock(harness, flow)
        except pytest.skip.Exception as skipped:
            harness.note(f"flow {flow.value} not run: {skipped.msg}")
            continue
        flows.append(flow)
    env = _env(harness)
    results: list[FlowResult] = []
    for flow in flows:
        try:
            results.append(_run(harness, env, "correct", flow))
        except HarnessError as error:
            if all(result.verdict is Verdict.WORKS for result in results):
                raise
            # A broken flow can stop the next one from starting (see _env), and the broken
            # flow is then the finding to report.
            harness.note(f"flow {flow.value} not run: {error}")
            break

    broken = [r for r in results if r.verdict is not Verdict.WORKS]
    expect_that(
        not broken,
        "the suite's correct client breaks: " + "; ".join(r.describe() for r in broken),
        expected="works in every flow", received=", ".join(r.verdict.value for r in broken),
        remedy="see the flow's detail; a correct client needs the expired-token status on "
               "an expired access token and a 4xx on a dead refresh token",
    )
    failed = harness.profile.statuses.refresh_failed
    odd = [status for r in results if r.flow is Flow.REFRESH_REJECTED
           for status in r.refresh_statuses if status not in failed]
    expect_that(
        not odd,
        f"the refresh of an expired refresh token responded with {odd}, but the profile "
        f"declares refresh_failed = {describe_statuses(failed)}",
        expected=describe_statuses(failed), received=odd,
        remedy="respond with the status the profile declares, or correct the profile",
    )


# The Angular 11/12 tutorial interceptor


@pytest.mark.check("client.angular12-expired-access")
def test_client_angular12_expired_access(harness: Harness) -> None:
    _expect_works(harness, _verdict(harness, "angular12", Flow.EXPIRED_ACCESS))


@pytest.mark.check("client.angular12-concurrent-expired")
def test_client_angular12_concurrent_expired(harness: Harness) -> None:
    _expect_works(harness, _verdict(harness, "angular12", Flow.CONCURRENT_EXPIRED))


@pytest.mark.check("client.angular12-second-refresh")
def test_client_angular12_second_refresh(harness: Harness) -> None:
    _expect_works(harness, _verdict(harness, "angular12", Flow.SECOND_REFRESH))


@pytest.mark.check("client.angular12-refresh-rejected")
def test_client_angular12_refresh_rejected(harness: Harness) -> None:
    _expect_works(harness, _verdict(harness, "angular12", Flow.REFRESH_REJECTED))


# The Angular 17 tutorial interceptor


@pytest.mark.check("client.angular17-expired-access")
def test_client_angular17_expired_access(harness: Harness) -> None:
    _expect_works(harness, _verdict(harness, "angular17", Flow.EXPIRED_ACCESS))


@pytest.mark.check("client.angular17-concurrent-expired")
def test_client_angular17_concurrent_expired(harness: Harness) -> None:
    result = _verdict(harness, "angular17", Flow.CONCURRENT_EXPIRED)
    if result.verdict is Verdict.FAILS_REQUESTS:
        harness.note("a limit of this client, not of the backend: it retries a 401 that "
                     "arrives during its refresh at once, with the old access token")


@pytest.mark.check("client.angular17-second-refresh")
def test_client_angular17_second_refresh(harness: Harness) -> None:
    _expect_works(harness, _verdict(harness, "angular17", Flow.SECOND_REFRESH))


@pytest.mark.check("client.angular17-refresh-rejected")
def test_client_angular17_refresh_rejected(harness: Harness) -> None:
    _expect_works(harness, _verdict(harness, "angular17", Flow.REFRESH_REJECTED))
