"""Configuration of the reference backend as one frozen, validated dataclass.

Every invalid field raises SettingsError with the field name, the value and the fix. The command
line validates its options with the same rules, and its messages name the options instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

AccessHeader = Literal["x-access-token", "authorization"]
Rotation = Literal["none", "rotate", "rotate-reuse-detection"]

ACCESS_HEADERS: tuple[str, ...] = get_args(AccessHeader)
ROTATIONS: tuple[str, ...] = get_args(Rotation)

# Test-only HS256 key. The suite's reference profile contains it so that the suite can mint
# expired, not-yet-valid and tampered access tokens. Never use it outside tests.
DEFAULT_SIGNING_KEY = "reference-backend-test-signing-key-not-for-production"

# RFC 7518 §3.2: an HS256 key must be at least as long as the hash output (256 bits).
MIN_SIGNING_KEY_BYTES = 32

# PBKDF2-HMAC-SHA256 iterations. One hash took about 8 ms at this cost on a 2-core AMD EPYC
# virtual machine (hashlib.pbkdf2_hmac timed over 50 calls). The OWASP Password Storage Cheat
# Sheet recommends at least 600,000 in production. This test backend stays far below that
# because test suites sign in hundreds of times.
DEFAULT_PASSWORD_HASH_ITERATIONS = 25_000


class SettingsError(ValueError):
    """Invalid reference backend setting. The message names the field, the value and the fix."""


@dataclass(frozen=True)
class ReferenceSettings:
    """Protocol choices, lifetimes and storage of one reference backend instance.

    Lifetimes, grace window and leeway are whole seconds. `test_endpoints` enables the
    test-only routes `GET`/`PUT /api/test/clock` (the clock hook) and `GET /api/test/stats`.
    """

    access_header: AccessHeader = "x-access-token"
    access_ttl: int = 900
    refresh_ttl: int = 604_800
    rotation: Rotation = "none"
    grace_seconds: int = 0
    leeway: int = 0
    signing_key: str = field(default=DEFAULT_SIGNING_KEY, repr=False)
    database: str = ":memory:"
    password_hash_iterations: int = DEFAULT_PASSWORD_HASH_ITERATIONS
    test_endpoints: bool = False

    def __post_init__(self) -> None:
        validate_settings(vars(self))


def validate_settings(values: Mapping[str, Any], names: Mapping[str, str] | None = None) -> None:
    """Raise SettingsError for the first invalid one of `values`, the fields of ReferenceSettings.

    `names` maps a field to the name that the message gives it, such as the command-line option
    that sets it. A field missing from `names` goes by its own name.
    """

    def name(field_name: str) -> str:
        return (names or {}).get(field_name, field_name)

    _require_choice(name("access_header"), values["access_header"], ACCESS_HEADERS)
    _require_seconds(name("access_ttl"), values["access_ttl"], minimum=1, example=900)
    _require_seconds(name("refresh_ttl"), values["refresh_ttl"], minimum=1, example=604_800)
    _require_choice(name("rotation"), values["rotation"], ROTATIONS)
    _require_seconds(name("grace_seconds"), values["grace_seconds"], minimum=0, example=0)
    _require_seconds(name("leeway"), values["leeway"], minimum=0, example=0)
    _require_signing_key(name("signing_key"), values["signing_key"])
    _require_database(name("database"), values["database"])
    _require_iterations(name("password_hash_iterations"), values["password_hash_iterations"])

    test_endpoints = values["test_endpoints"]
    if not isinstance(test_endpoints, bool):
        raise SettingsError(
            f"{name('test_endpoints')} must be True or False, got {test_endpoints!r}. "
            "Set it to True to enable the clock hook and stats routes."
        )

    grace, rotation = name("grace_seconds"), name("rotation")
    if values["grace_seconds"] > 0 and values["rotation"] == "none":
        raise SettingsError(
            f"{grace}={values['grace_seconds']} has no effect with {rotation}='none'. "
            f"Set {rotation} to 'rotate' or 'rotate-reuse-detection', or set {grace}=0."
        )


def _require_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        allowed = ", ".join(repr(choice) for choice in choices)
        raise SettingsError(f"{name} is invalid: {value!r}. Set {name} to one of {allowed}.")


def _require_seconds(name: str, value: object, *, minimum: int, example: int) -> None:
    # bool is a subclass of int. It is rejected explicitly, because True seconds is a mistake.
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingsError(
            f"{name} must be a whole number of seconds, got {value!r}. "
            f"Set {name} to a whole number such as {example}."
        )

    if value < minimum:
        unit = "second" if minimum == 1 else "seconds"
        raise SettingsError(
            f"{name} must be at least {minimum} {unit}, got {value}. "
            f"Set {name} to a whole number such as {example}."
        )


def _require_signing_key(name: str, value: object) -> None:
    # The message never shows the key itself, only its length.
    if not isinstance(value, str):
        raise SettingsError(
            f"{name} must be a string, got a {type(value).__name__}. "
            f"Set {name} to a random string of at least 32 bytes."
        )

    length = len(value.encode("utf-8", errors="surrogatepass"))
    if length < MIN_SIGNING_KEY_BYTES:
        raise SettingsError(
            f"{name} is too short: {length} bytes. HS256 needs at least "
            f"{MIN_SIGNING_KEY_BYTES} bytes (RFC 7518 §3.2). Set {name} to a longer string, "
            "for example the output of `python -c 'import secrets; print(secrets.token_hex(32))'`."
        )


def _require_database(name: str, value: object) -> None:
    if not isinstance(value, str) or not value or "\0" in value:
        raise SettingsError(
            f"{name} is invalid: {value!r}. Set {name} to ':memory:' or to the path "
            "of an SQLite file."
        )

    if value == ":memory:":
        return

    directory = os.path.dirname(os.path.abspath(value))
    if not os.path.isdir(directory):
        raise SettingsError(
            f"{name} is invalid: {value!r}, because the directory {directory!r} does not "
            f"exist. Create the directory or set {name} to ':memory:'."
        )


def _require_iterations(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SettingsError(
            f"{name} must be a whole number of at least 1, got {value!r}. "
            f"Set {name} to {DEFAULT_PASSWORD_HASH_ITERATIONS} or more."
        )
