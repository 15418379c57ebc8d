"""HTTP behaviour of the reference backend, driven in process through httpx's ASGI transport."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import httpx
import jwt
import pytest
from freezegun import freeze_time

from conformance.reference import (
    DEFAULT_SIGNING_KEY,
    ReferenceSettings,
    Store,
    create_app,
)

START = 1_700_000_000.0
PASSWORD = "correct horse battery staple"
REFRESH = "/api/auth/refreshtoken"

# A low hashing cost keeps the many sign-ins of these tests fast.
TEST_ITERATIONS = 1_000


class FakeClock:
    """Clock with a settable `current` time in epoch seconds."""

    def __init__(self, now: float = START) -> None:
        self.current = now

    def now(self) -> float:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += seconds


class Client:
    """Synchronous facade over an httpx.AsyncClient that drives the app on one event loop."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://reference.test"
        )

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.http.request(method, path, **kwargs))

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def gather(
        self, requests: list[Coroutine[Any, Any, httpx.Response]]
    ) -> list[httpx.Response]:
        """Run requests concurrently on the app's event loop and return them in order."""

        async def run_all() -> list[httpx.Response]:
            return list(await asyncio.gather(*requests))

        return self.loop.run_until_complete(run_all())

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()
        self.app.state.store.close()


class Backend:
    """One app under test with its client, fake clock and settings."""

    def __init__(self, clock: FakeClock, settings: ReferenceSettings) -> None:
        self.clock = clock
        self.settings = settings
        self.app = create_app(settings, clock=clock)
        self.client = Client(self.app)

    def signup(self, username: str = "alice", roles: list[str] | None = None) -> httpx.Response:
        body: dict[str, Any] = {
            "username": username,
            "email": f"{username}@example.test",
            "password": PASSWORD,
        }
        if roles is not None:
            body["roles"] = roles
        return self.client.post("/api/auth/signup", json=body)

    def signin(self, username: str = "alice") -> dict[str, Any]:
        response = self.client.post(
            "/api/auth/signin", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def account(self, username: str = "alice", roles: list[str] | None = None) -> dict[str, Any]:
        """Sign up and sign in, returning the signin response body."""
        assert self.signup(username, roles).status_code == 200
        return self.signin(username)

    def access(self, token: str, path: str = "/api/test/user") -> httpx.Response:
        if self.settings.access_header == "authorization":
            return self.client.get(path, headers={"Authorization": f"Bearer {token}"})
        return self.client.get(path, headers={"x-access-token": token})

    def refresh(self, refresh_token: object) -> httpx.Response:
        return self.client.post(REFRESH, json={"refreshToken": refresh_token})


@pytest.fixture
def make_backend() -> Iterator[Callable[..., Backend]]:
    backends: list[Backend] = []

    def make(**overrides: Any) -> Backend:
        overrides.setdefault("password_hash_iterations", TEST_ITERATIONS)
        backend = Backend(FakeClock(), ReferenceSettings(**overrides))
        backends.append(backend)
        return backend

    yield make

    for backend in backends:
        backend.client.close()


@pytest.fixture
def backend(make_backend: Callable[..., Backend]) -> Backend:
    return make_backend()


def mint(claims: dict[str, Any], key: Any = DEFAULT_SIGNING_KEY, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def access_claims(user_id: int, now: float, **overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "id": user_id,
        "username": "alice",
        "roles": ["user"],
        "iat": int(now),
        "nbf": int(now),
        "exp": int(now) + 900,
        "jti": "test-jti",
        "token_use": "access",
    }
    claims.update(overrides)
    return claims


def challenge(response: httpx.Response) -> str:
    return str(response.headers.get("www-authenticate", ""))


# Signup ---------------------------------------------------------------------------------------


def test_signup_success_returns_message(backend: Backend) -> None:
    response = backend.signup()

    assert response.status_code == 200
    assert response.json() == {"message": "User was registered successfully!"}


def test_signup_duplicate_username_rejected(backend: Backend) -> None:
    backend.signup()

    response = backend.client.post(
        "/api/auth/signup",
        json={"username": "alice", "email": "other@example.test", "password": PASSWORD},
    )

    assert response.status_code == 400
    assert response.json() == {"message": "Failed! Username is already in use!"}


def test_signup_duplicate_email_rejected(backend: Backend) -> None:
    backend.signup()

    response = backend.client.post(
        "/api/auth/signup",
        json={"username": "bob", "email": "alice@example.test", "password": PASSWORD},
    )

    assert response.status_code == 400
    assert response.json() == {"message": "Failed! Email is already in use!"}


@pytest.mark.parametrize("field", ["username", "email", "password"])
@pytest.mark.parametrize(
    "value",
    [None, "", 5, True, ["x"], {"x": 1}],
    ids=["null", "empty", "int", "bool", "list", "dict"],
)
def test_signup_invalid_field_rejected(backend: Backend, field: str, value: object) -> None:
    body: dict[str, object] = {"username": "alice", "email": "a@example.test", "password": "pw"}
    body[field] = value

    response = backend.client.post("/api/auth/signup", json=body)

    assert response.status_code == 400
    assert field in response.json()["message"]


@pytest.mark.parametrize("field", ["username", "email", "password"])
def test_signup_missing_field_rejected(backend: Backend, field: str) -> None:
    body = {"username": "alice", "email": "a@example.test", "password": "pw"}
    del body[field]

    response = backend.client.post("/api/auth/signup", json=body)

    assert response.status_code == 400
    assert response.json() == {"message": f"{field} is required"}


def test_signup_unknown_role_rejected(backend: Backend) -> None:
    response = backend.signup(roles=["user", "superuser"])

    assert response.status_code == 400
    assert response.json() == {"message": "Failed! Role does not exist = superuser"}


@pytest.mark.parametrize("roles", ["admin", [1], [None], {"admin": True}], ids=str)
def test_signup_malformed_roles_rejected(backend: Backend, roles: object) -> None:
    body = {"username": "alice", "email": "a@example.test", "password": "pw", "roles": roles}

    response = backend.client.post("/api/auth/signup", json=body)

    assert response.status_code == 400


@pytest.mark.parametrize("roles", [None, []], ids=["absent", "empty"])
def test_signup_without_roles_gives_user(backend: Backend, roles: list[str] | None) -> None:
    backend.signup(roles=roles)

    data = backend.signin()

    assert data["roles"] == ["ROLE_USER"]


def test_signup_lone_surrogate_rejected(backend: Backend) -> None:
    body = '{"username": "\\ud800", "email": "a@example.test", "password": "pw"}'

    response = backend.client.post(
        "/api/auth/signup", content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 400


# Signin ---------------------------------------------------------------------------------------


def test_signin_returns_user_and_tokens(backend: Backend) -> None:
    backend.signup(roles=["moderator", "user"])

    data = backend.signin()

    assert data["id"] == 1
    assert data["username"] == "alice"
    assert data["email"] == "alice@example.test"
    assert data["roles"] == ["ROLE_USER", "ROLE_MODERATOR"]
    assert isinstance(data["accessToken"], str)
    assert isinstance(data["refreshToken"], str)


def test_signin_unknown_user_rejected(backend: Backend) -> None:
    response = backend.client.post(
        "/api/auth/signin", json={"username": "nobody", "password": PASSWORD}
    )

    assert response.status_code == 401
    assert response.json() == {"message": "Invalid username or password", "accessToken": None}


def test_signin_wrong_password_rejected(backend: Backend) -> None:
    backend.signup()

    response = backend.client.post(
        "/api/auth/signin", json={"username": "alice", "password": "wrong"}
    )

    assert response.status_code == 401
    assert response.json() == {"message": "Invalid username or password", "accessToken": None}


def test_signin_failures_are_indistinguishable(backend: Backend) -> None:
    backend.signup()

    unknown = backend.client.post("/api/auth/signin", json={"username": "x", "password": "y"})
    wrong = backend.client.post("/api/auth/signin", json={"username": "alice", "password": "y"})

    assert unknown.status_code == wrong.status_code
    assert unknown.content == wrong.content
    assert unknown.headers == wrong.headers


@pytest.mark.parametrize(
    "body",
    [
        {"username": "alice"},
        {"password": PASSWORD},
        {"username": 1, "password": PASSWORD},
        {"username": "alice", "password": None},
        {"username": "alice", "password": ["x"]},
    ],
    ids=["no-password", "no-username", "int-username", "null-password", "list-password"],
)
def test_signin_invalid_fields_rejected(backend: Backend, body: dict[str, object]) -> None:
    backend.signup()

    response = backend.client.post("/api/auth/signin", json=body)

    assert response.status_code == 400


# Access ---------------------------------------------------------------------------------------


def test_public_content_needs_no_token(backend: Backend) -> None:
    response = backend.client.get("/api/test/all")

    assert response.status_code == 200
    assert response.text == "Public Content."


def test_user_content_with_valid_token(backend: Backend) -> None:
    data = backend.account()

    response = backend.access(data["accessToken"])

    assert response.status_code == 200
    assert response.text == "User Content."


def test_access_token_has_expected_claims(backend: Backend) -> None:
    data = backend.account()

    header = jwt.get_unverified_header(data["accessToken"])
    claims = jwt.decode(
        data["accessToken"],
        DEFAULT_SIGNING_KEY,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )

    assert header == {"alg": "HS256", "typ": "JWT"}
    assert claims["sub"] == "1"
    assert claims["id"] == 1
    assert claims["username"] == "alice"
    assert claims["roles"] == ["user"]
    assert claims["iat"] == int(START)
    assert claims["nbf"] == int(START)
    assert claims["exp"] == int(START) + 900
    assert claims["token_use"] == "access"
    assert isinstance(claims["jti"], str)


def test_missing_token_gets_bare_challenge(backend: Backend) -> None:
    response = backend.client.get("/api/test/user")

    assert response.status_code == 401
    assert challenge(response) == 'Bearer realm="api"'
    assert response.json() == {"message": "No token provided!"}


@pytest.mark.parametrize(
    "token",
    ["garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9..", "x" * 5000],
    ids=["word", "three-parts", "empty-parts", "long"],
)
def test_malformed_token_gets_invalid_token(backend: Backend, token: str) -> None:
    backend.account()

    response = backend.access(token)

    assert response.status_code == 401
    assert 'error="invalid_token"' in challenge(response)
    assert "message" in response.json()


def test_bad_signature_rejected(backend: Backend) -> None:
    backend.account()
    token = mint(access_claims(1, START), key="another-key-that-is-also-32-bytes-long!")

    response = backend.access(token)

    assert response.status_code == 401
    assert 'error_description="The access token signature is invalid"' in challenge(response)


def test_stripped_signature_rejected(backend: Backend) -> None:
    data = backend.account()
    header, payload, _signature = data["accessToken"].split(".")

    response = backend.access(f"{header}.{payload}.")

    assert response.status_code == 401
    assert 'error="invalid_token"' in challenge(response)


def test_alg_none_rejected(backend: Backend) -> None:
    backend.account()
    token = mint(access_claims(1, START), key=None, algorithm="none")

    response = backend.access(token)

    assert response.status_code == 401
    assert "algorithm is not HS256" in challenge(response)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_other_hmac_algorithm_rejected(backend: Backend, algorithm: str) -> None:
    backend.account()
    token = mint(access_claims(1, START), algorithm=algorithm)

    response = backend.access(token)

    assert response.status_code == 401
    assert "algorithm is not HS256" in challenge(response)


def test_tampered_payload_rejected(backend: Backend) -> None:
    data = backend.account()
    header, payload, signature = data["accessToken"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["roles"] = ["admin"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    response = backend.access(f"{header}.{forged}.{signature}")

    assert response.status_code == 401


@pytest.mark.parametrize(
    "overrides",
    [
        {"token_use": "refresh"},
        {"token_use": None},
        {"id": "1"},
        {"id": True},
        {"id": 2**80},
        {"sub": "2"},
        {"exp": "soon"},
        {"roles": "admin"},
    ],
    ids=["refresh-use", "no-use", "string-id", "bool-id", "huge-id", "sub-mismatch", "text-exp",
         "text-roles"],
)
def test_signed_bad_claims_rejected(backend: Backend, overrides: dict[str, Any]) -> None:
    backend.account()
    claims = {key: value for key, value in access_claims(1, START, **overrides).items()
              if value is not None}

    response = backend.access(mint(claims))

    assert response.status_code == 401
    assert 'error="invalid_token"' in challenge(response)


@pytest.mark.parametrize("claim", ["exp", "iat", "jti", "sub"])
def test_token_missing_required_claim(backend: Backend, claim: str) -> None:
    backend.account()
    claims = access_claims(1, START)
    del claims[claim]

    response = backend.access(mint(claims))

    assert response.status_code == 401
    assert f"has no {claim} claim" in challenge(response)


def test_infinite_exp_rejected(backend: Backend) -> None:
    backend.account()
    payload = json.dumps(access_claims(1, START, exp=float("inf"))).encode()
    assert b"Infinity" in payload
    token = jwt.api_jws.PyJWS().encode(payload, DEFAULT_SIGNING_KEY, algorithm="HS256")

    response = backend.access(token)

    assert response.status_code == 401
    assert "exp claim is not a finite number" in challenge(response)


def test_user_cannot_reach_moderator_content(backend: Backend) -> None:
    data = backend.account()

    response = backend.access(data["accessToken"], "/api/test/mod")

    assert response.status_code == 403
    assert response.json() == {"message": "Require Moderator Role!"}
    assert 'error="insufficient_scope"' in challenge(response)


def test_admin_cannot_reach_moderator_content(backend: Backend) -> None:
    data = backend.account(roles=["admin"])

    response = backend.access(data["accessToken"], "/api/test/mod")

    assert response.status_code == 403


def test_moderator_reaches_moderator_content(backend: Backend) -> None:
    data = backend.account(roles=["moderator"])

    response = backend.access(data["accessToken"], "/api/test/mod")

    assert response.status_code == 200
    assert response.text == "Moderator Content."


def test_admin_reaches_admin_content(backend: Backend) -> None:
    data = backend.account(roles=["admin"])

    response = backend.access(data["accessToken"], "/api/test/admin")

    assert response.status_code == 200
    assert response.text == "Admin Content."


def test_moderator_cannot_reach_admin_content(backend: Backend) -> None:
    data = backend.account(roles=["moderator"])

    response = backend.access(data["accessToken"], "/api/test/admin")

    assert response.status_code == 403
    assert response.json() == {"message": "Require Admin Role!"}


def test_access_accepted_at_exp_minus_one(backend: Backend) -> None:
    data = backend.account()
    backend.clock.current = START + 900 - 1

    response = backend.access(data["accessToken"])

    assert response.status_code == 200


def test_access_rejected_at_exp(backend: Backend) -> None:
    data = backend.account()
    backend.clock.current = START + 900

    response = backend.access(data["accessToken"])

    assert response.status_code == 401
    assert challenge(response) == (
        'Bearer realm="api", error="invalid_token", error_description="The access token expired"'
    )
    assert response.json() == {"message": "The access token expired"}


def test_leeway_extends_access_expiry(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(leeway=30)
    data = backend.account()

    backend.clock.current = START + 900 + 29
    accepted = backend.access(data["accessToken"])
    backend.clock.current = START + 900 + 30
    rejected = backend.access(data["accessToken"])

    assert accepted.status_code == 200
    assert rejected.status_code == 401


def test_future_nbf_rejected(backend: Backend) -> None:
    backend.account()
    token = mint(access_claims(1, START, nbf=int(START) + 60))

    response = backend.access(token)

    assert response.status_code == 401
    assert "not valid yet" in challenge(response)


def test_nbf_within_leeway_accepted(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(leeway=60)
    backend.account()
    token = mint(access_claims(1, START, nbf=int(START) + 60))

    response = backend.access(token)

    assert response.status_code == 200


def test_bearer_header_accepted(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(access_header="authorization")
    data = backend.account()

    response = backend.access(data["accessToken"])

    assert response.status_code == 200


def test_bearer_scheme_is_case_insensitive(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(access_header="authorization")
    data = backend.account()

    response = backend.client.get(
        "/api/test/user", headers={"Authorization": f"bearer {data['accessToken']}"}
    )

    assert response.status_code == 200


def test_raw_header_ignored_with_bearer(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(access_header="authorization")
    data = backend.account()

    response = backend.client.get("/api/test/user", headers={"x-access-token": data["accessToken"]})

    assert response.status_code == 401
    assert challenge(response) == 'Bearer realm="api"'


def test_bearer_ignored_with_raw_header(backend: Backend) -> None:
    data = backend.account()

    response = backend.client.get(
        "/api/test/user", headers={"Authorization": f"Bearer {data['accessToken']}"}
    )

    assert response.status_code == 401


def test_other_auth_scheme_counts_missing(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(access_header="authorization")
    backend.account()

    response = backend.client.get("/api/test/user", headers={"Authorization": "Basic YTpi"})

    assert response.status_code == 401
    assert challenge(response) == 'Bearer realm="api"'


@pytest.mark.parametrize("value", ["Bearer", "Bearer ", "Bearer a b"])
def test_malformed_bearer_header_rejected(make_backend: Callable[..., Backend], value: str) -> None:
    backend = make_backend(access_header="authorization")

    response = backend.client.get("/api/test/user", headers={"Authorization": value})

    assert response.status_code == 401
    assert 'error="invalid_token"' in challenge(response)


# Refresh --------------------------------------------------------------------------------------


def test_refresh_without_rotation_same_token(backend: Backend) -> None:
    data = backend.account()

    response = backend.refresh(data["refreshToken"])

    assert response.status_code == 200
    assert response.json()["refreshToken"] == data["refreshToken"]


def test_refreshed_access_token_works(backend: Backend) -> None:
    data = backend.account()
    backend.clock.advance(1000)

    refreshed = backend.refresh(data["refreshToken"]).json()
    response = backend.access(refreshed["accessToken"])

    assert response.status_code == 200


def test_refresh_works_after_access_expired(backend: Backend) -> None:
    data = backend.account()
    backend.clock.advance(901)
    assert backend.access(data["accessToken"]).status_code == 401

    response = backend.client.post(
        REFRESH,
        json={"refreshToken": data["refreshToken"]},
        headers={"x-access-token": data["accessToken"]},
    )

    assert response.status_code == 200


def test_rotation_returns_new_token(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(rotation="rotate")
    data = backend.account()

    response = backend.refresh(data["refreshToken"])

    assert response.status_code == 200
    assert response.json()["refreshToken"] != data["refreshToken"]


def test_rotation_rejects_old_token(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(rotation="rotate")
    data = backend.account()
    backend.refresh(data["refreshToken"])

    response = backend.refresh(data["refreshToken"])

    assert response.status_code == 403
    assert response.json() == {
        "message": "Refresh token was already used. Please make a new signin request"
    }


def test_rotation_new_token_keeps_working(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(rotation="rotate")
    data = backend.account()
    first = backend.refresh(data["refreshToken"]).json()["refreshToken"]
    backend.refresh(data["refreshToken"])

    second = backend.refresh(first)

    assert second.status_code == 200


def test_grace_window_returns_current_token(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(rotation="rotate", grace_seconds=10)
    data = backend.account()
    rotated = backend.refresh(data["refreshToken"]).json()["refreshToken"]
    backend.clock.advance(9)

    response = backend.refresh(data["refreshToken"])

    assert response.status_code == 200
    assert response.json()["refreshToken"] == rotated


def test_grace_window_ends_at_boundary(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(rotation="rotate", grace_seconds=10)
    data = backend.account()
    backend.refresh(data["refreshToken"])
    backend.clock.advance(10)

    response = backend.refresh(data["refreshToken"])

    assert response.status_code == 403


def test_grace_follows_rotations_to_head(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(rotation="rotate", grace_seconds=10)
    data = backend.account()
    first = backend.refresh(data["refreshToken"]).json()["refreshToken"]
    backend.clock.advance(1)
    second = backend.refresh(first).json()["refreshToken"]
    backend.clock.advance(1)

    response = backend.refresh(data["refreshToken"])

    assert response.json()["refreshToken"] == second
    assert second != first


def test_reuse_detection_revokes_family(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(rotation="rotate-reuse-detection")
    data = backend.account()
    newest = backend.refresh(data["refreshToken"]).json()["refreshToken"]

    reuse = backend.refresh(data["refreshToken"])
    after = backend.refresh(newest)

    assert reuse.status_code == 403
    assert "every token of this session is now revoked" in reuse.json()["message"]
    assert after.status_code == 403
    assert backend.app.state.metrics.get("refresh_reuse_detected") == 1


def test_reuse_detection_spares_other_sessions(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(rotation="rotate-reuse-detection")
    data = backend.account()
    other = backend.signin()
    backend.refresh(data["refreshToken"])
    backend.refresh(data["refreshToken"])

    response = backend.refresh(other["refreshToken"])

    assert response.status_code == 200


def test_reuse_within_grace_keeps_family(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(rotation="rotate-reuse-detection", grace_seconds=5)
    data = backend.account()
    newest = backend.refresh(data["refreshToken"]).json()["refreshToken"]
    backend.clock.advance(4)
    backend.refresh(data["refreshToken"])

    response = backend.refresh(newest)

    assert response.status_code == 200


def test_plain_rotation_keeps_family_on_reuse(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(rotation="rotate")
    data = backend.account()
    newest = backend.refresh(data["refreshToken"]).json()["refreshToken"]
    backend.refresh(data["refreshToken"])

    response = backend.refresh(newest)

    assert response.status_code == 200


def test_refresh_accepted_before_expiry(backend: Backend) -> None:
    data = backend.account()
    backend.clock.current = START + 604_800 - 1

    response = backend.refresh(data["refreshToken"])

    assert response.status_code == 200


def test_refresh_rejected_at_expiry(backend: Backend) -> None:
    data = backend.account()
    backend.clock.current = START + 604_800

    response = backend.refresh(data["refreshToken"])

    assert response.status_code == 403
    assert response.json() == {
        "message": "Refresh token was expired. Please make a new signin request"
    }


def test_expired_refresh_stays_rejected(backend: Backend) -> None:
    data = backend.account()
    backend.clock.current = START + 604_800
    backend.refresh(data["refreshToken"])

    later = backend.refresh(data["refreshToken"])
    backend.clock.current = START + 10
    after_clock_moved_back = backend.refresh(data["refreshToken"])

    assert later.status_code == 403
    assert after_clock_moved_back.status_code == 403


def test_rotated_token_gets_fresh_lifetime(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(rotation="rotate", refresh_ttl=100)
    data = backend.account()
    backend.clock.advance(60)
    rotated = backend.refresh(data["refreshToken"]).json()["refreshToken"]
    backend.clock.advance(60)

    response = backend.refresh(rotated)

    assert response.status_code == 200


def test_access_token_as_refresh_rejected(backend: Backend) -> None:
    data = backend.account()

    response = backend.refresh(data["accessToken"])

    assert response.status_code == 403


@pytest.mark.parametrize(
    "value",
    [None, "", 0, 12345, True, [], ["x"], {}, {"token": "x"}, "garbage", "x" * 5000, "é中"],
    ids=["null", "empty", "zero", "int", "bool", "empty-list", "list", "empty-dict", "dict",
         "garbage", "long", "non-ascii"],
)
def test_invalid_refresh_token_gets_403(backend: Backend, value: object) -> None:
    backend.account()

    response = backend.refresh(value)

    assert response.status_code == 403
    assert isinstance(response.json()["message"], str)


def test_missing_refresh_field_gets_403(backend: Backend) -> None:
    response = backend.client.post(REFRESH, json={})

    assert response.status_code == 403
    assert response.json() == {"message": "Refresh Token is required!"}


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[]", "application/json"),
        (b'"token"', "application/json"),
        (b"null", "application/json"),
        (b'{"refreshToken": NaN}', "application/json"),
        (b"\xff\xfe\xfa", "application/json"),
        (b"[" * 20_000, "application/json"),
        (b"1" * 5000, "application/json"),
        (b'{"refreshToken": "x"}', "text/plain"),
        (b"refreshToken=x", "application/x-www-form-urlencoded"),
        (b"", "application/json"),
    ],
    ids=["invalid", "array", "string", "null", "nan", "bad-utf8", "deep", "huge-int",
         "text-plain", "form", "empty"],
)
def test_refresh_bad_body_gets_400(backend: Backend, content: bytes, content_type: str) -> None:
    response = backend.client.post(REFRESH, content=content, headers={"content-type": content_type})

    assert response.status_code == 400
    assert "message" in response.json()


def test_refresh_without_content_type_gets_400(backend: Backend) -> None:
    response = backend.client.post(REFRESH, content=b'{"refreshToken": "x"}')

    assert response.status_code == 400


def test_oversized_body_gets_413(backend: Backend) -> None:
    body = json.dumps({"refreshToken": "x" * 70_000})

    response = backend.client.post(
        REFRESH, content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 413


def test_parallel_refreshes_without_rotation_succeed(backend: Backend) -> None:
    data = backend.account()
    body = {"refreshToken": data["refreshToken"]}

    responses = backend.client.gather([backend.client.http.post(REFRESH, json=body)
                                       for _ in range(8)])

    assert [response.status_code for response in responses] == [200] * 8


def test_parallel_refreshes_with_rotation_one_wins(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(rotation="rotate")
    data = backend.account()
    body = {"refreshToken": data["refreshToken"]}

    responses = backend.client.gather([backend.client.http.post(REFRESH, json=body)
                                       for _ in range(8)])
    statuses = sorted(response.status_code for response in responses)

    assert statuses == [200] + [403] * 7


def test_parallel_refreshes_within_grace_agree(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(rotation="rotate", grace_seconds=5)
    data = backend.account()
    body = {"refreshToken": data["refreshToken"]}

    responses = backend.client.gather([backend.client.http.post(REFRESH, json=body)
                                       for _ in range(8)])

    assert [response.status_code for response in responses] == [200] * 8
    assert len({response.json()["refreshToken"] for response in responses}) == 1


# Signout --------------------------------------------------------------------------------------


def test_signout_revokes_refresh_token(backend: Backend) -> None:
    data = backend.account()

    signout = backend.client.post("/api/auth/signout", json={"refreshToken": data["refreshToken"]})
    response = backend.refresh(data["refreshToken"])

    assert signout.status_code == 200
    assert signout.json() == {"message": "Log out successful!"}
    assert response.status_code == 403


def test_signout_revokes_rotated_family(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(rotation="rotate", grace_seconds=30)
    data = backend.account()
    newest = backend.refresh(data["refreshToken"]).json()["refreshToken"]

    backend.client.post("/api/auth/signout", json={"refreshToken": newest})
    old_in_grace = backend.refresh(data["refreshToken"])
    newest_after = backend.refresh(newest)

    assert old_in_grace.status_code == 403
    assert newest_after.status_code == 403


def test_signout_twice_succeeds(backend: Backend) -> None:
    data = backend.account()
    backend.client.post("/api/auth/signout", json={"refreshToken": data["refreshToken"]})

    response = backend.client.post("/api/auth/signout", json={"refreshToken": data["refreshToken"]})

    assert response.status_code == 200


def test_signout_unknown_token_succeeds(backend: Backend) -> None:
    response = backend.client.post("/api/auth/signout", json={"refreshToken": "unknown"})

    assert response.status_code == 200
    assert response.json() == {"message": "Log out successful!"}


@pytest.mark.parametrize("body", [{}, {"refreshToken": None}, {"refreshToken": ""},
                                  {"refreshToken": 5}], ids=["missing", "null", "empty", "int"])
def test_signout_invalid_token_gets_400(backend: Backend, body: dict[str, object]) -> None:
    response = backend.client.post("/api/auth/signout", json=body)

    assert response.status_code == 400


def test_signout_keeps_access_token_valid(backend: Backend) -> None:
    data = backend.account()
    backend.client.post("/api/auth/signout", json={"refreshToken": data["refreshToken"]})

    response = backend.access(data["accessToken"])

    assert response.status_code == 200


def test_signout_leaves_other_sessions(backend: Backend) -> None:
    first = backend.account()
    second = backend.signin()
    backend.client.post("/api/auth/signout", json={"refreshToken": first["refreshToken"]})

    response = backend.refresh(second["refreshToken"])

    assert response.status_code == 200


# Deleted users --------------------------------------------------------------------------------


def test_deleted_user_cannot_refresh(backend: Backend) -> None:
    data = backend.account()
    store: Store = backend.app.state.store
    assert store.delete_user(data["id"])

    response = backend.refresh(data["refreshToken"])

    assert response.status_code == 403


def test_deleted_user_access_rejected(backend: Backend) -> None:
    data = backend.account()
    backend.app.state.store.delete_user(data["id"])

    response = backend.access(data["accessToken"])

    assert response.status_code == 401
    assert "no longer exists" in challenge(response)


def test_deleted_user_id_not_reused(backend: Backend) -> None:
    data = backend.account()
    backend.app.state.store.delete_user(data["id"])

    successor = backend.account("bob")

    assert successor["id"] != data["id"]
    assert backend.access(data["accessToken"]).status_code == 401


# Routing --------------------------------------------------------------------------------------


def test_unknown_path_gets_404(backend: Backend) -> None:
    response = backend.client.get("/api/nothing")

    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/auth/signin"), ("POST", "/api/test/all"), ("DELETE", REFRESH)],
)
def test_wrong_method_gets_405(backend: Backend, method: str, path: str) -> None:
    response = backend.client.request(method, path)

    assert response.status_code == 405


# Test endpoints -------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [("GET", "/api/test/clock"),
                                              ("PUT", "/api/test/clock"),
                                              ("GET", "/api/test/stats")])
def test_test_endpoints_off_by_default(backend: Backend, method: str, path: str) -> None:
    response = backend.client.request(method, path, json={"advance": 10})

    assert response.status_code == 404


def test_clock_hook_reads_now(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(test_endpoints=True)

    response = backend.client.get("/api/test/clock")

    assert response.json() == {"now": START}


def test_clock_hook_sets_now(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(test_endpoints=True)

    response = backend.client.put("/api/test/clock", json={"now": START + 500})

    assert response.status_code == 200
    assert response.json() == {"now": START + 500}
    assert backend.app.state.clock.now() == START + 500


def test_clock_hook_advances_now(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(test_endpoints=True)
    backend.client.put("/api/test/clock", json={"advance": 100})

    response = backend.client.put("/api/test/clock", json={"advance": 20.5})

    assert response.json() == {"now": START + 120.5}


def test_clock_hook_adds_to_base_clock(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(test_endpoints=True)
    backend.client.put("/api/test/clock", json={"advance": 100})
    backend.clock.advance(5)

    response = backend.client.get("/api/test/clock")

    assert response.json() == {"now": START + 105}


def test_clock_hook_expires_access_token(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(test_endpoints=True)
    data = backend.account()

    backend.client.put("/api/test/clock", json={"advance": 900})
    response = backend.access(data["accessToken"])

    assert response.status_code == 401
    assert "expired" in challenge(response)


@pytest.mark.parametrize(
    "body",
    [{}, {"now": 1, "advance": 1}, {"now": "soon"}, {"now": True}, {"advance": None},
     {"now": -1}, {"now": 1e300}, {"advance": 10**400}],
    ids=["empty", "both", "text", "bool", "null", "negative", "far-future", "huge-int"],
)
def test_clock_hook_invalid_body_rejected(
    make_backend: Callable[..., Backend], body: dict[str, object]
) -> None:
    backend = make_backend(test_endpoints=True)

    response = backend.client.put("/api/test/clock", json=body)

    assert response.status_code == 400
    assert backend.app.state.clock.now() == START


def test_stats_counts_calls(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(test_endpoints=True)
    data = backend.account()
    backend.refresh(data["refreshToken"])
    backend.refresh("unknown")
    backend.client.post("/api/auth/signin", json={"username": "alice", "password": "wrong"})

    stats = backend.client.get("/api/test/stats").json()

    assert stats["signup_total"] == 1
    assert stats["signin_total"] == 2
    assert stats["signin_succeeded"] == 1
    assert stats["signin_failed"] == 1
    assert stats["refresh_total"] == 2
    assert stats["refresh_succeeded"] == 1
    assert stats["refresh_failed"] == 1


# Clock ----------------------------------------------------------------------------------------


def test_default_clock_follows_freezegun() -> None:
    settings = ReferenceSettings(password_hash_iterations=TEST_ITERATIONS)
    with freeze_time("2030-01-01 00:00:00") as frozen:
        client = Client(create_app(settings))
        try:
            backend_signup = client.post(
                "/api/auth/signup",
                json={"username": "alice", "email": "a@example.test", "password": PASSWORD},
            )
            data = client.post(
                "/api/auth/signin", json={"username": "alice", "password": PASSWORD}
            ).json()
            frozen.tick(899)
            before = client.get("/api/test/user", headers={"x-access-token": data["accessToken"]})
            frozen.tick(1)
            at_exp = client.get("/api/test/user", headers={"x-access-token": data["accessToken"]})
        finally:
            client.close()

    assert backend_signup.status_code == 200
    assert before.status_code == 200
    assert at_exp.status_code == 401
