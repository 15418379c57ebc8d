"""The whole suite against real peer backends, each checked against its expected-outcome file.

The peers are small applications on Django REST framework SimpleJWT (default settings, and
rotation with the blacklist app) and on flask-jwt-extended, in `tests/peers/`. Each runs under
waitress on loopback, once started by the test and reached with --target, and once started by
the suite with --target-cmd under the faketime clock. Every check's outcome must match
`tests/peers/expected/<peer>.toml`; regenerate those files with
`python -m tests.peers.expected_outcomes` and review every entry that is not a pass.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from conformance.clocks import find_libfaketime
from conformance.target import TargetError
from tests.peers.expected_outcomes import (
    Expected,
    ExpectedFileError,
    differences,
    for_target,
    load_expected,
    render,
    unreviewed,
)
from tests.peers.servers import (
    PEERS,
    Peer,
    SuiteRun,
    run_against_server,
    run_in_process,
    run_under_faketime,
)

PEER_LIBRARIES = ("django", "rest_framework_simplejwt", "flask_jwt_extended", "waitress")
REGENERATE = "python -m tests.peers.expected_outcomes"

missing_libraries = [name for name in PEER_LIBRARIES if importlib.util.find_spec(name) is None]
needs_peer_libraries = pytest.mark.skipif(
    bool(missing_libraries),
    reason="the peer libraries are not installed (missing: " + ", ".join(missing_libraries)
    + "); install the project's `peers` extra",
)


def _libfaketime_missing() -> str | None:
    try:
        find_libfaketime()
    except TargetError as error:
        return str(error)
    return None


def _reviewed_expectations(peer: Peer, target: str) -> dict[str, Expected]:
    expected = load_expected(peer.expected_file)
    todo = unreviewed(expected)
    assert not todo, (f"{peer.expected_file.name} has entries without a reviewed reason: "
                      + ", ".join(todo))
    return for_target(expected, target)


def _assert_matches(peer: Peer, expected: dict[str, Expected], run: SuiteRun,
                    target: str) -> None:
    # pytest exits 1 when a check fails; 2 to 5 mean the run itself broke.
    assert run.returncode in (0, 1), run.output[-3000:]

    found = differences(expected, run.outcomes())
    assert not found, (
        f"{len(found)} check outcomes of peer {peer.name} on the {target} target differ from "
        f"{peer.expected_file.name}; fix the check or the profile, or run `{REGENERATE} "
        f"{peer.name}` and review the file:\n" + "\n".join(found)
    )


@needs_peer_libraries
@pytest.mark.parametrize("name", list(PEERS))
def test_peer_on_loopback_matches_expected(name: str, tmp_path: Path) -> None:
    peer = PEERS[name]
    expected = _reviewed_expectations(peer, "loopback")

    run = run_against_server(peer, tmp_path)

    _assert_matches(peer, expected, run, "loopback")


@needs_peer_libraries
@pytest.mark.parametrize("name", list(PEERS))
def test_peer_under_faketime_matches_expected(name: str, tmp_path: Path) -> None:
    missing = _libfaketime_missing()
    if missing is not None:
        pytest.skip(missing)
    peer = PEERS[name]
    expected = _reviewed_expectations(peer, "faketime")

    run = run_under_faketime(peer, tmp_path)

    assert run.report["clock"]["name"] == "faketime", run.output[-3000:]
    _assert_matches(peer, expected, run, "faketime")


@needs_peer_libraries
# One SimpleJWT configuration suffices here: both import the same WSGI module.
@pytest.mark.parametrize("name", ["simplejwt", "flask-jwt-extended"])
def test_peer_in_process_matches_expected(name: str, tmp_path: Path) -> None:
    """The peer imported with --app decides the signin and access checks as on loopback."""
    peer = PEERS[name]
    expected = _reviewed_expectations(peer, "loopback")

    run = run_in_process(peer, tmp_path, "test_signin or test_access")

    families = {check_id.split(".")[0] for check_id in run.outcomes()}
    assert families == {"signin", "access"}, run.output[-3000:]
    relevant = {check_id: entry for check_id, entry in expected.items()
                if check_id.split(".")[0] in families}
    _assert_matches(peer, relevant, run, "in-process")


# The expected-outcome files themselves.


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "expected.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", list(PEERS))
def test_expected_file_is_reviewed(name: str) -> None:
    expected = load_expected(PEERS[name].expected_file)

    assert expected
    assert unreviewed(expected) == []


def test_expected_faketime_table_overrides(tmp_path: Path) -> None:
    path = _write(tmp_path, '[checks]\n"a.one" = "pass"\n\n[checks."a.two"]\n'
                  'outcome = "skip"\nreason = "no clock"\n\n[checks."a.two".faketime]\n'
                  'outcome = "pass"\n')

    expected = load_expected(path)

    assert expected["a.one"]["faketime"].outcomes == ("pass",)
    assert expected["a.two"]["loopback"] == Expected(("skip",), "no clock")
    assert expected["a.two"]["faketime"] == Expected(("pass",))


def test_expected_outcome_list_allows_each(tmp_path: Path) -> None:
    path = _write(tmp_path, '[checks."a.race"]\noutcome = ["pass", "fail"]\nreason = "races"\n')
    expected = for_target(load_expected(path), "loopback")

    assert differences(expected, {"a.race": ("pass", "")}) == []
    assert differences(expected, {"a.race": ("fail", "lost")}) == []
    assert differences(expected, {"a.race": ("error", "boom")}) == [
        "a.race: expected pass or fail, got error (boom)"
    ]


def test_expected_differences_name_both_sides() -> None:
    expected = {"a.listed": Expected(("pass",))}

    found = differences(expected, {"a.new": ("warn", "late")})

    assert found == ["a.listed: expected pass, but the run has no such check",
                     "a.new: warn in the run, but missing from the expected file (late)"]


def test_expected_unreviewed_reason_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, '[checks."a.one"]\noutcome = "fail"\n'
                  'reason = "TODO: review. Run message: x"\n\n[checks."a.two"]\n'
                  'outcome = "skip"\n')

    assert unreviewed(load_expected(path)) == ["a.one (loopback)", "a.two (loopback)"]


def test_expected_invalid_outcome_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, '[checks]\n"a.one" = "passed"\n')

    with pytest.raises(ExpectedFileError, match=re.escape("'a.one' has outcome 'passed'")):
        load_expected(path)


def test_render_keeps_reviewed_reasons(tmp_path: Path) -> None:
    previous = {"a.race": dict.fromkeys(("loopback", "faketime"),
                                        Expected(("pass", "fail"), "races"))}
    runs = {"loopback": {"a.race": ("fail", "lost"), "a.new": ("skip", "no signup")},
            "faketime": {"a.race": ("pass", ""), "a.new": ("skip", "no signup")}}

    rendered = load_expected(_write(tmp_path, render("header", runs, previous)))

    assert rendered["a.race"]["loopback"] == Expected(("pass", "fail"), "races")
    assert rendered["a.race"]["faketime"] == Expected(("pass", "fail"), "races")
    assert rendered["a.new"]["loopback"].reason == "TODO: review. Run message: no signup"
