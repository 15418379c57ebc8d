"""SQLite storage of users, roles and refresh tokens, and the refresh-token lifecycle rules.

One connection serves every thread. A lock serializes each transaction, so one read-modify-write
(such as a rotation) never interleaves with another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from conformance.reference.records import (
    ROLE_NAMES,
    EmailTakenError,
    RefreshExchange,
    RefreshPolicy,
    RefreshTokenRecord,
    RefreshTokenRejected,
    RejectReason,
    User,
    UsernameTakenError,
)

logger = logging.getLogger("conformance")

# AUTOINCREMENT keeps the id of a deleted user from being reused, so an access token of a
# deleted user never authenticates a later account.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS roles (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS user_roles (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id INTEGER NOT NULL REFERENCES roles(id),
    PRIMARY KEY (user_id, role_id)
);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    family_id TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    issued_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    rotated_at REAL,
    replaced_by INTEGER REFERENCES refresh_tokens(id),
    revoked_at REAL
);
CREATE INDEX IF NOT EXISTS refresh_tokens_family ON refresh_tokens(family_id);
"""

_REFRESH_COLUMNS = (
    "id, token_hash, family_id, user_id, issued_at, expires_at, rotated_at, replaced_by, revoked_at"
)


def hash_refresh_token(token: str) -> str:
    """Return the hex SHA-256 under which a refresh token is stored."""
    return hashlib.sha256(token.encode("utf-8", errors="surrogatepass")).hexdigest()


