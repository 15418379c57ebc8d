"""The Hypothesis state machine that drives a backend through the protocol and checks each
response against `ProtocolModel`.

Rules: signin, a protected request, a clock move, a refresh (with the current or the last
rotated-out refresh token), signout and parallel refreshes. Every example signs up one account
and starts on a whole second. A disagreement raises CheckFailed, and the property run adds the
shrunk steps to its message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, precondition, rule

from conformance.accounts import Account
from conformance.clock_steps import start_on_whole_second, user_resource
from conformance.expect import describe_statuses
from conformance.harness import Harness
from conformance.outcome import CheckFailed
from conformance.properties import PropertyRun
from conformance.protocol_model import (
    AccessTokenModel,
    Decision,
    Prediction,
    ProtocolModel,
    SessionModel,
)
from conformance.races.race_policy import expect_race
from conformance.races.refresh_race import run_refresh_race
from conformance.session import Session

# Calls in one parallel refresh: enough for one winner and one loser.
RACE_CALLS = 2
# Signins per example; each one is a session whose tokens the other rules use.
MAX_SESSIONS = 3


def clock_moves(harness: Harness) -> list[int]:
    """Return the clock moves in seconds: the profile's boundaries, and back past nbf if the
    clock can go back."""
    profile = harness.profile
    access, refresh = profile.access_token, profile.refresh_token
    forward = {1, access.lifetime - 1, access.lifetime + access.leeway - 1,
               access.lifetime + access.leeway, refresh.lifetime - 1, refresh.lifetime}
    if refresh.grace_seconds:
        forward |= {refresh.grace_seconds - 1, refresh.grace_seconds}
    moves = sorted(seconds for seconds in forward if seconds > 0)
    if harness.clock.moves_backwards:
        moves.append(-(access.leeway + 1))
    return moves


@dataclass
class _Live:
    """One session: its state in the model and the tokens the client keeps."""

    model: SessionModel
    client: Session


def machine_factory(harness: Harness, run: PropertyRun) -> Callable[[], RuleBasedStateMachine]:
    """Return a factory of state machines for `harness`'s profile and clock."""
    profile = harness.profile
    statuses = profile.statuses
    clock = harness.clock
    resource, role = user_resource(harness)
    line = f"{resource.method} {resource.path}"
    refresh_choices = ["current"] if profile.refresh_token.rotation == "none" else [
        "current", "rotated-out"]
    access_rejections = statuses.expired_token | statuses.invalid_token
    refresh_rejections = statuses.refresh_failed | statuses.refresh_invalid

    class ProtocolMachine(RuleBasedStateMachine):
        sessions = Bundle("sessions")

        def __init__(self) -> None:
            super().__init__()
            self.model = ProtocolModel(profile)
            self.live: list[_Live] = []
            self.account: Account | None = None
            self.start = 0.0
            if run.start_example():
                run.guard(self._begin)

        def _begin(self) -> None:
            self.start = start_on_whole_second(harness)
            self.account = harness.new_account(role)

        @property
        def active(self) -> bool:
            return self.account is not None and not run.stopped

        def _moment(self) -> str:
            offset = clock.now() - self.start
            sign = "-" if offset < 0 else "+"
            return f"start {sign} {abs(offset):g} s"

        def _disagree(self, step: str, prediction: Prediction, received: str,
                      remedy: str) -> CheckFailed:
            return CheckFailed(
                f"{step} at {self._moment()}: the model predicted {prediction.describe()} "
                f"because {prediction.reason}, but the backend returned {received}",
                expected=prediction.describe(),
                received=received,
                remedy=remedy,
            )

        # Rules

        @initialize(target=sessions)
        def first_signin(self) -> int:
            return self._signin()

        @precondition(lambda self: len(self.live) < MAX_SESSIONS)
        @rule(target=sessions)
        def signin(self) -> int:
            return self._signin()

        def _signin(self) -> int:
            if not self.active:
                return -1

            def act() -> int:
                assert self.account is not None
                client = harness.signin(self.account)
                model = self.model.record_signin(client.access_token, client.refresh_token,
                                                 clock.now())
                self.live.append(_Live(model, client))
                return model.number

            number = run.guard(act)
            return -1 if number is None else number

        @rule(session=sessions, token=st.sampled_from(["latest", "first"]))
        def access(self, session: int, token: str) -> None:
            if not self.active or session < 0:
                return
            live = self.live[session]
            tokens = live.model.access_tokens
            chosen = tokens[-1] if token == "latest" else tokens[0]
            run.guard(lambda: self._access(live, chosen, token))

        def _access(self, live: _Live, token: AccessTokenModel, choice: str) -> None:
            prediction = self.model.predict_access(live.model, token, clock.now())
            sent = clock.present_access_token(token.token)
            response = harness.get_resource(resource, sent)
            step = f"{line} with the {choice} access token of session {live.model.number}"
            decision = _decision(response, access_rejections)
            if decision is None or not prediction.allows(decision):
                raise self._disagree(
                    step, prediction, f"{response.status_code}",
                    remedy="accept an access token from its issue until exp + leeway and "
                           "reject it before nbf and from exp on (RFC 7519 §4.1.4, §4.1.5), "
                           f"rejecting with {describe_statuses(access_rejections)}",
                )

        @rule(seconds=st.sampled_from(clock_moves(harness)))
        def move_clock(self, seconds: int) -> None:
            if self.active:
                run.guard(lambda: clock.advance(seconds))

        @rule(session=sessions, token=st.sampled_from(refresh_choices))
        def refresh(self, session: int, token: str) -> None:
            if not self.active or session < 0:
                return
            live = self.live[session]
            chosen = _refresh_token(live.model, token)
            # Before the session's last change the backend's own records are in the future.
            if chosen is None or clock.now() < live.model.last_change:
                return
            run.guard(lambda: self._refresh(live, chosen, token))

        def _refresh(self, live: _Live, token: str, choice: str) -> None:
            now = clock.now()
            prediction = self.model.predict_refresh(live.model, token, now)
            response = harness.refresh_request(token)
            step = f"refresh with the {choice} refresh token of session {live.model.number}"
            decision = _decision(response, refresh_rejections, statuses.refresh_success)
            if decision is None or not prediction.allows(decision):
                raise self._disagree(
                    step, prediction, f"{response.status_code}",
                    remedy="accept a refresh token for refresh_token.lifetime seconds, and "
                           "apply the rotation, grace window and reuse detection the profile "
                           "declares (RFC 6749 §6, RFC 9700 §4.14.2)",
                )

            access_token = returned = None
            if decision is Decision.ACCEPTED:
                refreshed = harness.session_from_refresh(live.client.with_tokens(
                    live.client.access_token, token), response)
                access_token, returned = refreshed.access_token, refreshed.refresh_token
                self._check_rotation(step, token, returned, choice)
                live.client = refreshed
            self.model.record_refresh(live.model, token, decision, access_token, returned, now)

        def _check_rotation(self, step: str, sent: str, returned: str | None,
                            choice: str) -> None:
            if profile.refresh_token.rotation == "none" or choice != "current":
                return
            if returned is None or returned == sent:
                raise CheckFailed(
                    f"{step} at {self._moment()}: the profile declares rotation "
                    f"{profile.refresh_token.rotation}, but the backend returned "
                    f"{'no' if returned is None else 'the same'} refresh token",
                    expected="a new refresh token",
                    received="no refresh token" if returned is None else "the same token",
                    remedy="return a new refresh token from every refresh (RFC 6749 §6), or "
                           "declare refresh_token.rotation = \"none\"",
                )

        @precondition(lambda self: profile.endpoints.signout is not None)
        @rule(session=sessions)
        def signout(self, session: int) -> None:
            if not self.active or session < 0:
                return
            live = self.live[session]
            if not self._usable(live):
                return
            run.guard(lambda: self._signout(live))

        def _signout(self, live: _Live) -> None:
            response = harness.signout(live.client)
            if response.status_code not in statuses.signout_success:
                raise CheckFailed(
                    f"signout of session {live.model.number} at {self._moment()}: expected "
                    f"status {describe_statuses(statuses.signout_success)}, received "
                    f"{response.status_code}",
                    expected=describe_statuses(statuses.signout_success),
                    received=response.status_code,
                    remedy="accept a signout with the session's live credential",
                )
            self.model.record_signout(live.model)

        @rule(session=sessions)
        def parallel_refresh(self, session: int) -> None:
            if not self.active or session < 0:
                return
            live = self.live[session]
            if not self._usable(live):
                return
            run.guard(lambda: self._race(live))

        def _race(self, live: _Live) -> None:
            token = live.model.current
            assert token is not None
            now = clock.now()
            expected = expect_race(profile, RACE_CALLS)
            result = asyncio.run(run_refresh_race(harness.context.target, profile, token,
                                                  RACE_CALLS))
            for issued in result.issued:
                harness.redact.add(issued)

            step = (f"{RACE_CALLS} parallel refreshes with the current refresh token of "
                    f"session {live.model.number}")
            failures = len(result.server_errors) + len(result.timed_out) + len(
                result.transport_errors)
            if failures or len(result.succeeded) != expected.winners:
                raise CheckFailed(
                    f"{step} at {self._moment()}: expected {expected.description}, but "
                    f"{len(result.succeeded)} succeeded and {failures} failed with a 5xx, a "
                    "timeout or a transport error",
                    expected=f"{expected.winners} successful refreshes",
                    received=", ".join(_status_of(outcome) for outcome in result.outcomes),
                    remedy="decide parallel refreshes of one token in one transaction and "
                           "decide each by the declared rotation policy",
                )
            self.model.record_race(live.model, len(result.succeeded), result.issued, now)
            if live.model.current is not None:
                live.client = live.client.with_tokens(live.client.access_token,
                                                      live.model.current)

        def _usable(self, live: _Live) -> bool:
            """Return whether the session's current refresh token surely works now."""
            model = live.model
            if model.current is None or clock.now() < model.last_change:
                return False
            prediction = self.model.predict_refresh(model, model.current, clock.now())
            if profile.signout_credential == "access-token":
                latest = model.access_tokens[-1]
                access = self.model.predict_access(model, latest, clock.now())
                if access.decisions != frozenset({Decision.ACCEPTED}):
                    return False
            return prediction.decisions == frozenset({Decision.ACCEPTED})

    return ProtocolMachine


def _refresh_token(session: SessionModel, choice: str) -> str | None:
    if choice == "current":
        return session.current
    if not session.rotated_out:
        return None
    return max(session.rotated_out, key=lambda token: session.rotated_out[token])


def _decision(response: httpx.Response, rejections: frozenset[int],
            successes: frozenset[int] | None = None) -> Decision | None:
    """Return the decision a response shows, or None for a status the profile does not allow."""
    accepted = (response.status_code in successes if successes is not None
                else response.is_success)
    if accepted:
        return Decision.ACCEPTED
    if response.status_code in rejections:
        return Decision.REJECTED
    return None


def _status_of(outcome: httpx.Response | BaseException) -> str:
    if isinstance(outcome, httpx.Response):
        return str(outcome.status_code)
    return type(outcome).__name__
