"""The embedded ledger store: one SQLite file (the default).

WAL journal with ``synchronous=FULL``: a commit is on disk when it returns, and
readers never block the writer. Appends run in ``BEGIN IMMEDIATE`` transactions, so
that several processes appending to the same file take the write lock one after the
other (waiting up to the busy timeout) and never interleave.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from .sql_store import ColumnTypes, Cursor, SqlLedgerStore
from .store import NotALedgerError, StoreError

__all__ = ["BUSY_TIMEOUT_SECONDS", "SqliteLedgerStore"]

# How long a writer waits for another process's transaction before giving up: long,
# because many writers may queue behind one another under load.
BUSY_TIMEOUT_SECONDS = 60.0


class SqliteLedgerStore(SqlLedgerStore):
    """A ledger in one SQLite file."""

    column_types = ColumnTypes(
        integer="INTEGER",
        blob="BLOB",
        time="TEXT",
        boolean="INTEGER",
        table_suffix=" WITHOUT ROWID",
    )

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        try:
            # isolation_level=None: no implicit transactions; `_writing` opens its own.
            self._connection = sqlite3.connect(
                path, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS
            )
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the ledger file {path}: {error}") from error
        self._or_close(self._configure)

    def _configure(self) -> None:
        with self._reading() as cursor:
            # Before WAL mode, which is persistent: never convert someone else's file.
            # (Reading the tables is also what fails on a file that is not SQLite at all.)
            tables = self._tables(cursor)
            if tables and "ledger_meta" not in tables:
                raise NotALedgerError(
                    f"{self.location} is not a treatyline ledger: it holds other tables "
                    f"({', '.join(sorted(tables))})"
                )
            cursor.execute("PRAGMA journal_mode = WAL")
            mode = cursor.fetchone()[0]
            if mode != "wal":
                raise StoreError(f"cannot put {self.location} in WAL mode (it stays in {mode!r})")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")

    @classmethod
    def _connect(cls, db: str, *, creating: bool) -> Self:
        path = Path(db).expanduser()
        if path.is_dir():
            raise StoreError(f"{path} is a folder, not a ledger file")
        if not path.parent.is_dir():
            raise StoreError(f"the folder {path.parent} of the ledger file {path} does not exist")
        if not creating and not path.exists():
            raise StoreError(f"there is no ledger at {path} (create one first)")
        if not creating and path.is_file() and path.stat().st_size == 0:
            # SQLite would take it for an empty database and write its header into it
            raise NotALedgerError(f"{path} is an empty file, not a treatyline ledger")
        return cls(path)

    def close(self) -> None:
        self._connection.close()

    @contextmanager
    def _reading(self) -> Iterator[Cursor]:
        try:
            yield self._connection.cursor()
        except sqlite3.DatabaseError as error:
            raise self._store_error(error) from error

    @contextmanager
    def _writing(self) -> Iterator[Cursor]:
        cursor = self._connection.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                if self._connection.in_transaction:  # SQLite may have rolled back itself
                    cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            raise self._store_error(error) from error

    def _store_error(self, error: sqlite3.DatabaseError) -> StoreError:
        if "not a database" in str(error):
            return NotALedgerError(f"{self.location} is not a treatyline ledger: {error}")
        return StoreError(f"the ledger file {self.location}: {error}")

    def _sql(self, query: str) -> str:
        return query

    def _tables(self, cursor: Cursor) -> set[str]:
        # Any table at all: a ledger is never created inside someone else's SQLite file.
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in cursor.fetchall()}

    def _time_to_db(self, moment: datetime) -> object:
        return moment.astimezone(UTC).isoformat()

    def _time_from_db(self, value: Any) -> datetime:
        return datetime.fromisoformat(value).astimezone(UTC)
