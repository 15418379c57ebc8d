"""Valid request bodies of the auth operations, with live credentials and tokens.

The input checks change one field of a valid body, so the request gets past the checks of the
other fields and reaches the code that handles the changed one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.harness import Harness

BodyFactory = Callable[[], dict[str, Any]]


def valid_body_factory(harness: Harness, operation: str) -> BodyFactory:
    """Return a function that builds a valid body for `operation` on each call.

    Each signup body carries fresh credentials. Signin bodies carry those of one existing
    account, and refresh and signout bodies the refresh token of one signed-in session.
    """
    profile = harness.profile
    accounts = harness.context.accounts

    if operation == "signup":
        def signup_body() -> dict[str, Any]:
            account = accounts.new_credentials("user")
            harness.redact.add(account.password)
            return dict(accounts.signup_body(account))

        return signup_body

    if operation == "signin":
        account = harness.new_account("user")
        body = dict(accounts.signin_body(account))
        return lambda: dict(body)

    session = harness.new_session("user")
    field = profile.refresh_token.name
    return lambda: {field: session.refresh_token}
