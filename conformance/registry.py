"""The check registry: every check is declared once, with a stable public id.

Ids have the form `family.slug`, never change once released, and a second declaration of an id
fails at import time with both places named.
"""

from __future__ import annotations

import enum
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass

_ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*\.[a-z0-9]+(?:-[a-z0-9]+)*$")


class Level(enum.Enum):
    """Requirement level in the sense of RFC 2119."""

    MUST = "MUST"
    SHOULD = "SHOULD"
    INFO = "INFO"


@dataclass(frozen=True)
class Check:
    """One conformance check: what the suite sends, and what the backend must do."""

    id: str
    level: Level
    reference: str
    stimulus: str
    requirement: str
    declared_at: str

    @property
    def family(self) -> str:
        return self.id.split(".", 1)[0]


class DuplicateCheckError(Exception):
    """A check id was declared twice."""


class UnknownCheckError(KeyError):
    """A check id that no catalogue module declares."""

    def __str__(self) -> str:
        return f"unknown check id {self.args[0]!r}: run `jwt-conformance checks` for the list"


_CHECKS: dict[str, Check] = {}


def declare(
    check_id: str,
    *,
    level: Level,
    reference: str,
    stimulus: str,
    requirement: str,
) -> Check:
    """Register a check and return it; raise on a malformed or duplicate id."""
    caller = sys._getframe(1)
    place = f"{caller.f_code.co_filename}:{caller.f_lineno}"

    if not _ID_PATTERN.match(check_id):
        raise ValueError(
            f"invalid check id {check_id!r} at {place}: use `family.slug` in lower case, "
            "words joined by hyphens, for example `expiry.access-rejected-at-exp`"
        )
    for name, text in (("reference", reference), ("stimulus", stimulus),
                       ("requirement", requirement)):
        if not text.strip():
            raise ValueError(f"check {check_id!r} at {place} has an empty {name}: write one")

    existing = _CHECKS.get(check_id)
    if existing is not None:
        raise DuplicateCheckError(
            f"check id {check_id!r} is declared twice: at {existing.declared_at} and at {place}; "
            "give the second check a new id"
        )

    check = Check(check_id, level, reference, stimulus, requirement, place)
    _CHECKS[check_id] = check
    return check


def get(check_id: str) -> Check:
    """Return the check with this id, loading the catalogue first."""
    load_catalogue()
    try:
        return _CHECKS[check_id]
    except KeyError:
        raise UnknownCheckError(check_id) from None


def all_checks() -> Iterator[Check]:
    """Yield every declared check, sorted by id."""
    load_catalogue()
    yield from sorted(_CHECKS.values(), key=lambda check: check.id)


def load_catalogue() -> None:
    """Import every catalogue module, which declares its checks on import."""
    from conformance import catalogue  # noqa: F401  (imported for its declarations)
