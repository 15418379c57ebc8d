"""The error a profile raises when it cannot be used, and helpers for its message."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any


class ProfileError(ValueError):
    """A profile that cannot be used, with the field, the value and the fix."""

    def __init__(self, source: str, field: str, value: object, fix: str) -> None:
        self.source = source
        self.field = field
        self.value = value
        self.fix = fix
        # Errors in other tables of the same profile, found in the same read.
        self.others: tuple[ProfileError, ...] = ()
        super().__init__(f"invalid profile {source}: {self.describe()}")

    def describe(self) -> str:
        """Return the field, the value and the fix, without the profile's name."""
        shown = "missing" if self.value is MISSING else repr(self.value)
        return f"field `{self.field}` = {shown}: {self.fix}"

    @classmethod
    def combine(cls, errors: Sequence[ProfileError]) -> ProfileError:
        """Return the first of `errors`, carrying the others and listing them in its message."""
        first = errors[0]
        if len(errors) == 1:
            return first
        combined = cls(first.source, first.field, first.value, first.fix)
        combined.others = tuple(errors[1:])
        more = len(errors) - 1
        lines = [str(combined),
                 f"{more} more invalid {'field' if more == 1 else 'fields'} in the same profile:"]
        lines += [f"  {error.describe()}" for error in combined.others]
        combined.args = ("\n".join(lines),)
        return combined


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


# The value of a field the profile does not write; error messages show it as "missing".
MISSING: Any = _Missing()


def did_you_mean(value: object, options: Iterable[str]) -> str:
    """Return "did you mean 'OPTION'? " for the option closest to `value`, ignoring case, or ""."""
    by_folded = {option.casefold(): option for option in options}
    close = difflib.get_close_matches(str(value).casefold(), list(by_folded), n=1)
    return f"did you mean {by_folded[close[0]]!r}? " if close else ""
