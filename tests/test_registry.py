"""Tests of the check registry: ids, duplicates and the catalogue."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conformance import registry
from conformance.registry import DuplicateCheckError, Level, declare


def _declare(check_id: str) -> registry.Check:
    return declare(check_id, level=Level.MUST, reference="RFC 0000 §0",
                   stimulus="Send something.", requirement="Answer something.")


@pytest.fixture
def empty_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_CHECKS", {})


def test_declare_records_place(empty_registry: None) -> None:
    check = _declare("demo.first-check")

    assert check.family == "demo"
    assert check.declared_at.startswith(__file__ + ":")


def test_duplicate_id_names_both_places(empty_registry: None) -> None:
    first = _declare("demo.same-id")

    with pytest.raises(DuplicateCheckError) as raised:
        _declare("demo.same-id")

    message = str(raised.value)
    assert "demo.same-id" in message
    assert first.declared_at in message
    assert message.count(__file__) == 2


@pytest.mark.parametrize("bad_id", ["nofamily", "Demo.check", "demo.", "demo.two words",
                                    "demo.under_score", ".slug"])
def test_malformed_id_rejected(empty_registry: None, bad_id: str) -> None:
    with pytest.raises(ValueError, match=r"family\.slug"):
        _declare(bad_id)


def test_empty_requirement_rejected(empty_registry: None) -> None:
    with pytest.raises(ValueError, match="empty requirement"):
        declare("demo.empty", level=Level.MUST, reference="x", stimulus="y", requirement=" ")


def test_unknown_id_lookup_explains() -> None:
    with pytest.raises(registry.UnknownCheckError) as raised:
        registry.get("nothing.here")

    assert "jwt-conformance checks" in str(raised.value)


def test_catalogue_ids_are_unique_and_complete() -> None:
    checks = list(registry.all_checks())
    ids = [check.id for check in checks]

    assert len(ids) == len(set(ids))
    assert len(ids) >= 20
    for check in checks:
        assert check.stimulus.endswith(".")
        assert check.requirement.endswith(".")
        assert check.reference


def test_checks_command_lists_json() -> None:
    completed = subprocess.run([sys.executable, "-m", "conformance", "checks", "--format",
                                "json"], capture_output=True, text=True, check=True)
    rows = json.loads(completed.stdout)

    ids = {row["id"] for row in rows}
    assert "access.bad-signature-rejected" in ids
    assert {"id", "level", "reference", "stimulus", "requirement"} <= set(rows[0])


def test_checks_command_lists_text() -> None:
    completed = subprocess.run([sys.executable, "-m", "conformance", "checks"],
                               capture_output=True, text=True, check=True)

    assert "access.bad-signature-rejected" in completed.stdout
    assert "MUST" in completed.stdout
    assert "SHOULD" in completed.stdout
