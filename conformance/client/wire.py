"""Token transport: set the access token on requests, build refresh requests, read responses.

These functions follow the client settings, so the correct client and the models of known
clients send tokens the same way.
"""

from __future__ import annotations

import json

import httpx

from conformance.client.settings import ClientSettings
from conformance.client.tokens import TokenPair
from conformance.jsonpointer import PointerNotFound, resolve


class RefreshResponseInvalid(ValueError):
    """A successful refresh response that carries no usable access token."""


def apply_access_token(request: httpx.Request, settings: ClientSettings, token: str) -> None:
    """Set `token` on `request` per `settings.access_transport`, replacing any earlier one."""
    if settings.access_transport == "bearer":
        # RFC 6750 §2.1: the Authorization request header field with the Bearer scheme.
        request.headers["Authorization"] = f"Bearer {token}"
    elif settings.access_transport == "cookie":
        set_cookie(request, settings.access_name, token)
    else:
        request.headers[settings.access_name] = token


def set_cookie(request: httpx.Request, name: str, value: str) -> None:
    """Set one cookie in the request's Cookie header and keep the other cookies in it."""
    kept = [
        pair for pair in request.headers.get("Cookie", "").split(";")
        if pair.strip() and pair.strip().split("=", 1)[0] != name
    ]
    # RFC 6265 §4.2.1: cookie pairs are separated by "; ".
    request.headers["Cookie"] = "; ".join([*(pair.strip() for pair in kept), f"{name}={value}"])


def build_refresh_request(
    settings: ClientSettings, base_url: httpx.URL, refresh_token: str
) -> httpx.Request:
    """Return the POST that exchanges `refresh_token`, aimed at the refresh URL on `base_url`."""
    url = base_url.join(settings.refresh_url)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    body: dict[str, str] = {}
    if settings.refresh_transport == "bearer":
        headers["Authorization"] = f"Bearer {refresh_token}"
    elif settings.refresh_transport == "cookie":
        headers["Cookie"] = f"{settings.refresh_name}={refresh_token}"
    else:
        body[settings.refresh_name] = refresh_token
    return httpx.Request("POST", url, headers=headers, content=json.dumps(body).encode())


def read_refreshed_tokens(
    settings: ClientSettings, response: httpx.Response, previous_refresh: str | None
) -> TokenPair:
    """Return the tokens of a successful refresh response.

    The new refresh token replaces `previous_refresh` when the response carries one (RFC 6749
    §6: a server that rotates issues a new refresh token, and the client must use it). Raises
    RefreshResponseInvalid when the access token is missing.
    """
    body = _json_body(response)
    access = _read_token(response, body, settings.access_pointer,
                         settings.access_name if settings.access_transport == "cookie" else None)
    if access is None:
        where = settings.access_pointer or f"cookie {settings.access_name}"
        raise RefreshResponseInvalid(
            f"the refresh response ({response.status_code}) has no access token at {where}"
        )
    refresh = _read_token(response, body, settings.refresh_pointer,
                          settings.refresh_name if settings.refresh_transport == "cookie" else None)
    return TokenPair(access, refresh if refresh is not None else previous_refresh)


def _json_body(response: httpx.Response) -> object:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _read_token(
    response: httpx.Response, body: object, pointer: str | None, cookie: str | None
) -> str | None:
    if cookie is not None:
        value = response.cookies.get(cookie)
        if value:
            return value
    if pointer is None:
        return None
    try:
        value = resolve(body, pointer)
    except PointerNotFound:
        return None
    return value if isinstance(value, str) and value else None


def read_access_token(headers: httpx.Headers, settings: ClientSettings) -> str | None:
    """Return the access token that request `headers` carry as the settings specify, or None."""
    if settings.access_transport == "bearer":
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None
    if settings.access_transport == "cookie":
        for pair in headers.get("Cookie", "").split(";"):
            name, _, value = pair.strip().partition("=")
            if name == settings.access_name:
                return value or None
        return None
    return headers.get(settings.access_name) or None
