"""Scenarios of the signup family: accounts are created once, and bad signups are rejected.

Every check is skipped when the profile does not create its test accounts by signup.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from conformance.expect import describe_statuses, expect_no_server_error, expect_status, expect_that
from conformance.harness import Harness
from conformance.outcome import HarnessError
from conformance.plugin import collection_profile
from conformance.profile import Profile

ROLE_PLACEHOLDER = "{role}"
EMAIL_PLACEHOLDER = "{email}"
NO_FIELD = "no-field"


def _required_signup_fields(profile: Profile) -> list[str]:
    """Return the top-level keys of the signup template that a signup must not leave out.

    A key filled from `{role}` is left out of the list, because the role is optional in the
    tutorial protocol: an account signed up without one gets role user.
    """
    template = profile.accounts.signup_body
    return [key for key, value in template.items() if ROLE_PLACEHOLDER not in json.dumps(value)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "left_out" not in metafunc.fixturenames:
        return
    profile = collection_profile(metafunc.config)
    fields = _required_signup_fields(profile) if profile is not None else []
    if not fields:
        # The check still runs once, so the `require_signup` fixture can report why it skips.
        fields = [NO_FIELD]
    metafunc.parametrize("left_out", fields)


@pytest.fixture(autouse=True)
def require_signup(profile: Profile) -> None:
    """Skip the check when the backend's test accounts are not created by signup."""
    if not profile.has_signup:
        pytest.skip(
            f"profile {profile.name!r} does not create test accounts by signup: accounts.mode is "
            f"{profile.accounts.mode!r} and endpoints.signup is {profile.endpoints.signup!r}"
        )


def _signup_remedy(statuses: frozenset[int], case: str) -> str:
    return (
        f"respond to {case} with {describe_statuses(statuses)}, or set the status the backend "
        "documents in the profile's [statuses] table"
    )


@pytest.mark.check("signup.new-account-accepted")
def test_signup_new_account_accepted(harness: Harness) -> None:
    statuses = harness.profile.statuses
    account = harness.context.accounts.new_credentials("user")
    harness.redact.add(account.password)

    response = harness.signup(account)

    expect_status(
        response,
        statuses.signup_success,
        f"signup of new account {account.username!r}",
        remedy=_signup_remedy(statuses.signup_success, "a signup with a fresh username and email"),
    )


@pytest.mark.check("signup.new-account-can-sign-in")
def test_signup_then_signin_succeeds(harness: Harness) -> None:
    statuses = harness.profile.statuses
    account = harness.new_account("user")

    response = harness.signin_request(account=account)

    expect_status(
        response,
        statuses.signin_success,
        f"signin of just signed-up account {account.username!r}",
        remedy="store the account at signup so that its username and password sign in at once; "
        "if the backend needs a confirmation step first, give the suite fixed accounts instead "
        "(accounts.mode = \"fixed\")",
    )


@pytest.mark.check("signup.duplicate-username-rejected")
def test_signup_duplicate_username_rejected(harness: Harness) -> None:
    statuses = harness.profile.statuses
    first = harness.new_account("user")
    fresh = harness.context.accounts.new_credentials("user")
    duplicate = dataclasses.replace(fresh, username=first.username)
    harness.redact.add(duplicate.password)

    response = harness.signup(duplicate)

    expect_status(
        response,
        statuses.signup_duplicate,
        f"second signup with username {first.username!r} and a new email",
        remedy=_signup_remedy(statuses.signup_duplicate, "a signup with a taken username")
        + "; a 2xx here means the backend created or overwrote an account",
    )

    # The rejected signup must not have replaced the first account's password.
    with_new_password = harness.signin_request(account=duplicate)
    expect_that(
        with_new_password.status_code not in statuses.signin_success,
        f"signin as {first.username!r} with the password of the rejected duplicate signup "
        "succeeded, so the rejected signup changed the existing account",
        expected=f"a status other than {describe_statuses(statuses.signin_success)}",
        received=with_new_password.status_code,
        remedy="check that the username is free before writing the account, inside the same "
        "transaction, and write nothing when it is taken",
    )
    with_first_password = harness.signin_request(account=first)
    expect_that(
        with_first_password.status_code in statuses.signin_success,
        f"signin as {first.username!r} with its original password failed after a rejected "
        "duplicate signup",
        expected=describe_statuses(statuses.signin_success),
        received=with_first_password.status_code,
        remedy="leave the existing account untouched when a signup is rejected as a duplicate",
    )


@pytest.mark.check("signup.duplicate-email-rejected")
def test_signup_duplicate_email_rejected(harness: Harness) -> None:
    profile = harness.profile
    if EMAIL_PLACEHOLDER not in json.dumps(profile.accounts.signup_body):
        pytest.skip("the profile's signup.body template sends no {email}")

    first = harness.new_account("user")
    fresh = harness.context.accounts.new_credentials("user")
    duplicate = dataclasses.replace(fresh, email=first.email)
    harness.redact.add(duplicate.password)

    response = harness.signup(duplicate)

    expect_status(
        response,
        profile.statuses.signup_duplicate,
        f"signup of {duplicate.username!r} with the email {first.email!r} of another account",
        remedy=_signup_remedy(profile.statuses.signup_duplicate, "a signup with a taken email")
        + "; keep a unique index on the email column",
    )


@pytest.mark.check("signup.missing-fields-rejected")
def test_signup_without_field_rejected(harness: Harness, left_out: str) -> None:
    if left_out == NO_FIELD:
        pytest.skip("the signup.body template has no field other than the role")
    statuses = harness.profile.statuses
    account = harness.context.accounts.new_credentials("user")
    harness.redact.add(account.password)
    body: dict[str, Any] = dict(harness.context.accounts.signup_body(account))
    if left_out not in body:
        raise HarnessError(f"the signup.body template has no field {left_out!r} to leave out")
    del body[left_out]

    response = harness.signup(account, body=body)

    stimulus = f"signup without the {left_out!r} field"
    expect_no_server_error(response, stimulus)
    expect_status(
        response,
        statuses.signup_invalid,
        stimulus,
        remedy=_signup_remedy(statuses.signup_invalid, f"a signup without {left_out!r}")
        + "; validate that every required field is present before creating the account",
    )
