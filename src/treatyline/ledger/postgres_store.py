"""The shared ledger store: a PostgreSQL database (psycopg 3).

The same tables as the SQLite store (bytea, timestamptz). The single writer across
processes and connections is a transaction-scoped advisory lock taken first thing
in every write transaction: appends from many workers queue on it, so each reads
the size that the previous one committed. ``synchronous_commit`` is on, so a commit
has reached the server's disk when it returns.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

import psycopg

from .sql_store import ColumnTypes, Cursor, SqlLedgerStore
from .store import NotInLedgerError, StoreError

__all__ = ["CONNECT_TIMEOUT_SECONDS", "WRITER_LOCK_KEY", "PostgresLedgerStore"]

# The advisory lock that makes one writer per database: any constant works, as long
# as every treatyline process uses the same one ("trtyline" in ASCII).
WRITER_LOCK_KEY = 0x7472747966696E65
CONNECT_TIMEOUT_SECONDS = 10


class PostgresLedgerStore(SqlLedgerStore):
    """A ledger in a PostgreSQL database (tables ``ledger_*`` in its current schema)."""

    column_types = ColumnTypes(
        integer="BIGINT", blob="BYTEA", time="TIMESTAMPTZ", boolean="BOOLEAN"
    )

    def __init__(self, url: str) -> None:
        super().__init__(_without_password(url))
        try:
            # autocommit: reads never leave a transaction open; writes open their own.
            self._connection = psycopg.connect(
                url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
            )
        except psycopg.Error as error:
            raise StoreError(
                f"cannot connect to the PostgreSQL ledger at {self.location}: {_first_line(error)}"
            ) from error
        self._or_close(self._configure)

    def _configure(self) -> None:
        with self._reading() as cursor:
            cursor.execute("SET synchronous_commit TO on")

    @classmethod
    def _connect(cls, db: str, *, creating: bool) -> Self:
        try:
            urlsplit(db).port  # noqa: B018 -- the port is read to check it
        except ValueError as error:  # not named back: it may hold a password
            raise StoreError(f"the PostgreSQL ledger's URL is malformed ({error})") from None
        return cls(db)

    def close(self) -> None:
        self._connection.close()

    @contextmanager
    def _reading(self) -> Iterator[Cursor]:
        try:
            with self._connection.cursor() as cursor:
                yield cursor
        except psycopg.Error as error:
            raise self._store_error(error) from error

    @contextmanager
    def _writing(self) -> Iterator[Cursor]:
        try:
            with self._connection.transaction(), self._connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK_KEY,))
                yield cursor
        except psycopg.Error as error:
            raise self._store_error(error) from error

    def _store_error(self, error: psycopg.Error) -> StoreError:
        return StoreError(f"the PostgreSQL ledger at {self.location}: {_first_line(error)}")

    def nodes(self, positions: Sequence[tuple[int, int]]) -> list[bytes]:
        # One round trip for a whole proof path, in the order asked.
        levels = [level for level, _ in positions]
        indices = [index for _, index in positions]
        with self._reading() as cursor:
            cursor.execute(
                "SELECT n.hash FROM unnest(%s::integer[], %s::bigint[]) WITH ORDINALITY "
                "AS q (level, idx, ord) LEFT JOIN ledger_nodes n "
                "ON n.level = q.level AND n.idx = q.idx ORDER BY q.ord",
                (levels, indices),
            )
            hashes = [row[0] for row in cursor.fetchall()]
            for (level, index), found in zip(positions, hashes, strict=True):
                if found is None:
                    self._node(cursor, level, index)  # raises, with the log's size
                    raise NotInLedgerError(f"no node at level {level}, index {index}")
            return [bytes(found) for found in hashes]

    def _sql(self, query: str) -> str:
        return query.replace("?", "%s")

    def _tables(self, cursor: Cursor) -> set[str]:
        # Only ours: a shared database may hold other applications' tables.
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_name LIKE 'ledger\\_%'"
        )
        return {name for (name,) in cursor.fetchall()}

    def _time_to_db(self, moment: datetime) -> object:
        return moment

    def _time_from_db(self, value: Any) -> datetime:
        if not isinstance(value, datetime):
            raise StoreError(
                f"the ledger at {self.location} holds a time that is not one: {value!r}"
            )
        return value.astimezone(UTC)


def _without_password(url: str) -> str:
    """`url` fit for messages: the password, if any, replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
