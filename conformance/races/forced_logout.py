"""The forced logout: two requests through the correct client once the refresh token is dead.

The first request finds the access token expired, and its refresh is rejected, so the client
must log out. The second must then fail at once, without sending anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from conformance.client import LogoutEvent, RefreshingAuth, TokenPair
from conformance.profile import Profile, ProtectedResource
from conformance.races.clients import recording_client, target_path
from conformance.races.recording import SentRequest
from conformance.races.requests import client_settings
from conformance.target import Target


@dataclass
class ForcedLogout:
    """The outcomes of the two requests, the logout events, and every request sent."""

    first: httpx.Response | BaseException
    second: httpx.Response | BaseException
    events: list[LogoutEvent]
    tokens_after: TokenPair | None
    sent: list[SentRequest]
    sent_by_first: int
    refresh_statuses: list[int]


async def run_forced_logout(target: Target, profile: Profile, resource: ProtectedResource,
                            tokens: TokenPair) -> ForcedLogout:
    """Make two requests for `resource` with `tokens`, whose refresh token is already dead."""
    events: list[LogoutEvent] = []
    auth = RefreshingAuth(client_settings(target, profile), tokens, on_logout=events.append)
    client, recorder = recording_client(target, connections=2, auth=auth)

    async def outcome() -> httpx.Response | BaseException:
        try:
            return await client.request(resource.method, resource.path)
        except httpx.HTTPError as error:
            return error

    async with client:
        first = await outcome()
        sent_by_first = len(recorder.sent)
        tokens_after = auth.tokens
        second = await outcome()

    refresh_path = target_path(target, profile.endpoints.refresh)
    return ForcedLogout(
        first=first,
        second=second,
        events=events,
        tokens_after=tokens_after,
        sent=list(recorder.sent),
        sent_by_first=sent_by_first,
        refresh_statuses=[s.status for s in recorder.to(refresh_path) if s.status is not None],
    )
