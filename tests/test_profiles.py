"""Tests of profile loading: built-ins, user files, `extends`, and validation messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.profile_loader import ProfileError, builtin_names, load_profile

BUILTINS = ["bezkoder-express", "bezkoder-spring", "reference", "reference-rotating"]


def _write(tmp_path: Path, text: str, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _load_error(path: Path | str) -> ProfileError:
    with pytest.raises(ProfileError) as raised:
        load_profile(str(path))
    return raised.value


def _invalid(tmp_path: Path, text: str) -> ProfileError:
    return _load_error(_write(tmp_path, 'extends = "reference"\nname = "mine"\n' + text))


def test_builtins_are_listed() -> None:
    assert set(BUILTINS) <= set(builtin_names())


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_profile_loads(name: str) -> None:
    profile = load_profile(name)

    assert profile.name == name
    assert profile.endpoints.refresh == "/api/auth/refreshtoken"


def test_express_profile_quirks() -> None:
    profile = load_profile("bezkoder-express")

    assert profile.statuses.missing_token == {403}
    assert profile.statuses.invalid_token == {401}
    assert profile.statuses.error_bodies == "any"
    assert profile.statuses.signin_unknown_user == {404}
    assert profile.endpoints.signout is None
    assert profile.access_token.transport == "header"
    assert profile.access_token.name == "x-access-token"
    assert profile.access_token.claims == ("id", "iat", "exp")


def test_spring_profile_quirks() -> None:
    profile = load_profile("bezkoder-spring")

    assert profile.access_token.transport == "bearer"
    assert profile.access_token.alg == "HS512"
    assert profile.statuses.www_authenticate is False
    assert profile.signout_credential == "access-token"
    assert profile.access_token.user_claim_matches == "username"


def test_rotating_profile_extends_reference() -> None:
    profile = load_profile("reference-rotating")

    assert profile.refresh_token.rotation == "rotate-reuse-detection"
    assert profile.access_token.name == "x-access-token"


def test_user_file_works_like_builtin(tmp_path: Path) -> None:
    text = (Path(__file__).parent.parent / "conformance/profiles/reference.toml").read_text()
    path = _write(tmp_path, text.replace('name = "reference"', 'name = "copy"'))

    copy = load_profile(str(path))
    original = load_profile("reference")

    assert copy.name == "copy"
    assert copy.statuses == original.statuses
    assert copy.endpoints == original.endpoints


def test_extends_relative_file(tmp_path: Path) -> None:
    _write(tmp_path, 'extends = "reference"\nname = "base"\n[access_token]\nlifetime = 60\n',
           "base.toml")
    child = _write(tmp_path, 'extends = "base.toml"\nname = "child"\n', "child.toml")

    assert load_profile(str(child)).access_token.lifetime == 60


def test_unknown_builtin_suggests_name() -> None:
    with pytest.raises(ProfileError) as raised:
        load_profile("refrence")

    assert "did you mean 'reference'" in str(raised.value)


def test_missing_file_named(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as raised:
        load_profile(str(tmp_path / "absent.toml"))

    assert "absent.toml" in str(raised.value)
    assert "no such file" in str(raised.value)


def test_invalid_toml_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "name = \n")

    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile(str(path))


def test_wrong_rotation_names_field_value_fix(tmp_path: Path) -> None:
    error = _invalid(tmp_path, '[refresh_token]\nrotation = "rotating"\n')

    assert error.field == "refresh_token.rotation"
    assert error.value == "rotating"
    assert "'rotate'" in str(error)
    assert "refresh_token.rotation" in str(error)
    assert "'rotating'" in str(error)


def test_status_out_of_range(tmp_path: Path) -> None:
    error = _invalid(tmp_path, "[statuses]\nexpired_token = [4010]\n")

    assert error.field == "statuses.expired_token"
    assert "100 to 599" in error.fix


def test_status_wrong_type(tmp_path: Path) -> None:
    error = _invalid(tmp_path, '[statuses]\nmissing_token = "401"\n')

    assert error.field == "statuses.missing_token"
    assert "[401]" in error.fix


def test_negative_lifetime(tmp_path: Path) -> None:
    error = _invalid(tmp_path, "[access_token]\nlifetime = -5\n")

    assert error.field == "access_token.lifetime"
    assert error.value == -5
    assert ">= 1" in error.fix


def test_unknown_field_suggests(tmp_path: Path) -> None:
    error = _invalid(tmp_path, "[access_token]\nleway = 5\n")

    assert error.field == "access_token.leway"
    assert "did you mean 'leeway'" in error.fix


def test_path_must_start_with_slash(tmp_path: Path) -> None:
    error = _invalid(tmp_path, '[endpoints]\nrefresh = "api/auth/refreshtoken"\n')

    assert error.field == "endpoints.refresh"
    assert "'/api/auth/refreshtoken'" in error.fix


def test_unknown_role_in_protected(tmp_path: Path) -> None:
    error = _invalid(tmp_path, '[endpoints]\nprotected = [{ path = "/x", roles = ["root"] }]\n')

    assert error.field == "endpoints.protected[0].roles"
    assert "'root'" in error.fix


def test_grace_without_rotation(tmp_path: Path) -> None:
    error = _invalid(tmp_path, "[refresh_token]\ngrace_seconds = 5\n")

    assert error.field == "refresh_token.grace_seconds"


def test_rotation_needs_refresh_pointer(tmp_path: Path) -> None:
    text = (Path(__file__).parent.parent / "conformance/profiles/reference.toml").read_text()
    text = text.replace('rotation = "none"', 'rotation = "rotate"')
    text = text.replace(', refresh_token = "/refreshToken" }\n\n[signout]', ' }\n\n[signout]')
    path = _write(tmp_path, text)

    with pytest.raises(ProfileError) as raised:
        load_profile(str(path))

    assert raised.value.field == "refresh.response.refresh_token"


def test_exp_claim_required(tmp_path: Path) -> None:
    error = _invalid(tmp_path, '[access_token]\nclaims = ["iat"]\nuser_claim = "iat"\n')

    assert error.field == "access_token.claims"
    assert "RFC 7519" in error.fix


def test_fixed_accounts_need_user(tmp_path: Path) -> None:
    error = _invalid(
        tmp_path,
        '[accounts]\nmode = "fixed"\n'
        'fixed = [{ username = "a", password = "b", role = "admin" }]\n',
    )

    assert error.field == "accounts.fixed"


def test_required_field_missing(tmp_path: Path) -> None:
    path = _write(tmp_path, 'name = "bare"\n[endpoints]\nsignin = "/s"\n'
                  'protected = [{ path = "/p", roles = ["user"] }]\n')

    with pytest.raises(ProfileError) as raised:
        load_profile(str(path))

    assert raised.value.field == "endpoints.refresh"
    assert "required" in raised.value.fix


def test_extends_cycle_detected(tmp_path: Path) -> None:
    _write(tmp_path, 'extends = "b.toml"\nname = "a"\n', "a.toml")
    b = _write(tmp_path, 'extends = "a.toml"\nname = "b"\n', "b.toml")

    with pytest.raises(ProfileError, match="cycle"):
        load_profile(str(b))


def test_missing_extends_blames_extends(tmp_path: Path) -> None:
    path = _write(tmp_path, 'extends = "./absent.toml"\nname = "child"\n')

    with pytest.raises(ProfileError) as raised:
        load_profile(str(path))

    assert raised.value.field == "extends"
    assert raised.value.source == str(path)
    assert str(tmp_path) in raised.value.fix


def test_account_deletion_inherited(tmp_path: Path) -> None:
    profile = load_profile(str(_write(tmp_path, 'extends = "reference"\nname = "mine"\n')))

    assert profile.account_deletion is not None
    assert profile.account_deletion.path == "/api/auth/account"
    assert profile.account_deletion.method == "DELETE"
    assert profile.statuses.account_deleted == {200, 204}


def test_account_deletion_command_replaces_path(tmp_path: Path) -> None:
    path = _write(tmp_path, 'extends = "reference"\nname = "mine"\n'
                            '[account_deletion]\ncommand = "deleteuser {username}"\n')

    deletion = load_profile(str(path)).account_deletion

    assert deletion is not None
    assert deletion.command == "deleteuser {username}"
    assert deletion.path is None


def test_account_deletion_empty_table_removes(tmp_path: Path) -> None:
    path = _write(tmp_path, 'extends = "reference"\nname = "mine"\n[account_deletion]\n')

    assert load_profile(str(path)).account_deletion is None


def test_account_deletion_needs_one_way(tmp_path: Path) -> None:
    error = _invalid(tmp_path, '[account_deletion]\nmethod = "POST"\n')

    assert error.field == "account_deletion.path"
    assert "exactly one of" in error.fix


def test_account_deletion_rejects_both(tmp_path: Path) -> None:
    error = _invalid(tmp_path, '[account_deletion]\npath = "/api/me"\ncommand = "rm {username}"\n')

    assert error.field == "account_deletion.path"


def test_account_deletion_method_checked(tmp_path: Path) -> None:
    error = _invalid(tmp_path, '[account_deletion]\npath = "/api/me"\nmethod = "GET"\n')

    assert error.field == "account_deletion.method"


def test_errors_of_several_tables_reported(tmp_path: Path) -> None:
    error = _invalid(tmp_path, '[access_token]\nalg = "HS999"\n'
                               '[refresh_token]\nrotation = "rotating"\n'
                               '[statuses]\nmissing_token = 700\n')

    assert error.field == "access_token.alg"
    assert [other.field for other in error.others] == ["refresh_token.rotation",
                                                       "statuses.missing_token"]
    assert "2 more invalid fields in the same profile" in str(error)
    assert "did you mean 'rotate'?" in str(error)


def test_dependent_table_skipped_not_unknown(tmp_path: Path) -> None:
    error = _invalid(tmp_path, '[refresh_token]\nrotation = "rotating"\n'
                               '[accounts]\nmode = "signup"\n')

    assert error.field == "refresh_token.rotation"
    assert error.others == ()


def test_single_error_has_no_others(tmp_path: Path) -> None:
    error = _invalid(tmp_path, '[statuses]\nmissing_token = 700\n')

    assert error.others == ()
    assert "more invalid" not in str(error)


@pytest.mark.parametrize(
    ("text", "field", "fix"),
    [
        ('fixed = ["alice"]\n', "accounts.fixed[0]", "write an inline table"),
        ('fixed = "alice"\n', "accounts.fixed", "write a list of inline tables"),
        ("fixed = { username = \"a\" }\n", "accounts.fixed", "write a list of inline tables"),
        ('fixed = [{ username = "a", password = "b", role = "root" }]\n',
         "accounts.fixed[0].role", "write one of"),
        ('fixed = [{ username = "a", role = "user" }]\n', "accounts.fixed[0].password",
         "required"),
    ],
)
def test_fixed_accounts_shape_rejected(tmp_path: Path, text: str, field: str, fix: str) -> None:
    error = _invalid(tmp_path, '[accounts]\nmode = "fixed"\n' + text)

    assert error.field == field
    assert fix in error.fix


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('[endpoints]\nprotected = "/api/test/user"\n', "endpoints.protected"),
        ('[endpoints]\nprotected = { path = "/x", roles = ["user"] }\n', "endpoints.protected"),
        ('[endpoints]\nprotected = ["/api/test/user"]\n', "endpoints.protected[0]"),
        ("[endpoints]\nprotected = []\n", "endpoints.protected"),
        ('endpoints = "/api"\n', "endpoints"),
        ("[signin]\nbody = [1]\n", "signin.body"),
        ('[signin]\nresponse = "/accessToken"\n', "signin.response"),
        ('[signup]\nrole_values = ["user"]\n', "signup.role_values"),
        ("[signup]\nrole_values = { user = 1 }\n", "signup.role_values.user"),
        ('[signup]\nrole_values = { root = "ROOT" }\n', "signup.role_values"),
        ('[account_deletion]\npath = { url = "/x" }\n', "account_deletion.path"),
        ("[clock]\nhook = []\n", "clock.hook"),
    ],
)
def test_wrong_shape_names_field(tmp_path: Path, text: str, field: str) -> None:
    error = _invalid(tmp_path, text)

    assert error.field == field


@pytest.mark.parametrize("table", ["accounts", "account_deletion"])
def test_command_unclosed_quote_rejected(tmp_path: Path, table: str) -> None:
    mode = 'mode = "command"\n' if table == "accounts" else ""
    error = _invalid(tmp_path, f"[{table}]\n{mode}command = \"echo 'unterminated {{username}}\"\n")

    assert error.field == f"{table}.command"
    assert error.value == "echo 'unterminated {username}"
    assert "No closing quotation" in error.fix


@pytest.mark.parametrize("table", ["accounts", "account_deletion"])
def test_command_unknown_placeholder_rejected(tmp_path: Path, table: str) -> None:
    mode = 'mode = "command"\n' if table == "accounts" else ""
    error = _invalid(tmp_path, f'[{table}]\n{mode}command = "deleteuser {{user}}"\n')

    assert error.field == f"{table}.command"
    assert "{user} is not a placeholder" in error.fix
    assert "did you mean '{username}'?" in error.fix


@pytest.mark.parametrize(
    ("command", "fix"),
    [
        ("   ", "write the program and its arguments"),
        ("deleteuser\0 {username}", "NUL"),
        ("deleteuser {USERNAME}", "did you mean '{username}'?"),
        ("createuser {username} {pass}", "{pass} is not a placeholder"),
    ],
)
def test_command_rejected(tmp_path: Path, command: str, fix: str) -> None:
    escaped = command.replace("\0", "\\u0000")
    error = _invalid(tmp_path, f'[account_deletion]\ncommand = "{escaped}"\n')

    assert error.field == "account_deletion.command"
    assert fix in error.fix


@pytest.mark.parametrize(
    "command",
    [
        "python manage.py createuser {username} {password} {role} --email {email}",
        "sh -c 'createuser \"$1\" --home ${HOME}' - {username}",
        "find . -name {username} -exec rm {} +",
        "createuser '{username}' \"{password}\"",
    ],
)
def test_command_accepted(tmp_path: Path, command: str) -> None:
    path = _write(tmp_path, 'extends = "reference"\nname = "mine"\n[accounts]\n'
                            f'mode = "command"\ncommand = """{command}"""\n')

    assert load_profile(str(path)).accounts.command == command


def test_deletion_method_with_command_rejected(tmp_path: Path) -> None:
    error = _invalid(tmp_path, '[account_deletion]\ncommand = "deleteuser {username}"\n'
                               'method = "POST"\n')

    assert error.field == "account_deletion.method"
    assert error.value == "POST"
    assert "remove it" in error.fix


@pytest.mark.parametrize(
    ("text", "field", "suggestion"),
    [
        ('[account_deletion]\npath = "/api/me"\nmethod = "delete"\n', "account_deletion.method",
         "'DELETE'"),
        ('[endpoints]\nprotected = [{ path = "/x", roles = ["user"], method = "post" }]\n',
         "endpoints.protected[0].method", "'POST'"),
        ('[access_token]\nalg = "hs256"\n', "access_token.alg", "'HS256'"),
        ("[access_token]\nLeeway = 5\n", "access_token.Leeway", "'leeway'"),
    ],
)
def test_suggestion_ignores_case(tmp_path: Path, text: str, field: str, suggestion: str) -> None:
    error = _invalid(tmp_path, text)

    assert error.field == field
    assert f"did you mean {suggestion}?" in error.fix


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('[account_deletion]\nmethod = "POST"\n', "account_deletion.path"),
        ('[endpoints]\nsignup = "/api/auth/signup"\n[accounts]\nmode = "command"\n',
         "accounts.command"),
    ],
)
def test_missing_value_shown_as_missing(tmp_path: Path, text: str, field: str) -> None:
    error = _invalid(tmp_path, text)

    assert error.field == field
    assert f"field `{field}` = missing:" in str(error)
    assert "None" not in str(error)


def test_missing_refresh_pointer_shown_as_missing(tmp_path: Path) -> None:
    path = _write(tmp_path, 'extends = "simplejwt"\nname = "mine"\n'
                            '[refresh_token]\nrotation = "rotate"\n')

    error = _load_error(str(path))

    assert error.field == "refresh.response.refresh_token"
    assert "= missing:" in str(error)


@pytest.mark.parametrize(
    ("text", "field", "fix"),
    [
        ('[signup]\nbody = { username = "{usrname}" }\n', "signup.body.username",
         "did you mean '{username}'?"),
        ('[signup]\nbody = { username = "{username}", roles = ["{Role}"] }\n',
         "signup.body.roles[0]", "did you mean '{role}'?"),
        ('[signin]\nbody = { login = { name = "{user}" } }\n', "signin.body.login.name",
         "{user} is not a placeholder"),
        ('[signin]\nbody = { "{username}" = "{password}" }\n', "signin.body.{username}",
         "values only"),
        ("[signup]\nbody = { born = 1979-05-27 }\n", "signup.body.born", "as a string"),
        ("[signup]\nbody = { score = inf }\n", "signup.body.score", "finite number"),
    ],
)
def test_body_template_rejected(tmp_path: Path, text: str, field: str, fix: str) -> None:
    error = _invalid(tmp_path, text)

    assert error.field == field
    assert fix in error.fix


def test_body_template_accepts_json_values(tmp_path: Path) -> None:
    path = _write(tmp_path, 'extends = "reference"\nname = "mine"\n[signup]\n'
                            'body = { user = { name = "{username}", '
                            'tags = ["{role}", 1, 2.5, true] }, note = "${HOME} {}" }\n')

    body = load_profile(str(path)).accounts.signup_body

    assert body["user"] == {"name": "{username}", "tags": ["{role}", 1, 2.5, True]}
    assert body["note"] == "${HOME} {}"


def test_builtin_name_beats_file_in_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, "not a profile", "reference")
    monkeypatch.chdir(tmp_path)

    assert load_profile("reference").source == "built-in 'reference'"


def test_extends_builtin_beats_sibling_file(tmp_path: Path) -> None:
    _write(tmp_path, "not a profile", "reference")
    child = _write(tmp_path, 'extends = "reference"\nname = "child"\n')

    assert load_profile(str(child)).endpoints == load_profile("reference").endpoints


def test_dot_slash_reads_file_named_like_builtin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, 'extends = "reference"\nname = "local"\n', "reference")
    monkeypatch.chdir(tmp_path)

    profile = load_profile("./reference")

    assert profile.name == "local"
    assert profile.source == "reference"


def test_extends_file_without_suffix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    _write(folder, 'extends = "reference"\nname = "base"\n[access_token]\nlifetime = 60\n', "base")
    child = _write(folder, 'extends = "base"\nname = "child"\n', "child.toml")
    monkeypatch.chdir(tmp_path)

    assert load_profile(str(child)).access_token.lifetime == 60


def test_extends_never_reads_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    _write(tmp_path, 'extends = "reference"\nname = "base"\n', "base.toml")
    child = _write(folder, 'extends = "base.toml"\nname = "child"\n', "child.toml")
    monkeypatch.chdir(tmp_path)

    error = _load_error(str(child))

    assert error.field == "extends"
    assert repr(str(folder / "base.toml")) in error.fix
    assert "no such file" in error.fix


def test_profile_option_reads_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    _write(folder, 'extends = "reference"\nname = "mine"\n')
    monkeypatch.chdir(folder)

    assert load_profile("mine.toml").name == "mine"
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ProfileError, match="no such file"):
        load_profile("mine.toml")


def test_extends_builtin_with_suffix_is_path(tmp_path: Path) -> None:
    path = _write(tmp_path, 'extends = "reference.toml"\nname = "mine"\n')

    error = _load_error(str(path))

    assert error.field == "extends"
    assert repr(str(tmp_path / "reference.toml")) in error.fix


@pytest.mark.parametrize(
    ("value", "fix"),
    [
        ('""', "is a folder, not a file"),
        ('"."', "is a folder, not a file"),
        ('"/"', "is a folder, not a file"),
        ('"\\u0000"', "no such file"),
        ('"' + "a" * 5000 + '"', "cannot be read"),
        ('"Reference"', "did you mean 'reference'?"),
        ("[]", "as a string"),
        ("{ name = \"reference\" }", "as a string"),
        ("1", "as a string"),
    ],
    ids=["empty", "dot", "root", "nul", "long", "case", "list", "table", "number"],
)
def test_extends_odd_value_rejected(tmp_path: Path, value: str, fix: str) -> None:
    path = _write(tmp_path, f'extends = {value}\nname = "mine"\n')

    error = _load_error(str(path))

    assert error.field == "extends"
    assert error.source == str(path)
    assert fix in error.fix


def test_profile_not_utf8_rejected(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "caf\u00e9"\n'.encode("latin-1"))

    with pytest.raises(ProfileError, match="not UTF-8 text"):
        load_profile(str(path))


def test_profile_folder_rejected(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="is a folder, not a file"):
        load_profile(str(tmp_path))


def test_one_more_error_singular(tmp_path: Path) -> None:
    error = _invalid(tmp_path, '[access_token]\nalg = "HS999"\n[statuses]\nmissing_token = 700\n')

    assert "1 more invalid field in the same profile" in str(error)
