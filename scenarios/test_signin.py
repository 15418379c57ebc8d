"""Scenarios of the signin family: good credentials get well-formed tokens, bad requests none."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import httpx
import pytest

from conformance.expect import describe_statuses, expect_no_server_error, expect_status, expect_that
from conformance.harness import Harness
from conformance.jsonpointer import PointerNotFound, resolve
from conformance.outcome import CheckFailed, HarnessError
from conformance.plugin import collection_profile
from conformance.profile import Profile
from conformance.tokens import NotAJWTError, decode_unverified, is_jwt

NO_FIELD = "no-field"
EMPTY_OBJECT = "empty-object"

# Values of the wrong JSON type for a string field, by the name used in test ids.
MISTYPED_VALUES: dict[str, Any] = {
    "number": 12345,
    "null": None,
    "list": ["{value}"],
    "object": {"value": "{value}"},
    "boolean": True,
}

# Three base64url segments, the first starting like a JSON object: a JWT (RFC 7519 §3).
_JWT_IN_TEXT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    profile = collection_profile(metafunc.config)
    fields = list(profile.accounts.signin_body) if profile is not None else []

    if "left_out" in metafunc.fixturenames:
        metafunc.parametrize("left_out", [*fields, EMPTY_OBJECT])
    if "mistyped" in metafunc.fixturenames:
        cases = [(field, kind) for field in fields or [NO_FIELD] for kind in MISTYPED_VALUES]
        metafunc.parametrize("mistyped", cases, ids=[f"{field}-{kind}" for field, kind in cases])


# Helpers


def _json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _at(body: Any, pointer: str) -> Any:
    """Return the value at `pointer` in a decoded JSON body, or None when there is none."""
    try:
        return resolve(body, pointer)
    except PointerNotFound:
        return None


def _issued_tokens(harness: Harness, response: httpx.Response) -> list[str]:
    """Return a redacted description of every token that `response` carries."""
    profile = harness.profile
    body = _json_body(response)
    found: list[str] = []

    for kind, pointer, transport in (
        ("access", profile.signin_response.access_token, profile.access_token),
        ("refresh", profile.signin_response.refresh_token, profile.refresh_token),
    ):
        if pointer is not None:
            value = _at(body, pointer)
            if isinstance(value, str) and value:
                label = harness.describe_token(value)
                found.append(f"{kind} token {label} at JSON pointer {pointer!r}")
        if transport.transport == "cookie" and response.cookies.get(transport.name):
            found.append(f"{kind} token in cookie {transport.name!r}")

    text = response.content.decode("utf-8", "replace")
    for match in _JWT_IN_TEXT.finditer(text):
        label = harness.describe_token(match.group(0))
        if not any(label in item for item in found):
            found.append(f"JWT {label} in the body")
    return found


def _expect_no_token(harness: Harness, response: httpx.Response, stimulus: str) -> None:
    issued = _issued_tokens(harness, response)
    expect_that(
        not issued,
        f"{stimulus} was rejected with {response.status_code} but the response carries a token",
        expected="no access or refresh token",
        received="; ".join(issued),
        remedy="return no token, or null in its field, from a failed signin",
    )


def _invalid_statuses(profile: Profile) -> frozenset[int]:
    statuses = profile.statuses
    return statuses.signin_invalid | statuses.signin_unknown_user | statuses.signin_wrong_password


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# Checks


@pytest.mark.check("signin.valid-credentials-accepted")
def test_signin_valid_credentials_accepted(harness: Harness) -> None:
    statuses = harness.profile.statuses
    account = harness.new_account("user")

    response = harness.signin_request(account=account)

    expect_status(
        response,
        statuses.signin_success,
        f"signin as existing account {account.username!r} with its password",
        remedy="accept the username and password of an existing account, or set "
        "statuses.signin_success in the profile to the status the backend sends",
    )


@pytest.mark.check("signin.response-fields-present")
def test_signin_response_fields_present(harness: Harness) -> None:
    profile = harness.profile
    pointers = profile.signin_response
    account = harness.new_account("user")

    response = harness.signin_request(account=account)
    if response.status_code not in profile.statuses.signin_success:
        raise HarnessError(
            f"signin as {account.username!r} failed with {response.status_code}, so the "
            "response fields cannot be checked"
        )
    body = _json_body(response)
    named = [p for p in (pointers.access_token, pointers.refresh_token, pointers.user_id,
                         pointers.roles) if p is not None]
    expect_that(
        body is not None or not named,
        "the signin response body is not JSON, so the profile's JSON pointers find nothing",
        expected="a JSON object",
        received=response.headers.get("content-type", "no content-type"),
        remedy="send the signin response as application/json",
    )

    problems: list[str] = []
    for kind, pointer, transport in (
        ("access token", pointers.access_token, profile.access_token),
        ("refresh token", pointers.refresh_token, profile.refresh_token),
    ):
        if pointer is not None:
            value = _at(body, pointer)
            if not (isinstance(value, str) and value):
                problems.append(f"no {kind} (a non-empty string) at JSON pointer {pointer!r}")
        elif transport.transport == "cookie" and not response.cookies.get(transport.name):
            problems.append(f"no {kind} in cookie {transport.name!r}")

    if pointers.user_id is not None:
        value = _at(body, pointers.user_id)
        if value is None or isinstance(value, bool) or not isinstance(value, int | str):
            problems.append(f"no user id (a number or a string) at JSON pointer "
                            f"{pointers.user_id!r}")
    if pointers.roles is not None and not isinstance(_at(body, pointers.roles), list):
        problems.append(f"no list of roles at JSON pointer {pointers.roles!r}")

    keys = sorted(body) if isinstance(body, dict) else type(body).__name__
    expect_that(
        not problems,
        "the signin response lacks fields the profile names: " + "; ".join(problems),
        expected="every field at the profile's signin.response pointers",
        received=f"top-level keys {keys}",
        remedy="return these fields from signin, or correct the JSON pointers in the profile's "
        "signin.response table",
    )


@pytest.mark.check("signin.access-token-well-formed")
def test_signin_access_token_well_formed(harness: Harness) -> None:
    expected = harness.profile.access_token
    session = harness.new_session("user")
    label = harness.describe_token(session.access_token)

    try:
        header, claims = decode_unverified(session.access_token)
    except NotAJWTError as error:
        raise CheckFailed(
            f"the access token {label} is not a JWT: {error}",
            expected="a JWS compact serialisation: header.payload.signature in base64url",
            received=label,
            remedy="issue access tokens as signed JWTs, or correct access_token in the profile",
        ) from None

    expect_that(
        header.get("alg") == expected.alg,
        f"the access token {label} is signed with {header.get('alg')!r}, the profile says "
        f"{expected.alg!r}",
        expected=expected.alg,
        received=header.get("alg"),
        remedy="set access_token.alg in the profile to the algorithm the backend uses, or "
        "configure the backend to sign with the declared one",
    )

    missing = [name for name in expected.claims if name not in claims]
    expect_that(
        not missing,
        f"the access token {label} lacks claims the profile lists: {', '.join(missing)}",
        expected=sorted(expected.claims),
        received=sorted(claims),
        remedy="add the claims when the token is issued, or remove them from "
        "access_token.claims in the profile",
    )

    # RFC 7519 §2 and §4.1.4: exp is a NumericDate, a JSON number of seconds since the epoch.
    expect_that(
        _is_number(claims["exp"]),
        f"the access token's exp claim is not a number: {claims['exp']!r}",
        expected="a JSON number of seconds since 1970-01-01T00:00:00Z",
        received=repr(claims["exp"]),
        remedy="write exp as a number, not a string or a date",
    )
    if "iat" in claims:
        expect_that(
            _is_number(claims["iat"]),
            f"the access token's iat claim is not a number: {claims['iat']!r}",
            expected="a JSON number of seconds since 1970-01-01T00:00:00Z",
            received=repr(claims["iat"]),
            remedy="write iat as a number, not a string or a date",
        )
        expect_that(
            claims["exp"] > claims["iat"],
            "the access token expires at or before it was issued",
            expected="exp > iat",
            received=f"exp {claims['exp']}, iat {claims['iat']}",
            remedy="set exp to iat plus the access-token lifetime, in seconds (not ms)",
        )
        lifetime = claims["exp"] - claims["iat"]
        if lifetime != expected.lifetime:
            harness.note(
                f"the access token lives {lifetime} s (exp - iat), the profile declares "
                f"access_token.lifetime = {expected.lifetime}"
            )


@pytest.mark.check("signin.user-claim-matches")
def test_signin_user_claim_matches(harness: Harness) -> None:
    expected = harness.profile.access_token
    if expected.user_claim is None:
        pytest.skip("the profile names no access_token.user_claim")
    session = harness.new_session("user")
    if expected.user_claim_matches == "id":
        if session.user_id is None:
            pytest.skip(
                "access_token.user_claim_matches is \"id\" but the profile names no "
                "signin.response.user_id pointer to compare with"
            )
        reference, source = session.user_id, "the user id of the signin response"
    else:
        reference, source = session.account.username, "the username that signed in"

    try:
        _, claims = decode_unverified(session.access_token)
    except NotAJWTError as error:
        raise HarnessError(f"the access token cannot be decoded: {error}") from None
    expect_that(
        expected.user_claim in claims,
        f"the access token has no {expected.user_claim!r} claim",
        expected=f"claim {expected.user_claim!r}",
        received=sorted(claims),
        remedy="put the user's identifier in the claim that access_token.user_claim names",
    )

    value = claims[expected.user_claim]
    # A user id may travel as a number in one place and a string in the other, for example
    # `sub` is a string (RFC 7519 §4.1.2) while the signin response has a numeric id.
    same = not isinstance(value, bool) and str(value) == str(reference)
    expect_that(
        same,
        f"the access token's {expected.user_claim!r} claim does not name the account that "
        f"signed in: it is {value!r}, {source} is {reference!r}",
        expected=reference,
        received=value,
        remedy=f"set {expected.user_claim!r} to {source}, or correct "
        "access_token.user_claim_matches in the profile",
    )


@pytest.mark.check("signin.refresh-token-well-formed")
def test_signin_refresh_token_well_formed(harness: Harness) -> None:
    expected = harness.profile.refresh_token
    session = harness.new_session("user")
    token = session.refresh_token
    if token is None:
        pytest.skip("the profile names no refresh token in the signin response")
    label = harness.describe_token(token)

    expect_that(
        token != session.access_token,
        "the signin response returns the access token as the refresh token",
        expected="two different tokens",
        received=f"both {label}",
        remedy="issue a separate refresh token; an access token must not refresh a session",
    )

    if expected.format == "opaque":
        expect_that(
            not is_jwt(token),
            f"the refresh token {label} is a JWT, the profile declares it opaque",
            expected="an opaque string",
            received="a JWT",
            remedy="set refresh_token.format = \"jwt\" in the profile",
        )
        return

    try:
        _, claims = decode_unverified(token)
    except NotAJWTError as error:
        raise CheckFailed(
            f"the refresh token is declared a JWT but does not decode: {error}",
            expected="a JWT",
            received=label,
            remedy="set refresh_token.format = \"opaque\" in the profile, or issue JWTs",
        ) from None
    missing = [name for name in expected.claims if name not in claims]
    expect_that(
        not missing,
        f"the refresh token {label} lacks claims the profile lists: {', '.join(missing)}",
        expected=sorted(expected.claims),
        received=sorted(claims),
        remedy="add the claims when the token is issued, or remove them from "
        "refresh_token.claims in the profile",
    )


@pytest.mark.check("signin.refresh-token-unique")
def test_signin_refresh_token_unique(harness: Harness) -> None:
    account = harness.new_account("user")

    first = harness.signin(account)
    second = harness.signin(account)

    if first.refresh_token is None or second.refresh_token is None:
        pytest.skip("the profile names no refresh token in the signin response")
    expect_that(
        first.refresh_token != second.refresh_token,
        f"two signins of {account.username!r} returned the same refresh token "
        f"{harness.describe_token(first.refresh_token)}",
        expected="a new refresh token for each signin",
        received="the same refresh token twice",
        remedy="generate each refresh token from a cryptographically secure random source "
        "(RFC 6749 §10.10), not from the user or the time alone",
    )


@pytest.mark.check("signin.unknown-user-rejected")
def test_signin_unknown_user_rejected(harness: Harness) -> None:
    statuses = harness.profile.statuses
    stranger = harness.context.accounts.new_credentials("user")
    harness.redact.add(stranger.password)

    response = harness.signin_request(account=stranger)

    stimulus = f"signin as unknown user {stranger.username!r}"
    expect_status(
        response,
        statuses.signin_unknown_user,
        stimulus,
        remedy=f"reject an unknown username with {describe_statuses(statuses.signin_unknown_user)}"
        ", or set statuses.signin_unknown_user in the profile",
    )
    _expect_no_token(harness, response, stimulus)


@pytest.mark.check("signin.wrong-password-rejected")
def test_signin_wrong_password_rejected(harness: Harness) -> None:
    statuses = harness.profile.statuses
    account = harness.new_account("user")
    wrong = dataclasses.replace(account, password=account.password + "-wrong")
    harness.redact.add(wrong.password)

    response = harness.signin_request(account=wrong)

    stimulus = f"signin as {account.username!r} with a wrong password"
    expect_status(
        response,
        statuses.signin_wrong_password,
        stimulus,
        remedy="compare the password with the stored hash and reject a mismatch with "
        f"{describe_statuses(statuses.signin_wrong_password)}, or set "
        "statuses.signin_wrong_password in the profile",
    )
    _expect_no_token(harness, response, stimulus)


@pytest.mark.check("signin.missing-fields-rejected")
def test_signin_without_field_rejected(harness: Harness, left_out: str) -> None:
    account = harness.new_account("user")
    body: dict[str, Any] = dict(harness.context.accounts.signin_body(account))
    if left_out == EMPTY_OBJECT:
        body = {}
        stimulus = "signin with an empty JSON object"
    elif left_out in body:
        del body[left_out]
        stimulus = f"signin without the {left_out!r} field"
    else:
        raise HarnessError(f"the signin.body template has no field {left_out!r} to leave out")

    response = harness.signin_request(body)

    allowed = _invalid_statuses(harness.profile)
    expect_no_server_error(response, stimulus)
    expect_status(
        response,
        allowed,
        stimulus,
        remedy="validate that every signin field is present and reject the request with "
        f"{describe_statuses(allowed)} before looking up the user",
    )
    _expect_no_token(harness, response, stimulus)


@pytest.mark.check("signin.mistyped-fields-rejected")
def test_signin_mistyped_field_rejected(harness: Harness, mistyped: tuple[str, str]) -> None:
    field, kind = mistyped
    if field == NO_FIELD:
        pytest.skip("the signin.body template has no field")
    account = harness.new_account("user")
    body: dict[str, Any] = dict(harness.context.accounts.signin_body(account))
    if field not in body:
        raise HarnessError(f"the signin.body template has no field {field!r} to change")

    # The other fields carry valid credentials, so only the type of this one is wrong. A list
    # or an object wraps the real value, which catches lookups that match any element.
    body[field] = _wrap(MISTYPED_VALUES[kind], body[field])
    response = harness.signin_request(body)

    stimulus = f"signin with a {kind} as {field!r}"
    allowed = _invalid_statuses(harness.profile)
    expect_no_server_error(response, stimulus)
    expect_status(
        response,
        allowed,
        stimulus,
        remedy=f"check that {field!r} is a string and reject anything else with "
        f"{describe_statuses(allowed)}",
    )
    _expect_no_token(harness, response, stimulus)


def _wrap(template: Any, value: Any) -> Any:
    if template == "{value}":
        return value
    if isinstance(template, list):
        return [_wrap(item, value) for item in template]
    if isinstance(template, dict):
        return {key: _wrap(item, value) for key, item in template.items()}
    return template
