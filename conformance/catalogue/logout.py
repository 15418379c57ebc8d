"""Checks of the logout family: forced logout once refresh fails, and signout."""

from conformance.registry import Level, declare

REFRESH_EXPIRY_LOGS_OUT = declare(
    "logout.refresh-expiry-logs-out",
    level=Level.MUST,
    reference="RFC 6749 §5.2 invalid_grant; profile refresh_token.lifetime",
    stimulus="Move the clock past the refresh token's lifetime and request a protected "
             "resource through the suite's correct client, then request once more.",
    requirement="The refresh is rejected with a 4xx status, so the client drops its tokens and "
                "raises its logout event, and the next request sends no refresh at all.",
)
SIGNOUT_REVOKES_REFRESH = declare(
    "logout.signout-revokes-refresh",
    level=Level.MUST,
    reference="RFC 7009 §2.1; profile endpoints.signout and statuses.refresh_failed",
    stimulus="Sign out, then refresh with the session's refresh token.",
    requirement="Signout succeeds, and the refresh gets the profile's failed-refresh status.",
)
SIGNOUT_REPEATABLE = declare(
    "logout.signout-repeatable",
    level=Level.MUST,
    reference="RFC 7009 §2.2; profile endpoints.signout",
    stimulus="Sign out twice with the same session, and after each signout refresh and request "
             "a protected resource.",
    requirement="The second signout gets no 5xx, and the refresh and the protected request "
                "get the same statuses after the second signout as after the first.",
)
ACCESS_TOKEN_AFTER_SIGNOUT = declare(
    "logout.access-token-after-signout",
    level=Level.INFO,
    reference="OWASP JWT Cheat Sheet, token revocation; profile endpoints.signout",
    stimulus="Sign out, then request a protected resource with the session's access token "
             "before it expires.",
    requirement="Reported only: whether the access token still works until its exp. Stateless "
                "access tokens usually do, and revoking them needs a deny list.",
)
