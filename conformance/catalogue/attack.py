"""Checks of the attack family: forged and tampered access tokens never open a resource."""

from conformance.registry import Level, declare

ALG_NONE_REJECTED = declare(
    "attack.alg-none-rejected",
    level=Level.MUST,
    reference="RFC 8725 §2.1, §3.1; RFC 7518 §3.6; profile statuses.invalid_token",
    stimulus="GET a protected resource with a genuine access token whose header alg was set to "
             "none, None, NONE and nOnE, each with an empty signature and with the old "
             "signature kept.",
    requirement="Each token is rejected with the profile's invalid-token status.",
)
STRIPPED_SIGNATURE_REJECTED = declare(
    "attack.stripped-signature-rejected",
    level=Level.MUST,
    reference="RFC 7515 §5.2; RFC 8725 §3.3; profile statuses.invalid_token",
    stimulus="GET a protected resource with a genuine access token whose signature segment is "
             "empty, header and claims unchanged.",
    requirement="The token is rejected with the profile's invalid-token status.",
)
KEY_CONFUSION_REJECTED = declare(
    "attack.key-confusion-rejected",
    level=Level.MUST,
    reference="RFC 8725 §2.1, §3.1; profile access_token.public_key",
    stimulus="With the profile's public key, GET a protected resource with a genuine access "
             "token switched to the HMAC algorithm of the same hash size and signed with the "
             "public key's PEM text as the HMAC secret.",
    requirement="The token is rejected with the profile's invalid-token status.",
)
KID_INJECTION_REJECTED = declare(
    "attack.kid-injection-rejected",
    level=Level.MUST,
    reference="RFC 7515 §4.1.4; RFC 8725 §2.9, §3.10; profile statuses.invalid_token",
    stimulus="GET a protected resource with a genuine access token whose header kid is a path "
             "traversal to /dev/null or an SQL injection, signed by HS256 with the key such a "
             "lookup would return.",
    requirement="Each token is rejected with the profile's invalid-token status.",
)
CLAIM_EDIT_REJECTED = declare(
    "attack.claim-edit-rejected",
    level=Level.MUST,
    reference="RFC 7515 §5.2; RFC 7519 §4.1.2, §4.1.4-4.1.6; profile statuses.invalid_token",
    stimulus="GET a protected resource with a genuine access token whose user claim names "
             "another account, whose exp lies a year later, whose iat lies an hour earlier or "
             "whose nbf lies an hour earlier, each with the old signature kept and signed "
             "with another key.",
    requirement="Each token is rejected with the profile's invalid-token status.",
)
ROLE_EDIT_REJECTED = declare(
    "attack.role-edit-rejected",
    level=Level.MUST,
    reference="RFC 7515 §5.2; RFC 8725 §3.10; profile statuses.invalid_token",
    stimulus="GET a resource that role user may not read with a user's access token whose role "
             "claim was edited to add the admitted role, with the old signature kept and "
             "signed with another key.",
    requirement="Each token is rejected with the profile's invalid-token status, so an edited "
                "role never raises rights.",
)
IMPERSONATION_REJECTED = declare(
    "attack.impersonation-rejected",
    level=Level.MUST,
    reference="RFC 7515 §5.2; RFC 7519 §4.1.2; profile access_token.user_claim",
    stimulus="GET a resource that role user may not read with a user's access token whose user "
             "claim was edited to name an account that may read it, with the old signature "
             "kept and signed with another key.",
    requirement="Each token is rejected with the profile's invalid-token status, so one account "
                "cannot act as another.",
)
TOKEN_TYPE_CONFUSION_REJECTED = declare(
    "attack.token-type-confusion-rejected",
    level=Level.MUST,
    reference="RFC 8725 §2.8, §3.11, §3.12; profile statuses.invalid_token",
    stimulus="GET a protected resource with the refresh token sent as the access token, and, "
             "with the profile's signing key, with an access token whose type claim was set to "
             "the refresh type and signed again.",
    requirement="Each is rejected with the profile's invalid-token status, so only access "
                "tokens open protected resources.",
)
