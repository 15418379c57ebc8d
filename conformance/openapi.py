"""An OpenAPI 3.1 document of the API a profile describes.

The document lists the auth operations: signup and signout where the profile has them, signin
and refresh. Their request bodies come from the profile's body templates and token transports.
It also lists the security schemes that carry the tokens, the public and protected resources,
and for each operation the status codes the profile declares. Schemathesis generates the input
family's requests from it, and `jwt-conformance openapi` prints it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from conformance import __version__
from conformance.profile import Profile

OPENAPI_VERSION = "3.1.0"
JSON_MEDIA_TYPE = "application/json"
ACCESS_SCHEME = "accessToken"
REFRESH_SCHEME = "refreshToken"

# The placeholders of body templates: those `conformance.accounts.fill_template` fills, and the
# refresh token of a refresh or signout body.
_PLACEHOLDER = re.compile(r"\{(username|email|password|role|refresh_token)\}")
_ROLE_PLACEHOLDER = "{role}"


@dataclass(frozen=True)
class AuthOperation:
    """One auth endpoint of the profile: its name in the document, method and path."""

    name: str
    method: str
    path: str


def auth_operations(profile: Profile) -> list[AuthOperation]:
    """Return the auth operations the profile has: signup, signin, refresh and signout."""
    endpoints = profile.endpoints
    operations = []
    if endpoints.signup is not None:
        operations.append(AuthOperation("signup", "POST", endpoints.signup))
    operations.append(AuthOperation("signin", "POST", endpoints.signin))
    operations.append(AuthOperation("refresh", "POST", endpoints.refresh))
    if endpoints.signout is not None:
        operations.append(AuthOperation("signout", "POST", endpoints.signout))
    return operations


def declared_statuses(profile: Profile, operation: str) -> dict[int, list[str]]:
    """Return the statuses the profile declares for an auth operation, each with its meanings.

    The profile names no failure status of signout, so signout may respond with the statuses
    its credential gets elsewhere. For a refresh token those are the refresh endpoint's failure
    statuses, and for an access token the missing-, invalid- and expired-token statuses.
    """
    statuses = profile.statuses
    meanings: dict[str, list[tuple[frozenset[int], str]]] = {
        "signup": [
            (statuses.signup_success, "account created"),
            (statuses.signup_duplicate, "username or email already taken"),
            (statuses.signup_invalid, "invalid request"),
        ],
        "signin": [
            (statuses.signin_success, "signed in; the body carries the tokens"),
            (statuses.signin_unknown_user, "unknown user"),
            (statuses.signin_wrong_password, "wrong password"),
            (statuses.signin_invalid, "invalid request"),
        ],
        "refresh": [
            (statuses.refresh_success, "refreshed; the body carries a new access token"),
            (statuses.refresh_failed, "refresh token unknown, expired or revoked"),
            (statuses.refresh_invalid, "invalid request"),
        ],
    }
    if profile.signout_credential == "access-token":
        signout_failures = [
            (statuses.missing_token, "no access token"),
            (statuses.invalid_token, "invalid access token"),
            (statuses.expired_token, "expired access token"),
        ]
    else:
        signout_failures = [
            (statuses.refresh_failed, "refresh token unknown, expired or revoked"),
            (statuses.refresh_invalid, "invalid request"),
        ]
    meanings["signout"] = [(statuses.signout_success, "signed out"), *signout_failures]

    declared: dict[int, list[str]] = {}
    for codes, meaning in meanings[operation]:
        for code in sorted(codes):
            declared.setdefault(code, []).append(meaning)
    return declared


def body_template(profile: Profile, operation: str) -> dict[str, Any]:
    """Return the JSON body template of an auth operation, or `{}` when it carries no field.

    Signup and signin bodies come from the profile. A refresh or signout body carries the
    refresh token only when the refresh token travels in the body.
    """
    if operation == "signup":
        return dict(profile.accounts.signup_body)
    if operation == "signin":
        return dict(profile.accounts.signin_body)
    refresh = profile.refresh_token
    carries_refresh_token = operation == "refresh" or profile.signout_credential == "refresh-token"
    if carries_refresh_token and refresh.transport == "body":
        return {refresh.name: "{refresh_token}"}
    return {}


def required_fields(template: dict[str, Any]) -> list[str]:
    """Return the top-level template keys a request must carry.

    A key filled from `{role}` is optional, because in the tutorial protocol an account signed
    up without a role gets role user.
    """
    return [key for key, value in template.items() if _ROLE_PLACEHOLDER not in json.dumps(value)]


def build_document(profile: Profile) -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of the API that `profile` describes."""
    paths: dict[str, dict[str, Any]] = {}
    for operation in auth_operations(profile):
        _add(paths, operation.path, operation.method, _auth_operation(profile, operation))

    endpoints = profile.endpoints
    if endpoints.public is not None:
        _add(paths, endpoints.public, "GET", {
            "operationId": "getPublicResource",
            "summary": "Public resource, readable without a token",
            "security": [],
            "responses": {"2XX": {"description": "the resource"}},
        })
    used_ids: set[str] = set()
    for resource in endpoints.protected:
        _add(paths, resource.path, resource.method, {
            "operationId": _unique_id(resource.method, resource.path, used_ids),
            "summary": "Protected resource for roles " + ", ".join(resource.roles),
            "security": [{ACCESS_SCHEME: []}],
            "responses": _responses(_resource_statuses(profile)),
        })

    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": f"{profile.name} authentication API",
            "version": __version__,
            "description": (
                f"{profile.description}\n\nGenerated by jwt-conformance {__version__} from "
                f"profile {profile.source}."
            ).strip(),
        },
        "paths": paths,
        "components": {"securitySchemes": _security_schemes(profile)},
    }


