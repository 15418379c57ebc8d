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


def _invalid(tmp_path: Path, text: str) -> ProfileError:
    path = _write(tmp_path, 'extends = "reference"\nname = "mine"\n' + text)
    with pytest.raises(ProfileError) as raised:
        load_profile(str(path))
    return raised.value


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
