"""Evidence for reports: recorded requests turned into a check's exchanges, secrets registered.

Every token a request or response carries is added to the harness's redactor before the
exchange is stored, so reports show only redacted tokens.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from conformance.client.settings import ClientSettings
from conformance.client.wire import read_access_token
from conformance.exchange import Exchange
from conformance.harness import Harness
from conformance.jsonpointer import PointerNotFound, resolve
from conformance.races.recording import SentRequest

# Exchanges kept per check: enough to show each kind of response without bloating the report.
MAX_EXCHANGES = 8


def register_secrets(harness: Harness, tokens: Iterable[str | None]) -> None:
    """Add tokens to the harness's redactor, so no report or message shows them whole."""
    for token in tokens:
        harness.redact.add(token)


def attach(harness: Harness, records: Iterable[SentRequest], settings: ClientSettings) -> None:
    """Store the first MAX_EXCHANGES records as the check's exchanges, secrets redacted."""
    for sent in list(records)[:MAX_EXCHANGES]:
        register_secrets(harness, _tokens_in(sent, settings))
        harness.exchanges.append(Exchange(
            method=sent.method,
            url=sent.url,
            request_headers=list(sent.headers.multi_items()),
            request_body=sent.body,
            status=sent.status,
            response_headers=sent.response_headers,
            response_body=sent.response_body,
            elapsed=sent.finished - sent.started,
            error=sent.error,
        ))


def _tokens_in(sent: SentRequest, settings: ClientSettings) -> list[str | None]:
    tokens: list[str | None] = [read_access_token(sent.headers, settings)]
    tokens += [value.partition(" ")[2] for name, value in sent.headers.multi_items()
               if name.lower() == "authorization"]
    tokens += _cookie_values(sent.headers.get_list("cookie"))
    # Only the first pair of a Set-Cookie header is the cookie; the rest are attributes.
    tokens += _cookie_values(value.split(";", 1)[0] for name, value in sent.response_headers
                             if name.lower() == "set-cookie")
    tokens.append(_json_field(sent.body, "/" + settings.refresh_name))
    for pointer in (settings.access_pointer, settings.refresh_pointer):
        if pointer is not None:
            tokens.append(_json_field(sent.response_body, pointer))
    return tokens


def _cookie_values(headers: Iterable[str]) -> list[str | None]:
    values: list[str | None] = []
    for header in headers:
        for pair in header.split(";"):
            values.append(pair.partition("=")[2].strip() or None)
    return values


def _json_field(body: bytes, pointer: str) -> str | None:
    try:
        value = resolve(json.loads(body), pointer)
    except (ValueError, UnicodeDecodeError, PointerNotFound):
        return None
    return value if isinstance(value, str) else None