def _auth_operation(profile: Profile, operation: AuthOperation) -> dict[str, Any]:
    template = body_template(profile, operation.name)
    document: dict[str, Any] = {
        "operationId": operation.name,
        "summary": _SUMMARIES[operation.name],
        # A body without fields is optional: the suite sends `{}`, and a backend may ignore it.
        "requestBody": {
            "required": bool(template),
            "content": {JSON_MEDIA_TYPE: {"schema": _object_schema(profile, template)}},
        },
        "security": _auth_security(profile, operation.name),
        "responses": _responses(declared_statuses(profile, operation.name)),
    }
    return document


_SUMMARIES = {
    "signup": "Create an account",
    "signin": "Sign in; returns an access token and a refresh token",
    "refresh": "Exchange a refresh token for a new access token",
    "signout": "Sign out; revokes the refresh token",
}


def _auth_security(profile: Profile, operation: str) -> list[dict[str, list[str]]]:
    if operation == "signout" and profile.signout_credential == "access-token":
        return [{ACCESS_SCHEME: []}]
    carries_refresh_token = operation == "refresh" or operation == "signout"
    if carries_refresh_token and profile.refresh_token.transport != "body":
        return [{REFRESH_SCHEME: []}]
    return []


def _security_schemes(profile: Profile) -> dict[str, Any]:
    access = profile.access_token
    schemes = {ACCESS_SCHEME: _scheme(access.transport, access.name, "JWT")}
    refresh = profile.refresh_token
    if refresh.transport != "body":
        token_format = "JWT" if refresh.format == "jwt" else "opaque"
        schemes[REFRESH_SCHEME] = _scheme(refresh.transport, refresh.name, token_format)
    return schemes


def _scheme(transport: str, name: str, token_format: str) -> dict[str, Any]:
    # A security scheme of type `http` and scheme `bearer` is the `Authorization: Bearer` header
    # of RFC 6750 §2.1. One of type `apiKey` names a header or cookie that carries the token as is.
    if transport == "bearer":
        return {"type": "http", "scheme": "bearer", "bearerFormat": token_format}
    location = "cookie" if transport == "cookie" else "header"
    return {"type": "apiKey", "in": location, "name": name}


def _object_schema(profile: Profile, template: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {key: _value_schema(profile, value) for key, value in template.items()},
    }
    required = required_fields(template)
    if required:
        schema["required"] = required
    return schema


def _value_schema(profile: Profile, template: Any) -> dict[str, Any]:
    """Return the JSON Schema of one template value.

    A placeholder becomes a string, and a literal value a `const` of its type.
    """
    if isinstance(template, str):
        if template == _ROLE_PLACEHOLDER:
            return {"type": "string", "enum": sorted(set(profile.accounts.role_values.values()))}
        if _PLACEHOLDER.search(template):
            return {"type": "string"}
        return {"type": "string", "const": template}
    if isinstance(template, list):
        items = _value_schema(profile, template[0]) if template else {}
        return {"type": "array", "items": items}
    if isinstance(template, dict):
        return _object_schema(profile, template)
    if isinstance(template, bool):
        return {"type": "boolean", "const": template}
    if isinstance(template, int):
        return {"type": "integer", "const": template}
    if isinstance(template, float):
        return {"type": "number", "const": template}
    return {}


def _resource_statuses(profile: Profile) -> dict[int, list[str]]:
    statuses = profile.statuses
    declared: dict[int, list[str]] = {}
    for codes, meaning in (
        (statuses.missing_token, "no access token"),
        (statuses.invalid_token, "invalid access token"),
        (statuses.expired_token, "expired access token"),
        (statuses.wrong_role, "the account's role may not read this resource"),
    ):
        for code in sorted(codes):
            declared.setdefault(code, []).append(meaning)
    return declared


def _responses(declared: dict[int, list[str]]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if not any(200 <= code < 300 for code in declared):
        responses["2XX"] = {"description": "success"}
    for code in sorted(declared):
        responses[str(code)] = {"description": "; ".join(declared[code])}
    return responses


def _add(paths: dict[str, dict[str, Any]], path: str, method: str,
         operation: dict[str, Any]) -> None:
    item = paths.setdefault(path, {})
    key = method.lower()
    if key in item:
        raise ValueError(
            f"the profile names {method} {path} twice (as {item[key]['operationId']!r} and "
            f"{operation['operationId']!r}); give each endpoint its own path"
        )
    item[key] = operation


def _unique_id(method: str, path: str, used: set[str]) -> str:
    words = [word for word in re.split(r"[^A-Za-z0-9]+", path) if word]
    base = method.lower() + "".join(word[:1].upper() + word[1:] for word in words)
    candidate = base
    number = 2
    while candidate in used:
        candidate = f"{base}{number}"
        number += 1
    used.add(candidate)
    return candidate
