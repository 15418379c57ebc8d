"""Runs one flow with one client against a target and reads the verdict off its steps."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from conformance.client import RefreshingAuth, TokenPair
from conformance.client.models import (
    Angular12Interceptor,
    Angular17Interceptor,
    ClientModel,
    CorrectClient,
)
from conformance.client.settings import ClientSettings
from conformance.compat.flows import Flow, FlowEnv, run_steps
from conformance.compat.verdict import Stall, Step, Verdict, describe_outcome
from conformance.compat.watchdog import Stalled, Watchdog, WatchedTransport
from conformance.profile import Profile
from conformance.races.clients import recording_transport, target_path
from conformance.races.requests import client_settings
from conformance.realtime import monotonic
from conformance.target import Target

log = logging.getLogger("conformance")

ModelBuilder = Callable[[httpx.AsyncClient, ClientSettings, TokenPair], ClientModel]

MODELS: dict[str, ModelBuilder] = {
    "correct": lambda http, settings, tokens: CorrectClient(http, RefreshingAuth(settings, tokens)),
    "angular12": Angular12Interceptor,
    "angular17": Angular17Interceptor,
}

# Seconds a model may wait with no request in flight before the flow counts as deadlocked.
# Each wait is for local work only, so one second is long even for a loaded machine.
DEFAULT_IDLE_LIMIT = 1.0


@dataclass
class FlowResult:
    """The verdict of one client in one flow, with the evidence."""

    model: str
    flow: Flow
    verdict: Verdict
    detail: str
    steps: list[Step]
    requests: int
    refresh_statuses: list[int]
    elapsed: float

    def describe(self) -> str:
        """Return one line for notes and messages."""
        return f"{self.model} in {self.flow.value}: {self.verdict.value} ({self.detail})"


def request_budget(flow: Flow, concurrency: int) -> int:
    """Return the most requests a client may send in `flow` before it counts as looping.

    A correct client needs 3 requests per expiry: the request, the refresh and the retry. It
    needs 2K + 1 for K concurrent requests, and 2 when the refresh is rejected. The budget is
    four times that.
    """
    needed = {
        Flow.EXPIRED_ACCESS: 3,
        Flow.CONCURRENT_EXPIRED: 2 * concurrency + 1,
        Flow.SECOND_REFRESH: 6,
        Flow.REFRESH_REJECTED: 2,
    }[flow]
    return 4 * needed


def run_flow(target: Target, profile: Profile, env: FlowEnv, model: str, flow: Flow, *,
             idle_limit: float = DEFAULT_IDLE_LIMIT, time_limit: float | None = None) -> FlowResult:
    """Run `flow` with the client `model` (a key of MODELS) in a new event loop."""
    limit = time_limit if time_limit is not None else 6 * target.timeout
    return asyncio.run(_run(target, profile, env, model, flow, idle_limit, limit))


async def _run(target: Target, profile: Profile, env: FlowEnv, model: str, flow: Flow,
               idle_limit: float, time_limit: float) -> FlowResult:
    build = MODELS[model]
    settings = client_settings(target, profile)
    recorder = recording_transport(target, connections=max(env.concurrency, 1) * 2)
    watched = WatchedTransport(
        recorder,
        hold_path=target_path(target, env.resource.path),
        hold_first=env.concurrency if flow is Flow.CONCURRENT_EXPIRED else 0,
    )
    watchdog = Watchdog(watched, idle_limit=idle_limit, time_limit=time_limit,
                        budget=request_budget(flow, env.concurrency))
    http = httpx.AsyncClient(base_url=target.base_url, transport=watched, timeout=target.timeout,
                             follow_redirects=False)
    models: list[ClientModel] = []

    def make_model(tokens: TokenPair) -> ClientModel:
        instance = build(http, settings, tokens)
        models.append(instance)
        return instance

    started = monotonic()
    async with http:
        steps = await run_steps(flow, env, make_model, watchdog)
    elapsed = monotonic() - started

    logged_out = bool(models) and models[-1].logged_out
    verdict, detail = judge(flow, steps, logged_out=logged_out)
    refresh_path = target_path(target, profile.endpoints.refresh)
    result = FlowResult(
        model=model, flow=flow, verdict=verdict, detail=detail, steps=steps,
        requests=watched.total,
        refresh_statuses=[s.status for s in recorder.to(refresh_path) if s.status is not None],
        elapsed=elapsed,
    )
    log.info("client flow %s", result.describe())
    return result


def judge(flow: Flow, steps: list[Step], *, logged_out: bool) -> tuple[Verdict, str]:
    """Return the verdict of a flow and one sentence of evidence, from its last step."""
    last = steps[-1]
    if last.stall is not None:
        stalled = last.outcomes[0]
        detail = f"{last.label}: {stalled.detail if isinstance(stalled, Stalled) else stalled}"
        return (Verdict.LOOPS if last.stall is Stall.BUDGET else Verdict.DEADLOCKS), detail

    failures = last.failures
    first_failures = ", ".join(describe_outcome(o) for o in failures[:3])
    failed = f"{len(failures)} of {len(last.outcomes)} requests failed ({first_failures})"
    session = "the client logged out" if logged_out else "the client kept the session"
    if flow.expects_logout:
        if logged_out and failures:
            return Verdict.WORKS, f"{last.label}: the request failed and the client logged out"
        if not failures:
            return Verdict.MISSES_LOGOUT, f"{last.label}: the request still succeeded"
        return Verdict.MISSES_LOGOUT, f"{last.label}: {failed}; {session}"

    if not failures:
        return Verdict.WORKS, f"{last.label}: every request succeeded"
    if logged_out:
        return Verdict.LOGS_OUT_EARLY, f"{last.label}: {failed}; {session}"
    return Verdict.FAILS_REQUESTS, f"{last.label}: {failed}; {session}"
