"""The backend's own count of refresh calls, where it offers one.

The reference backend and apps built from it keep counters in `app.state.metrics`; run as a
server with test endpoints, it serves them at `GET /api/test/stats`. Other backends offer
neither, and the checks then rely on the suite's own count alone.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from conformance.target import Target

log = logging.getLogger("conformance")

STATS_PATH = "/api/test/stats"
REFRESH_COUNTER = "refresh_total"


async def read_refresh_total(target: Target, client: httpx.AsyncClient) -> int | None:
    """Return the backend's count of refresh calls so far, or None when it offers no count.

    `client` must not record its requests, so that reading the count does not change the
    suite's own count.
    """
    metrics = _in_process_metrics(target)
    if metrics is not None:
        snapshot = metrics.snapshot()
        value = snapshot.get(REFRESH_COUNTER)
        return value if isinstance(value, int) else None

    try:
        response = await client.get(STATS_PATH)
    except httpx.TransportError as error:
        log.info("could not read the backend's counters at %s: %s", STATS_PATH, error)
        return None
    if response.status_code != 200:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    value = body.get(REFRESH_COUNTER) if isinstance(body, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _in_process_metrics(target: Target) -> Any:
    if not target.in_process or target.app is None:
        return None
    state = getattr(target.app, "state", None)
    metrics = getattr(state, "metrics", None)
    return metrics if callable(getattr(metrics, "snapshot", None)) else None
