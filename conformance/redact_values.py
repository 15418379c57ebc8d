"""Redaction of structured values, such as the expected and received values of a failure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def redact_value(value: Any, redact: Callable[[str], str]) -> Any:
    """Return `value` with `redact` applied to every string in it, keys of mappings included.

    Lists, tuples, sets and dicts are rebuilt. Any other object becomes its redacted `repr`,
    because its string form could contain a secret.
    """
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bytes):
        return redact(value.decode("utf-8", "replace"))
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(item, redact) for item in value]
    if isinstance(value, dict):
        return {redact(str(key)): redact_value(item, redact) for key, item in value.items()}
    return redact(repr(value))
