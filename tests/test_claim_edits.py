"""Unit tests of conformance.claim_edits: role and identity edits for the attack family."""

from __future__ import annotations

from conformance.claim_edits import identity_changes, role_claim, with_role
from conformance.profile_loader import load_profile

OWN = {"sub": "7", "id": 7, "username": "alice", "roles": ["user"], "iat": 1, "exp": 2,
       "jti": "a", "token_use": "access"}
OTHER = {"sub": "9", "id": 9, "username": "root", "roles": ["admin"], "iat": 3, "exp": 4,
         "jti": "b", "token_use": "access"}


def test_role_claim_finds_roles() -> None:
    assert role_claim(OWN) == "roles"
    assert role_claim({"scope": "read"}) == "scope"
    assert role_claim({"sub": "7"}) is None


def test_with_role_extends_list() -> None:
    value = with_role(load_profile("reference"), OWN, "roles", "admin")

    assert value == ["user", "ROLE_ADMIN", "admin"]


def test_with_role_extends_scopes() -> None:
    value = with_role(load_profile("reference"), {"scope": "user"}, "scope", "admin")

    assert value == "user ROLE_ADMIN admin"


def test_with_role_replaces_single_role() -> None:
    value = with_role(load_profile("reference"), {"role": "user"}, "role", "admin")

    assert value == "admin"


def test_identity_changes_copy_account_claims() -> None:
    changes = identity_changes(OWN, OTHER, "id")

    assert changes == {"sub": "9", "id": 9, "username": "root"}


def test_identity_changes_keep_token_claims() -> None:
    changes = identity_changes(OWN, OTHER, None)

    for name in ("iat", "exp", "jti", "token_use", "roles"):
        assert name not in changes
