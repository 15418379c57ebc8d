"""The expired-token storm: N requests with one expired access token through the correct client.

All N start together behind a start gate. The recording transport shows what reached the backend:
each request's first response, the refresh requests, and the retries with the new token.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httpx

from conformance.client import RefreshingAuth, TokenPair
from conformance.client.wire import read_access_token
from conformance.profile import Profile, ProtectedResource
from conformance.races.backend_counts import read_refresh_total
from conformance.races.clients import recording_client, target_path, target_url
from conformance.races.recording import SentRequest, start_spread
from conformance.races.start_gate import StartGate
from conformance.realtime import monotonic
from conformance.target import Target


@dataclass
class StormResult:
    """The outcome of one storm: each caller's result and every request the transport saw."""

    count: int
    outcomes: list[httpx.Response | BaseException]
    first_responses: list[SentRequest]
    retries: list[SentRequest]
    refresh_requests: list[SentRequest]
    backend_refreshes: int | None
    client_refreshes: int
    elapsed: float
    expired_statuses: frozenset[int] = field(default_factory=frozenset)
    sent: list[SentRequest] = field(default_factory=list)
    """Every request the transport saw, in the order they finished."""

    @property
    def spread(self) -> float:
        """Seconds between the first and the last first request reaching the transport."""
        return start_spread(self.first_responses)

    @property
    def succeeded(self) -> list[httpx.Response]:
        return [outcome for outcome in self.outcomes
                if isinstance(outcome, httpx.Response) and outcome.is_success]

    @property
    def failed(self) -> list[httpx.Response | BaseException]:
        return [outcome for outcome in self.outcomes
                if not isinstance(outcome, httpx.Response) or not outcome.is_success]

    @property
    def first_not_expired(self) -> list[SentRequest]:
        """First requests whose response was not one of the profile's expired statuses."""
        return [sent for sent in self.first_responses if sent.status not in self.expired_statuses]

    @property
    def unanswered(self) -> list[SentRequest]:
        """Requests that got no response because of a timeout or another transport error."""
        return [sent for sent in self.sent if sent.error is not None]


async def run_expired_storm(
    target: Target,
    profile: Profile,
    tokens: TokenPair,
    resource: ProtectedResource,
    count: int,
) -> StormResult:
    """Send `count` requests for `resource` together with the (already expired) `tokens`."""
    refresh_url = target_url(target, profile.endpoints.refresh)
    auth = RefreshingAuth.from_profile(profile, tokens, refresh_url=refresh_url)
    client, recorder = recording_client(target, connections=count, auth=auth)
    gate = StartGate(count)

    async def one() -> httpx.Response:
        await gate.wait()
        return await client.request(resource.method, resource.path)

    counter = target.async_client()
    try:
        before = await read_refresh_total(target, counter)
        started = monotonic()
        async with client:
            outcomes = await asyncio.gather(*(one() for _ in range(count)),
                                            return_exceptions=True)
        elapsed = monotonic() - started
        after = await read_refresh_total(target, counter)
    finally:
        await counter.aclose()

    settings = auth.settings
    to_resource = recorder.to(target_path(target, resource.path), resource.method)
    old = tokens.access_token
    return StormResult(
        count=count,
        outcomes=list(outcomes),
        first_responses=[s for s in to_resource if read_access_token(s.headers, settings) == old],
        retries=[s for s in to_resource if read_access_token(s.headers, settings) != old],
        refresh_requests=recorder.to(target_path(target, profile.endpoints.refresh), "POST"),
        backend_refreshes=None if before is None or after is None else after - before,
        client_refreshes=auth.refresh_count,
        elapsed=elapsed,
        expired_statuses=profile.statuses.expired_token,
        sent=list(recorder.sent),
    )
