"""Selection of checks by id or id prefix, as `--select` and `--deselect` request it.

A pattern is a plain string prefix of check ids: `access` selects every check of the access
family, `access.bad` selects `access.bad-signature-rejected`, and `refresh` also selects the
checks of a family named `refresh-expiry`. End a family name with a dot (`refresh.`) to select
that family alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from conformance import registry
from conformance.gate.errors import GateError


def _matches(check_id: str, patterns: Iterable[str]) -> bool:
    return any(check_id.startswith(pattern) for pattern in patterns)


@dataclass(frozen=True)
class Selection:
    """The check id patterns a run includes (`select`) and excludes (`deselect`)."""

    select: tuple[str, ...] = ()
    deselect: tuple[str, ...] = ()

    @classmethod
    def of(cls, select: Sequence[str] | None, deselect: Sequence[str] | None,
           option_prefix: str = "--") -> Selection:
        """Build a selection and raise `GateError` for a pattern that matches no check.

        Error messages name the options as `option_prefix` + "select", such as
        `--conformance-select` for the pytest plugin.
        """
        selection = cls(tuple(select or ()), tuple(deselect or ()))
        selection.validate(option_prefix)
        return selection

    @property
    def is_everything(self) -> bool:
        return not self.select and not self.deselect

    def includes(self, check_id: str) -> bool:
        """Return whether `check_id` is selected (or nothing is) and not deselected."""
        if self.select and not _matches(check_id, self.select):
            return False
        return not _matches(check_id, self.deselect)

    def validate(self, option_prefix: str = "--") -> None:
        """Raise `GateError` for an empty pattern or one that matches no registered check.

        A typing error in a CI gate would otherwise run every check, or none, without a word.
        """
        known = [check.id for check in registry.all_checks()]
        for option, patterns in ((f"{option_prefix}select", self.select),
                                 (f"{option_prefix}deselect", self.deselect)):
            for pattern in patterns:
                if not pattern.strip():
                    raise GateError(f"{option} needs a check id or id prefix, got an empty string")
                if not any(check_id.startswith(pattern) for check_id in known):
                    raise GateError(
                        f"{option} {pattern!r} matches no check id; run `jwt-conformance "
                        "checks` for the list of ids"
                    )
