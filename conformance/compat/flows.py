"""The compatibility flows: what happens to a session, and what its client is asked to do.

Each flow signs in a fresh session, moves the backend's clock through the environment's
callbacks, and makes the client request a protected resource. A flow returns its steps; the
runner reads a verdict off them.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from conformance.client.models.base import ClientModel
from conformance.client.tokens import TokenPair
from conformance.compat.verdict import Step
from conformance.compat.watchdog import Stalled, Watchdog
from conformance.profile import ProtectedResource


class Flow(enum.Enum):
    """The flows, by the slug that check ids use."""

    EXPIRED_ACCESS = "expired-access"
    """One request after the access token expired: the client refreshes and retries."""

    CONCURRENT_EXPIRED = "concurrent-expired"
    """Several requests that all get the expired status at once: one refresh serves them all."""

    SECOND_REFRESH = "second-refresh"
    """The access token expires twice: the second refresh must use what the first returned."""

    REFRESH_REJECTED = "refresh-rejected"
    """The refresh token expired too: the client must log out, not hang or loop."""

    @property
    def expects_logout(self) -> bool:
        return self is Flow.REFRESH_REJECTED


@dataclass
class FlowEnv:
    """The parts of the run a flow uses: a resource, fresh tokens, and a movable clock.

    `new_tokens`, `expire_access` and `expire_refresh` are blocking calls; the flows call them
    between the client's requests, never while one is in flight. What the expire calls return
    is ignored. `present` returns the tokens to hand a client after the clock moved. Only a
    clock that shifts the times inside tokens instead of the backend's clock changes them.
    """

    resource: ProtectedResource
    new_tokens: Callable[[], TokenPair]
    expire_access: Callable[[], object]
    expire_refresh: Callable[[], object]
    concurrency: int = 5
    present: Callable[[TokenPair], TokenPair] = lambda tokens: tokens


ModelFactory = Callable[[TokenPair], ClientModel]


async def run_steps(flow: Flow, env: FlowEnv, make_model: ModelFactory,
                    watchdog: Watchdog) -> list[Step]:
    """Run `flow` with a model built for a fresh session and return its steps.

    The model gets its tokens after the clock first moved, so that a clock which re-signs
    access tokens can hand it an expired one.
    """
    tokens = env.new_tokens()

    if flow is Flow.REFRESH_REJECTED:
        env.expire_refresh()
        model = make_model(env.present(tokens))
        return [await _calls("after the refresh token expired", 1, env, model, watchdog)]

    env.expire_access()
    model = make_model(env.present(tokens))
    if flow is Flow.EXPIRED_ACCESS:
        return [await _calls("after the access token expired", 1, env, model, watchdog)]

    if flow is Flow.CONCURRENT_EXPIRED:
        label = f"{env.concurrency} requests after the access token expired"
        return [await _calls(label, env.concurrency, env, model, watchdog)]

    first = await _calls("after the first expiry", 1, env, model, watchdog)
    if not first.succeeded:
        return [first]
    env.expire_access()
    return [first, await _calls("after the second expiry", 1, env, model, watchdog)]


async def _calls(label: str, count: int, env: FlowEnv, model: ClientModel,
                 watchdog: Watchdog) -> Step:
    step = Step(label)
    resource = env.resource

    async def one() -> httpx.Response:
        return await model.request(resource.method, resource.path)

    async def all_calls() -> list[httpx.Response | BaseException]:
        return list(await asyncio.gather(*(one() for _ in range(count)),
                                         return_exceptions=True))

    try:
        step.outcomes = await watchdog.guard(all_calls())
    except Stalled as stalled:
        step.stall = stalled.stall
        step.outcomes = [stalled]
    return step