class Store:
    """Users, roles and refresh tokens in one SQLite database (":memory:" or a file path).

    Variants of the backend subclass this and override one rule, for example
    `is_refresh_token_expired` or `rotate_refresh_token`.
    """

    def __init__(self, database: str = ":memory:") -> None:
        self.database = database
        self._lock = threading.Lock()
        self._connection = sqlite3.connect(
            database, check_same_thread=False, isolation_level=None
        )
        self._connection.row_factory = sqlite3.Row
        self._connection.execute("PRAGMA foreign_keys = ON")
        self._successor_key = self._initialize()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the store lock and one SQLite transaction. Commit on success, roll back on error."""
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def close(self) -> None:
        """Close the database connection. The store is unusable afterwards."""
        with self._lock:
            self._connection.close()

    def _initialize(self) -> bytes:
        # executescript commits on its own, so the schema runs outside `transaction()`.
        with self._lock:
            self._connection.executescript(_SCHEMA)

        with self.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO roles (id, name) VALUES (?, ?)",
                [(index + 1, name) for index, name in enumerate(ROLE_NAMES)],
            )
            db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('successor_key', ?)",
                (secrets.token_bytes(32),),
            )
            row = db.execute("SELECT value FROM meta WHERE key = 'successor_key'").fetchone()

        return bytes(row["value"])

    # Users ----------------------------------------------------------------------------------

    def create_user(
        self, username: str, email: str, password_hash: str, roles: Sequence[str]
    ) -> User:
        """Insert a user with the given role names (each one of ROLE_NAMES).

        Raises UsernameTakenError or EmailTakenError when the name or address is stored already.
        """
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
                raise UsernameTakenError()
            if db.execute("SELECT 1 FROM users WHERE email = ?", (email,)).fetchone():
                raise EmailTakenError()

            cursor = db.execute(
                "INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
                (username, email, password_hash),
            )
            user_id = cursor.lastrowid
            assert user_id is not None

            db.executemany(
                "INSERT OR IGNORE INTO user_roles (user_id, role_id) "
                "SELECT ?, id FROM roles WHERE name = ?",
                [(user_id, role) for role in roles],
            )
            user = self._load_user(db, "id = ?", user_id)

        assert user is not None
        return user

    def get_user(self, user_id: int) -> User | None:
        with self.transaction() as db:
            return self._load_user(db, "id = ?", user_id)

    def find_user_by_username(self, username: str) -> User | None:
        with self.transaction() as db:
            return self._load_user(db, "username = ?", username)

    def delete_user(self, user_id: int) -> bool:
        """Delete a user with its roles and refresh tokens. Return False if there was none."""
        with self.transaction() as db:
            cursor = db.execute("DELETE FROM users WHERE id = ?", (user_id,))
            return cursor.rowcount > 0

    def _load_user(self, db: sqlite3.Connection, condition: str, value: object) -> User | None:
        row = db.execute(
            f"SELECT id, username, email, password_hash FROM users WHERE {condition}", (value,)
        ).fetchone()
        if row is None:
            return None

        role_rows = db.execute(
            "SELECT roles.name FROM user_roles JOIN roles ON roles.id = user_roles.role_id "
            "WHERE user_roles.user_id = ? ORDER BY roles.id",
            (row["id"],),
        ).fetchall()

        return User(
            id=row["id"],
            username=row["username"],
            email=row["email"],
            roles=tuple(role_row["name"] for role_row in role_rows),
            password_hash=row["password_hash"],
        )

    # Refresh tokens -------------------------------------------------------------------------

    def issue_refresh_token(self, user_id: int, now: float, ttl: int) -> str:
        """Store a new opaque refresh token that starts a new family (one sign-in session)."""
        token = secrets.token_urlsafe(32)
        family_id = secrets.token_hex(16)

        with self.transaction() as db:
            self._insert_refresh_token(db, token, family_id, user_id, now, now + ttl)

        return token

    def find_refresh_token(self, token: str) -> RefreshTokenRecord | None:
        with self.transaction() as db:
            return self._find_refresh_token(db, "token_hash = ?", hash_refresh_token(token))

    def exchange_refresh_token(
        self, token: str, now: float, policy: RefreshPolicy
    ) -> RefreshExchange:
        """Validate a refresh token and return the refresh token the client must use next.

        Raises RefreshTokenRejected with the reason. The whole decision runs in one transaction,
        so parallel exchanges of one token see each other's rotation.
        """
        with self.transaction() as db:
            record = self._find_refresh_token(db, "token_hash = ?", hash_refresh_token(token))
            outcome = self._decide_exchange(db, record, token, now, policy)

        # Raise after the commit, because a detected reuse must keep its family revocation.
        if isinstance(outcome, RejectReason):
            raise RefreshTokenRejected(outcome)
        return outcome

    def revoke_refresh_family(self, token: str, now: float) -> bool:
        """Revoke every token of the family (session) that `token` belongs to.

        Return False when the token is unknown. Revoking a revoked family changes nothing.
        """
        with self.transaction() as db:
            record = self._find_refresh_token(db, "token_hash = ?", hash_refresh_token(token))
            if record is None:
                return False

            self._revoke_family(db, record.family_id, now)
            return True

    def is_refresh_token_expired(self, record: RefreshTokenRecord, now: float) -> bool:
        """Return whether the token is past its lifetime: expired from `expires_at` on."""
        return now >= record.expires_at

    def rotate_refresh_token(
        self,
        db: sqlite3.Connection,
        record: RefreshTokenRecord,
        token: str,
        now: float,
        policy: RefreshPolicy,
    ) -> str:
        """Replace the current token of a family with its successor and return the successor.

        RFC 6749 §6 allows the server to issue a new refresh token and revoke the old one.
        The old row stays, marked rotated-out, so that its reuse can be detected later
        (RFC 6749 §10.4, RFC 9700 §4.14.2). Each successor gets a full `policy.ttl` lifetime.
        """
        successor = self.successor_token(token)
        successor_id = self._insert_refresh_token(
            db, successor, record.family_id, record.user_id, now, now + policy.ttl
        )
        db.execute(
            "UPDATE refresh_tokens SET rotated_at = ?, replaced_by = ? WHERE id = ?",
            (now, successor_id, record.id),
        )
        return successor

    def successor_token(self, token: str) -> str:
        """Derive the token that replaces `token` at rotation.

        The successor is an HMAC of the old token under a random key kept in the database.
        This lets the store keep only hashes and still return the same successor to a client
        that repeats a rotated-out token within the grace window.
        """
        digest = hmac.new(
            self._successor_key, token.encode("utf-8", errors="surrogatepass"), hashlib.sha256
        ).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def _decide_exchange(
        self,
        db: sqlite3.Connection,
        record: RefreshTokenRecord | None,
        token: str,
        now: float,
        policy: RefreshPolicy,
    ) -> RefreshExchange | RejectReason:
        if record is None:
            return RejectReason.UNKNOWN

        # An expired token is also revoked, so it stays rejected even if the clock is moved
        # back later (the test clock hook allows that).
        if self.is_refresh_token_expired(record, now):
            self._revoke_token(db, record.id, now)
            return RejectReason.EXPIRED
        if record.revoked_at is not None:
            return RejectReason.REVOKED

        if record.rotated_at is None:
            if policy.rotation == "none":
                return RefreshExchange(record.user_id, token, record.family_id, "reused")

            successor = self.rotate_refresh_token(db, record, token, now, policy)
            return RefreshExchange(record.user_id, successor, record.family_id, "rotated")

        # The token was rotated out. Within the grace window a repeat (such as a parallel
        # request that lost the race) gets the family's current token.
        if now < record.rotated_at + policy.grace_seconds:
            return self._current_of_family(db, record, token, now)

        # RFC 9700 §4.14.2: reuse of a rotated-out token means that it may have been stolen,
        # so the whole family, the active token included, is revoked.
        if policy.rotation == "rotate-reuse-detection":
            self._revoke_family(db, record.family_id, now)
            logger.warning(
                "refresh token reuse detected: revoked family %s of user %d",
                record.family_id[:6],
                record.user_id,
            )
            return RejectReason.REUSE_DETECTED

        return RejectReason.ROTATED_OUT

    def _current_of_family(
        self, db: sqlite3.Connection, record: RefreshTokenRecord, token: str, now: float
    ) -> RefreshExchange | RejectReason:
        # Follow the rotations from the presented token to the family's current token,
        # deriving each successor. Row ids grow along the chain, so the walk ends.
        current, current_token = record, token
        while current.replaced_by is not None:
            next_token = self.successor_token(current_token)
            successor = self._find_refresh_token(db, "id = ?", current.replaced_by)
            if successor is None or successor.token_hash != hash_refresh_token(next_token):
                logger.error(
                    "refresh token family %s has a broken rotation chain at row %d",
                    record.family_id[:6],
                    current.id,
                )
                return RejectReason.UNKNOWN
            current, current_token = successor, next_token

        if current.revoked_at is not None:
            return RejectReason.REVOKED
        if self.is_refresh_token_expired(current, now):
            return RejectReason.EXPIRED

        return RefreshExchange(record.user_id, current_token, record.family_id, "grace")

    def _insert_refresh_token(
        self,
        db: sqlite3.Connection,
        token: str,
        family_id: str,
        user_id: int,
        issued_at: float,
        expires_at: float,
    ) -> int:
        cursor = db.execute(
            "INSERT INTO refresh_tokens (token_hash, family_id, user_id, issued_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (hash_refresh_token(token), family_id, user_id, issued_at, expires_at),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def _find_refresh_token(
        self, db: sqlite3.Connection, condition: str, value: object
    ) -> RefreshTokenRecord | None:
        row = db.execute(
            f"SELECT {_REFRESH_COLUMNS} FROM refresh_tokens WHERE {condition}", (value,)
        ).fetchone()
        if row is None:
            return None
        return RefreshTokenRecord(**dict(row))

    def _revoke_token(self, db: sqlite3.Connection, token_id: int, now: float) -> None:
        db.execute(
            "UPDATE refresh_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (now, token_id),
        )

    def _revoke_family(self, db: sqlite3.Connection, family_id: str, now: float) -> None:
        db.execute(
            "UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL",
            (now, family_id),
        )
