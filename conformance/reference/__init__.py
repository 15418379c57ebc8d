"""Reference backend: a clean implementation of the tutorial access/refresh-token protocol.

`create_app(settings, *, clock=None, access_tokens=None, store=None, handlers=ReferenceHandlers)`
returns a Starlette app. A backend variant (such as a mutant with one fault) replaces exactly
one part and reuses the rest:

- `access_tokens`: any object with `issue(user) -> str` and `verify(token) -> AccessClaims`
  that raises AccessTokenExpired or AccessTokenInvalid, usually a subclass of AccessTokens
  (override `decode_signed`, `check_times` or `issue`).
- `store`: a Store subclass. Refresh-token rules are methods such as
  `is_refresh_token_expired`, `rotate_refresh_token` and `revoke_refresh_family`.
- `handlers`: a ReferenceHandlers subclass that overrides one endpoint method (`signup`,
  `signin`, `refresh_token`, `signout`, the content handlers) or `authenticate`.
- `clock`: any object with `now() -> float` in epoch seconds. The default SystemClock reads
  `time.time()` on each call, so freezegun controls it.

The app exposes its parts as `app.state.backend`, `.store`, `.clock`, `.metrics` and `.settings`.
"""

from conformance.reference.app import ReferenceHandlers, create_app
from conformance.reference.clock import AdjustableClock, Clock, SystemClock
from conformance.reference.metrics import Metrics
from conformance.reference.records import (
    RefreshExchange,
    RefreshPolicy,
    RefreshTokenRecord,
    RefreshTokenRejected,
    RejectReason,
    User,
)
from conformance.reference.settings import DEFAULT_SIGNING_KEY, ReferenceSettings, SettingsError
from conformance.reference.store import Store
from conformance.reference.tokens import (
    AccessClaims,
    AccessTokenError,
    AccessTokenExpired,
    AccessTokenInvalid,
    AccessTokens,
    AccessTokenService,
)

__all__ = [
    "DEFAULT_SIGNING_KEY",
    "AccessClaims",
    "AccessTokenError",
    "AccessTokenExpired",
    "AccessTokenInvalid",
    "AccessTokenService",
    "AccessTokens",
    "AdjustableClock",
    "Clock",
    "Metrics",
    "ReferenceHandlers",
    "ReferenceSettings",
    "RefreshExchange",
    "RefreshPolicy",
    "RefreshTokenRecord",
    "RefreshTokenRejected",
    "RejectReason",
    "SettingsError",
    "Store",
    "SystemClock",
    "User",
    "create_app",
]
