"""Refresh and signout requests that the races send straight at the backend, per the profile."""

from __future__ import annotations

import httpx

from conformance.client import ClientSettings
from conformance.client.wire import apply_access_token, build_refresh_request
from conformance.outcome import HarnessError
from conformance.profile import Profile
from conformance.races.clients import target_url
from conformance.target import Target


def client_settings(target: Target, profile: Profile) -> ClientSettings:
    """Return client settings for `profile` whose refresh URL is absolute on `target`."""
    return ClientSettings.from_profile(
        profile, refresh_url=target_url(target, profile.endpoints.refresh))


def refresh_request(target: Target, profile: Profile, refresh_token: str) -> httpx.Request:
    """Return a refresh request that carries `refresh_token` the way the profile declares."""
    settings = client_settings(target, profile)
    return build_refresh_request(settings, httpx.URL(target_url(target, "/")), refresh_token)


def signout_request(
    target: Target, profile: Profile, access_token: str, refresh_token: str | None
) -> httpx.Request:
    """Return a signout request with the credential the profile names."""
    path = profile.endpoints.signout
    if path is None:
        raise HarnessError("the profile has no signout endpoint")
    url = target_url(target, path)

    if profile.signout_credential == "access-token":
        request = httpx.Request("POST", url, json={})
        apply_access_token(request, client_settings(target, profile), access_token)
        return request
    if refresh_token is None:
        raise HarnessError("signout needs the refresh token, but signin returned none")

    # The refresh token travels to signout the way it travels to the refresh endpoint.
    template = refresh_request(target, profile, refresh_token)
    return httpx.Request("POST", url, headers=template.headers, content=template.content)
