"""The server's own tables in a treaty's ledger database: tokens, monitors' keys, the
nonces of signed requests, the refusal log and the restricted drafts (`server_*`, beside
the ledger's `ledger_*` tables, which they never touch: the log and its proofs stay the ledger's).

One interface over SQLite and PostgreSQL, as the ledger's stores: the tables are created
if missing; every statement commits on its own (autocommit), and the few that must be
atomic are single statements (an INSERT ... ON CONFLICT DO NOTHING tells a nonce seen
before from a new one, across processes). Times are stored as ISO 8601 text in UTC, so
that both backends hold and compare them alike. Not safe to share between threads: the
server calls it from one thread of its own (`server/access.py`).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..ledger.store import StoreError, is_postgres_url, open_store

__all__ = ["AccessDatabase", "time_from_db", "time_to_db"]

_CREATE_LOCK_KEY = 0x74726C6163636573
"""The advisory lock under which a PostgreSQL database's server tables are created
("trlacces" in ASCII; another key than the ledger's writer lock)."""


def _tables(serial: str) -> list[str]:
    return [
        """CREATE TABLE IF NOT EXISTS server_tokens (
            token_sha256 TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
            party TEXT, issuer TEXT NOT NULL, issued TEXT NOT NULL, expires TEXT NOT NULL,
            revoked TEXT, note TEXT)""",
        """CREATE TABLE IF NOT EXISTS server_nonces (
            key_id TEXT NOT NULL, nonce TEXT NOT NULL, expires TEXT NOT NULL,
            PRIMARY KEY (key_id, nonce))""",
        f"""CREATE TABLE IF NOT EXISTS server_refusals (
            id {serial}, time TEXT NOT NULL, principal TEXT NOT NULL, method TEXT NOT NULL,
            route TEXT NOT NULL, status INTEGER NOT NULL, code TEXT NOT NULL,
            reason TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS server_drafts (
            id TEXT PRIMARY KEY, title TEXT NOT NULL, dated TEXT NOT NULL,
            parties TEXT NOT NULL, text TEXT NOT NULL, registered TEXT NOT NULL,
            registered_by TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS server_monitor_keys (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, public_key TEXT NOT NULL,
            registered TEXT NOT NULL, registered_by TEXT NOT NULL, revoked TEXT)""",
    ]


def time_to_db(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def time_from_db(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


class AccessDatabase:
    """The `server_*` tables of the ledger at `db` (a SQLite file or a postgresql:// URL),
    which must be a treatyline ledger already."""

    def __init__(self, db: str) -> None:
        open_store(db).close()  # a ledger, not any file or database: StoreError otherwise
        self.location = db
        self.postgres = is_postgres_url(db)
        self._connection: Any = None
        self.reconnect()
        try:
            self._create_tables()
        except BaseException:
            self.close()
            raise

    def _create_tables(self) -> None:
        serial = ("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY" if self.postgres
                  else "INTEGER PRIMARY KEY")
        if not self.postgres:
            for statement in _tables(serial):
                self.execute(statement)
            return
        # workers starting together would race on CREATE TABLE IF NOT EXISTS (which
        # PostgreSQL does not make atomic): one creates while the others wait
        connection: Any = self._connection
        try:
            with connection.transaction():
                self.execute("SELECT pg_advisory_xact_lock(?)", (_CREATE_LOCK_KEY,))
                for statement in _tables(serial):
                    self.execute(statement)
        except _psycopg_error() as error:  # the commit's own failure
            raise StoreError(f"the server's tables in the ledger: {_first_line(error)}") \
                from error

    def reconnect(self) -> None:
        """(Re)open the connection: after a PostgreSQL server restarted, say."""
        if self._connection is not None:
            with contextlib.suppress(Exception):  # a connection lost already
                self._connection.close()
        try:
            if self.postgres:
                import psycopg

                self._connection = psycopg.connect(self.location, autocommit=True,
                                                   connect_timeout=10)
            else:
                self._connection = sqlite3.connect(Path(self.location), isolation_level=None,
                                                   timeout=60, check_same_thread=False)
        except Exception as error:  # psycopg.Error or sqlite3.Error
            raise StoreError(f"cannot open the server's tables in the ledger: "
                             f"{_first_line(error)}") from error

    def execute(self, query: str, params: tuple[Any, ...] = ()) -> tuple[list[Any], int]:
        """The rows a statement returns and how many it changed; StoreError when the
        database fails (the server answers 503)."""
        if self.postgres:
            query = query.replace("?", "%s")
        try:
            cursor = self._connection.cursor()
            try:
                cursor.execute(query, params)
                rows = cursor.fetchall() if cursor.description is not None else []
                return rows, cursor.rowcount
            finally:
                cursor.close()
        except (sqlite3.Error, _psycopg_error()) as error:
            raise StoreError(f"the server's tables in the ledger: {_first_line(error)}") \
                from error

    def execute_many(self, query: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """One statement for each row (in a `transaction`, they stand or fall together)."""
        if self.postgres:
            query = query.replace("?", "%s")
        try:
            cursor = self._connection.cursor()
            try:
                cursor.executemany(query, rows)
            finally:
                cursor.close()
        except (sqlite3.Error, _psycopg_error()) as error:
            raise StoreError(f"the server's tables in the ledger: {_first_line(error)}") \
                from error

    @contextlib.contextmanager
    def transaction(self, lock_key: int) -> Iterator[None]:
        """The statements `execute`d inside, as one transaction, serialised with every
        other transaction under `lock_key` in any process: SQLite's BEGIN IMMEDIATE (one
        writer at a time), PostgreSQL's transaction advisory lock. An exception inside
        rolls it back and goes on."""
        try:
            if self.postgres:
                with self._connection.transaction():
                    self.execute("SELECT pg_advisory_xact_lock(?)", (lock_key,))
                    yield
                return
            self.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                if self._connection.in_transaction:
                    self._connection.execute("ROLLBACK")
                raise
            self.execute("COMMIT")
        except (sqlite3.Error, _psycopg_error()) as error:  # the commit's own failure
            raise StoreError(f"the server's tables in the ledger: {_first_line(error)}") \
                from error

    def close(self) -> None:
        self._connection.close()


def _psycopg_error() -> type[Exception]:
    try:
        import psycopg
    except ImportError:  # a SQLite-only installation
        return sqlite3.Error
    return psycopg.Error


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
