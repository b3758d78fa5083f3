"""The parties' webhook subscriptions, their cursors and the delivery log, kept in the
ledger's own database (a SQLite file or PostgreSQL), beside the log they deliver.

A subscription's cursor (`next_index`) is the first entry not yet delivered; it moves
only in the transaction that logs a 2xx answer, so a server killed at any moment resumes
from it: at least once, never lost (the `webhook-id` lets a receiver drop a repeat).

One process delivers per database (`try_lock`): on PostgreSQL the worker's connection
holds a session advisory lock, on SQLite the worker holds an exclusive `flock` of a file
beside the ledger. Either is released by the operating system or the database server the
moment the process dies, so a restarted server (or another worker) takes over at once,
with no lease to wait out.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from ...ledger.store import StoreError, is_postgres_url

__all__ = ["LOCK_KEY", "MAX_URL_LENGTH", "Attempt", "Subscription", "SubscriptionStore",
           "check_webhook_url"]

# the session advisory lock of the delivering worker ("tlwebhks" in ASCII); another key
# than the ledger's writer lock, which is transaction-scoped
LOCK_KEY = 0x746C7765_62686B73
MAX_URL_LENGTH = 2048

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS webhook_subscriptions (
        id TEXT PRIMARY KEY, party TEXT NOT NULL, url TEXT NOT NULL, created TEXT NOT NULL,
        next_index BIGINT NOT NULL, failures INTEGER NOT NULL, next_attempt TEXT)""",
    """CREATE TABLE IF NOT EXISTS webhook_attempts (
        subscription TEXT NOT NULL, entry BIGINT NOT NULL, attempt INTEGER NOT NULL,
        at TEXT NOT NULL, delivered INTEGER NOT NULL, status INTEGER, error TEXT,
        next_attempt TEXT, PRIMARY KEY (subscription, entry, attempt))""",
]


