"""Tests of the OpenAPI 3.1 document generated from a profile, and of `jwt-conformance openapi`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from conformance.openapi import (
    ACCESS_SCHEME,
    JSON_MEDIA_TYPE,
    REFRESH_SCHEME,
    build_document,
    declared_statuses,
)
from conformance.profile_loader import builtin_names, load_profile

REPO = Path(__file__).resolve().parent.parent


def _operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the document's operations by operationId."""
    return {
        operation["operationId"]: operation
        for item in document["paths"].values()
        for operation in item.values()
    }


def _body_schema(operation: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = operation["requestBody"]["content"][JSON_MEDIA_TYPE]["schema"]
    return schema


def _profile_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "profile.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("name", builtin_names())
def test_document_valid_openapi_31(name: str) -> None:
    document = build_document(load_profile(name))

    validate(document, cls=OpenAPIV31SpecValidator)

    assert document["openapi"] == "3.1.0"


def test_validator_rejects_broken_document() -> None:
    document = build_document(load_profile("reference"))
    document["paths"]["/api/auth/signin"]["post"]["responses"] = "not an object"

    with pytest.raises(OpenAPIValidationError):
        validate(document, cls=OpenAPIV31SpecValidator)


def test_reference_has_four_auth_operations() -> None:
    operations = _operations(build_document(load_profile("reference")))

    for name in ("signup", "signin", "refresh", "signout"):
        assert name in operations, f"operation {name} is missing"


def test_flask_profile_lacks_signup_and_signout() -> None:
    operations = _operations(build_document(load_profile("flask-jwt-extended")))

    assert "signup" not in operations
    assert "signout" not in operations
    assert "signin" in operations


def test_signin_body_requires_string_credentials() -> None:
    signin = _operations(build_document(load_profile("reference")))["signin"]
    schema = _body_schema(signin)

    assert signin["requestBody"]["required"] is True
    assert schema["required"] == ["username", "password"]
    assert schema["properties"]["username"] == {"type": "string"}
    assert schema["properties"]["password"] == {"type": "string"}


def test_signup_role_optional_enum() -> None:
    schema = _body_schema(_operations(build_document(load_profile("reference")))["signup"])

    assert "roles" not in schema["required"]
    assert schema["properties"]["roles"]["type"] == "array"
    assert schema["properties"]["roles"]["items"]["enum"] == ["admin", "moderator", "user"]


def test_body_refresh_token_is_field() -> None:
    refresh = _operations(build_document(load_profile("reference")))["refresh"]

    assert _body_schema(refresh)["required"] == ["refreshToken"]
    assert refresh["security"] == []


def test_bearer_refresh_token_is_scheme() -> None:
    document = build_document(load_profile("flask-jwt-extended"))
    refresh = _operations(document)["refresh"]

    assert refresh["security"] == [{REFRESH_SCHEME: []}]
    assert _body_schema(refresh)["properties"] == {}
    assert refresh["requestBody"]["required"] is False
    assert document["components"]["securitySchemes"][REFRESH_SCHEME]["scheme"] == "bearer"


def test_header_access_token_is_api_key() -> None:
    schemes = build_document(load_profile("reference"))["components"]["securitySchemes"]

    assert schemes[ACCESS_SCHEME] == {"type": "apiKey", "in": "header", "name": "x-access-token"}
    assert REFRESH_SCHEME not in schemes


def test_bearer_access_token_is_http_bearer() -> None:
    schemes = build_document(load_profile("bezkoder-spring"))["components"]["securitySchemes"]

    assert schemes[ACCESS_SCHEME] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


def test_cookie_access_token_is_api_key(tmp_path: Path) -> None:
    path = _profile_file(tmp_path, '''
extends = "reference"
name = "cookie-access"

[access_token]
transport = "cookie"
name = "access_token"
''')
    schemes = build_document(load_profile(path))["components"]["securitySchemes"]

    assert schemes[ACCESS_SCHEME] == {"type": "apiKey", "in": "cookie", "name": "access_token"}


def test_signout_by_access_token_secured() -> None:
    signout = _operations(build_document(load_profile("bezkoder-spring")))["signout"]

    assert signout["security"] == [{ACCESS_SCHEME: []}]
    assert "401" in signout["responses"]


def test_protected_resources_need_access_token() -> None:
    document = build_document(load_profile("reference"))

    for path in ("/api/test/user", "/api/test/mod", "/api/test/admin"):
        operation = document["paths"][path]["get"]
        assert operation["security"] == [{ACCESS_SCHEME: []}], path
        assert set(operation["responses"]) == {"2XX", "401", "403"}, path


def test_public_resource_needs_no_token() -> None:
    public = build_document(load_profile("reference"))["paths"]["/api/test/all"]["get"]

    assert public["security"] == []


def test_responses_match_profile_statuses() -> None:
    signin = _operations(build_document(load_profile("bezkoder-express")))["signin"]

    assert set(signin["responses"]) == {"200", "400", "401", "404"}
    assert "unknown user" in signin["responses"]["404"]["description"]


def test_declared_statuses_merge_meanings() -> None:
    declared = declared_statuses(load_profile("reference"), "refresh")

    assert set(declared) == {200, 400, 403}
    assert declared[403] == ["refresh token unknown, expired or revoked", "invalid request"]


def test_duplicate_endpoint_rejected(tmp_path: Path) -> None:
    path = _profile_file(tmp_path, '''
extends = "reference"
name = "shared-path"

[endpoints]
refresh = "/api/auth/signin"
''')

    with pytest.raises(ValueError, match="twice"):
        build_document(load_profile(path))


def test_cli_prints_document() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "conformance", "openapi", "--profile", "bezkoder-spring"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == build_document(load_profile("bezkoder-spring"))


def test_cli_unknown_profile_fails() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "conformance", "openapi", "--profile", "no-such-profile"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )

    assert completed.returncode == 2
    assert "no-such-profile" in completed.stderr
    assert completed.stdout == ""
