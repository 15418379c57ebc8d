"""Refresh calls racing a signout of the same session, released together by a start gate.

Afterwards no refresh token of the session may work: neither the one signin issued nor any that
a refresh call won during the race.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from conformance.client.wire import RefreshResponseInvalid, read_refreshed_tokens
from conformance.profile import Profile
from conformance.races.clients import recording_client
from conformance.races.recording import SentRequest, start_spread
from conformance.races.requests import client_settings, refresh_request, signout_request
from conformance.races.start_gate import StartGate
from conformance.target import Target


@dataclass
class SignoutRaceResult:
    """The signout's response, the refresh calls' responses, and every refresh token seen."""

    signout: httpx.Response | BaseException
    refreshes: list[httpx.Response | BaseException]
    sent: list[SentRequest]
    session_tokens: list[str]
    """The signin refresh token first, then each new one a refresh call won, without repeats."""

    @property
    def spread(self) -> float:
        return start_spread(self.sent)


async def run_signout_race(
    target: Target, profile: Profile, access_token: str, refresh_token: str, count: int
) -> SignoutRaceResult:
    """Send one signout and `count` refresh calls of one session together."""
    client, recorder = recording_client(target, connections=count + 1)
    gate = StartGate(count + 1)

    async def send(request: httpx.Request) -> httpx.Response:
        await gate.wait()
        return await client.send(request)

    signout = signout_request(target, profile, access_token, refresh_token)
    refreshes = [refresh_request(target, profile, refresh_token) for _ in range(count)]
    async with client:
        outcomes = await asyncio.gather(send(signout), *(send(r) for r in refreshes),
                                        return_exceptions=True)

    settings = client_settings(target, profile)
    tokens = [refresh_token]
    for outcome in outcomes[1:]:
        if isinstance(outcome, httpx.Response) and \
                outcome.status_code in profile.statuses.refresh_success:
            try:
                pair = read_refreshed_tokens(settings, outcome, refresh_token)
            except RefreshResponseInvalid:
                continue
            if pair.refresh_token is not None and pair.refresh_token not in tokens:
                tokens.append(pair.refresh_token)
    return SignoutRaceResult(outcomes[0], list(outcomes[1:]), list(recorder.sent), tokens)
