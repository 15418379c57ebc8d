"""Checks of the expiry family: access tokens stop working at `exp`, to the second."""

from conformance.registry import Level, declare

ACCESS_ACCEPTED_BEFORE_EXP = declare(
    "expiry.access-accepted-before-exp",
    level=Level.MUST,
    reference="RFC 7519 §4.1.4; profile access_token.lifetime",
    stimulus="Sign in, move the backend's clock to one second before the access token's exp, and "
             "GET a protected resource with the token.",
    requirement="The backend accepts the token with a 2xx status.",
)
ACCESS_ACCEPTED_WITHIN_LEEWAY = declare(
    "expiry.access-accepted-within-leeway",
    level=Level.MUST,
    reference="RFC 7519 §4.1.4; profile access_token.leeway",
    stimulus="Sign in, move the backend's clock to exp + leeway - 1, the last second of the "
             "declared leeway, and GET a protected resource with the access token.",
    requirement="The backend accepts the token with a 2xx status, as its declared leeway promises.",
)
ACCESS_REJECTED_AT_EXP = declare(
    "expiry.access-rejected-at-exp",
    level=Level.MUST,
    reference="RFC 7519 §4.1.4; profile statuses.expired_token",
    stimulus="Sign in, move the backend's clock to exactly exp (exp + leeway with a declared "
             "leeway), and GET a protected resource with the access token.",
    requirement="The backend rejects the token with the profile's expired-token status.",
)
ACCESS_REJECTED_AFTER_EXP = declare(
    "expiry.access-rejected-after-exp",
    level=Level.MUST,
    reference="RFC 7519 §4.1.4; profile statuses.expired_token",
    stimulus="Sign in, move the backend's clock to one second after exp (after exp + leeway), "
             "and GET a protected resource with the access token.",
    requirement="The backend rejects the token with the profile's expired-token status.",
)
EXPIRED_STATUS_TRIGGERS_REFRESH = declare(
    "expiry.expired-status-triggers-refresh",
    level=Level.MUST,
    reference="RFC 6750 §3.1 invalid_token",
    stimulus="GET a protected resource with an access token whose exp has passed.",
    requirement="The backend answers 401, the status on which the tutorial client refreshes; a "
                "403 makes the Angular tutorial client sign the user out instead.",
)
WWW_AUTHENTICATE_ON_EXPIRED = declare(
    "expiry.www-authenticate-on-expired",
    level=Level.SHOULD,
    reference="RFC 6750 §3",
    stimulus="GET a protected resource with an access token whose exp has passed.",
    requirement="A 401 answer carries a WWW-Authenticate header with the Bearer scheme.",
)
NBF_IN_FUTURE_REJECTED = declare(
    "expiry.nbf-in-future-rejected",
    level=Level.MUST,
    reference="RFC 7519 §4.1.5",
    stimulus="GET a protected resource with an access token whose nbf lies further in the future "
             "than the leeway: the backend's own token with the clock moved back, or a token "
             "signed with the profile's key.",
    requirement="The backend rejects the token and does not answer 2xx or 5xx.",
)
LIFETIME_MATCHES_PROFILE = declare(
    "expiry.lifetime-matches-profile",
    level=Level.MUST,
    reference="RFC 7519 §4.1.4, §4.1.6; profile access_token.lifetime",
    stimulus="Sign in and decode the access token without verifying it.",
    requirement="exp - iat equals the profile's access-token lifetime; without iat, exp is the "
                "signin time plus that lifetime.",
)
