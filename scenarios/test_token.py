"""Scenarios of the token family: Hypothesis properties of the tokens the backend issues.

Each check draws cases with Hypothesis under the suite's profile (`--hypothesis-profile
thorough` runs ten times as many) and fails with the minimal case and the seed that repeats it.
An issue case is an account role, signin or refresh, and the clock time of the request.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import strategies as st

from conformance.clock_steps import sign_in_working
from conformance.expect import describe_statuses
from conformance.harness import Harness
from conformance.issued_tokens import (
    IssuedToken,
    Issuer,
    can_vary_time,
    issue_cases,
    issuing_roles,
    within_second,
)
from conformance.outcome import CheckFailed, HarnessError
from conformance.properties import PropertyRun, property_run
from conformance.redact import mask
from conformance.tokens import (
    PARTS,
    NotAJWTError,
    Part,
    change_byte,
    decode_unverified,
    find_password_leaks,
    is_jwt,
    part_bytes,
)

# Each issued token costs a signup, a signin and perhaps a refresh, so these checks run a
# quarter of the profile's examples. A byte change costs one request, so that check runs all.
ISSUE_SHARE = 0.25
BYTE_CHANGE_SHARE = 1.0

# Claims that name the kind of a JWT in the libraries the profiles describe: SimpleJWT
# (token_type), flask-jwt-extended (type) and the reference backend (token_use).
TYPE_CLAIMS = ("token_type", "type", "token_use", "typ")


@pytest.fixture
def hypothesis_run(harness: Harness, request: pytest.FixtureRequest) -> PropertyRun:
    """Provide the Hypothesis run of the check the test decides."""
    return property_run(harness, request)


# Helpers


def _for_every_issued(harness: Harness, run: PropertyRun,
                      check: Callable[[IssuedToken], None]) -> None:
    """Check every access token issued for the cases Hypothesis draws."""
    issuer = Issuer(harness)
    run.run_given(issue_cases(harness), lambda case: check(issuer.issue(case)),
                  share=ISSUE_SHARE)


def _what(issued: IssuedToken) -> str:
    case = issued.case
    text = f"the access token issued at {case.step} to an account of role {case.role}"
    if case.offset or case.delay:
        text += f" (signin at start + {case.offset} s"
        text += f", refresh {case.delay} s later)" if case.step == "refresh" else ")"
    return text


def _decoded(issued: IssuedToken) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        return decode_unverified(issued.access_token)
    except NotAJWTError:
        pytest.skip("the backend's access token is not a JWT, which token.jwt-structure "
                    "reports")


def _numeric(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _type_of(header: dict[str, Any], claims: dict[str, Any]) -> dict[str, Any]:
    """Return the type markers of a JWT: its typ header and the type claims it carries."""
    markers = {f"claim {name}": claims[name] for name in TYPE_CLAIMS if name in claims}
    if "typ" in header:
        markers["header typ"] = header["typ"]
    return markers


# Checks


@pytest.mark.check("token.jwt-structure")
def test_token_jwt_structure(harness: Harness, hypothesis_run: PropertyRun) -> None:
    def check(issued: IssuedToken) -> None:
        try:
            decode_unverified(issued.access_token)
        except NotAJWTError as error:
            raise CheckFailed(
                f"{_what(issued)} is not a JWT: {error}",
                expected="header.payload.signature, each base64url, header and payload JSON "
                         "objects, alg in the header",
                received=str(error),
                remedy="issue access tokens as JWS compact serialisations (RFC 7515 §7.1), "
                       "for example with the JWT library's encode function",
            ) from None

    _for_every_issued(harness, hypothesis_run, check)


@pytest.mark.check("token.alg-matches-profile")
def test_token_alg_matches_profile(harness: Harness, hypothesis_run: PropertyRun) -> None:
    expected = harness.profile.access_token.alg

    def check(issued: IssuedToken) -> None:
        header, _ = _decoded(issued)
        if header["alg"] != expected:
            raise CheckFailed(
                f"{_what(issued)} is signed with {header['alg']!r}, but the profile declares "
                f"{expected!r}",
                expected=expected,
                received=header["alg"],
                remedy="sign every access token with one algorithm and declare it in "
                       "access_token.alg; verifiers fix their algorithm (RFC 8725 §3.1)",
            )

    _for_every_issued(harness, hypothesis_run, check)


@pytest.mark.check("token.lifetime-matches-profile")
def test_token_lifetime_matches_profile(harness: Harness, hypothesis_run: PropertyRun) -> None:
    lifetime = harness.profile.access_token.lifetime
    leeway = harness.profile.access_token.leeway

    def check(issued: IssuedToken) -> None:
        _, claims = _decoded(issued)
        expires_at = _numeric(claims.get("exp"))
        issued_at = _numeric(claims.get("iat"))
        if expires_at is None:
            raise CheckFailed(
                f"{_what(issued)} has no numeric exp claim",
                expected="a numeric exp claim",
                received=repr(claims.get("exp")),
                remedy="give every access token an exp (RFC 7519 §4.1.4)",
            )

        if issued_at is not None:
            actual = expires_at - issued_at
            matches = abs(actual - lifetime) <= leeway
            measured = f"exp - iat = {actual:g} s"
        else:
            actual = expires_at - issued.clock_before
            matches = (issued.clock_before + lifetime - leeway - 1 <= expires_at
                       <= issued.clock_after + lifetime + leeway + 1)
            measured = f"exp - issue time = {actual:.0f} s"
        if not matches:
            raise CheckFailed(
                f"{_what(issued)} lives {measured}, but the profile declares {lifetime} s "
                f"(leeway {leeway} s)",
                expected=f"{lifetime} s, within {leeway} s",
                received=measured,
                remedy="issue access tokens at signin and at refresh with exp = iat + "
                       "access_token.lifetime, or correct the profile",
            )

    _for_every_issued(harness, hypothesis_run, check)


@pytest.mark.check("token.iat-at-issue")
def test_token_iat_at_issue(harness: Harness, hypothesis_run: PropertyRun) -> None:
    if "iat" not in harness.profile.access_token.claims:
        pytest.skip("the profile's access_token.claims does not list iat")

    def check(issued: IssuedToken) -> None:
        _, claims = _decoded(issued)
        issued_at = _numeric(claims.get("iat"))
        if issued_at is not None and within_second(issued_at, issued.clock_before,
                                                   issued.clock_after):
            return
        received = "no numeric iat" if issued_at is None else f"iat {issued_at:.0f}"
        raise CheckFailed(
            f"{_what(issued)} has {received}, but the clock read {issued.clock_before:.0f} "
            "when it was issued",
            expected=f"iat within one second of {issued.clock_before:.0f}",
            received=received,
            remedy="set iat to the time of issue from the server's clock (RFC 7519 §4.1.6); a "
                   "cached or precomputed token, or a clock far from the suite's, shows here",
        )

    _for_every_issued(harness, hypothesis_run, check)


@pytest.mark.check("token.user-claim-names-user")
def test_token_user_claim_names_user(harness: Harness, hypothesis_run: PropertyRun) -> None:
    profile = harness.profile
    claim = profile.access_token.user_claim
    matches = profile.access_token.user_claim_matches
    if claim is None:
        pytest.skip("the profile names no user claim (access_token.user_claim)")
    if matches == "id" and profile.signin_response.user_id is None:
        pytest.skip("the profile gives no JSON pointer to the user id (signin.response.user_id), "
                    "so the suite cannot tell the account's id")

    def check(issued: IssuedToken) -> None:
        _, claims = _decoded(issued)
        session = issued.session
        expected = session.user_id if matches == "id" else session.account.username
        value = claims.get(claim)
        if value is not None and str(value) == str(expected):
            return
        raise CheckFailed(
            f"{_what(issued)} names {value!r} in claim {claim!r}, but the account's "
            f"{matches} is {expected!r}",
            expected=f"{claim} = {expected!r}",
            received=f"{claim} = {value!r}",
            remedy=f"put the signed-in account's {matches} into the {claim!r} claim of every "
                   "access token, also those issued at refresh (RFC 7519 §4.1.2)",
        )

    _for_every_issued(harness, hypothesis_run, check)


@pytest.mark.check("token.no-password-in-claims")
def test_token_no_password_in_claims(harness: Harness, hypothesis_run: PropertyRun) -> None:
    def check(issued: IssuedToken) -> None:
        account = issued.session.account
        password: str | None = account.password
        # A password inside the username or email would be found in every claim that names
        # the account, so only the hash formats and claim names are searched then.
        if password is not None and (password in account.username or password in account.email):
            note = (f"the password of {account.username!r} is part of its username or email, so "
                    "claims were not searched for it")
            if note not in harness.notes:
                harness.note(note)
            password = None
        header, claims = _decoded(issued)
        found = [f"access token {where}{leak.path}: {leak.finding}"
                 for where, members in (("header", header), ("claims", claims))
                 for leak in find_password_leaks(members, password)]

        refresh = issued.refresh_token
        if refresh is not None and is_jwt(refresh):
            refresh_header, refresh_claims = decode_unverified(refresh)
            found += [f"refresh token {where}{leak.path}: {leak.finding}"
                      for where, members in (("header", refresh_header),
                                             ("claims", refresh_claims))
                      for leak in find_password_leaks(members, password)]
        if found:
            raise CheckFailed(
                f"{_what(issued)} exposes a password: " + "; ".join(found),
                expected="no password, password hash or password field in any claim",
                received="; ".join(found),
                remedy="put only identifiers and roles into tokens; anyone who holds a JWT "
                       "decodes its claims (RFC 7519 §12)",
            )

    _for_every_issued(harness, hypothesis_run, check)


@pytest.mark.check("token.refresh-unique-per-signin")
def test_token_refresh_unique_per_signin(harness: Harness,
                                         hypothesis_run: PropertyRun) -> None:
    if harness.profile.refresh_token.format != "opaque":
        pytest.skip("the profile declares JWT refresh tokens, which token.refresh-typed checks")
    role = issuing_roles(harness.profile)[0]
    issuer = Issuer(harness)
    max_offset = 2 if can_vary_time(harness) else 0
    offsets = st.lists(st.integers(0, max_offset), min_size=2, max_size=4)

    def check(signin_offsets: list[int]) -> None:
        account = harness.new_account(role)
        seen: dict[str, int] = {}
        for number, offset in enumerate(sorted(signin_offsets), start=1):
            if issuer.start is not None:
                harness.clock.move_to(issuer.start + offset)
            token = harness.signin(account).refresh_token
            if token is None:
                raise HarnessError("signin returned no refresh token, so there is nothing to "
                                   "compare")
            if token in seen:
                received = (f"signins {seen[token]} and {number} at start + "
                            f"{sorted(signin_offsets)} s returned the same refresh token "
                            f"{mask(token)}")
                raise CheckFailed(
                    f"two signins of one account returned the same refresh token: {received}",
                    expected="a new refresh token for every signin",
                    received=received,
                    remedy="make each refresh token from at least 128 random bits (RFC 6749 "
                           "§10.10), for example secrets.token_urlsafe(32) or a UUID v4",
                )
            seen[token] = number

    hypothesis_run.run_given(offsets, check, share=ISSUE_SHARE)


@pytest.mark.check("token.refresh-typed")
def test_token_refresh_typed(harness: Harness, hypothesis_run: PropertyRun) -> None:
    if harness.profile.refresh_token.format != "jwt":
        pytest.skip("the profile declares opaque refresh tokens, which "
                    "token.refresh-unique-per-signin checks")

    def check(issued: IssuedToken) -> None:
        refresh = issued.refresh_token
        if refresh is None or not is_jwt(refresh):
            raise CheckFailed(
                f"the refresh token issued with {_what(issued)} is not a JWT, but the profile "
                "declares refresh_token.format = \"jwt\"",
                expected="a JWT refresh token",
                received="no refresh token" if refresh is None else mask(refresh),
                remedy="correct refresh_token.format in the profile",
            )
        access = _type_of(*_decoded(issued))
        markers = _type_of(*decode_unverified(refresh))
        distinct = {name: value for name, value in markers.items()
                    if access.get(name) != value}
        if distinct:
            return
        raise CheckFailed(
            f"the refresh token issued with {_what(issued)} carries no type that tells it "
            "from the access token",
            expected="a token_type, type or token_use claim or typ header whose value differs "
                     "from the access token's",
            received=f"refresh {markers or 'no type'}, access {access or 'no type'}",
            remedy="give each kind of token its own type, such as token_type \"refresh\", and "
                   "reject a token of the wrong type (RFC 8725 §3.11, §3.12)",
        )

    _for_every_issued(harness, hypothesis_run, check)


@pytest.mark.check("token.single-byte-change-rejected")
def test_token_single_byte_change_rejected(harness: Harness,
                                           hypothesis_run: PropertyRun) -> None:
    statuses = harness.profile.statuses.invalid_token
    signed_in = sign_in_working(harness)
    token = signed_in.session.access_token
    resource = signed_in.resource
    try:
        parts = {part: part_bytes(token, part) for part in PARTS}
    except NotAJWTError as error:
        raise HarnessError(f"cannot change bytes of the backend's access token: {error}") from None

    def changes(part: Part) -> st.SearchStrategy[tuple[Part, int, int]]:
        # The third number picks a byte other than the old one: 0..254, skipping the old value.
        return st.tuples(st.just(part), st.integers(0, len(parts[part]) - 1), st.integers(0, 254))

    strategy = st.one_of([changes(part) for part in PARTS if parts[part]])

    def check(drawn: tuple[Part, int, int]) -> None:
        part, index, pick = drawn
        old = parts[part][index]
        changed, change = change_byte(token, part, index, pick if pick < old else pick + 1)
        harness.redact.add(changed)

        response = harness.get_resource(resource, changed)

        if response.status_code in statuses:
            return
        line = f"{resource.method} {resource.path}"
        raise CheckFailed(
            f"{line} with a fresh access token whose {change.describe()}: expected status "
            f"{describe_statuses(statuses)}, received {response.status_code}",
            expected=describe_statuses(statuses),
            received=f"{response.status_code} for the token whose {change.describe()}",
            remedy="verify the signature over the exact header and payload segments received "
                   "before trusting any claim (RFC 7515 §5.2), and answer every failure with "
                   f"{describe_statuses(statuses)}",
        )

    hypothesis_run.run_given(strategy, check, share=BYTE_CHANGE_SHARE)
