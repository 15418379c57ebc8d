"""Resolution of JSON pointers (RFC 6901) into decoded JSON documents."""

from __future__ import annotations

from typing import Any


class PointerNotFound(LookupError):
    """The document has no value at the pointer."""


def resolve(document: Any, pointer: str) -> Any:
    """Return the value at `pointer`; raise `PointerNotFound` when a step is missing."""
    if pointer == "":
        return document
    value = document
    for raw in pointer.lstrip("/").split("/"):
        step = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            raise PointerNotFound(pointer)
    return value
