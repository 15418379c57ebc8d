"""Checks of the refresh family: exchanging refresh tokens, rotation, expiry and bad input."""

from conformance.registry import Level, declare

NEW_ACCESS_TOKEN_WORKS = declare(
    "refresh.new-access-token-works",
    level=Level.MUST,
    reference="RFC 6749 §6; profile statuses.refresh_success",
    stimulus="Sign in, send the refresh token to the refresh endpoint, and GET a protected "
             "resource with the access token it returns.",
    requirement="The refresh succeeds and the new access token opens the resource.",
)
RESPONSE_FIELDS_PRESENT = declare(
    "refresh.response-fields-present",
    level=Level.MUST,
    reference="RFC 6749 §5.1; profile refresh.response",
    stimulus="Refresh a fresh session and read each field the profile names in the response.",
    requirement="The response carries a non-empty access token, and a refresh token where the "
                "profile names one, at the JSON pointers the profile gives.",
)
WORKS_AFTER_ACCESS_EXPIRY = declare(
    "refresh.works-after-access-expiry",
    level=Level.MUST,
    reference="RFC 6749 §1.5, §6",
    stimulus="Sign in, move the clock past the access token's exp, and refresh with the expired "
             "access token still in the access-token header, as the tutorial client sends it.",
    requirement="The refresh succeeds and its new access token opens a protected resource; a "
                "refresh must not depend on a live access token.",
)
ACCEPTED_BEFORE_EXPIRY = declare(
    "refresh.accepted-before-expiry",
    level=Level.MUST,
    reference="profile refresh_token.lifetime",
    stimulus="Sign in and move the backend's clock to one second before the refresh token's "
             "declared lifetime ends, then refresh.",
    requirement="The refresh succeeds, so the refresh token lives as long as the profile says.",
)
EXPIRED_TOKEN_REJECTED = declare(
    "refresh.expired-token-rejected",
    level=Level.MUST,
    reference="RFC 6749 §5.2 invalid_grant; profile refresh_token.lifetime and "
              "statuses.refresh_failed",
    stimulus="Sign in, move the backend's clock one second past the refresh token's lifetime, "
             "and refresh twice with it.",
    requirement="Both refreshes are rejected with the profile's refresh-failed status.",
)
SAME_TOKEN_REUSABLE = declare(
    "refresh.same-token-reusable",
    level=Level.MUST,
    reference="profile refresh_token.rotation = none",
    stimulus="With rotation declared as none, refresh three times with the refresh token that "
             "signin issued.",
    requirement="Every refresh succeeds, and a refresh token in the response equals the one sent.",
)
ROTATED_TOKEN_REJECTED = declare(
    "refresh.rotated-token-rejected",
    level=Level.MUST,
    reference="RFC 6749 §6; RFC 9700 §4.14.2; profile refresh_token.rotation",
    stimulus="With rotation declared, refresh once, then, after the grace window if one is "
             "declared, refresh again with the old refresh token.",
    requirement="The first refresh returns a new refresh token, and the old one is rejected with "
                "the profile's refresh-failed status.",
)
GRACE_WINDOW_HONOURED = declare(
    "refresh.grace-window-honoured",
    level=Level.MUST,
    reference="profile refresh_token.grace_seconds",
    stimulus="With rotation and a grace window declared, refresh once, then refresh with the "
             "rotated-out token in the last second of the grace window.",
    requirement="The refresh inside the grace window succeeds.",
)
REUSE_REVOKES_FAMILY = declare(
    "refresh.reuse-revokes-family",
    level=Level.MUST,
    reference="RFC 9700 §4.14.2; profile refresh_token.rotation = rotate-reuse-detection",
    stimulus="With reuse detection declared, refresh once, replay the rotated-out refresh token "
             "after any grace window, then refresh with the newest refresh token.",
    requirement="The replay is rejected and revokes the whole token family, so the newest "
                "refresh token is rejected with the profile's refresh-failed status too.",
)
UNKNOWN_TOKEN_REJECTED = declare(
    "refresh.unknown-token-rejected",
    level=Level.MUST,
    reference="RFC 6749 §5.2 invalid_grant; profile statuses.refresh_failed and "
              "statuses.refresh_invalid",
    stimulus="Refresh with strings the backend never issued: a random token, an issued token with "
             "one character changed, and text that is not a token at all.",
    requirement="Each is rejected with a refresh-failed or refresh-invalid status, never 2xx or "
                "5xx.",
)
MALFORMED_TOKEN_REJECTED = declare(
    "refresh.malformed-token-rejected",
    level=Level.MUST,
    reference="RFC 6749 §5.2 invalid_request; profile statuses.refresh_failed and "
              "statuses.refresh_invalid",
    stimulus="Refresh with the refresh token empty, missing, null, a number, a list and an "
             "object.",
    requirement="Each is rejected with a refresh-failed or refresh-invalid status, never 2xx or "
                "5xx.",
)
ACCESS_TOKEN_REJECTED = declare(
    "refresh.access-token-rejected",
    level=Level.MUST,
    reference="RFC 8725 §3.11",
    stimulus="Send a valid access token to the refresh endpoint in place of the refresh token.",
    requirement="The backend rejects it with a refresh-failed or refresh-invalid status and "
                "issues no token.",
)
DELETED_USER_REJECTED = declare(
    "refresh.deleted-user-rejected",
    level=Level.MUST,
    reference="RFC 6749 §6, §10.4; profile account_deletion and statuses.refresh_failed",
    stimulus="Create an account, sign in, delete the account the way the profile's "
             "[account_deletion] says, confirm that signin with it now fails, and refresh with "
             "the refresh token issued before the deletion.",
    requirement="The refresh is rejected with a refresh-failed or refresh-invalid status, never "
                "2xx or 5xx: a deleted account's grant ends with it.",
)
