"""Account deletion: the reference backend's endpoint, the profile's command, and the check."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from conformance.accounts import AccountFactory
from conformance.harness import Harness, RunContext
from conformance.outcome import HarnessError
from conformance.profile import AccountDeletion, Profile
from conformance.profile_loader import load_profile
from conformance.reference import create_app
from conformance.target import in_process_target

WRITE_ARGUMENT = "import sys, pathlib; pathlib.Path(sys.argv[1]).write_text(sys.argv[2])"
FAIL_LOUDLY = "import sys; sys.exit('no such user: ' + sys.argv[1])"


def _with_command(profile: Profile, command: str) -> Profile:
    return replace(profile, account_deletion=AccountDeletion(command=command))


@pytest.fixture
def reference_harness() -> Iterator[Harness]:
    app = create_app()
    target = in_process_target(app, "reference", "reference backend", timeout=10.0)
    context = RunContext(load_profile("reference"), target, "run-deletion")
    yield Harness(context)
    context.close()
    app.state.store.close()


def test_endpoint_deletes_account(reference_harness: Harness) -> None:
    session = reference_harness.signin(reference_harness.disposable_account())

    reference_harness.delete_account(session)

    signin = reference_harness.signin_request(account=session.account)
    assert signin.status_code == 401


def test_endpoint_revokes_refresh_token(reference_harness: Harness) -> None:
    session = reference_harness.signin(reference_harness.disposable_account())

    reference_harness.delete_account(session)

    refresh = reference_harness.refresh_request(session.refresh_token)
    assert refresh.status_code == 403


def test_endpoint_needs_access_token(reference_harness: Harness) -> None:
    response = reference_harness.request("DELETE", "/api/auth/account")

    assert response.status_code == 401


def test_rejected_deletion_is_harness_error(reference_harness: Harness) -> None:
    session = reference_harness.signin(reference_harness.disposable_account())
    session = session.with_tokens("not-a-token", session.refresh_token)

    with pytest.raises(HarnessError) as raised:
        reference_harness.delete_account(session)

    assert "DELETE /api/auth/account returned 401" in str(raised.value)
    assert "expected 200 or 204 (statuses.account_deleted)" in str(raised.value)
    assert "account_deletion.path" in str(raised.value)


def test_command_gets_username(tmp_path: Path) -> None:
    written = tmp_path / "deleted.txt"
    command = shlex.join([sys.executable, "-c", WRITE_ARGUMENT, str(written)]) + " {username}"
    factory = AccountFactory(_with_command(load_profile("reference"), command), "run-command")
    account = factory.new_credentials()

    factory.delete_by_command(account)

    assert written.read_text() == account.username


def test_failing_command_names_exit(tmp_path: Path) -> None:
    command = shlex.join([sys.executable, "-c", FAIL_LOUDLY]) + " {username}"
    factory = AccountFactory(_with_command(load_profile("reference"), command), "run-command")
    account = factory.new_credentials()

    with pytest.raises(HarnessError) as raised:
        factory.delete_by_command(account)

    assert "account_deletion.command" in str(raised.value)
    assert "exited with 1" in str(raised.value)
    assert f"no such user: {account.username}" in str(raised.value)
