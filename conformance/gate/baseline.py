"""Baseline files: the checks a CI gate accepts as failing today, each with a reason.

A baseline lets a gate pass while exactly its listed checks fail, and fails the gate when an
entry goes stale: its check passes, is skipped, did not run, or no longer exists. Stale entries
must be removed, so the baseline never hides a check that has been fixed.

The file is TOML or JSON, chosen by its extension, with one shape::

    [[known_failures]]
    check = "access.bad-signature-rejected"
    reason = "signature verification lands with the key rotation work"
"""

from __future__ import annotations

import enum
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance import registry
from conformance.gate.errors import GateError
from conformance.gate.selection import Selection
from conformance.outcome import Outcome

_ENTRY_KEYS = {"check", "reason"}


@dataclass(frozen=True)
class KnownFailure:
    """One baseline entry: a check id and the reason it is allowed to fail."""

    check_id: str
    reason: str


@dataclass(frozen=True)
class Baseline:
    """The known failures read from one baseline file."""

    path: Path
    entries: tuple[KnownFailure, ...]

    def reason_for(self, check_id: str) -> str | None:
        for entry in self.entries:
            if entry.check_id == check_id:
                return entry.reason
        return None


class EntryStatus(enum.Enum):
    """Status of a baseline entry in a run."""

    KNOWN_FAILURE = "known-failure"
    NOW_PASSES = "now-passes"
    SKIPPED = "skipped"
    NOT_RUN = "not-run"
    UNKNOWN_CHECK = "unknown-check"
    NOT_SELECTED = "not-selected"
    UNDECIDED = "undecided"

    @property
    def is_stale(self) -> bool:
        return self in _STALE


_STALE = {EntryStatus.NOW_PASSES, EntryStatus.SKIPPED, EntryStatus.NOT_RUN,
          EntryStatus.UNKNOWN_CHECK}


@dataclass(frozen=True)
class EntryVerdict:
    """A baseline entry with its status in a run and a sentence that explains the status."""

    entry: KnownFailure
    status: EntryStatus
    detail: str


def load_baseline(path: Path) -> Baseline:
    """Read and validate a baseline file; raise `GateError` naming the file and the problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GateError(
            f"baseline file {str(path)!r} not found; check the path of the baseline option"
        ) from None
    except OSError as error:
        raise GateError(f"cannot read baseline file {str(path)!r}: {error}") from None

    data = _parse(path, text)
    if not isinstance(data, dict) or set(data) != {"known_failures"}:
        raise GateError(
            f"invalid baseline file {str(path)!r}: the top level must contain exactly one key, "
            "`known_failures`, a list of entries with `check` and `reason`"
        )
    items = data["known_failures"]
    if not isinstance(items, list):
        raise GateError(f"invalid baseline file {str(path)!r}: `known_failures` must be a list")

    entries: list[KnownFailure] = []
    seen: set[str] = set()
    for number, item in enumerate(items, start=1):
        entry = _entry(path, number, item)
        if entry.check_id in seen:
            raise GateError(f"invalid baseline file {str(path)!r}: entry {number} lists check "
                            f"{entry.check_id!r} a second time; keep one entry per check")
        seen.add(entry.check_id)
        entries.append(entry)
    return Baseline(path, tuple(entries))


def _parse(path: Path, text: str) -> Any:
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            return tomllib.loads(text)
        if suffix == ".json":
            return json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        raise GateError(f"invalid baseline file {str(path)!r}: {error}") from None
    raise GateError(
        f"baseline file {str(path)!r} has the extension {suffix or '(none)'!r}; name it *.toml "
        "or *.json"
    )


def _entry(path: Path, number: int, item: Any) -> KnownFailure:
    where = f"invalid baseline file {str(path)!r}: entry {number}"
    if not isinstance(item, dict):
        raise GateError(f"{where} must be a table or object with `check` and `reason`")
    extra = set(item) - _ENTRY_KEYS
    if extra:
        raise GateError(f"{where} has unknown keys {sorted(extra)}; use only `check` and `reason`")
    check_id = item.get("check")
    reason = item.get("reason")
    if not isinstance(check_id, str) or not check_id.strip():
        raise GateError(f"{where} needs `check`, the id of the failing check")
    if not isinstance(reason, str) or not reason.strip():
        raise GateError(f"{where} ({check_id}) needs a non-empty `reason` saying why it may fail")
    return KnownFailure(check_id.strip(), reason.strip())


def evaluate(
    baseline: Baseline,
    outcomes: Mapping[str, tuple[Outcome, str]],
    selection: Selection,
) -> list[EntryVerdict]:
    """Return the status of every baseline entry, given each run check's outcome and message.

    A `fail` or `warn` outcome matches an entry. An `error` leaves it undecided, because the run
    then fails with exit code 2 anyway. Entries for checks outside `selection` are not judged.
    """
    verdicts = []
    for entry in baseline.entries:
        verdicts.append(_judge(entry, outcomes, selection))
    return verdicts


def _judge(
    entry: KnownFailure,
    outcomes: Mapping[str, tuple[Outcome, str]],
    selection: Selection,
) -> EntryVerdict:
    check_id = entry.check_id
    try:
        registry.get(check_id)
    except registry.UnknownCheckError:
        return EntryVerdict(entry, EntryStatus.UNKNOWN_CHECK,
                            "no check has this id any more (removed or renamed)")
    if not selection.includes(check_id):
        return EntryVerdict(entry, EntryStatus.NOT_SELECTED,
                            "not judged: --select or --deselect excludes this check")
    if check_id not in outcomes:
        return EntryVerdict(entry, EntryStatus.NOT_RUN,
                            "the check did not run (no test of it was collected, -k left it "
                            "out, or -x stopped the run before it)")

    outcome, message = outcomes[check_id]
    if outcome in (Outcome.FAIL, Outcome.WARN):
        return EntryVerdict(entry, EntryStatus.KNOWN_FAILURE, f"fails as listed: {message}")
    if outcome is Outcome.PASS:
        return EntryVerdict(entry, EntryStatus.NOW_PASSES, "the check passes now")
    if outcome is Outcome.SKIP:
        return EntryVerdict(entry, EntryStatus.SKIPPED, f"the check was skipped: {message}")
    return EntryVerdict(entry, EntryStatus.UNDECIDED, f"the check ended in an error: {message}")
