"""Tables the server keeps in a ledger's own database beside the log (a SQLite file or
PostgreSQL): one connection, used by one thread, and the SQL both backends take (`?`
placeholders, translated for PostgreSQL). The webhook subscriptions and the deadline
notices are kept this way."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..ledger.store import StoreError, is_postgres_url

__all__ = ["SCHEMA_LOCK_KEY", "LedgerTables", "TranslatedCursor"]

# the transaction advisory lock of every write (PostgreSQL), so that two servers creating
# or migrating the tables at once do not collide ("tlwebhks" + 1 in ASCII, as it was when
# only the webhook tables used it)
SCHEMA_LOCK_KEY = 0x746C7765_62686B73 + 1


class LedgerTables:
    """The tables `schema` creates (if missing) in the ledger at `db`; `what` names them in
    errors. A subclass's `_migrate` brings older tables up to date, in the same
    transaction."""

    def __init__(self, db: str, schema: Sequence[str], what: str) -> None:
        self.db, self.what = db, what
        self._postgres = is_postgres_url(db)
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
            raise StoreError(f"cannot open {what} of the ledger {db}: {error}") from error
        except Exception as error:  # psycopg's errors, imported above only for PostgreSQL
            raise StoreError(f"cannot open {what} of the ledger: {error}") from error
        try:
            with self._writing() as cursor:
                for statement in schema:
                    cursor.execute(statement)
                self._migrate(cursor)
        except BaseException:
            self.close()
            raise

    def _migrate(self, cursor: TranslatedCursor) -> None:
        """Nothing to bring up to date unless a subclass says so."""

    def close(self) -> None:
        self._connection.close()

    def _columns(self, cursor: TranslatedCursor, table: str) -> set[str]:
        """The columns `table` has now (to add the missing ones in a migration)."""
        if self._postgres:
            cursor.execute("SELECT column_name FROM information_schema.columns WHERE "
                           "table_name = ? AND table_schema = current_schema()", (table,))
            return {str(row[0]) for row in cursor.fetchall()}
        cursor.execute(f"PRAGMA table_info({table})")
        return {str(row[1]) for row in cursor.fetchall()}

    def _sql(self, query: str) -> str:
        return query.replace("?", "%s") if self._postgres else query

    @contextmanager
    def _writing(self) -> Iterator[TranslatedCursor]:
        """One transaction: SQLite's BEGIN IMMEDIATE; on PostgreSQL, one under a
        transaction advisory lock. Either way the writes of every process are in one
        order."""
        try:
            if self._postgres:
                with self._connection.transaction(), self._connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
                    yield TranslatedCursor(cursor, self._sql)
                return
            cursor = self._connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield TranslatedCursor(cursor, self._sql)
            except BaseException:
                if self._connection.in_transaction:
                    cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")
        except self._errors as error:
            raise StoreError(f"{self.what} of the ledger: {error}") from error

    def _read(self, query: str, params: tuple[Any, ...] = ()) -> list[Any]:
        try:
            cursor = self._connection.cursor()
            try:
                cursor.execute(self._sql(query), params)
                return list(cursor.fetchall())
            finally:
                cursor.close()
        except self._errors as error:
            raise StoreError(f"{self.what} of the ledger: {error}") from error


class TranslatedCursor:
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
