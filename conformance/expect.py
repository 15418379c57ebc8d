"""Assertions for scenarios that fail with structured fields instead of bare messages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from conformance.outcome import CheckFailed


def describe_statuses(allowed: Iterable[int]) -> str:
    codes = sorted(allowed)
    if len(codes) == 1:
        return str(codes[0])
    return " or ".join(str(code) for code in codes)


def expect_status(
    response: httpx.Response,
    allowed: Iterable[int],
    what: str,
    *,
    remedy: str | None = None,
) -> None:
    """Fail unless the response status is one of `allowed`."""
    allowed = frozenset(allowed)
    if response.status_code in allowed:
        return
    received = f"{response.status_code} {response.reason_phrase}".strip()
    message = f"{what}: expected status {describe_statuses(allowed)}, received {received}"
    if response.status_code >= 500 and remedy is None:
        remedy = "the backend crashed or failed on this request; read its log for the exception"
    raise CheckFailed(message, expected=describe_statuses(allowed), received=received,
                      remedy=remedy)


def expect_no_server_error(response: httpx.Response, what: str) -> None:
    """Fail when the backend responded with a 5xx status."""
    if response.status_code >= 500:
        raise CheckFailed(
            f"{what}: expected a 4xx response, received {response.status_code}",
            expected="a status below 500",
            received=response.status_code,
            remedy="validate this input and reject it with a 4xx status instead of failing",
        )


def expect_that(
    condition: bool,
    message: str,
    *,
    expected: Any = None,
    received: Any = None,
    remedy: str | None = None,
) -> None:
    """Fail with `message` and the given fields unless `condition` holds."""
    if not condition:
        raise CheckFailed(message, expected=expected, received=received, remedy=remedy)
