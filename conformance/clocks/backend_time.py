"""Reading the backend's idea of the current time from outside, to confirm that a clock moved."""

from __future__ import annotations

import email.utils
import logging

import httpx

log = logging.getLogger("conformance")


def read_date_header(client: httpx.Client, url: str) -> float | None:
    """GET `url` and return its HTTP Date header (RFC 9110 §6.6.1) in epoch seconds.

    Returns None when the response has no Date header or one that does not parse. The header
    has whole seconds only, and servers such as uvicorn refresh it about once a second.
    """
    response = client.get(url)
    value = response.headers.get("date")
    if value is None:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        log.info("GET %s sent an invalid Date header %r", url, value)
        return None
    return moment.timestamp()
