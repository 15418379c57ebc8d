"""Property tests of the profile loader: any TOML a user writes loads or raises ProfileError.

Each example writes a real TOML file that overrides random fields of the reference profile with
random TOML values, and loads it through `extends` like a user's profile.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conformance.profile import Profile
from conformance.profile_loader import ProfileError, load_profile

STATUS_FIELDS = (
    "signup_success", "signup_duplicate", "signup_invalid", "signin_success",
    "signin_unknown_user", "signin_wrong_password", "signin_invalid", "missing_token",
    "invalid_token", "expired_token", "wrong_role", "refresh_success", "refresh_failed",
    "refresh_invalid", "signout_success", "account_deleted", "www_authenticate", "error_bodies",
)

# Every field the loader reads, as its path of keys, and each table on its own.
FIELDS: tuple[tuple[str, ...], ...] = (
    ("name",), ("description",), ("unknown",),
    ("endpoints",), *(("endpoints", key) for key in (
        "signin", "refresh", "public", "protected", "signup", "signout")),
    ("access_token",), *(("access_token", key) for key in (
        "transport", "name", "alg", "format", "claims", "user_claim", "user_claim_matches",
        "lifetime", "leeway", "signing_key", "public_key")),
    ("refresh_token",), *(("refresh_token", key) for key in (
        "transport", "name", "format", "claims", "lifetime", "rotation", "grace_seconds")),
    ("signin",), ("signin", "body"), ("signin", "response"),
    *(("signin", "response", key) for key in ("access_token", "refresh_token", "user_id",
                                              "roles")),
    ("refresh",), ("refresh", "response"), ("refresh", "response", "access_token"),
    ("refresh", "response", "refresh_token"),
    ("signup",), ("signup", "body"), ("signup", "role_values"),
    ("accounts",), ("accounts", "mode"), ("accounts", "fixed"), ("accounts", "command"),
    ("account_deletion",), ("account_deletion", "path"), ("account_deletion", "method"),
    ("account_deletion", "command"),
    ("signout",), ("signout", "credential"),
    ("statuses",), *(("statuses", key) for key in STATUS_FIELDS),
    ("clock",), ("clock", "hook"),
)

# Strings the loader gives a meaning to, so that examples reach the checks behind a valid choice.
MEANINGFUL = (
    "", "/api/x", "api/x", "{username}", "{user}", "echo 'x", "createuser {username} {role}",
    "GET", "delete", "DELETE", "header", "bearer", "cookie", "body", "jwt", "opaque", "none",
    "rotate", "rotate-reuse-detection", "user", "moderator", "admin", "root", "exp", "HS256",
    "signup", "fixed", "command", "json", "any", "refresh-token", "access-token", "id",
    "username", "password", "role", "path", "roles", "method", "-----BEGIN PUBLIC KEY-----",
)

text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12)
scalars = st.one_of(
    st.sampled_from(MEANINGFUL),
    text,
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, 1, 60, 200, 401, 599, 600]),
    st.floats(),
    st.datetimes(),
    st.dates(),
    st.times(),
)
keys = st.one_of(st.sampled_from(MEANINGFUL[8:]), text)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=3),
    max_leaves=8,
)


def toml_string(value: str) -> str:
    escaped = []
    for character in value:
        if character in '"\\':
            escaped.append("\\" + character)
        elif ord(character) < 0x20 or ord(character) == 0x7F:
            escaped.append(f"\\u{ord(character):04x}")
        else:
            escaped.append(character)
    return '"' + "".join(escaped) + '"'


def toml_value(value: Any) -> str:
    """Write `value` as a TOML value on one line, with tables as inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    assert isinstance(value, dict)
    pairs = (f"{toml_string(key)} = {toml_value(item)}" for key, item in value.items())
    return "{ " + ", ".join(pairs) + " }"


def nest(overrides: dict[tuple[str, ...], Any]) -> dict[str, Any]:
    """Build the tables that `overrides` describe; a longer path below a non-table is dropped."""
    document: dict[str, Any] = {}
    for path, value in sorted(overrides.items(), key=lambda item: len(item[0])):
        table = document
        for key in path[:-1]:
            table = table.setdefault(key, {})
            if not isinstance(table, dict):
                break
        else:
            table[path[-1]] = value
    return document


def profile_text(document: dict[str, Any], extends: Any = "reference") -> str:
    lines = [f"extends = {toml_value(extends)}"] if extends is not None else []
    document = {"name": "fuzzed", **document}
    lines += [f"{toml_string(key)} = {toml_value(value)}" for key, value in document.items()]
    return "\n".join(lines) + "\n"


def load_or_reject(path: Path) -> Profile | ProfileError:
    """Load the profile at `path`; any exception other than ProfileError fails the test."""
    try:
        return load_profile(str(path))
    except ProfileError as error:
        assert str(error).startswith("invalid profile ")
        return error


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("shapes")


@settings(max_examples=400, deadline=None)
@given(overrides=st.dictionaries(st.sampled_from(FIELDS), values, min_size=1, max_size=4))
@example(overrides={("accounts", "fixed"): ["alice"]})
@example(overrides={("accounts", "fixed"): "alice"})
@example(overrides={("endpoints", "protected"): ["/api/test/user"]})
def test_random_field_values_load_or_reject(
    folder: Path, overrides: dict[tuple[str, ...], Any]
) -> None:
    text = profile_text(nest(overrides))
    tomllib.loads(text)
    path = folder / "random-fields.toml"
    path.write_text(text, encoding="utf-8")

    load_or_reject(path)


# Relative values only, so that nothing outside the folder is read. The folder contains `base`
# and `base.toml`.
extends_values = st.one_of(
    st.sampled_from(["", ".", "..", "/", "base", "./base", "base.toml", "reference",
                     "Reference", "reference.toml", "sub/", "\0", "a" * 300, "missing"]),
    text.filter(lambda value: not value.startswith("/") and ".." not in value),
    values.filter(lambda value: not isinstance(value, str)),
)


@settings(max_examples=200, deadline=None)
@given(extends=extends_values)
@example(extends="a" * 300)
def test_random_extends_load_or_reject(folder: Path, extends: Any) -> None:
    child_folder = folder / "extends"
    child_folder.mkdir(exist_ok=True)
    base = 'extends = "reference"\nname = "base"\n'
    (child_folder / "base").write_text(base, encoding="utf-8")
    (child_folder / "base.toml").write_text(base, encoding="utf-8")
    path = child_folder / "child.toml"
    path.write_text(profile_text({}, extends), encoding="utf-8")

    outcome = load_or_reject(path)

    if isinstance(outcome, ProfileError):
        assert outcome.field == "extends"


def test_toml_writer_round_trips() -> None:
    document = {"a": [1, 2.5, "x\"\\\n\x7f"], "b": {"c": date(2000, 1, 2)}, "d": True}

    assert tomllib.loads(profile_text(document, None)) == {"name": "fuzzed", **document}
