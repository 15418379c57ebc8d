"""Scenarios of the access family: protected resources accept good tokens and reject the rest."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from jwt.utils import base64url_encode

from conformance.expect import describe_statuses, expect_status, expect_that
from conformance.harness import Harness
from conformance.outcome import HarnessError
from conformance.profile import ROLES, Profile, ProtectedResource
from conformance.session import Session
from conformance.tokens import alter_signature, decode_unverified, generate_key, resign

# Helpers


def _is_success(response: httpx.Response) -> bool:
    return 200 <= response.status_code < 300


def _expect_success(response: httpx.Response, stimulus: str, *, remedy: str) -> None:
    expect_that(
        _is_success(response),
        f"{stimulus}: expected a 2xx status, received {response.status_code}",
        expected="a 2xx status",
        received=response.status_code,
        remedy=remedy,
    )


def _request_line(resource: ProtectedResource) -> str:
    return f"{resource.method} {resource.path}"


def _named_roles(profile: Profile) -> list[str]:
    """Return the roles that at least one protected resource of the profile admits."""
    return [role for role in ROLES if profile.resources_for(role)]


def _probe(harness: Harness) -> tuple[ProtectedResource, Session]:
    """Return a protected resource and a fresh session of a role that it admits.

    A resource open to role user comes first, because every profile can make user accounts.
    """
    profile = harness.profile
    for_user = profile.resources_for("user")
    resource = for_user[0] if for_user else profile.endpoints.protected[0]
    role = "user" if for_user else resource.roles[0]
    return resource, harness.new_session(role)


def _require_accepted(harness: Harness, resource: ProtectedResource, token: str) -> None:
    """Raise HarnessError unless the untampered token opens `resource`.

    A rejection of a tampered token proves nothing when the genuine one is rejected too.
    """
    response = harness.get_resource(resource, token)
    if not _is_success(response):
        raise HarnessError(
            f"{_request_line(resource)} rejects a fresh, untampered access token with "
            f"{response.status_code}, so a rejection of the altered token would prove nothing; "
            "make access.valid-token-accepted pass first"
        )


def _utf8_headers(headers: dict[str, str]) -> dict[str, Any]:
    # httpx encodes str header values as ASCII, so non-ASCII values go as UTF-8 bytes.
    return {name: value.encode("utf-8") for name, value in headers.items()}


def _segment(data: bytes) -> str:
    return base64url_encode(data).decode("ascii")


# Malformed tokens, each built from a genuine access token of the backend.

MALFORMED_TOKENS: dict[str, Callable[[str], str]] = {
    "random-text": lambda token: "not-a-jwt",
    "two-segments": lambda token: token.rsplit(".", 1)[0],
    "four-segments": lambda token: token + "." + token.split(".")[2],
    "empty-segments": lambda token: "..",
    "truncated": lambda token: token[:-10],
    "non-base64url": lambda token: "eyJ*.eyJ*.c2ln",
    "header-not-json": lambda token: f"{_segment(b'not json')}.{token.split('.', 1)[1]}",
    "payload-not-json": lambda token: (
        f"{token.split('.')[0]}.{_segment(b'not json')}.{token.split('.')[2]}"
    ),
    "space-inside": lambda token: f"{token[:12]} {token[12:]}",
    "non-ascii": lambda token: f"{token[:12]}\u00e9\u00fc{token[12:]}",
}

# Places where a token must not be accepted, by the access-token transports they apply to.
WRONG_PLACES: dict[str, tuple[tuple[str, ...], Callable[[str], dict[str, str]]]] = {
    "authorization-bearer": (
        ("header", "cookie"), lambda token: {"Authorization": f"Bearer {token}"}
    ),
    "token-scheme": (("bearer",), lambda token: {"Authorization": f"Token {token}"}),
    "no-scheme": (("bearer",), lambda token: {"Authorization": token}),
    "x-access-token-header": (
        ("bearer", "cookie", "header"), lambda token: {"x-access-token": token}
    ),
}

# RFC 9110 §5.6.2 token characters, the alphabet of an auth-scheme name.
_TCHARS = r"A-Za-z0-9!#$%&'*+.^_`|~-"
_QUOTED_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
# A challenge starts a header value or follows a comma, and its scheme is not followed by
# "=", which would make it the name of an auth-param (RFC 9110 §11.2).
_CHALLENGE_SCHEME = re.compile(rf"(?:^|,)\s*([{_TCHARS}]+)(?![{_TCHARS}])(?!\s*=)")


def _challenge_schemes(response: httpx.Response) -> list[str]:
    """Return the auth-schemes of every WWW-Authenticate challenge in `response`."""
    schemes: list[str] = []
    for value in response.headers.get_list("www-authenticate"):
        # Quoted parameter values may contain commas and "=" that would confuse the scan.
        unquoted = _QUOTED_STRING.sub('""', value)
        schemes += _CHALLENGE_SCHEME.findall(unquoted)
    return schemes


def _rejection_samples(harness: Harness) -> list[tuple[str, httpx.Response]]:
    """Send requests that a protected resource must reject and return them with labels."""
    resource, session = _probe(harness)
    line = _request_line(resource)
    return [
        (f"{line} without a token", harness.get_resource(resource, None)),
        (f"{line} with a token that is not a JWT", harness.get_resource(resource, "not-a-jwt")),
        (
            f"{line} with an altered signature",
            harness.get_resource(resource, alter_signature(session.access_token)),
        ),
    ]


# Checks


@pytest.mark.check("access.public-without-token")
def test_access_public_without_token(harness: Harness) -> None:
    path = harness.profile.endpoints.public
    if path is None:
        pytest.skip("the profile names no public resource (endpoints.public)")

    response = harness.get_resource(path)

    _expect_success(
        response,
        f"GET {path} without a token",
        remedy="serve the public resource without authentication, or remove endpoints.public "
        "from the profile",
    )


@pytest.mark.check("access.valid-token-accepted")
def test_access_valid_token_accepted(harness: Harness) -> None:
    resources = harness.profile.resources_for("user")
    if not resources:
        pytest.skip("no protected resource of the profile admits role user")
    session = harness.new_session("user")

    for resource in resources:
        response = harness.get_resource(resource, session.access_token)
        _expect_success(
            response,
            f"{_request_line(resource)} with a fresh access token of role user",
            remedy="accept an access token sent as the profile's access_token.transport says, "
            "or correct that transport or the resource's roles in the profile",
        )


@pytest.mark.check("access.role-granted")
@pytest.mark.parametrize("role", ROLES)
def test_access_role_granted(harness: Harness, role: str) -> None:
    resources = harness.profile.resources_for(role)
    if not resources:
        pytest.skip(f"no protected resource of the profile admits role {role}")
    session = harness.new_session(role)

    for resource in resources:
        response = harness.get_resource(resource, session.access_token)
        _expect_success(
            response,
            f"{_request_line(resource)} with an access token of role {role}",
            remedy=f"admit role {role} to this resource, or remove {role!r} from its roles in "
            "the profile's endpoints.protected",
        )


@pytest.mark.check("access.missing-token-rejected")
def test_access_missing_token_rejected(harness: Harness) -> None:
    statuses = harness.profile.statuses

    for resource in harness.profile.endpoints.protected:
        response = harness.get_resource(resource, None)
        expect_status(
            response,
            statuses.missing_token,
            f"{_request_line(resource)} without a token",
            remedy="require authentication on this resource and reject a request without a "
            f"token with {describe_statuses(statuses.missing_token)} (RFC 6750 §3.1 suggests "
            "401), or set statuses.missing_token in the profile",
        )


@pytest.mark.check("access.malformed-token-rejected")
@pytest.mark.parametrize("case", list(MALFORMED_TOKENS))
def test_access_malformed_token_rejected(harness: Harness, case: str) -> None:
    statuses = harness.profile.statuses
    resource, session = _probe(harness)
    token = MALFORMED_TOKENS[case](session.access_token)
    harness.redact.add(token)

    headers = _utf8_headers(harness.access_headers(token))
    response = harness.get_resource(resource, headers=headers)

    expect_status(
        response,
        statuses.invalid_token,
        f"{_request_line(resource)} with a malformed token ({case.replace('-', ' ')})",
        remedy="reject every token that does not decode and verify as a JWT with "
        f"{describe_statuses(statuses.invalid_token)} (RFC 6750 §3.1 invalid_token), and catch "
        "decoding errors instead of letting them become a 5xx",
    )


@pytest.mark.check("access.bad-signature-rejected")
@pytest.mark.parametrize("case", ["altered-signature", "other-key"])
def test_access_bad_signature_rejected(harness: Harness, case: str) -> None:
    statuses = harness.profile.statuses
    resource, session = _probe(harness)
    _require_accepted(harness, resource, session.access_token)

    try:
        if case == "altered-signature":
            token = alter_signature(session.access_token)
            description = "its signature bytes altered"
        else:
            header, _ = decode_unverified(session.access_token)
            token = resign(session.access_token, generate_key(header["alg"]))
            description = f"the same claims signed with another {header['alg']} key"
    except ValueError as error:
        # NotAJWTError is a ValueError too; signin.access-token-well-formed reports it.
        raise HarnessError(f"cannot tamper with the backend's access token: {error}") from None
    harness.redact.add(token)

    response = harness.get_resource(resource, token)

    expect_status(
        response,
        statuses.invalid_token,
        f"{_request_line(resource)} with a genuine access token with {description}",
        remedy="verify the signature with the backend's key before trusting any claim, and "
        f"reject a failed verification with {describe_statuses(statuses.invalid_token)}. A 2xx "
        "means that anyone can forge tokens",
    )


@pytest.mark.check("access.wrong-role-rejected")
@pytest.mark.parametrize("role", ROLES)
def test_access_wrong_role_rejected(harness: Harness, role: str) -> None:
    profile = harness.profile
    statuses = profile.statuses
    if role not in _named_roles(profile):
        pytest.skip(f"no protected resource of the profile admits role {role}")
    denied = profile.resources_denied_to(role)
    if not denied:
        pytest.skip(f"every protected resource of the profile admits role {role}")
    session = harness.new_session(role)

    for resource in denied:
        response = harness.get_resource(resource, session.access_token)
        expect_status(
            response,
            statuses.wrong_role,
            f"{_request_line(resource)} with a valid access token of role {role}",
            remedy="check the role before serving the resource, and reject a role that it does "
            f"not admit with {describe_statuses(statuses.wrong_role)} (RFC 6750 §3.1 "
            "insufficient_scope). A 401 here means that the valid token itself was rejected",
        )


@pytest.mark.check("access.wrong-scheme-rejected")
@pytest.mark.parametrize("place", list(WRONG_PLACES))
def test_access_wrong_scheme_rejected(harness: Harness, place: str) -> None:
    profile = harness.profile
    statuses = profile.statuses
    transports, build_headers = WRONG_PLACES[place]
    transport = profile.access_token
    if transport.transport not in transports:
        pytest.skip(f"this case applies to {' and '.join(transports)} transports, the profile's "
                    f"access token travels as {transport.transport}")
    if place == "x-access-token-header" and transport.name.lower() == "x-access-token":
        pytest.skip("x-access-token is the profile's own access-token header")

    resource, session = _probe(harness)
    _require_accepted(harness, resource, session.access_token)

    response = harness.get_resource(resource, headers=build_headers(session.access_token))

    allowed = statuses.missing_token | statuses.invalid_token
    sent = "; ".join(f"{name}: {value}" for name, value in build_headers("<token>").items())
    expect_status(
        response,
        allowed,
        f"{_request_line(resource)} with a valid access token sent as {sent!r}, not as the "
        f"profile's {transport.transport} {transport.name!r}",
        remedy="read the access token only from the place the profile declares "
        "(access_token.transport and access_token.name), or correct the profile if the "
        "backend really accepts it here",
    )


@pytest.mark.check("access.www-authenticate-on-401")
def test_access_www_authenticate_on_401(harness: Harness) -> None:
    if not harness.profile.statuses.www_authenticate:
        pytest.skip(
            "the profile declares statuses.www_authenticate = false, although RFC 6750 §3 "
            "requires a WWW-Authenticate: Bearer header on such 401 responses"
        )

    samples = _rejection_samples(harness)
    unauthorized = [(stimulus, r) for stimulus, r in samples if r.status_code == 401]
    if not unauthorized:
        pytest.skip("no rejection had status 401")

    problems: list[str] = []
    received: list[str] = []
    for stimulus, response in unauthorized:
        headers = response.headers.get_list("www-authenticate")
        schemes = [scheme.lower() for scheme in _challenge_schemes(response)]
        if "bearer" not in schemes:
            problems.append(stimulus)
            received.append(" | ".join(headers) if headers else "no WWW-Authenticate header")

    expect_that(
        not problems,
        "401 responses without a Bearer challenge: " + "; ".join(problems),
        expected='WWW-Authenticate: Bearer realm="..." on every 401',
        received="; ".join(received),
        remedy="add a WWW-Authenticate header with the Bearer scheme to every 401 (RFC 6750 "
        "§3), or set statuses.www_authenticate = false in the profile",
    )


@pytest.mark.check("access.error-body-json")
def test_access_error_body_json(harness: Harness) -> None:
    if harness.profile.statuses.error_bodies == "any":
        pytest.skip("the profile declares statuses.error_bodies = \"any\"")

    samples = _rejection_samples(harness)
    rejected = [(stimulus, r) for stimulus, r in samples if r.status_code >= 400]
    if not rejected:
        pytest.skip("no request was rejected")

    problems: list[str] = []
    for stimulus, response in rejected:
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            problems.append(f"{stimulus}: content-type {media_type or 'missing'!r}")
            continue
        try:
            response.json()
        except (ValueError, UnicodeDecodeError):
            problems.append(f"{stimulus}: the body is not valid JSON")

    expect_that(
        not problems,
        "rejections without a JSON body: " + "; ".join(problems),
        expected="a JSON body served as application/json on every rejection",
        received="; ".join(problems),
        remedy="send error bodies as JSON, such as {\"message\": \"...\"}, from every "
        "authentication failure, or set statuses.error_bodies = \"any\" in the profile",
    )
