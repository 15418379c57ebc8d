"""Claim edits for the attack family: an account's identity and role claims in another's token.

The helpers read claims without verifying them and return the changes to apply. The attack
scenarios apply them with the old signature kept or with another key.
"""

from __future__ import annotations

from typing import Any

from conformance.profile import Profile

# Claims that carry roles in the libraries and tutorials the profiles describe: a list of role
# names (roles, authorities, groups), one role (role), or space-separated scopes (scope, scp).
ROLE_CLAIMS = ("roles", "role", "authorities", "groups", "permissions", "scope", "scp")
_SPACE_SEPARATED = ("scope", "scp")

# Claims that belong to one token rather than to an account, which an edit keeps.
_TOKEN_CLAIMS = ("iat", "nbf", "exp", "jti", "token_type", "type", "token_use", "typ")


def role_claim(claims: dict[str, Any]) -> str | None:
    """Return the name of the first role claim in `claims`, or None when there is none."""
    for name in ROLE_CLAIMS:
        if name in claims:
            return name
    return None


def with_role(profile: Profile, claims: dict[str, Any], name: str, role: str) -> Any:
    """Return the value of role claim `name` with `role` added in every spelling seen in use.

    A role is written as the profile's signup value, as the bare role name and as ROLE_<NAME>
    (Spring Security), because the suite cannot know which one the backend checks.
    """
    spellings = sorted({role, profile.accounts.role_values.get(role, role),
                        f"ROLE_{role.upper()}"})
    value = claims[name]
    if isinstance(value, list):
        return value + [spelling for spelling in spellings if spelling not in value]
    if isinstance(value, str) and name in _SPACE_SEPARATED:
        present = value.split()
        return " ".join(present + [spelling for spelling in spellings if spelling not in present])
    return profile.accounts.role_values.get(role, role)


def identity_changes(own: dict[str, Any], other: dict[str, Any],
                     user_claim: str | None) -> dict[str, Any]:
    """Return the changes that make claims `own` name the account of claims `other`.

    Every claim that `own` shares with `other` changes, except the claims of one token (times,
    jti, type) and the role claims, so that claims that repeat the user (such as `sub` beside
    `id`) still agree. Returns an empty dict when no claim names an account.
    """
    changes = {
        name: value for name, value in other.items()
        if name in own and own[name] != value and name not in _TOKEN_CLAIMS
        and name not in ROLE_CLAIMS
    }
    if user_claim is not None and user_claim not in changes and user_claim in other:
        changes[user_claim] = other[user_claim]
    return changes
