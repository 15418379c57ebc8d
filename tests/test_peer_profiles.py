"""Tests of the built-in profiles of real JWT libraries and of the peer profiles extending them."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

import pytest

from conformance.profile_loader import builtin_names, load_profile
from tests.peers.servers import FLASK_DIR, PEERS, SIMPLEJWT_DIR

PEER_BUILTINS = ["simplejwt", "simplejwt-rotating", "flask-jwt-extended"]
SIMPLEJWT_CLAIMS = {"token_type", "exp", "iat", "jti", "user_id"}
FLASK_JWT_CLAIMS = {"sub", "iat", "nbf", "exp", "jti", "type", "fresh"}


def _import_from(folder: object, module: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(folder))
    return importlib.import_module(module)


def test_peer_builtins_are_listed() -> None:
    assert set(PEER_BUILTINS) <= set(builtin_names())


@pytest.mark.parametrize("name", PEER_BUILTINS)
def test_peer_builtin_loads(name: str) -> None:
    profile = load_profile(name)

    assert profile.name == name
    assert profile.endpoints.signup is None
    assert profile.has_signup is False
    assert profile.access_token.signing_key is None


@pytest.mark.parametrize("name", list(PEERS))
def test_peer_test_profile_extends_builtin(name: str) -> None:
    peer = PEERS[name]
    builtin = load_profile(peer.builtin_profile)

    profile = load_profile(str(peer.profile))

    assert profile.access_token.signing_key
    assert profile.endpoints == builtin.endpoints
    assert profile.statuses == builtin.statuses
    assert profile.refresh_token == builtin.refresh_token


def test_simplejwt_profile_endpoints() -> None:
    profile = load_profile("simplejwt")

    assert profile.endpoints.signin == "/api/token/"
    assert profile.endpoints.refresh == "/api/token/refresh/"
    assert profile.endpoints.signout is None
    assert profile.signin_response.access_token == "/access"
    assert profile.signin_response.refresh_token == "/refresh"
    assert profile.refresh_response.refresh_token is None


def test_simplejwt_profile_tokens() -> None:
    profile = load_profile("simplejwt")

    assert profile.access_token.transport == "bearer"
    assert profile.access_token.alg == "HS256"
    assert set(profile.access_token.claims) == SIMPLEJWT_CLAIMS
    assert profile.access_token.user_claim == "user_id"
    assert profile.access_token.lifetime == 300
    assert profile.access_token.leeway == 0
    assert profile.refresh_token.transport == "body"
    assert profile.refresh_token.name == "refresh"
    assert profile.refresh_token.format == "jwt"
    assert set(profile.refresh_token.claims) == SIMPLEJWT_CLAIMS
    assert profile.refresh_token.lifetime == 86400
    assert profile.rotates is False


def test_simplejwt_profile_statuses() -> None:
    statuses = load_profile("simplejwt").statuses

    assert statuses.missing_token == {401}
    assert statuses.invalid_token == {401}
    assert statuses.expired_token == {401}
    assert statuses.wrong_role == {403}
    assert statuses.refresh_failed == {401}
    assert statuses.refresh_invalid == {400}
    assert statuses.www_authenticate is True
    assert statuses.error_bodies == "json"


def test_simplejwt_profile_provisions_by_command() -> None:
    accounts = load_profile("simplejwt").accounts

    assert accounts.mode == "command"
    assert accounts.command is not None
    assert accounts.command.startswith("python manage.py createuser ")
    for placeholder in ("{username}", "{password}", "{role}"):
        assert placeholder in accounts.command


@pytest.mark.parametrize("name", ["simplejwt", "simplejwt-rotating"])
def test_simplejwt_profile_deletes_by_command(name: str) -> None:
    deletion = load_profile(name).account_deletion

    assert deletion is not None
    assert deletion.path is None
    assert deletion.command == "python manage.py deleteuser {username}"


def test_flask_profile_deletes_nothing() -> None:
    assert load_profile("flask-jwt-extended").account_deletion is None


def test_simplejwt_rotating_profile_rotates() -> None:
    profile = load_profile("simplejwt-rotating")

    assert profile.rotates is True
    assert profile.refresh_token.rotation == "rotate"
    assert profile.refresh_token.grace_seconds == 0
    assert profile.refresh_response.refresh_token == "/refresh"
    assert profile.endpoints.signout == "/api/token/blacklist/"
    assert profile.signout_credential == "refresh-token"
    assert profile.statuses.signout_success == {200}


def test_simplejwt_rotating_keeps_base_facts() -> None:
    base = load_profile("simplejwt")

    rotating = load_profile("simplejwt-rotating")

    assert rotating.access_token == base.access_token
    assert rotating.accounts == base.accounts
    assert rotating.endpoints.protected == base.endpoints.protected
    assert rotating.statuses.refresh_failed == base.statuses.refresh_failed


def test_flask_profile_endpoints() -> None:
    profile = load_profile("flask-jwt-extended")

    assert profile.endpoints.signin == "/login"
    assert profile.endpoints.refresh == "/refresh"
    assert profile.endpoints.signout is None
    assert profile.signin_response.access_token == "/access_token"
    assert profile.signin_response.refresh_token == "/refresh_token"
    assert profile.refresh_response.access_token == "/access_token"
    assert profile.refresh_response.refresh_token is None


def test_flask_profile_tokens() -> None:
    profile = load_profile("flask-jwt-extended")

    assert profile.access_token.transport == "bearer"
    assert set(profile.access_token.claims) == FLASK_JWT_CLAIMS
    assert profile.access_token.user_claim == "sub"
    assert profile.access_token.user_claim_matches == "username"
    assert profile.access_token.lifetime == 900
    assert profile.refresh_token.transport == "bearer"
    assert profile.refresh_token.name == "Authorization"
    assert profile.refresh_token.format == "jwt"
    assert set(profile.refresh_token.claims) == FLASK_JWT_CLAIMS
    assert profile.refresh_token.lifetime == 30 * 86400
    assert profile.rotates is False


def test_flask_profile_statuses() -> None:
    statuses = load_profile("flask-jwt-extended").statuses

    assert statuses.missing_token == {401}
    assert statuses.invalid_token == {422}
    assert statuses.expired_token == {401}
    assert statuses.wrong_role == {403}
    assert statuses.refresh_failed == {401, 422}
    assert statuses.www_authenticate is False


def test_flask_profile_fixed_accounts() -> None:
    accounts = load_profile("flask-jwt-extended").accounts

    assert accounts.mode == "fixed"
    assert {account.role for account in accounts.fixed} == {"user", "moderator", "admin"}
    for account in accounts.fixed:
        assert account.password not in account.username, account.username


def test_flask_accounts_match_application(monkeypatch: pytest.MonkeyPatch) -> None:
    if importlib.util.find_spec("flask_jwt_extended") is None:
        pytest.skip("flask-jwt-extended is not installed; install the project's `peers` extra")
    application = _import_from(FLASK_DIR, "flask_peer", monkeypatch)
    listed = {(a.username, a.password, a.role)
              for a in load_profile("flask-jwt-extended").accounts.fixed}

    served = {(name, account.password, account.role)
              for name, account in application.ACCOUNTS.items()}

    assert listed == served


def test_flask_signing_key_matches_application(monkeypatch: pytest.MonkeyPatch) -> None:
    if importlib.util.find_spec("flask_jwt_extended") is None:
        pytest.skip("flask-jwt-extended is not installed; install the project's `peers` extra")
    monkeypatch.delenv("FLASK_PEER_SECRET", raising=False)
    application = _import_from(FLASK_DIR, "flask_peer", monkeypatch)

    profile = load_profile(str(PEERS["flask-jwt-extended"].profile))

    assert profile.access_token.signing_key == application.DEFAULT_SECRET


def test_simplejwt_signing_key_matches_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _import_from(SIMPLEJWT_DIR, "simplejwt_peer.settings", monkeypatch)

    for name in ("simplejwt", "simplejwt-rotating"):
        profile = load_profile(str(PEERS[name].profile))
        assert profile.access_token.signing_key == settings.SECRET_KEY, name
