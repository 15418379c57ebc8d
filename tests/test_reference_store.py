"""Unit tests of the reference backend's store, password hasher, tokens and clocks."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path

import pytest
from freezegun import freeze_time

from conformance.reference import (
    AccessTokenExpired,
    AccessTokenInvalid,
    AccessTokens,
    AdjustableClock,
    ReferenceSettings,
    RefreshPolicy,
    RefreshTokenRejected,
    RejectReason,
    Store,
    SystemClock,
)
from conformance.reference.passwords import PasswordHasher
from conformance.reference.records import EmailTakenError, UsernameTakenError

NOW = 1_700_000_000.0
ROTATE = RefreshPolicy(ttl=100, rotation="rotate", grace_seconds=0)


class FakeClock:
    def __init__(self, now: float = NOW) -> None:
        self.current = now

    def now(self) -> float:
        return self.current


@pytest.fixture
def store() -> Store:
    return Store()


def add_user(store: Store, name: str = "alice") -> int:
    return store.create_user(name, f"{name}@example.test", "hash", ["user"]).id


# Users ----------------------------------------------------------------------------------------


def test_create_user_stores_roles(store: Store) -> None:
    user = store.create_user("alice", "a@example.test", "hash", ["admin", "user"])

    assert user.roles == ("user", "admin")
    assert store.get_user(user.id) == user


def test_create_user_duplicate_username(store: Store) -> None:
    add_user(store)

    with pytest.raises(UsernameTakenError):
        store.create_user("alice", "other@example.test", "hash", ["user"])


def test_create_user_duplicate_email(store: Store) -> None:
    add_user(store)

    with pytest.raises(EmailTakenError):
        store.create_user("bob", "alice@example.test", "hash", ["user"])


def test_user_repr_hides_password_hash(store: Store) -> None:
    user = store.create_user("alice", "a@example.test", "secret-hash", ["user"])

    assert "secret-hash" not in repr(user)


def test_delete_user_removes_tokens(store: Store) -> None:
    user_id = add_user(store)
    token = store.issue_refresh_token(user_id, NOW, 100)

    deleted = store.delete_user(user_id)

    assert deleted is True
    assert store.find_refresh_token(token) is None
    assert store.delete_user(user_id) is False


# Refresh tokens -------------------------------------------------------------------------------


def test_refresh_token_stored_as_hash(store: Store) -> None:
    token = store.issue_refresh_token(add_user(store), NOW, 100)

    record = store.find_refresh_token(token)

    assert record is not None
    assert record.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert record.expires_at == NOW + 100


def test_raw_token_absent_from_database(tmp_path: Path) -> None:
    database = tmp_path / "reference.db"
    store = Store(str(database))
    token = store.issue_refresh_token(add_user(store), NOW, 100)
    rotated = store.exchange_refresh_token(token, NOW, ROTATE).refresh_token
    store.close()

    content = database.read_bytes()

    assert token.encode() not in content
    assert rotated.encode() not in content


def test_file_database_survives_reopen(tmp_path: Path) -> None:
    database = str(tmp_path / "reference.db")
    first = Store(database)
    token = first.issue_refresh_token(add_user(first), NOW, 100)
    rotated = first.exchange_refresh_token(token, NOW, ROTATE).refresh_token
    first.close()

    second = Store(database)
    grace = RefreshPolicy(ttl=100, rotation="rotate", grace_seconds=10)
    repeated = second.exchange_refresh_token(token, NOW + 1, grace)

    assert repeated.refresh_token == rotated


def test_exchange_unknown_token_rejected(store: Store) -> None:
    with pytest.raises(RefreshTokenRejected) as caught:
        store.exchange_refresh_token("unknown", NOW, ROTATE)

    assert caught.value.reason is RejectReason.UNKNOWN


def test_exchange_expired_token_rejected(store: Store) -> None:
    token = store.issue_refresh_token(add_user(store), NOW, 100)

    with pytest.raises(RefreshTokenRejected) as caught:
        store.exchange_refresh_token(token, NOW + 100, ROTATE)

    assert caught.value.reason is RejectReason.EXPIRED


def test_exchange_rotation_links_rows(store: Store) -> None:
    token = store.issue_refresh_token(add_user(store), NOW, 100)

    exchange = store.exchange_refresh_token(token, NOW + 1, ROTATE)
    old = store.find_refresh_token(token)
    new = store.find_refresh_token(exchange.refresh_token)

    assert exchange.kind == "rotated"
    assert old is not None
    assert new is not None
    assert old.rotated_at == NOW + 1
    assert old.replaced_by == new.id
    assert new.family_id == old.family_id


def test_successor_depends_on_store_key(store: Store) -> None:
    other = Store()

    assert store.successor_token("token") != other.successor_token("token")


def test_rollback_on_error(store: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError), store.transaction() as db:
        db.execute("INSERT INTO roles (id, name) VALUES (9, 'temporary')")
        db.execute("INSERT INTO roles (id, name) VALUES (9, 'duplicate')")

    with store.transaction() as db:
        rows = db.execute("SELECT name FROM roles WHERE id = 9").fetchall()

    assert rows == []


def test_expiry_rule_can_be_overridden() -> None:
    class NeverExpires(Store):
        def is_refresh_token_expired(self, record: object, now: float) -> bool:
            return False

    store = NeverExpires()
    token = store.issue_refresh_token(add_user(store), NOW, 100)

    exchange = store.exchange_refresh_token(token, NOW + 10_000, ROTATE)

    assert exchange.kind == "rotated"


# Passwords ------------------------------------------------------------------------------------


def test_password_verify_accepts_correct() -> None:
    hasher = PasswordHasher(iterations=1_000)

    stored = hasher.hash("pw")

    assert hasher.verify("pw", stored) is True


def test_password_verify_rejects_wrong() -> None:
    hasher = PasswordHasher(iterations=1_000)

    assert hasher.verify("other", hasher.hash("pw")) is False


def test_password_hash_uses_random_salt() -> None:
    hasher = PasswordHasher(iterations=1_000)

    assert hasher.hash("pw") != hasher.hash("pw")


def test_password_hash_records_cost() -> None:
    stored = PasswordHasher(iterations=1_234).hash("pw")

    assert stored.startswith("pbkdf2_sha256$1234$")
    assert PasswordHasher(iterations=1_000).verify("pw", stored) is True


@pytest.mark.parametrize("stored", [None, "", "md5$1$a$b", "pbkdf2_sha256$x$a$b",
                                    "pbkdf2_sha256$10$!!$b"])
def test_password_verify_rejects_unusable_hash(stored: str | None) -> None:
    hasher = PasswordHasher(iterations=1_000)

    assert hasher.verify("pw", stored) is False


# Access tokens --------------------------------------------------------------------------------


def test_access_token_round_trip(store: Store) -> None:
    user = store.create_user("alice", "a@example.test", "hash", ["user", "admin"])
    tokens = AccessTokens(ReferenceSettings(), FakeClock())

    claims = tokens.verify(tokens.issue(user))

    assert claims.user_id == user.id
    assert claims.roles == ("user", "admin")
    assert claims.expires_at == NOW + 900


def test_access_token_expiry_boundary(store: Store) -> None:
    clock = FakeClock()
    tokens = AccessTokens(ReferenceSettings(access_ttl=60), clock)
    token = tokens.issue(store.create_user("alice", "a@example.test", "hash", ["user"]))

    clock.current = NOW + 59.999
    tokens.verify(token)
    clock.current = NOW + 60

    with pytest.raises(AccessTokenExpired):
        tokens.verify(token)


def test_access_token_fractional_issue_time(store: Store) -> None:
    clock = FakeClock(NOW + 0.9)
    tokens = AccessTokens(ReferenceSettings(access_ttl=60), clock)
    token = tokens.issue(store.create_user("alice", "a@example.test", "hash", ["user"]))

    clock.current = NOW + 60

    with pytest.raises(AccessTokenExpired):
        tokens.verify(token)


def test_access_token_other_key_invalid(store: Store) -> None:
    user = store.create_user("alice", "a@example.test", "hash", ["user"])
    issuer = AccessTokens(ReferenceSettings(signing_key="a" * 32), FakeClock())
    verifier = AccessTokens(ReferenceSettings(signing_key="b" * 32), FakeClock())

    with pytest.raises(AccessTokenInvalid):
        verifier.verify(issuer.issue(user))


# Clocks ---------------------------------------------------------------------------------------


def test_system_clock_reads_time_now() -> None:
    before = time.time()

    now = SystemClock().now()

    assert before <= now <= time.time()


def test_system_clock_follows_freezegun() -> None:
    clock = SystemClock()

    with freeze_time("2030-01-01 00:00:00"):
        frozen = clock.now()

    assert frozen == 1_893_456_000.0


def test_adjustable_clock_set_and_advance() -> None:
    base = FakeClock()
    clock = AdjustableClock(base)

    clock.set(NOW + 100)
    clock.advance(-30)
    base.current += 5

    assert clock.now() == NOW + 75
