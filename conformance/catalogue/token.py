"""Checks of the token family: Hypothesis properties of the tokens the backend issues."""

from conformance.registry import Level, declare

JWT_STRUCTURE = declare(
    "token.jwt-structure",
    level=Level.MUST,
    reference="RFC 7515 §7.1; RFC 7519 §7.2",
    stimulus="Sign in, and refresh, with accounts of the roles the profile names at clock times "
             "that Hypothesis picks, and decode each access token without verifying it.",
    requirement="Every access token is a JWS compact serialisation: three base64url segments, "
                "a JSON object header with an alg member and a JSON object claims set.",
)
ALG_MATCHES_PROFILE = declare(
    "token.alg-matches-profile",
    level=Level.MUST,
    reference="RFC 8725 §3.1; profile access_token.alg",
    stimulus="Sign in and refresh as for token.jwt-structure and read each access token's "
             "header.",
    requirement="Every access token names the profile's algorithm in its alg header.",
)
LIFETIME_MATCHES_PROFILE = declare(
    "token.lifetime-matches-profile",
    level=Level.MUST,
    reference="RFC 7519 §4.1.4, §4.1.6; profile access_token.lifetime and access_token.leeway",
    stimulus="Sign in and refresh as for token.jwt-structure and read each access token's exp "
             "and iat.",
    requirement="exp - iat equals the profile's access-token lifetime within the declared "
                "leeway, for tokens issued at signin and at refresh; without iat, exp lies "
                "that lifetime after the issue time.",
)
IAT_AT_ISSUE = declare(
    "token.iat-at-issue",
    level=Level.SHOULD,
    reference="RFC 7519 §4.1.6",
    stimulus="Sign in and refresh as for token.jwt-structure, with the suite's clock read "
             "before and after each request that issues a token.",
    requirement="The iat of every access token lies within one second of the clock's time when "
                "the token was issued.",
)
USER_CLAIM_NAMES_USER = declare(
    "token.user-claim-names-user",
    level=Level.MUST,
    reference="RFC 7519 §4.1.2; profile access_token.user_claim and user_claim_matches",
    stimulus="Sign in and refresh as for token.jwt-structure and read the profile's user claim "
             "of each access token.",
    requirement="The user claim names the account that signed in, by its id or username as "
                "the profile declares, also in tokens issued at refresh.",
)
NO_PASSWORD_IN_CLAIMS = declare(
    "token.no-password-in-claims",
    level=Level.MUST,
    reference="RFC 7519 §12",
    stimulus="Sign in and refresh as for token.jwt-structure and search every claim of the "
             "access token, and of a JWT refresh token, for the account's password, for "
             "password hash formats such as $2b$, pbkdf2_ and scrypt, and for claims named "
             "like a password.",
    requirement="No claim carries the password, a password hash or a password field, since "
                "anyone who holds the token can decode its claims.",
)
REFRESH_UNIQUE_PER_SIGNIN = declare(
    "token.refresh-unique-per-signin",
    level=Level.MUST,
    reference="RFC 6749 §10.10; profile refresh_token.format = opaque",
    stimulus="Sign in several times with one account, in the same second and at clock times "
             "that Hypothesis picks, and compare the opaque refresh tokens.",
    requirement="Every signin returns a refresh token that no other signin returned.",
)
REFRESH_TYPED = declare(
    "token.refresh-typed",
    level=Level.MUST,
    reference="RFC 8725 §3.11, §3.12; profile refresh_token.format = jwt",
    stimulus="Sign in and decode the JWT refresh token and the access token without verifying "
             "them.",
    requirement="The refresh token carries a type, in a claim such as token_type, type or "
                "token_use or in its typ header, that differs from the access token's, so that "
                "neither passes for the other.",
)
SINGLE_BYTE_CHANGE_REJECTED = declare(
    "token.single-byte-change-rejected",
    level=Level.MUST,
    reference="RFC 7515 §5.2; RFC 8725 §3.3; profile statuses.invalid_token",
    stimulus="GET a protected resource with a fresh access token in which one decoded byte of "
             "the header, the claims or the signature was replaced; Hypothesis picks the part, "
             "the position and the new byte.",
    requirement="Every changed token is rejected with the profile's invalid-token status.",
)
