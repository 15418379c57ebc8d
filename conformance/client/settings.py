"""Settings of the refreshing client: where to refresh, how tokens travel, which statuses mean what.

Build them from plain values, or from a profile with `ClientSettings.from_profile`. Every invalid
field raises `ValueError` naming the field, the value and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from conformance.profile import Profile

AccessTransport = Literal["header", "bearer", "cookie"]
RefreshTransport = Literal["body", "bearer", "cookie"]

ACCESS_TRANSPORTS: tuple[str, ...] = get_args(AccessTransport)
REFRESH_TRANSPORTS: tuple[str, ...] = get_args(RefreshTransport)

# 408 Request Timeout and 429 Too Many Requests reject the attempt, not the refresh token, so
# they never end a session on their own.
TRANSIENT_CLIENT_ERRORS = frozenset({408, 429})


@dataclass(frozen=True)
class ClientSettings:
    """Token transport, refresh request and refresh-response fields of the client.

    `refresh_url` is an absolute URL, or a path resolved against each request's URL (RFC 3986
    §5.2), which drops any path prefix of the client's base URL.
    `access_pointer` and `refresh_pointer` are JSON pointers (RFC 6901) into the refresh
    response body. A token that travels in a cookie is read from the response's Set-Cookie
    header first. `logout_statuses` are the refresh statuses that end the session; None means
    every 4xx status except 408 and 429. `wait_timeout` is the maximum number of seconds a
    request waits for a refresh that another request started.
    """

    refresh_url: str
    access_transport: AccessTransport = "bearer"
    access_name: str = "Authorization"
    refresh_transport: RefreshTransport = "body"
    refresh_name: str = "refreshToken"
    access_pointer: str | None = "/accessToken"
    refresh_pointer: str | None = "/refreshToken"
    expired_statuses: frozenset[int] = field(default_factory=lambda: frozenset({401}))
    refresh_success_statuses: frozenset[int] = field(default_factory=lambda: frozenset({200}))
    logout_statuses: frozenset[int] | None = None
    wait_timeout: float = 30.0

    def __post_init__(self) -> None:
        if not isinstance(self.refresh_url, str) or not self.refresh_url:
            raise ValueError(
                f"refresh_url is invalid: {self.refresh_url!r}; set it to the refresh endpoint's "
                "path, such as '/api/auth/refreshtoken', or to an absolute URL"
            )
        _require_choice("access_transport", self.access_transport, ACCESS_TRANSPORTS)
        _require_choice("refresh_transport", self.refresh_transport, REFRESH_TRANSPORTS)
        _require_name("access_name", self.access_name)
        _require_name("refresh_name", self.refresh_name)
        for name in ("access_pointer", "refresh_pointer"):
            _require_pointer(name, getattr(self, name))
        if self.access_pointer is None and self.access_transport != "cookie":
            raise ValueError(
                f"access_pointer is None, but access_transport is {self.access_transport!r}, so "
                "the client could not read a refreshed access token; set access_pointer to the "
                "JSON pointer of the access token in the refresh response, such as '/accessToken'"
            )

        object.__setattr__(self, "expired_statuses",
                           _statuses("expired_statuses", self.expired_statuses))
        object.__setattr__(self, "refresh_success_statuses",
                           _statuses("refresh_success_statuses", self.refresh_success_statuses))
        if self.logout_statuses is not None:
            object.__setattr__(self, "logout_statuses",
                               _statuses("logout_statuses", self.logout_statuses))

        if isinstance(self.wait_timeout, bool) or not isinstance(self.wait_timeout, int | float) \
                or not self.wait_timeout > 0:
            raise ValueError(
                f"wait_timeout is invalid: {self.wait_timeout!r}; set it to a number of seconds "
                "greater than 0, such as 30"
            )

    @classmethod
    def from_profile(cls, profile: Profile, **overrides: object) -> ClientSettings:
        """Return the settings that make the client speak `profile`'s protocol.

        `overrides` replace single fields, for example `wait_timeout=5`.
        """
        access = profile.access_token
        refresh = profile.refresh_token
        values: dict[str, object] = {
            "refresh_url": profile.endpoints.refresh,
            "access_transport": access.transport,
            "access_name": "Authorization" if access.transport == "bearer" else access.name,
            "refresh_transport": refresh.transport,
            "refresh_name": "Authorization" if refresh.transport == "bearer" else refresh.name,
            "access_pointer": profile.refresh_response.access_token,
            "refresh_pointer": profile.refresh_response.refresh_token,
            "expired_statuses": profile.statuses.expired_token,
            "refresh_success_statuses": profile.statuses.refresh_success,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    def ends_session(self, status: int) -> bool:
        """Return whether a refresh response with `status` means the refresh token is dead."""
        if self.logout_statuses is not None:
            return status in self.logout_statuses
        return 400 <= status < 500 and status not in TRANSIENT_CLIENT_ERRORS


def _require_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        allowed = ", ".join(repr(choice) for choice in choices)
        raise ValueError(f"{name} is invalid: {value!r}; set it to one of {allowed}")


def _require_name(name: str, value: object) -> None:
    if not isinstance(value, str) or not value or any(c in value for c in " \t\r\n;=,"):
        raise ValueError(
            f"{name} is invalid: {value!r}; set it to a header, cookie or JSON field name "
            "without spaces, ';', '=' or ','"
        )


def _require_pointer(name: str, value: object) -> None:
    if value is None:
        return
    if not isinstance(value, str) or (value and not value.startswith("/")):
        raise ValueError(
            f"{name} is invalid: {value!r}; write a JSON pointer that starts with '/', such as "
            "'/accessToken', or None"
        )


def _statuses(name: str, values: Iterable[int]) -> frozenset[int]:
    statuses = frozenset(values)
    if not statuses or not all(
        isinstance(code, int) and not isinstance(code, bool) and 100 <= code <= 599
        for code in statuses
    ):
        raise ValueError(
            f"{name} is invalid: {sorted(statuses, key=str)!r}; list one or more HTTP status "
            "codes between 100 and 599, such as {401}"
        )
    return statuses
