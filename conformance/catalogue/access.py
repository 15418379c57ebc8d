"""Checks of the access family: protected resources accept good tokens and reject the rest."""

from conformance.registry import Level, declare

PUBLIC_WITHOUT_TOKEN = declare(
    "access.public-without-token",
    level=Level.MUST,
    reference="profile endpoints.public",
    stimulus="GET the public resource without any token.",
    requirement="The public resource answers with a 2xx status.",
)
VALID_TOKEN_ACCEPTED = declare(
    "access.valid-token-accepted",
    level=Level.MUST,
    reference="RFC 6750 §2; profile endpoints.protected",
    stimulus="GET each protected resource open to role user with a fresh access token.",
    requirement="Each of those resources answers with a 2xx status.",
)
ROLE_GRANTED = declare(
    "access.role-granted",
    level=Level.MUST,
    reference="profile endpoints.protected",
    stimulus="GET each protected resource with the access token of an account of a role it "
             "admits, for every role the profile names.",
    requirement="The resource answers with a 2xx status.",
)
MISSING_TOKEN_REJECTED = declare(
    "access.missing-token-rejected",
    level=Level.MUST,
    reference="RFC 6750 §3.1; profile statuses.missing_token",
    stimulus="GET each protected resource without a token.",
    requirement="The backend answers with the profile's missing-token status.",
)
MALFORMED_TOKEN_REJECTED = declare(
    "access.malformed-token-rejected",
    level=Level.MUST,
    reference="RFC 6750 §3.1; profile statuses.invalid_token",
    stimulus="GET a protected resource with strings that are not valid JWTs: random text, two "
             "or four segments, empty segments, a truncated token, segments that are not "
             "base64url or not JSON, a space inside and non-ASCII characters.",
    requirement="The backend answers with the profile's invalid-token status, never 2xx or 5xx.",
)
BAD_SIGNATURE_REJECTED = declare(
    "access.bad-signature-rejected",
    level=Level.MUST,
    reference="RFC 7515 §5.2; RFC 8725 §3.1; profile statuses.invalid_token",
    stimulus="GET a protected resource with a valid access token whose signature was altered, "
             "and with the same claims signed with another key.",
    requirement="The backend verifies the signature and answers with the invalid-token status.",
)
WRONG_ROLE_REJECTED = declare(
    "access.wrong-role-rejected",
    level=Level.MUST,
    reference="RFC 6750 §3.1 insufficient_scope; profile statuses.wrong_role",
    stimulus="GET each protected resource with the access token of an account of a role it "
             "does not admit.",
    requirement="The backend answers with the profile's wrong-role status.",
)
WRONG_SCHEME_REJECTED = declare(
    "access.wrong-scheme-rejected",
    level=Level.MUST,
    reference="RFC 6750 §2.1; profile access_token.transport",
    stimulus="GET a protected resource with a valid access token sent in a header or scheme "
             "other than the profile's: Authorization Bearer when the profile names another "
             "header or a cookie; the Token scheme or no scheme when it names Bearer; the "
             "x-access-token header when it names anything else.",
    requirement="The backend does not accept the token there and answers with the missing- or "
                "invalid-token status.",
)
WWW_AUTHENTICATE_ON_401 = declare(
    "access.www-authenticate-on-401",
    level=Level.SHOULD,
    reference="RFC 6750 §3; profile statuses.www_authenticate",
    stimulus="GET a protected resource without a token, with a token that is not a JWT and "
             "with a token whose signature was altered.",
    requirement="Where the profile declares them, every 401 answer carries a WWW-Authenticate "
                "header with a Bearer challenge.",
)
ERROR_BODY_JSON = declare(
    "access.error-body-json",
    level=Level.SHOULD,
    reference="profile statuses.error_bodies",
    stimulus="GET a protected resource without a token, with a token that is not a JWT and "
             "with a token whose signature was altered.",
    requirement="Where the profile declares JSON error bodies, each rejection has a body that "
                "parses as JSON and a JSON media type.",
)
