"""Parallel refresh calls with one refresh token, sent straight at the backend together.

The race shows whether the backend responds to every call without a 5xx or a hang, and which calls
won. Judging the outcome against the profile's rotation policy is `race_policy`'s job.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from conformance.client.wire import RefreshResponseInvalid, read_refreshed_tokens
from conformance.profile import Profile
from conformance.races.clients import recording_client
from conformance.races.recording import SentRequest, start_spread
from conformance.races.requests import client_settings, refresh_request
from conformance.races.start_gate import StartGate
from conformance.target import Target


@dataclass
class RaceResult:
    """The responses to one race of refresh calls, in the order the calls were made."""

    outcomes: list[httpx.Response | BaseException]
    sent: list[SentRequest]
    success_statuses: frozenset[int]
    issued: list[str]
    """Refresh tokens the successful responses carried, in order, repeats included."""

    @property
    def spread(self) -> float:
        return start_spread(self.sent)

    @property
    def responses(self) -> list[httpx.Response]:
        return [o for o in self.outcomes if isinstance(o, httpx.Response)]

    @property
    def succeeded(self) -> list[httpx.Response]:
        return [r for r in self.responses if r.status_code in self.success_statuses]

    @property
    def rejected(self) -> list[httpx.Response]:
        return [r for r in self.responses
                if r.status_code not in self.success_statuses and r.status_code < 500]

    @property
    def server_errors(self) -> list[httpx.Response]:
        return [r for r in self.responses if r.status_code >= 500]

    @property
    def timed_out(self) -> list[BaseException]:
        return [o for o in self.outcomes if isinstance(o, httpx.TimeoutException)]

    @property
    def transport_errors(self) -> list[BaseException]:
        return [o for o in self.outcomes
                if isinstance(o, BaseException) and not isinstance(o, httpx.TimeoutException)]

    @property
    def distinct_issued(self) -> list[str]:
        return list(dict.fromkeys(self.issued))


async def run_refresh_race(
    target: Target, profile: Profile, refresh_token: str, count: int
) -> RaceResult:
    """Send `count` refresh calls with `refresh_token`, released together by a start gate."""
    client, recorder = recording_client(target, connections=count)
    gate = StartGate(count)

    async def one() -> httpx.Response:
        request = refresh_request(target, profile, refresh_token)
        await gate.wait()
        return await client.send(request)

    async with client:
        outcomes = await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)

    settings = client_settings(target, profile)
    success = profile.statuses.refresh_success
    issued: list[str] = []
    for outcome in outcomes:
        if isinstance(outcome, httpx.Response) and outcome.status_code in success:
            try:
                tokens = read_refreshed_tokens(settings, outcome, refresh_token)
            except RefreshResponseInvalid:
                continue
            if tokens.refresh_token is not None:
                issued.append(tokens.refresh_token)
    return RaceResult(list(outcomes), list(recorder.sent), success, issued)
