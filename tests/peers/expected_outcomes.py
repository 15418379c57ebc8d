"""Expected outcome of every check against each peer: read, compare, and regenerate the files.

A file lists every check id under `[checks]`. A check that passes on every target is
`"id" = "pass"`. Any other check is a table with the `outcome` and the `reason` a reviewer wrote,
for the peer served on loopback and checked with `--target URL`. Where the run under the
faketime clock (`--target-cmd`, libfaketime moving the server's clock) ends differently, a
`faketime` sub-table gives that outcome and its reason. A check whose outcome depends on how
parallel requests interleave in the peer may list several outcomes, such as ["pass", "fail"].
Regenerate the files after checks were added or changed:

    python -m tests.peers.expected_outcomes [PEER ...]

Regeneration runs the suite against each peer on both targets and keeps each entry that still
allows the run's outcome. Where a new reason is needed, it writes `TODO: review` and the run's
message, and `tests/test_peers.py` fails until a person replaces that placeholder.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OUTCOMES = ("pass", "fail", "warn", "skip", "error")
# The targets a peer is checked on: served on loopback and reached with --target, and started
# by the suite with --target-cmd under the faketime clock.
TARGETS = ("loopback", "faketime")
UNREVIEWED = "TODO: review"

# Outcome and message of each check in one run, by check id.
RunOutcomes = Mapping[str, tuple[str, str]]


class ExpectedFileError(ValueError):
    """An expected-outcome file that cannot be read, with the entry and the fix."""


@dataclass(frozen=True)
class Expected:
    """The outcomes one check may have on one target, and why when that is not a pass."""

    outcomes: tuple[str, ...]
    reason: str = ""

    @property
    def passes(self) -> bool:
        return self.outcomes == ("pass",)

    def allows(self, outcome: str) -> bool:
        return outcome in self.outcomes

    def describe(self) -> str:
        return " or ".join(self.outcomes)


def load_expected(path: Path) -> dict[str, dict[str, Expected]]:
    """Read an expected-outcome file into {check id: {target: Expected}}.

    Raise `ExpectedFileError` naming the entry when the file or an entry is malformed.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ExpectedFileError(f"cannot read {path}: {error}") from None
    checks = data.get("checks")
    if not isinstance(checks, dict):
        raise ExpectedFileError(f"{path} has no [checks] table")

    expected: dict[str, dict[str, Expected]] = {}
    for check_id, entry in checks.items():
        loopback = _entry(path, check_id, entry)
        by_target = dict.fromkeys(TARGETS, loopback)
        if isinstance(entry, dict) and "faketime" in entry:
            by_target["faketime"] = _entry(path, f"{check_id}.faketime", entry["faketime"])
        expected[check_id] = by_target
    return expected


def _entry(path: Path, name: str, entry: Any) -> Expected:
    if isinstance(entry, str):
        entry = {"outcome": entry}
    if not isinstance(entry, dict):
        raise ExpectedFileError(f"{path}: {name!r} = {entry!r}: write an outcome string or a "
                                "table with outcome and reason")
    unknown = set(entry) - {"outcome", "reason", "faketime"}
    if unknown:
        raise ExpectedFileError(f"{path}: {name!r} has unknown keys {sorted(unknown)}; use "
                                "outcome, reason and faketime")
    outcome = entry.get("outcome")
    outcomes = tuple(outcome) if isinstance(outcome, list) else (outcome,)
    reason = entry.get("reason", "")
    if not outcomes or not all(item in OUTCOMES for item in outcomes):
        raise ExpectedFileError(f"{path}: {name!r} has outcome {outcome!r}: write one of "
                                + ", ".join(OUTCOMES) + ", or a list of them")
    if not isinstance(reason, str):
        raise ExpectedFileError(f"{path}: {name!r} has a reason that is not a string")
    return Expected(outcomes, reason.strip())


def for_target(expected: Mapping[str, Mapping[str, Expected]], target: str) -> dict[str, Expected]:
    """Return the expected outcome of each check on `target`."""
    return {check_id: by_target[target] for check_id, by_target in expected.items()}


def differences(expected: Mapping[str, Expected], actual: RunOutcomes) -> list[str]:
    """Return one line per check whose outcome differs, or that only one side lists."""
    lines = []
    for check_id in sorted(expected.keys() | actual.keys()):
        if check_id not in actual:
            lines.append(f"{check_id}: expected {expected[check_id].describe()}, but the run "
                         "has no such check")
            continue
        outcome, message = actual[check_id]
        if check_id not in expected:
            lines.append(f"{check_id}: {outcome} in the run, but missing from the expected "
                         f"file ({message or 'no message'})")
            continue
        if not expected[check_id].allows(outcome):
            lines.append(f"{check_id}: expected {expected[check_id].describe()}, got {outcome} "
                         f"({message or 'no message'})")
    return lines


def unreviewed(expected: Mapping[str, Mapping[str, Expected]]) -> list[str]:
    """Return the entries that are not a pass and have no reviewed reason, as `id (target)`."""
    found = []
    for check_id, by_target in sorted(expected.items()):
        for target, entry in by_target.items():
            inherited = target != "loopback" and entry is by_target["loopback"]
            if entry.passes or inherited:
                continue
            if not entry.reason or entry.reason.startswith(UNREVIEWED):
                found.append(f"{check_id} ({target})")
    return found


