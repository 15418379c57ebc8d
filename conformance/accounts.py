"""Test accounts: signed up through the API, listed in the profile, or made by a command.

The suite deletes an account it made with the endpoint or command of the profile's
[account_deletion].
"""

from __future__ import annotations

import itertools
import logging
import secrets
import shlex
import subprocess
import threading
from dataclasses import dataclass
from typing import Any

from conformance.outcome import HarnessError
from conformance.profile import Profile

log = logging.getLogger("conformance")

PROVISIONING_TIMEOUT = 60.0


@dataclass(frozen=True)
class Account:
    """Credentials of one test account and the role it was given."""

    username: str
    email: str
    password: str
    role: str


def fill_template(template: Any, values: dict[str, str]) -> Any:
    """Replace `{name}` placeholders in every string of a JSON-like template."""
    if isinstance(template, str):
        if template.startswith("{") and template.endswith("}") and template[1:-1] in values:
            return values[template[1:-1]]
        result = template
        for name, value in values.items():
            result = result.replace("{" + name + "}", value)
        return result
    if isinstance(template, list):
        return [fill_template(item, values) for item in template]
    if isinstance(template, dict):
        return {key: fill_template(item, values) for key, item in template.items()}
    return template


class AccountFactory:
    """Hands out fresh accounts with unique names for one run."""

    def __init__(self, profile: Profile, run_id: str) -> None:
        self._profile = profile
        self._prefix = f"cf{run_id[-6:]}".lower()
        self._counter = itertools.count(1)
        self._provisioned: dict[str, list[Account]] = {}
        self._provision_lock = threading.Lock()

    def new_credentials(self, role: str = "user") -> Account:
        """Return unused credentials without creating the account."""
        number = next(self._counter)
        username = f"{self._prefix}u{number}"
        return Account(
            username=username,
            email=f"{username}@example.test",
            password=f"Pw-{secrets.token_urlsafe(12)}",
            role=role,
        )

    def signup_body(self, account: Account) -> Any:
        """Return the signup request body for `account`, from the profile's template."""
        role_value = self._profile.accounts.role_values.get(account.role, account.role)
        return fill_template(self._profile.accounts.signup_body, _values(account, role_value))

    def signin_body(self, account: Account) -> Any:
        """Return the signin request body for `account`."""
        return fill_template(self._profile.accounts.signin_body, _values(account, account.role))

    def fixed_account(self, role: str) -> Account:
        """Return the profile's fixed account for `role`."""
        for fixed in self._profile.accounts.fixed:
            if fixed.role == role:
                return Account(fixed.username, f"{fixed.username}@example.test",
                               fixed.password, role)
        raise HarnessError(
            f"the profile lists no fixed account with role {role!r}; add one under "
            "[[accounts.fixed]] to run this check"
        )

    def provisioned_account(self, role: str, index: int = 0) -> Account:
        """Return the run's account number `index` for `role`, provisioning it the first time.

        Provisioning commands often start a whole framework (about 0.7 s for a Django
        management command), so the accounts serve every check of the run. A check that needs
        two distinct accounts of one role requests index 0 and 1. Each check still signs in
        anew and gets tokens of its own.
        """
        with self._provision_lock:
            pool = self._provisioned.setdefault(role, [])
            while len(pool) <= index:
                account = self.new_credentials(role)
                self.provision(account)
                pool.append(account)
            return pool[index]

    def provision(self, account: Account) -> None:
        """Run the profile's provisioning command for `account`."""
        template = self._profile.accounts.command
        assert template is not None
        log.info("provisioning account %s with role %s", account.username, account.role)
        _run_account_command("accounts.command", template, account)

    def delete_by_command(self, account: Account) -> None:
        """Run the profile's account-deletion command for `account`."""
        deletion = self._profile.account_deletion
        assert deletion is not None and deletion.command is not None
        log.info("deleting account %s", account.username)
        _run_account_command("account_deletion.command", deletion.command, account)


def _run_account_command(field: str, template: str, account: Account) -> None:
    """Run the profile's command `field` with `account`'s fields; raise HarnessError if it
    fails."""
    values = _values(account, account.role)
    command = [fill_template(part, values) for part in shlex.split(template)]
    try:
        completed = subprocess.run(command, capture_output=True, text=True,
                                   timeout=PROVISIONING_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise HarnessError(f"the profile's {field} ({command[0]!r}) could not run: {error}; "
                           "correct the command, or run from the folder it expects") from None

    if completed.returncode != 0:
        output = (completed.stderr or completed.stdout).strip()[-500:]
        raise HarnessError(
            f"the profile's {field} ({command[0]!r}) exited with {completed.returncode}: "
            f"{output.replace(account.password, '***')}"
        )


def _values(account: Account, role_value: str) -> dict[str, str]:
    return {
        "username": account.username,
        "email": account.email,
        "password": account.password,
        "role": role_value,
    }
