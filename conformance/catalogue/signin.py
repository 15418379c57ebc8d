"""Checks of the signin family: credentials in, an access token and a refresh token out."""

from conformance.registry import Level, declare

VALID_CREDENTIALS_ACCEPTED = declare(
    "signin.valid-credentials-accepted",
    level=Level.MUST,
    reference="profile statuses.signin_success",
    stimulus="Sign in with the username and password of an existing account.",
    requirement="The backend answers with a signin success status.",
)
RESPONSE_FIELDS_PRESENT = declare(
    "signin.response-fields-present",
    level=Level.MUST,
    reference="profile signin.response",
    stimulus="Sign in and read each field the profile names with its JSON pointer.",
    requirement="The response carries the access token, the refresh token, the user id and the "
                "roles where the profile says they are.",
)
ACCESS_TOKEN_WELL_FORMED = declare(
    "signin.access-token-well-formed",
    level=Level.MUST,
    reference="RFC 7519 §7.2; profile access_token.alg and access_token.claims",
    stimulus="Sign in and decode the access token without verifying its signature.",
    requirement="The access token is a JWT signed with the profile's algorithm that carries every "
                "claim the profile lists, with numeric exp and iat.",
)
USER_CLAIM_MATCHES = declare(
    "signin.user-claim-matches",
    level=Level.MUST,
    reference="RFC 7519 §4.1.2; profile access_token.user_claim",
    stimulus="Sign in and compare the access token's user claim with the signed-in account.",
    requirement="The user claim names the account that signed in.",
)
REFRESH_TOKEN_WELL_FORMED = declare(
    "signin.refresh-token-well-formed",
    level=Level.MUST,
    reference="RFC 6749 §1.5; profile refresh_token.format",
    stimulus="Sign in and inspect the refresh token.",
    requirement="The refresh token is a non-empty string that differs from the access token; a "
                "refresh token declared as a JWT decodes as one, an opaque one is not a JWT.",
)
REFRESH_TOKEN_UNIQUE = declare(
    "signin.refresh-token-unique",
    level=Level.MUST,
    reference="RFC 6749 §10.10",
    stimulus="Sign in twice with the same account.",
    requirement="Each signin issues a different refresh token, so one session's token cannot be "
                "guessed from another's.",
)
UNKNOWN_USER_REJECTED = declare(
    "signin.unknown-user-rejected",
    level=Level.MUST,
    reference="profile statuses.signin_unknown_user",
    stimulus="Sign in with a username that does not exist.",
    requirement="The backend answers with the profile's unknown-user status and issues no token.",
)
WRONG_PASSWORD_REJECTED = declare(
    "signin.wrong-password-rejected",
    level=Level.MUST,
    reference="profile statuses.signin_wrong_password",
    stimulus="Sign in with an existing username and a wrong password.",
    requirement="The backend answers with the profile's wrong-password status and issues no token.",
)
MISSING_FIELDS_REJECTED = declare(
    "signin.missing-fields-rejected",
    level=Level.MUST,
    reference="profile statuses.signin_invalid",
    stimulus="Sign in with each field of the signin body template left out in turn, and with "
             "an empty JSON object.",
    requirement="The backend rejects the request with the profile's invalid-request, "
                "unknown-user or wrong-password status, never a 5xx, and issues no token.",
)
MISTYPED_FIELDS_REJECTED = declare(
    "signin.mistyped-fields-rejected",
    level=Level.MUST,
    reference="profile statuses.signin_invalid",
    stimulus="Sign in with a number, null, a list, an object or a boolean in place of each "
             "string field in turn, the other fields carrying valid credentials.",
    requirement="The backend rejects the request with the profile's invalid-request, "
                "unknown-user or wrong-password status, never a 5xx, and issues no token.",
)
