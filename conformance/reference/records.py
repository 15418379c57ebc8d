"""Records, policies and errors that the reference backend's store returns or raises."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal

from conformance.reference.settings import ReferenceSettings, Rotation

ROLE_NAMES: tuple[str, ...] = ("user", "moderator", "admin")


@dataclass(frozen=True)
class User:
    """Stored account with its role names in the order user, moderator, admin."""

    id: int
    username: str
    email: str
    roles: tuple[str, ...]
    password_hash: str = field(repr=False)


@dataclass(frozen=True)
class RefreshTokenRecord:
    """Stored row of one refresh token. Only the SHA-256 of the token is kept, never the token.

    Times are epoch seconds. `replaced_by` is the row id of the token that replaced this one
    at rotation.
    """

    id: int
    token_hash: str
    family_id: str
    user_id: int
    issued_at: float
    expires_at: float
    rotated_at: float | None
    replaced_by: int | None
    revoked_at: float | None


@dataclass(frozen=True)
class RefreshPolicy:
    """Refresh-token lifetime and rotation rules that the store applies on each exchange."""

    ttl: int
    rotation: Rotation
    grace_seconds: int

    @classmethod
    def from_settings(cls, settings: ReferenceSettings) -> RefreshPolicy:
        return cls(
            ttl=settings.refresh_ttl,
            rotation=settings.rotation,
            grace_seconds=settings.grace_seconds,
        )


ExchangeKind = Literal["reused", "rotated", "grace"]


@dataclass(frozen=True)
class RefreshExchange:
    """Successful refresh-token exchange.

    `kind` is "reused" when the same token comes back (no rotation), "rotated" when a new
    token replaced the presented one, and "grace" when a rotated-out token was presented
    within the grace window and the family's current token comes back.
    """

    user_id: int
    refresh_token: str = field(repr=False)
    family_id: str
    kind: ExchangeKind


class RejectReason(enum.Enum):
    """Reason why the store rejected a refresh token, with the message sent to the client."""

    UNKNOWN = "Refresh token is not in database!"
    REVOKED = "Refresh token was revoked. Please make a new signin request"
    EXPIRED = "Refresh token was expired. Please make a new signin request"
    ROTATED_OUT = "Refresh token was already used. Please make a new signin request"
    REUSE_DETECTED = (
        "Refresh token was already used, so every token of this session is now revoked. "
        "Please make a new signin request"
    )


class RefreshTokenRejected(Exception):
    """Refresh token that cannot be exchanged, with the reason."""

    def __init__(self, reason: RejectReason) -> None:
        super().__init__(reason.value)
        self.reason = reason


class UserExistsError(Exception):
    """Sign-up that collides with a stored account. The message is sent to the client."""


class UsernameTakenError(UserExistsError):
    def __init__(self) -> None:
        super().__init__("Failed! Username is already in use!")


class EmailTakenError(UserExistsError):
    def __init__(self) -> None:
        super().__init__("Failed! Email is already in use!")
