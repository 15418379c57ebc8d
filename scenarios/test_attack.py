"""Scenarios of the attack family: forged and tampered access tokens never open a resource.

Every case starts from a genuine access token that opens the resource, so a rejection shows
that the forgery, not the token itself, was rejected. Malformed tokens and a plainly altered
signature are the access family's checks.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.claim_edits import identity_changes, role_claim, with_role
from conformance.clock_steps import SignedIn, sign_in_working
from conformance.expect import describe_statuses, expect_status
from conformance.harness import Harness
from conformance.outcome import HarnessError
from conformance.profile import ProtectedResource
from conformance.session import Session
from conformance.tokens import (
    ALG_NONE_SPELLINGS,
    KID_INJECTIONS,
    confuse_keys,
    decode_unverified,
    inject_kid,
    is_symmetric,
    replace_claims,
    replace_claims_unsigned,
    sign_with_other_key,
    strip_signature,
    with_alg_none,
)

# How an edited token is signed: with the genuine token's old signature, or with a new key.
SIGNINGS: dict[str, tuple[Callable[[str], str], str]] = {
    "old-signature": (lambda token: token, "the old signature kept"),
    "other-key": (sign_with_other_key, "signed with another key"),
}

ALG_NONE_CASES = {
    f"alg-{spelling}-{signature}": (spelling, signature == "old-signature")
    for spelling in ALG_NONE_SPELLINGS
    for signature in ("empty-signature", "old-signature")
}

HOUR = 3600
YEAR = 365 * 24 * HOUR

# Type claims that the libraries the profiles describe put into access tokens.
TYPE_CLAIMS = ("token_type", "type", "token_use")


# Helpers


def _line(resource: ProtectedResource) -> str:
    return f"{resource.method} {resource.path}"


def _working(harness: Harness) -> SignedIn:
    """Sign in with a token that opens a resource, and stop early if it is not a JWT."""
    signed_in = sign_in_working(harness)
    try:
        decode_unverified(signed_in.session.access_token)
    except ValueError as error:
        raise HarnessError(f"cannot tamper with the backend's access token: {error}") from None
    return signed_in


def _expect_invalid(harness: Harness, resource: ProtectedResource, token: str,
                    description: str, remedy: str) -> None:
    """Send `token` to `resource` and fail unless the invalid-token status comes back."""
    harness.redact.add(token)
    statuses = harness.profile.statuses.invalid_token
    response = harness.get_resource(resource, token)
    expect_status(
        response,
        statuses,
        f"{_line(resource)} with {description}",
        remedy=f"{remedy}, and answer with {describe_statuses(statuses)} (RFC 6750 §3.1 "
               "invalid_token). A 2xx means that anyone can forge access tokens",
    )


def _denied_resource(harness: Harness) -> tuple[ProtectedResource, str]:
    """Return a resource that role user may not read and a role that may, admin first."""
    denied = harness.profile.resources_denied_to("user")
    if not denied:
        pytest.skip("every protected resource of the profile admits role user, so no edit can "
                    "raise a user's rights")
    for resource in denied:
        if "admin" in resource.roles:
            return resource, "admin"
    return denied[0], denied[0].roles[0]


def _user_denied(harness: Harness, resource: ProtectedResource, session: Session) -> None:
    """Raise HarnessError when the genuine user token already opens `resource`."""
    response = harness.get_resource(resource, session.access_token)
    if response.is_success:
        raise HarnessError(
            f"{_line(resource)} already answers {response.status_code} to a genuine user "
            "token, so an edited one proves nothing; make access.wrong-role-rejected pass first"
        )


def _claims(token: str) -> dict[str, object]:
    return decode_unverified(token)[1]


# Checks


@pytest.mark.check("attack.alg-none-rejected")
@pytest.mark.parametrize("case", list(ALG_NONE_CASES))
def test_attack_alg_none_rejected(harness: Harness, case: str) -> None:
    spelling, keep_signature = ALG_NONE_CASES[case]
    signed_in = _working(harness)

    token = with_alg_none(signed_in.session.access_token, spelling,
                          keep_signature=keep_signature)

    signature = "the old signature kept" if keep_signature else "an empty signature"
    _expect_invalid(
        harness, signed_in.resource, token,
        f"a genuine access token whose alg is {spelling!r}, with {signature}",
        remedy="pass the one algorithm the backend signs with to the JWT library's verify "
               "call, so that alg none in any spelling fails (RFC 8725 §3.1)",
    )


@pytest.mark.check("attack.stripped-signature-rejected")
def test_attack_stripped_signature_rejected(harness: Harness) -> None:
    signed_in = _working(harness)

    token = strip_signature(signed_in.session.access_token)

    _expect_invalid(
        harness, signed_in.resource, token,
        "a genuine access token whose signature segment is empty",
        remedy="verify the signature of every token and reject an empty one (RFC 7515 §5.2)",
    )


@pytest.mark.check("attack.key-confusion-rejected")
@pytest.mark.parametrize("case", ["pem", "pem-without-final-newline"])
def test_attack_key_confusion_rejected(harness: Harness, case: str) -> None:
    access = harness.profile.access_token
    if is_symmetric(access.alg):
        pytest.skip(f"the profile's alg {access.alg} is an HMAC algorithm, which has no public "
                    "key to confuse")
    if access.public_key is None:
        pytest.skip("the profile has no access_token.public_key; add the PEM text of the "
                    "backend's verification key to run this check")
    signed_in = _working(harness)

    public_key = access.public_key if case == "pem" else access.public_key.rstrip("\n")
    token = confuse_keys(signed_in.session.access_token, public_key)

    header, _ = decode_unverified(token)
    _expect_invalid(
        harness, signed_in.resource, token,
        f"a genuine access token switched to {header['alg']} and signed with the public key "
        f"as the HMAC secret ({case.replace('-', ' ')})",
        remedy=f"verify with the algorithm the backend signs with ({access.alg}), never the "
               "one the token names (RFC 8725 §2.1, §3.1)",
    )


@pytest.mark.check("attack.kid-injection-rejected")
@pytest.mark.parametrize("case", list(KID_INJECTIONS))
def test_attack_kid_injection_rejected(harness: Harness, case: str) -> None:
    injection = KID_INJECTIONS[case]
    signed_in = _working(harness)

    token = inject_kid(signed_in.session.access_token, injection)

    _expect_invalid(
        harness, signed_in.resource, token,
        f"a genuine access token with {injection.description}",
        remedy="treat kid as untrusted input: look it up in a fixed set of keys, never in a "
               "path or an SQL query built from it (RFC 8725 §3.10)",
    )


@pytest.mark.check("attack.claim-edit-rejected")
@pytest.mark.parametrize("signing", list(SIGNINGS))
@pytest.mark.parametrize("claim", ["user", "exp", "iat", "nbf"])
def test_attack_claim_edit_rejected(harness: Harness, claim: str, signing: str) -> None:
    signed_in = _working(harness)
    token = signed_in.session.access_token
    claims = _claims(token)
    times = signed_in.times

    if claim == "user":
        other = harness.new_session(signed_in.session.account.role)
        changes = identity_changes(claims, _claims(other.access_token),
                                   harness.profile.access_token.user_claim)
        if not changes:
            pytest.skip("the access tokens of two accounts carry the same claims, so there is "
                        "no user claim to edit")
        description = f"its user claims {sorted(changes)} edited to name another account"
    elif claim == "exp":
        changes = {"exp": int(times.expires_at) + YEAR}
        description = "its exp moved a year later"
    elif claim == "iat":
        issued_at = times.issued_at if times.issued_at is not None else times.expires_at
        changes = {"iat": int(issued_at) - HOUR}
        description = "its iat moved an hour earlier"
    else:
        not_before = times.not_before if times.not_before is not None else times.expires_at
        changes = {"nbf": int(not_before) - HOUR}
        description = "its nbf moved an hour earlier"

    sign, signature = SIGNINGS[signing]
    edited = sign(replace_claims_unsigned(token, changes))

    _expect_invalid(
        harness, signed_in.resource, edited,
        f"a genuine access token with {description}, {signature}",
        remedy="verify the signature over the exact claims received before reading any of "
               "them (RFC 7515 §5.2)",
    )


@pytest.mark.check("attack.role-edit-rejected")
@pytest.mark.parametrize("signing", list(SIGNINGS))
def test_attack_role_edit_rejected(harness: Harness, signing: str) -> None:
    resource, role = _denied_resource(harness)
    session = harness.new_session("user")
    _user_denied(harness, resource, session)
    claims = _claims(session.access_token)
    name = role_claim(claims)
    if name is None:
        pytest.skip("the access token carries no role claim (roles, role, authorities, groups, "
                    "permissions, scope), so roles come from the backend's store")

    value = with_role(harness.profile, claims, name, role)
    sign, signature = SIGNINGS[signing]
    edited = sign(replace_claims_unsigned(session.access_token, {name: value}))

    _expect_invalid(
        harness, resource, edited,
        f"a user's access token whose {name!r} claim was edited to {value!r}, {signature}",
        remedy=f"verify the signature before reading the {name!r} claim, so that an edited "
               "role never raises rights (RFC 8725 §3.10)",
    )


@pytest.mark.check("attack.impersonation-rejected")
@pytest.mark.parametrize("signing", list(SIGNINGS))
def test_attack_impersonation_rejected(harness: Harness, signing: str) -> None:
    # NOTE: profiles describe no per-user data, so the case targets a resource of another
    # role. With the backend's key an edited token would be genuine, so none is made with it.
    resource, role = _denied_resource(harness)
    session = harness.new_session("user")
    _user_denied(harness, resource, session)
    victim = harness.new_session(role)
    changes = identity_changes(_claims(session.access_token), _claims(victim.access_token),
                               harness.profile.access_token.user_claim)
    if not changes:
        pytest.skip("the access tokens carry no claim that names the account")

    sign, signature = SIGNINGS[signing]
    edited = sign(replace_claims_unsigned(session.access_token, changes))

    _expect_invalid(
        harness, resource, edited,
        f"a user's access token whose claims {sorted(changes)} were edited to name an account "
        f"of role {role}, {signature}",
        remedy="verify the signature before looking up the account a token names "
               "(RFC 7515 §5.2)",
    )


@pytest.mark.check("attack.token-type-confusion-rejected")
@pytest.mark.parametrize("case", ["refresh-as-access", "access-retyped-as-refresh"])
def test_attack_token_type_confusion_rejected(harness: Harness, case: str) -> None:
    key = harness.profile.access_token.signing_key
    if case == "access-retyped-as-refresh" and key is None:
        pytest.skip("the profile has no access_token.signing_key to sign a retyped token with")
    signed_in = _working(harness)
    session = signed_in.session

    if case == "refresh-as-access":
        if session.refresh_token is None:
            pytest.skip("signin returned no refresh token")
        _expect_invalid(
            harness, signed_in.resource, session.refresh_token,
            "the refresh token sent as the access token",
            remedy="accept only access tokens at protected resources: check a type claim, or "
                   "keep refresh tokens opaque and out of the access-token check "
                   "(RFC 8725 §3.11, §3.12)",
        )
        return

    assert key is not None
    claims = _claims(session.access_token)
    names = [name for name in TYPE_CLAIMS if name in claims]
    if not names:
        pytest.skip("the access token carries no type claim (token_type, type, token_use) to "
                    "change")
    retyped = replace_claims(session.access_token, dict.fromkeys(names, "refresh"), key)
    _expect_invalid(
        harness, signed_in.resource, retyped,
        f"an access token whose {' and '.join(names)} claim says refresh, signed with the "
        "profile's key",
        remedy=f"check the {names[0]!r} claim of every access token and reject other kinds "
               "of token (RFC 8725 §3.11, §3.12)",
    )
