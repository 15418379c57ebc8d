"""The profile model: a backend's promises, described as data and loaded from TOML.

`load_profile` accepts a built-in name or a file path and validates every field before any request
is sent. An invalid value raises `ProfileError` naming the field, the value and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

AccessTransport = Literal["header", "bearer", "cookie"]
RefreshTransport = Literal["body", "bearer", "cookie"]
Rotation = Literal["none", "rotate", "rotate-reuse-detection"]
TokenFormat = Literal["opaque", "jwt"]
AccountsMode = Literal["signup", "fixed", "command"]
ErrorBodies = Literal["json", "any"]
SignoutCredential = Literal["refresh-token", "access-token"]

ROLES: tuple[str, ...] = ("user", "moderator", "admin")

# The `{name}` placeholders that accounts.fill_template fills in body templates and commands.
TEMPLATE_PLACEHOLDERS: tuple[str, ...] = ("username", "email", "password", "role")


@dataclass(frozen=True)
class ProtectedResource:
    """A resource that needs a valid access token and one of `roles`."""

    path: str
    roles: tuple[str, ...]
    method: str = "GET"


@dataclass(frozen=True)
class Endpoints:
    signin: str
    refresh: str
    public: str | None
    protected: tuple[ProtectedResource, ...]
    signup: str | None = None
    signout: str | None = None


@dataclass(frozen=True)
class AccessToken:
    """Transport and format of access tokens."""

    transport: AccessTransport
    name: str
    alg: str
    claims: tuple[str, ...]
    user_claim: str | None
    lifetime: int
    leeway: int
    signing_key: str | None
    user_claim_matches: Literal["id", "username"] = "id"
    format: Literal["jwt"] = "jwt"
    # PEM text of the key that verifies an asymmetric alg; it enables key-confusion checks.
    public_key: str | None = None


@dataclass(frozen=True)
class RefreshToken:
    """Transport, format and rotation policy of refresh tokens."""

    transport: RefreshTransport
    name: str
    format: TokenFormat
    lifetime: int
    rotation: Rotation
    grace_seconds: int
    claims: tuple[str, ...] = ()


@dataclass(frozen=True)
class SigninResponse:
    """JSON pointers (RFC 6901) into the signin response body; None where the field is absent."""

    access_token: str | None
    refresh_token: str | None
    user_id: str | None
    roles: str | None


@dataclass(frozen=True)
class RefreshResponse:
    """JSON pointers into the refresh response body."""

    access_token: str | None
    refresh_token: str | None


@dataclass(frozen=True)
class FixedAccount:
    username: str
    password: str
    role: str


@dataclass(frozen=True)
class Accounts:
    """Source of test accounts: signup, a fixed list, or a provisioning command."""

    mode: AccountsMode
    signup_body: dict[str, object] = field(default_factory=dict)
    role_values: dict[str, str] = field(default_factory=dict)
    fixed: tuple[FixedAccount, ...] = ()
    command: str | None = None
    signin_body: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountDeletion:
    """Means of deleting a test account: an endpoint that takes the account's own access
    token, or a command run with the account's fields."""

    path: str | None = None
    method: str = "DELETE"
    command: str | None = None


@dataclass(frozen=True)
class Statuses:
    """Expected HTTP statuses, each a set of acceptable codes."""

    signup_success: frozenset[int]
    signup_duplicate: frozenset[int]
    signup_invalid: frozenset[int]
    signin_success: frozenset[int]
    signin_unknown_user: frozenset[int]
    signin_wrong_password: frozenset[int]
    signin_invalid: frozenset[int]
    missing_token: frozenset[int]
    invalid_token: frozenset[int]
    expired_token: frozenset[int]
    wrong_role: frozenset[int]
    refresh_success: frozenset[int]
    refresh_failed: frozenset[int]
    refresh_invalid: frozenset[int]
    signout_success: frozenset[int]
    account_deleted: frozenset[int]
    www_authenticate: bool
    error_bodies: ErrorBodies


@dataclass(frozen=True)
class ClockControl:
    """Means the backend offers to set its clock."""

    hook: str | None = None


@dataclass(frozen=True)
class Profile:
    """A backend described as data: endpoints, token formats, statuses and policies."""

    name: str
    description: str
    source: str
    endpoints: Endpoints
    access_token: AccessToken
    refresh_token: RefreshToken
    signin_response: SigninResponse
    refresh_response: RefreshResponse
    accounts: Accounts
    statuses: Statuses
    signout_credential: SignoutCredential
    clock: ClockControl
    # None when the profile declares no way to delete an account.
    account_deletion: AccountDeletion | None = None

    @property
    def has_signup(self) -> bool:
        return self.endpoints.signup is not None and self.accounts.mode == "signup"

    @property
    def rotates(self) -> bool:
        return self.refresh_token.rotation != "none"

    def resources_for(self, role: str) -> tuple[ProtectedResource, ...]:
        """Return the protected resources that an account with `role` may read."""
        return tuple(r for r in self.endpoints.protected if role in r.roles)

    def resources_denied_to(self, role: str) -> tuple[ProtectedResource, ...]:
        """Return the protected resources that an account with `role` must not read."""
        return tuple(r for r in self.endpoints.protected if role not in r.roles)
