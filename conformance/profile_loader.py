"""Load and validate profiles from TOML, built-in or from the user's own file.

Every field is checked before any request is sent. A profile may start from another one with
`extends = "NAME-OR-PATH"` and override only what differs; conformance.profile_files finds the
files and merges their tables key by key.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NoReturn, TypeVar, cast

from conformance.profile import (
    ROLES,
    TEMPLATE_PLACEHOLDERS,
    AccessToken,
    AccountDeletion,
    Accounts,
    ClockControl,
    Endpoints,
    FixedAccount,
    Profile,
    ProtectedResource,
    RefreshResponse,
    RefreshToken,
    SigninResponse,
    SignoutCredential,
    Statuses,
)
from conformance.profile_errors import MISSING, ProfileError, did_you_mean
from conformance.profile_files import BUILTIN_DIR, builtin_names, read_with_extends

__all__ = ["BUILTIN_DIR", "ProfileError", "builtin_names", "load_profile"]

T = TypeVar("T")


def load_profile(name_or_path: str) -> Profile:
    """Load a built-in profile by name, or a profile file by path, and validate it."""
    raw, source = read_with_extends(name_or_path)
    return _build(raw, source)


# A `{word}` in a command or a body template. `${WORD}` is left alone, because a command may hand
# it to a shell of its own, as in `sh -c 'createuser {username} --home ${HOME}'`.
_PLACEHOLDER = re.compile(r"(?<!\$)\{([A-Za-z_][\w.-]*)\}")


class _Table:
    """A TOML table being read, which remembers its dotted path for error messages."""

    def __init__(self, source: str, path: str, data: Mapping[str, Any]) -> None:
        self.source = source
        self.path = path
        self.data = data
        self.used: set[str] = set()

    def fail(self, key: str, value: object, fix: str) -> NoReturn:
        raise ProfileError(self.source, self._name(key), value, fix)

    def _name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _get(self, key: str, default: object) -> Any:
        self.used.add(key)
        value = self.data.get(key, default)
        if value is MISSING:
            self.fail(key, MISSING, "this field is required")
        return value

    def table(self, key: str, required: bool = True) -> _Table:
        value = self._get(key, MISSING if required else {})
        if not isinstance(value, dict):
            self.fail(key, value, f"write a table, for example [{self._name(key)}]")
        return _Table(self.source, self._name(key), value)

    def string(self, key: str, default: Any = MISSING) -> Any:
        value = self._get(key, default)
        if value is default and default is not MISSING:
            return value
        if not isinstance(value, str) or not value:
            self.fail(key, value, "write a non-empty string")
        return value

    def path_value(self, key: str, default: Any = MISSING) -> Any:
        value = self.string(key, default)
        if isinstance(value, str) and not value.startswith("/"):
            self.fail(key, value, f"write a path that starts with '/', for example '/{value}'")
        return value

    def pointer(self, key: str, default: Any = MISSING) -> Any:
        value = self.string(key, default)
        if isinstance(value, str) and not value.startswith("/"):
            self.fail(key, value, f"write a JSON pointer (RFC 6901), for example '/{value}'")
        return value

    def choice(self, key: str, options: Iterable[str], default: Any = MISSING) -> Any:
        options = tuple(options)
        value = self._get(key, default)
        if value not in options:
            self.fail(key, value, f"{did_you_mean(value, options)}write one of: "
                      + ", ".join(repr(o) for o in options))
        return value

    def integer(self, key: str, default: Any = MISSING, minimum: int = 0) -> int:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, value, "write a whole number of seconds")
        if value < minimum:
            self.fail(key, value, f"must be >= {minimum}")
        return value

    def boolean(self, key: str, default: Any = MISSING) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            self.fail(key, value, "write true or false")
        return value

    def strings(self, key: str, default: Any = MISSING) -> tuple[str, ...]:
        value = self._get(key, default)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.fail(key, value, 'write a list of strings, for example ["sub", "exp"]')
        return tuple(value)

    def statuses(self, key: str, default: Any = MISSING) -> frozenset[int]:
        value = self._get(key, default)
        codes = [value] if isinstance(value, int) and not isinstance(value, bool) else value
        if (
            not isinstance(codes, list)
            or not codes
            or not all(isinstance(c, int) and not isinstance(c, bool) for c in codes)
        ):
            self.fail(key, value, "write an HTTP status or a list of them, for example [401]")
        for code in codes:
            if not 100 <= code <= 599:
                self.fail(key, value, f"{code} is not an HTTP status; use 100 to 599")
        return frozenset(codes)

    def mapping(self, key: str, example: str, default: Any = MISSING) -> dict[str, Any]:
        value = self._get(key, default)
        if not isinstance(value, dict):
            self.fail(key, value, f"write an inline table, for example {example}")
        return dict(value)

    def tables(self, key: str, example: str, default: Any = MISSING) -> list[_Table]:
        """Read a list of inline tables. `example` is one entry, shown in error messages."""
        value = self._get(key, default)
        if not isinstance(value, list):
            self.fail(key, value, f"write a list of inline tables, for example [{example}]")
        entries = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                self.fail(f"{key}[{index}]", item, f"write an inline table, for example {example}")
            entries.append(_Table(self.source, self._name(f"{key}[{index}]"), item))
        return entries

    def template(self, key: str, default: Any = MISSING) -> dict[str, Any]:
        """Read a JSON request-body template, whose string values may hold placeholders."""
        body = self.mapping(key, '{ username = "{username}", password = "{password}" }', default)
        for where, value, fix in _template_problems(body):
            self.fail(f"{key}{where}", value, fix)
        return body

    def command(self, key: str) -> str | None:
        """Read a command line that the suite splits and runs without a shell, or None when
        the field is absent. Raise ProfileError unless every placeholder is known."""
        value: str | None = self.string(key, None)
        if value is None:
            return None
        if "\0" in value:
            self.fail(key, value, "remove the NUL character, which no command argument can hold")
        try:
            words = shlex.split(value)
        except ValueError as error:
            self.fail(key, value, f"cannot be split like a shell line ({error}); close the "
                      "quote, or escape a literal quote with a backslash")
        if not words:
            self.fail(key, value, "write the program and its arguments, for example "
                      '"python manage.py deleteuser {username}"')
        fix = _placeholder_fix(value)
        if fix is not None:
            self.fail(key, value, fix)
        return value

    def check_unknown(self) -> None:
        for key in self.data:
            if key not in self.used:
                hint = did_you_mean(key, sorted(self.used)) or "remove it"
                self.fail(key, self.data[key], f"unknown field; {hint.rstrip()}")


def _placeholder_fix(text: str) -> str | None:
    """Return the fix for the first `{word}` in `text` that is not a placeholder, or None."""
    known = [f"{{{name}}}" for name in TEMPLATE_PLACEHOLDERS]
    for match in _PLACEHOLDER.finditer(text):
        if match.group(1) not in TEMPLATE_PLACEHOLDERS:
            return (f"{match.group(0)} is not a placeholder; {did_you_mean(match.group(0), known)}"
                    "use " + ", ".join(known))
    return None


def _template_problems(value: Any, where: str = "") -> Iterator[tuple[str, object, str]]:
    """Yield where, what and the fix for each part of a body template that cannot be sent.

    `where` is the part's place below the template, such as `.roles[0]`.
    """
    if isinstance(value, str):
        fix = _placeholder_fix(value)
        if fix is not None:
            yield where, value, fix
    elif isinstance(value, float) and not math.isfinite(value):
        yield where, value, "JSON has no NaN or infinity; write a finite number"
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _template_problems(item, f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            if _PLACEHOLDER.search(key):
                yield (f"{where}.{key}", key,
                       "placeholders are filled in values only; write the key as it is sent")
            yield from _template_problems(item, f"{where}.{key}")
    elif not isinstance(value, bool | int | float):
        yield where, value, "JSON has no date or time type; write the value as a string"


class _Sections:
    """Reader of a profile's tables, one at a time, that keeps the error of each invalid table,
    so a single load reports all of them instead of only the first."""

    def __init__(self) -> None:
        self.errors: list[ProfileError] = []

    def read(self, build: Callable[[], T]) -> T | None:
        try:
            return build()
        except ProfileError as error:
            self.errors.append(error)
            return None


def _build(raw: dict[str, Any], source: str) -> Profile:
    root = _Table(source, "", raw)
    sections = _Sections()
    name = sections.read(lambda: root.string("name"))
    description = sections.read(lambda: root.string("description", ""))

    endpoints = sections.read(lambda: _endpoints(root.table("endpoints")))
    access = sections.read(lambda: _access_token(root.table("access_token")))
    refresh = sections.read(lambda: _refresh_token(root.table("refresh_token")))
    signin = sections.read(lambda: _signin(root.table("signin")))
    # The refresh response and the accounts depend on other tables, so they are read only when
    # those are valid. Their own errors show once the others are fixed.
    refresh_response = None
    if refresh is not None:
        refresh_response = sections.read(lambda: _refresh(root.table("refresh", required=False),
                                                          refresh))
    signup = sections.read(lambda: _signup(root.table("signup", required=False)))
    accounts = None
    if endpoints is not None and signin is not None and signup is not None:
        accounts = sections.read(lambda: _accounts(
            root.table("accounts", required=False), signup[0], signup[1], signin[0], endpoints))
    signout_credential = sections.read(lambda: _signout(root.table("signout", required=False)))
    statuses = sections.read(lambda: _statuses(root.table("statuses")))
    clock = sections.read(lambda: _clock(root.table("clock", required=False)))
    account_deletion = sections.read(
        lambda: _account_deletion(root.table("account_deletion", required=False)))
    # Tables skipped above are known fields all the same.
    root.used.update(("refresh", "accounts"))
    sections.read(root.check_unknown)

    if sections.errors:
        raise ProfileError.combine(sections.errors)
    # Without errors every section was read, so none of these is None.
    assert name is not None
    assert description is not None
    assert endpoints is not None
    assert access is not None
    assert refresh is not None
    assert signin is not None
    assert refresh_response is not None
    assert accounts is not None
    assert statuses is not None
    assert signout_credential is not None
    assert clock is not None
    return Profile(
        name=name,
        description=description,
        source=source,
        endpoints=endpoints,
        access_token=access,
        refresh_token=refresh,
        signin_response=signin[1],
        refresh_response=refresh_response,
        accounts=accounts,
        statuses=statuses,
        signout_credential=signout_credential,
        clock=clock,
        account_deletion=account_deletion,
    )


def _signin(table: _Table) -> tuple[dict[str, Any], SigninResponse]:
    body = table.template("body", {"username": "{username}", "password": "{password}"})
    response = _signin_response(table.table("response"))
    table.check_unknown()
    return body, response


def _refresh(table: _Table, refresh: RefreshToken) -> RefreshResponse:
    response = _refresh_response(table.table("response", required=False), refresh)
    table.check_unknown()
    return response


def _signup(table: _Table) -> tuple[dict[str, Any], dict[str, Any]]:
    body = table.template("body", {})
    role_values = table.mapping("role_values", _ROLE_VALUES_EXAMPLE,
                                {role: role for role in ROLES})
    table.check_unknown()
    for role, value in role_values.items():
        if role not in ROLES:
            table.fail("role_values", role_values,
                       f"{role!r} is not a role; use " + ", ".join(ROLES))
        if not isinstance(value, str):
            table.fail(f"role_values.{role}", value,
                       f"write the string that {{role}} becomes for {role} accounts, for "
                       f"example {_ROLE_VALUES_EXAMPLE}")
    return body, role_values


_ROLE_VALUES_EXAMPLE = '{ user = "ROLE_USER", moderator = "ROLE_MODERATOR", admin = "ROLE_ADMIN" }'


def _signout(table: _Table) -> SignoutCredential:
    credential: SignoutCredential = table.choice("credential", ("refresh-token", "access-token"),
                                                 "refresh-token")
    table.check_unknown()
    return credential


def _clock(table: _Table) -> ClockControl:
    clock = ClockControl(hook=table.path_value("hook", None))
    table.check_unknown()
    return clock


def _endpoints(table: _Table) -> Endpoints:
    example = '{ path = "/api/test/user", roles = ["user"] }'
    entries = table.tables("protected", example)
    if not entries:
        table.fail("protected", [], f"list at least one protected resource, for example "
                   f"[{example}]")
    protected = []
    for entry in entries:
        roles = entry.strings("roles")
        for role in roles:
            if role not in ROLES:
                entry.fail("roles", list(roles),
                           f"{role!r} is not a role; use " + ", ".join(ROLES))
        method = entry.choice("method", ("GET", "POST", "PUT", "PATCH", "DELETE"), "GET")
        protected.append(ProtectedResource(entry.path_value("path"), roles, method))
        entry.check_unknown()

    endpoints = Endpoints(
        signin=table.path_value("signin"),
        refresh=table.path_value("refresh"),
        public=table.path_value("public", None),
        protected=tuple(protected),
        signup=table.path_value("signup", None),
        signout=table.path_value("signout", None),
    )
    table.check_unknown()
    return endpoints


def _access_token(table: _Table) -> AccessToken:
    transport = table.choice("transport", ("header", "bearer", "cookie"))
    name = table.string("name", "Authorization" if transport == "bearer" else MISSING)
    alg = table.choice("alg", ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
                               "ES256", "ES384", "PS256", "EdDSA"))
    token = AccessToken(
        transport=transport,
        name=name,
        alg=alg,
        claims=table.strings("claims", ["exp"]),
        user_claim=table.string("user_claim", None),
        lifetime=table.integer("lifetime", minimum=1),
        leeway=table.integer("leeway", 0),
        signing_key=table.string("signing_key", None),
        user_claim_matches=table.choice("user_claim_matches", ("id", "username"), "id"),
        public_key=table.string("public_key", None),
    )
    if token.public_key is not None and "-----BEGIN" not in token.public_key:
        table.fail("public_key", token.public_key[:40],
                   "write the PEM text of the public key, from -----BEGIN PUBLIC KEY----- on")
    table.choice("format", ("jwt",), "jwt")
    if "exp" not in token.claims:
        table.fail("claims", list(token.claims),
                   "access tokens must carry `exp` (RFC 7519 §4.1.4); add \"exp\"")
    if token.user_claim is not None and token.user_claim not in token.claims:
        table.fail("user_claim", token.user_claim,
                   f"add {token.user_claim!r} to `claims` or name a claim listed there")
    table.check_unknown()
    return token


def _refresh_token(table: _Table) -> RefreshToken:
    transport = table.choice("transport", ("body", "bearer", "cookie"))
    name = table.string("name", "Authorization" if transport == "bearer" else MISSING)
    token = RefreshToken(
        transport=transport,
        name=name,
        format=table.choice("format", ("opaque", "jwt")),
        lifetime=table.integer("lifetime", minimum=1),
        rotation=table.choice("rotation", ("none", "rotate", "rotate-reuse-detection")),
        grace_seconds=table.integer("grace_seconds", 0),
        claims=table.strings("claims", []),
    )
    if token.rotation == "none" and token.grace_seconds:
        table.fail("grace_seconds", token.grace_seconds,
                   "a grace window applies only to rotation; set rotation or remove it")
    table.check_unknown()
    return token


def _signin_response(table: _Table) -> SigninResponse:
    response = SigninResponse(
        access_token=table.pointer("access_token"),
        refresh_token=table.pointer("refresh_token", None),
        user_id=table.pointer("user_id", None),
        roles=table.pointer("roles", None),
    )
    table.check_unknown()
    return response


def _refresh_response(table: _Table, refresh: RefreshToken) -> RefreshResponse:
    response = RefreshResponse(
        access_token=table.pointer("access_token", "/accessToken"),
        refresh_token=table.pointer("refresh_token", None),
    )
    if refresh.rotation != "none" and response.refresh_token is None and (
        refresh.transport != "cookie"
    ):
        table.fail("refresh_token", MISSING,
                   "a rotating backend returns the new refresh token; name its JSON pointer")
    table.check_unknown()
    return response


def _accounts(
    table: _Table,
    signup_body: dict[str, Any],
    role_values: dict[str, Any],
    signin_body: dict[str, Any],
    endpoints: Endpoints,
) -> Accounts:
    mode = table.choice("mode", ("signup", "fixed", "command"),
                        "signup" if endpoints.signup else MISSING)
    fixed: list[FixedAccount] = []
    example = '{ username = "alice", password = "alice-password", role = "user" }'
    for entry in table.tables("fixed", example, []):
        fixed.append(FixedAccount(entry.string("username"), entry.string("password"),
                                  entry.choice("role", ROLES)))
        entry.check_unknown()
    command = table.command("command")
    table.check_unknown()

    if mode == "signup":
        if endpoints.signup is None:
            table.fail("mode", mode, "the profile has no `endpoints.signup`; add it or use "
                       "mode = \"fixed\" or \"command\"")
        if not signup_body:
            raise ProfileError(table.source, "signup.body", MISSING,
                               'write the signup body template, for example { username = '
                               '"{username}", password = "{password}" }')
    if mode == "fixed" and not any(a.role == "user" for a in fixed):
        table.fail("fixed", [a.username for a in fixed],
                   'list at least one account with role = "user"')
    if mode == "command" and not command:
        table.fail("command", MISSING, "write the provisioning command, for example "
                   "\"python manage.py createuser {username} {password} {role}\"")

    return Accounts(
        mode=mode,
        signup_body=signup_body,
        role_values={str(k): str(v) for k, v in role_values.items()},
        fixed=tuple(fixed),
        command=command,
        signin_body=signin_body,
    )


def _account_deletion(table: _Table) -> AccountDeletion | None:
    if not table.data:
        return None
    path = table.path_value("path", None)
    command = table.command("command")
    method = table.choice("method", ("DELETE", "POST", "PUT", "PATCH"), "DELETE")
    table.check_unknown()

    if (path is None) == (command is None):
        table.fail("path", MISSING if path is None else path,
                   "write exactly one of `path`, the endpoint where a signed-in account deletes "
                   "itself with its access token, and `command`, a command that deletes "
                   "{username}")
    if command is not None and "method" in table.data:
        table.fail("method", table.data["method"],
                   "remove it: `method` belongs to the deletion request to `path`, and "
                   "`command` sends no request")
    return AccountDeletion(path=path, method=method, command=command)


def _statuses(table: _Table) -> Statuses:
    statuses = Statuses(
        signup_success=table.statuses("signup_success", [200, 201]),
        signup_duplicate=table.statuses("signup_duplicate", [400, 409]),
        signup_invalid=table.statuses("signup_invalid", [400, 422]),
        signin_success=table.statuses("signin_success", [200]),
        signin_unknown_user=table.statuses("signin_unknown_user", [401]),
        signin_wrong_password=table.statuses("signin_wrong_password", [401]),
        signin_invalid=table.statuses("signin_invalid", [400]),
        missing_token=table.statuses("missing_token"),
        invalid_token=table.statuses("invalid_token"),
        expired_token=table.statuses("expired_token"),
        wrong_role=table.statuses("wrong_role", [403]),
        refresh_success=table.statuses("refresh_success", [200]),
        refresh_failed=table.statuses("refresh_failed"),
        refresh_invalid=table.statuses("refresh_invalid", [400]),
        signout_success=table.statuses("signout_success", [200, 204]),
        account_deleted=table.statuses("account_deleted", [200, 204]),
        www_authenticate=table.boolean("www_authenticate", True),
        error_bodies=cast(Any, table.choice("error_bodies", ("json", "any"), "json")),
    )
    table.check_unknown()
    return statuses