def render(header: str, runs: Mapping[str, RunOutcomes],
           previous: Mapping[str, Mapping[str, Expected]]) -> str:
    """Return the text of an expected-outcome file for one run on each target.

    An entry that allows the run's outcome and has a reason (or is a pass) is kept as it was,
    with all its outcomes. Any other non-pass entry gets the run's message after the
    `TODO: review` marker as its reason.
    """
    loopback, faketime = runs["loopback"], runs["faketime"]
    missing = ("error", "the run has no such check")
    entries = {}
    for check_id in loopback.keys() | faketime.keys():
        old = previous.get(check_id, {})
        entries[check_id] = {
            "loopback": _updated(loopback.get(check_id, missing), old.get("loopback")),
            "faketime": _updated(faketime.get(check_id, missing), old.get("faketime")),
        }
    return format_expected(header, entries)


def format_expected(header: str, entries: Mapping[str, Mapping[str, Expected]]) -> str:
    """Return the text of an expected-outcome file with `header` as its leading comment."""
    lines = [f"# {line}".rstrip() for line in header.strip().splitlines()]
    lines += ["", "[checks]"]
    tables: list[str] = []
    for check_id in sorted(entries):
        base, moved = entries[check_id]["loopback"], entries[check_id]["faketime"]
        name = _toml_string(check_id)
        if base.passes and moved.passes:
            lines.append(f"{name} = \"pass\"")
            continue
        tables += ["", f"[checks.{name}]", *_fields(base)]
        if moved != base:
            tables += ["", f"[checks.{name}.faketime]", *_fields(moved)]
    return "\n".join(lines + tables) + "\n"


def _updated(result: tuple[str, str], previous: Expected | None) -> Expected:
    outcome, message = result
    if previous is not None and previous.allows(outcome) and (previous.reason
                                                              or previous.passes):
        return previous
    if outcome == "pass":
        return Expected(("pass",))
    return Expected((outcome,), f"{UNREVIEWED}. Run message: {message or 'none'}")


def _fields(entry: Expected) -> list[str]:
    if len(entry.outcomes) == 1:
        outcome = _toml_string(entry.outcomes[0])
    else:
        outcome = "[" + ", ".join(_toml_string(item) for item in entry.outcomes) + "]"
    fields = [f"outcome = {outcome}"]
    if entry.reason:
        fields.append(f"reason = {_toml_string(entry.reason)}")
    return fields


def header_of(path: Path) -> str:
    """Return the leading comment block of an existing file, without the `#` marks."""
    if not path.is_file():
        return ""
    header = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        header.append(line.removeprefix("#").removeprefix(" "))
    return "\n".join(header)


def _toml_string(value: str) -> str:
    # A JSON string is a TOML basic string: both escape \" \\ and control characters the
    # same way. TOML also forbids a raw DEL, which JSON leaves as it is.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _previous(path: Path) -> dict[str, dict[str, Expected]]:
    """Return the entries of an existing file, or none for a new or header-only file."""
    if not path.is_file():
        return {}
    try:
        return load_expected(path)
    except ExpectedFileError as error:
        print(f"warning: starting {path.name} afresh, no reason is kept: {error}",
              file=sys.stderr)
        return {}


def regenerate(names: Sequence[str]) -> int:
    """Run the suite against each named peer on both targets and rewrite its expected file."""
    from tests.peers.servers import PEERS, run_against_server, run_under_faketime

    status = 0
    for name in names:
        peer = PEERS[name]
        with tempfile.TemporaryDirectory(prefix=f"peer-{name}-") as folder:
            loopback = run_against_server(peer, Path(folder) / "loopback")
            faketime = run_under_faketime(peer, Path(folder) / "faketime")
        runs = {"loopback": loopback.outcomes(), "faketime": faketime.outcomes()}
        header = header_of(peer.expected_file) or f"Expected outcomes against peer {name}."
        text = render(header, runs, _previous(peer.expected_file))
        peer.expected_file.write_text(text, encoding="utf-8")

        todo = unreviewed(load_expected(peer.expected_file))
        print(f"{name}: {len(runs['loopback'])} checks, {loopback.seconds:.0f} s on loopback "
              f"and {faketime.seconds:.0f} s under faketime; wrote {peer.expected_file}")
        for entry in todo:
            print(f"  review {entry}")
        if todo:
            status = 1
    return status


def main(argv: Sequence[str] | None = None) -> int:
    from tests.peers.servers import PEERS

    parser = argparse.ArgumentParser(
        prog="python -m tests.peers.expected_outcomes",
        description="Run the suite against peer backends and rewrite their expected-outcome "
                    "files; exits 1 while an entry still needs a reviewed reason.",
    )
    parser.add_argument("peers", nargs="*", metavar="PEER",
                        help="peers to regenerate (default: all): " + ", ".join(PEERS))
    args = parser.parse_args(argv)
    unknown = [name for name in args.peers if name not in PEERS]
    if unknown:
        parser.error(f"unknown peer {unknown[0]!r}; choose from " + ", ".join(PEERS))
    return regenerate(args.peers or list(PEERS))


if __name__ == "__main__":
    sys.exit(main())
