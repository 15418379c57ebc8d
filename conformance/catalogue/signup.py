"""Checks of the signup family: creating accounts, where the backend has a signup endpoint."""

from conformance.registry import Level, declare

NEW_ACCOUNT_ACCEPTED = declare(
    "signup.new-account-accepted",
    level=Level.MUST,
    reference="profile statuses.signup_success",
    stimulus="POST the signup endpoint with a fresh username, email and password.",
    requirement="The backend creates the account and answers with a signup success status.",
)
NEW_ACCOUNT_CAN_SIGN_IN = declare(
    "signup.new-account-can-sign-in",
    level=Level.MUST,
    reference="profile statuses.signin_success",
    stimulus="Sign up a fresh account, then sign in with its username and password.",
    requirement="Signin with the credentials of a new account succeeds.",
)
DUPLICATE_USERNAME_REJECTED = declare(
    "signup.duplicate-username-rejected",
    level=Level.MUST,
    reference="profile statuses.signup_duplicate",
    stimulus="Sign up twice with the same username and different emails and passwords.",
    requirement="The second signup is rejected with a duplicate status and leaves the first "
                "account as it was: only the first password signs in.",
)
DUPLICATE_EMAIL_REJECTED = declare(
    "signup.duplicate-email-rejected",
    level=Level.MUST,
    reference="profile statuses.signup_duplicate",
    stimulus="Sign up twice with the same email and different usernames.",
    requirement="The second signup is rejected with a duplicate status.",
)
MISSING_FIELDS_REJECTED = declare(
    "signup.missing-fields-rejected",
    level=Level.MUST,
    reference="profile statuses.signup_invalid",
    stimulus="Sign up with one top-level field of the signup body template left out, for each "
             "field in turn except the role, which is optional in the tutorial protocol.",
    requirement="The backend rejects the request with an invalid-request status, never a 5xx.",
)