def check_webhook_url(url: str) -> str:
    """`url` if a webhook may be sent to it: http or https, a host, no user name or
    password in it (a secret would be logged and shown), at most 2048 characters.
    ValueError says what is wrong."""
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"a webhook URL has at most {MAX_URL_LENGTH} characters")
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise ValueError("a webhook URL has no spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not one
    except ValueError as error:
        raise ValueError(f"{url!r} is not a URL: {error}") from None
    if parts.scheme not in ("http", "https"):
        scheme = f"{parts.scheme}:" if parts.scheme else "a relative URL"
        raise ValueError(f"a webhook URL is http:// or https://, not {scheme}")
    if not parts.hostname:
        raise ValueError(f"{url!r} names no host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("a webhook URL may not hold a user name or password")
    del port
    return url


def _time_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class Subscription:
    """A party's webhook: where to POST, and where delivery stands."""

    id: str
    party: str
    url: str
    created: datetime
    next_index: int
    """The first entry not yet delivered (every entry before it was, or had nothing to)."""
    failures: int
    """Failed attempts at the entry `next_index` onwards since the last delivery."""
    next_attempt: datetime | None
    """When to try again after a failure (None: now)."""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "party": self.party, "url": self.url,
                "created": _time_text(self.created), "next_index": self.next_index,
                "failures": self.failures,
                "next_attempt": _time_text(self.next_attempt) if self.next_attempt else None}


@dataclass(frozen=True, slots=True)
class Attempt:
    """One line of the delivery log."""

    subscription: str
    entry: int
    attempt: int
    at: datetime
    delivered: bool
    status: int | None
    """The receiver's HTTP status; None when no answer came (see `error`)."""
    error: str | None
    """"timeout", "connection error: ...", or the status's meaning for a non-2xx."""
    next_attempt: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {"subscription": self.subscription, "entry": self.entry,
                "attempt": self.attempt, "at": _time_text(self.at),
                "delivered": self.delivered, "status": self.status, "error": self.error,
                "next_attempt": _time_text(self.next_attempt) if self.next_attempt else None}


class SubscriptionStore(AbstractContextManager["SubscriptionStore"]):
    """The webhook tables of the ledger at `db` (created if missing). Like the ledger's
    store, one connection, used by one thread."""

    def __init__(self, db: str) -> None:
        self.db = db
        self._postgres = is_postgres_url(db)
        self._lock_file: int | None = None
        self._locked = False
        try:
            if self._postgres:
                import psycopg

                self._connection: Any = psycopg.connect(db, autocommit=True, connect_timeout=10)
                self._errors: tuple[type[Exception], ...] = (psycopg.Error,)
            else:
                if not Path(db).is_file():
                    raise StoreError(f"there is no ledger at {db} (create one first)")
                self._connection = sqlite3.connect(db, isolation_level=None, timeout=60)
                self._errors = (sqlite3.Error,)
        except (sqlite3.Error, ImportError, OSError) as error:
            raise StoreError(f"cannot open the webhooks of the ledger {db}: {error}") from error
        except Exception as error:  # psycopg's errors, imported above only for PostgreSQL
            raise StoreError(f"cannot open the webhooks of the ledger: {error}") from error
        try:
            with self._writing() as cursor:
                for statement in _SCHEMA:
                    cursor.execute(statement)
        except BaseException:
            self.close()
            raise

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._lock_file is not None:
            os.close(self._lock_file)  # releases the flock
            self._lock_file = None
        self._connection.close()

    # -- SQL ---------------------------------------------------------------------------

    def _sql(self, query: str) -> str:
        return query.replace("?", "%s") if self._postgres else query

    @contextmanager
    def _writing(self) -> Iterator[_Translated]:
        """One transaction: SQLite's BEGIN IMMEDIATE; on PostgreSQL, one under a
        transaction advisory lock (so that two servers creating the tables at once do
        not collide)."""
        try:
            if self._postgres:
                with self._connection.transaction(), self._connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY + 1,))
                    yield _Translated(cursor, self._sql)
                return
            cursor = self._connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield _Translated(cursor, self._sql)
            except BaseException:
                if self._connection.in_transaction:
                    cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")
        except self._errors as error:
            raise StoreError(f"the webhooks of the ledger: {error}") from error

    def _read(self, query: str, params: tuple[Any, ...] = ()) -> list[Any]:
        try:
            cursor = self._connection.cursor()
            try:
                cursor.execute(self._sql(query), params)
                return list(cursor.fetchall())
            finally:
                cursor.close()
        except self._errors as error:
            raise StoreError(f"the webhooks of the ledger: {error}") from error

    # -- subscriptions -----------------------------------------------------------------

    def add(self, party: str, url: str, next_index: int, created: datetime) -> Subscription:
        found = Subscription("wh_" + secrets.token_hex(8), party, check_webhook_url(url),
                             created.astimezone(UTC), next_index, 0, None)
        with self._writing() as cursor:
            cursor.execute("INSERT INTO webhook_subscriptions (id, party, url, created, "
                           "next_index, failures, next_attempt) VALUES (?, ?, ?, ?, ?, 0, "
                           "NULL)", (found.id, party, url, _time_text(found.created),
                                     next_index))
        return found

    def subscriptions(self, party: str | None = None) -> list[Subscription]:
        rows = self._read("SELECT id, party, url, created, next_index, failures, next_attempt "
                          "FROM webhook_subscriptions ORDER BY created, id")
        return [Subscription(r[0], r[1], r[2], datetime.fromisoformat(r[3]), int(r[4]),
                             int(r[5]), _time(r[6]))
                for r in rows if party is None or r[1] == party]

    def remove(self, subscription: str) -> bool:
        with self._writing() as cursor:
            cursor.execute("DELETE FROM webhook_subscriptions WHERE id = ?", (subscription,))
            removed: int = cursor.rowcount
        return removed > 0

    # -- delivery ----------------------------------------------------------------------

    def advance(self, subscription: str, old: int, new: int) -> None:
        """Move the cursor past entries that have nothing to deliver."""
        with self._writing() as cursor:
            cursor.execute("UPDATE webhook_subscriptions SET next_index = ? WHERE id = ? "
                           "AND next_index = ?", (new, subscription, old))

    def record(self, subscription: Subscription, attempt: Attempt) -> None:
        """Log `attempt` and, in the same transaction, move the cursor past its entry if
        it was delivered, or count the failure and keep its next attempt's time."""
        with self._writing() as cursor:
            cursor.execute("INSERT INTO webhook_attempts (subscription, entry, attempt, at, "
                           "delivered, status, error, next_attempt) VALUES "
                           "(?, ?, ?, ?, ?, ?, ?, ?)",
                           (attempt.subscription, attempt.entry, attempt.attempt,
                            _time_text(attempt.at), int(attempt.delivered), attempt.status,
                            attempt.error, _time_text(attempt.next_attempt)
                            if attempt.next_attempt else None))
            if attempt.delivered:
                cursor.execute("UPDATE webhook_subscriptions SET next_index = ?, failures = 0,"
                               " next_attempt = NULL WHERE id = ?",
                               (attempt.entry + 1, subscription.id))
            else:
                cursor.execute("UPDATE webhook_subscriptions SET next_index = ?, failures = ?,"
                               " next_attempt = ? WHERE id = ?",
                               (attempt.entry, attempt.attempt,
                                _time_text(attempt.next_attempt) if attempt.next_attempt
                                else None, subscription.id))

    def attempts(self, subscription: str | None = None) -> list[Attempt]:
        """The delivery log, oldest first (of one subscription, or of all)."""
        rows = self._read("SELECT subscription, entry, attempt, at, delivered, status, error, "
                          "next_attempt FROM webhook_attempts ORDER BY at, subscription, "
                          "entry, attempt")
        return [Attempt(r[0], int(r[1]), int(r[2]), datetime.fromisoformat(r[3]), bool(r[4]),
                        r[5], r[6], _time(r[7]))
                for r in rows if subscription is None or r[0] == subscription]

    def try_lock(self) -> bool:
        """Whether this store's process is the one delivering (see the module's
        docstring); once taken, held until `close`."""
        if self._locked:
            return True
        if self._postgres:
            rows = self._read("SELECT pg_try_advisory_lock(?)", (LOCK_KEY,))
            self._locked = bool(rows[0][0])
            return self._locked
        if self._lock_file is None:
            self._lock_file = os.open(f"{self.db}.webhooks.lock", os.O_RDWR | os.O_CREAT,
                                      0o600)
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self._locked = True
        return True

    def __enter__(self) -> Self:
        return self


class _Translated:
    """A cursor that takes `?` placeholders whatever the backend."""

    def __init__(self, cursor: Any, sql: Any) -> None:
        self._cursor, self._to_backend = cursor, sql

    def execute(self, query: str, params: Any = (), /) -> Any:
        return self._cursor.execute(self._to_backend(query), params)

    def executemany(self, query: str, params: Any, /) -> Any:
        return self._cursor.executemany(self._to_backend(query), params)

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self._cursor.fetchall())

    @property
    def rowcount(self) -> int:
        count: int = self._cursor.rowcount
        return count
