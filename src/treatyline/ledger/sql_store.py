"""The SQL that the SQLite and PostgreSQL ledger stores share.

A backend supplies a connection's read and write scopes (the write scope is one
transaction under the single-writer lock, committed durably on a clean exit), its
column types and its placeholder; everything else (the tables, the schema check, the
append protocol, checkpoints, cosignatures) is written once here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from .store import (
    SCHEMA_VERSION,
    AppendBatch,
    LedgerExistsError,
    LedgerReader,
    Node,
    NotALedgerError,
    NotInLedgerError,
    SchemaVersionError,
    StoredCheckpoint,
    StoredCosignature,
    StoredEntry,
    StoreError,
    check_batch,
)

__all__ = ["FORMAT_NAME", "ColumnTypes", "Cursor", "SqlLedgerStore"]

# Written into ledger_meta: what tells a treatyline ledger from any other database.
FORMAT_NAME = "treatyline-ledger"
# Rows read per query when streaming the whole log (bounded memory).
_PAGE_SIZE = 1000
# An upper bound of sizes above every log's (a BIGINT), for ranges open at the top.
_NO_END = 2**63 - 1

_ENTRY_COLUMNS = "idx, payload, received, kind, party, accepted, notification"


class Cursor(Protocol):
    """The part of a DB-API cursor the stores use (sqlite3 and psycopg both fit)."""

    def execute(self, query: str, params: Any = ..., /) -> Any: ...

    def executemany(self, query: str, params: Any, /) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


@dataclass(frozen=True, slots=True)
class ColumnTypes:
    """How a backend spells the schema's column types."""

    integer: str
    blob: str
    time: str
    boolean: str
    table_suffix: str = ""


def _schema(types: ColumnTypes) -> list[str]:
    int_, blob, time, boolean = types.integer, types.blob, types.time, types.boolean
    return [
        "CREATE TABLE ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        f"""CREATE TABLE ledger_entries (
            idx {int_} PRIMARY KEY, payload {blob} NOT NULL, received {time} NOT NULL,
            kind TEXT NOT NULL, party TEXT, accepted {boolean} NOT NULL, notification TEXT)""",
        f"""CREATE TABLE ledger_nodes (
            level INTEGER NOT NULL, idx {int_} NOT NULL, hash {blob} NOT NULL,
            PRIMARY KEY (level, idx)){types.table_suffix}""",
        f"""CREATE TABLE ledger_checkpoints (
            size {int_} PRIMARY KEY, root {blob} NOT NULL, note TEXT NOT NULL)""",
        f"""CREATE TABLE ledger_cosignatures (
            checkpoint_size {int_} NOT NULL REFERENCES ledger_checkpoints (size),
            witness TEXT NOT NULL, line TEXT NOT NULL, received {time} NOT NULL,
            PRIMARY KEY (checkpoint_size, witness))""",
    ]


class SqlLedgerStore(ABC):
    """A `LedgerStore` over a SQL connection; subclasses are the backends."""

    column_types: ColumnTypes

    def __init__(self, location: str) -> None:
        self._location = location

    # -- what a backend supplies -------------------------------------------------

    @abstractmethod
    def _reading(self) -> AbstractContextManager[Cursor]:
        """A cursor for reads outside any write transaction."""

    @abstractmethod
    def _writing(self) -> AbstractContextManager[Cursor]:
        """One transaction under the single-writer lock, committed durably on exit."""

    @abstractmethod
    def _sql(self, query: str) -> str:
        """`query` (written with ``?`` placeholders) in the backend's paramstyle."""

    @abstractmethod
    def _tables(self, cursor: Cursor) -> set[str]:
        """The tables that would stop a ledger being created here (see `_create`)."""

    @abstractmethod
    def _time_to_db(self, moment: datetime) -> object: ...

    @abstractmethod
    def _time_from_db(self, value: Any) -> datetime: ...

    @abstractmethod
    def close(self) -> None: ...

    # -- opening and creating ----------------------------------------------------

    @property
    def location(self) -> str:
        return self._location

    def _check_schema(self, cursor: Cursor) -> None:
        if "ledger_meta" not in self._tables(cursor):
            raise NotALedgerError(f"{self._location} is not a treatyline ledger (no ledger_meta)")
        cursor.execute("SELECT key, value FROM ledger_meta")
        meta = dict(cursor.fetchall())
        if meta.get("format") != FORMAT_NAME:
            raise NotALedgerError(f"{self._location} is not a treatyline ledger")
        version = meta.get("schema_version")
        if version != str(SCHEMA_VERSION):
            raise SchemaVersionError(
                f"the ledger at {self._location} has storage schema version {version}; "
                f"this treatyline reads version {SCHEMA_VERSION}"
            )

    def _open(self) -> None:
        with self._reading() as cursor:
            self._check_schema(cursor)

    def _create(self, *, reuse: bool) -> None:
        with self._writing() as cursor:
            tables = self._tables(cursor)
            if "ledger_meta" in tables:
                self._check_schema(cursor)
                if not reuse:
                    raise LedgerExistsError(
                        f"a ledger already exists at {self._location} (reuse it, or choose "
                        "another place)"
                    )
                return
            if tables:
                raise NotALedgerError(
                    f"{self._location} already holds other tables ({', '.join(sorted(tables))}): "
                    "not creating a ledger there"
                )
            for statement in _schema(self.column_types):
                cursor.execute(statement)
            cursor.executemany(
                self._sql("INSERT INTO ledger_meta (key, value) VALUES (?, ?)"),
                [("format", FORMAT_NAME), ("schema_version", str(SCHEMA_VERSION))],
            )

    @classmethod
    @abstractmethod
    def _connect(cls, db: str, *, creating: bool) -> Self:
        """A connected store for `db`, its schema not yet checked."""

    @classmethod
    def open_existing(cls, db: str) -> Self:
        """Open the ledger at `db`, checking that it is one of this schema version."""
        store = cls._connect(db, creating=False)
        store._or_close(store._open)
        return store

    @classmethod
    def create(cls, db: str, *, reuse: bool = False) -> Self:
        """Create the ledger at `db` (or, with `reuse`, open the one already there)."""
        store = cls._connect(db, creating=True)
        store._or_close(lambda: store._create(reuse=reuse))
        return store

    def _or_close(self, step: Callable[[], None]) -> None:
        """Run a step of opening; if it fails, close, so that no connection leaks."""
        try:
            step()
        except BaseException as error:
            try:
                self.close()
            except Exception as close_error:  # the first error is the one worth telling
                error.add_note(f"(closing the store also failed: {close_error})")
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- reads -------------------------------------------------------------------

    def size(self) -> int:
        with self._reading() as cursor:
            return self._size(cursor)

    def node(self, level: int, index: int) -> bytes:
        with self._reading() as cursor:
            return self._node(cursor, level, index)

    def nodes(self, positions: Sequence[tuple[int, int]]) -> list[bytes]:
        with self._reading() as cursor:
            return [self._node(cursor, level, index) for level, index in positions]

    def entry(self, index: int) -> StoredEntry:
        with self._reading() as cursor:
            return self._entry(cursor, index)

    def entries(self, start: int, stop: int) -> list[StoredEntry]:
        with self._reading() as cursor:
            cursor.execute(
                self._sql(
                    f"SELECT {_ENTRY_COLUMNS} FROM ledger_entries "
                    "WHERE idx >= ? AND idx < ? ORDER BY idx"
                ),
                (start, stop),
            )
            return [self._entry_from_row(row) for row in cursor.fetchall()]

    def iter_entries(self, start: int = 0) -> Iterator[StoredEntry]:
        while True:
            page = self.entries(start, start + _PAGE_SIZE)
            yield from page
            if len(page) < _PAGE_SIZE:
                return
            start += _PAGE_SIZE

    def node_range(self, level: int, start: int, stop: int) -> list[Node]:
        rows = self._select(
            "SELECT level, idx, hash FROM ledger_nodes "
            "WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx",
            level, start, stop,
        )
        return [Node(int(row[0]), int(row[1]), bytes(row[2])) for row in rows]

    def completed_nodes(self, start: int, stop: int) -> list[Node]:
        # One query for every level: a range of the primary key per level, so each part
        # is an index range scan (an expression over `level` would scan the table).
        ranges = list(_level_ranges(start, stop))
        if not ranges:
            return []
        part = "SELECT level, idx, hash FROM ledger_nodes WHERE level = ? AND idx >= ? AND idx < ?"
        rows = self._select(" UNION ALL ".join([part] * len(ranges)),
                            *(value for bounds in ranges for value in bounds))
        return sorted((Node(int(row[0]), int(row[1]), bytes(row[2])) for row in rows),
                      key=lambda node: (node.level, node.index))

    def iter_leaves(self, start: int = 0) -> Iterator[tuple[int, bytes]]:
        # only the two columns a reader of the log needs: making a StoredEntry of every
        # row (its time of receipt parsed, its notification fetched) took as long as
        # parsing the leaves themselves
        while True:
            with self._reading() as cursor:
                cursor.execute(
                    self._sql(
                        "SELECT idx, payload FROM ledger_entries "
                        "WHERE idx >= ? AND idx < ? ORDER BY idx"
                    ),
                    (start, start + _PAGE_SIZE),
                )
                page = cursor.fetchall()
            for index, payload in page:
                yield int(index), bytes(payload)
            if len(page) < _PAGE_SIZE:
                return
            start += _PAGE_SIZE

    def _size(self, cursor: Cursor) -> int:
        cursor.execute("SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_entries")
        return int(cursor.fetchone()[0])

    def _node(self, cursor: Cursor, level: int, index: int) -> bytes:
        cursor.execute(
            self._sql("SELECT hash FROM ledger_nodes WHERE level = ? AND idx = ?"), (level, index)
        )
        row = cursor.fetchone()
        if row is None:
            raise NotInLedgerError(
                f"the ledger at {self._location} has no node at level {level}, index {index} "
                f"(the log has {self._size(cursor)} entries)"
            )
        return bytes(row[0])

    def _entry(self, cursor: Cursor, index: int) -> StoredEntry:
        cursor.execute(
            self._sql(f"SELECT {_ENTRY_COLUMNS} FROM ledger_entries WHERE idx = ?"), (index,)
        )
        row = cursor.fetchone()
        if row is None:
            raise NotInLedgerError(
                f"the ledger at {self._location} has no entry {index} "
                f"(the log has {self._size(cursor)} entries)"
            )
        return self._entry_from_row(row)

    def _entry_from_row(self, row: Sequence[Any]) -> StoredEntry:
        index, payload, received, kind, party, accepted, notification = row
        return StoredEntry(
            index=int(index),
            payload=bytes(payload),
            received=self._time_from_db(received),
            kind=kind,
            party=party,
            accepted=bool(accepted),
            notification=notification,
        )

    # -- the single writer -------------------------------------------------------

    def append(self, build: Callable[[int, LedgerReader], AppendBatch]) -> AppendBatch:
        with self._writing() as cursor:
            size = self._size(cursor)
            batch = build(size, _TransactionReader(self, cursor))
            check_batch(size, batch)
            cursor.executemany(
                self._sql(
                    f"INSERT INTO ledger_entries ({_ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
                ),
                [
                    (
                        e.index,
                        e.payload,
                        self._time_to_db(e.received),
                        e.kind,
                        e.party,
                        e.accepted,
                        e.notification,
                    )
                    for e in batch.entries
                ],
            )
            cursor.executemany(
                self._sql("INSERT INTO ledger_nodes (level, idx, hash) VALUES (?, ?, ?)"),
                [(node.level, node.index, node.hash) for node in batch.nodes],
            )
        return batch

    # -- checkpoints and cosignatures --------------------------------------------

    def add_checkpoint(self, size: int, root: bytes, note_text: str) -> None:
        with self._writing() as cursor:
            log_size = self._size(cursor)
            if not 0 <= size <= log_size:
                raise StoreError(
                    f"a checkpoint of size {size} for a log of {log_size} entries "
                    f"(at {self._location})"
                )
            existing = self._checkpoint(cursor, size)
            if existing is not None:
                if existing == StoredCheckpoint(size, root, note_text):
                    return
                raise StoreError(f"the ledger already has a different checkpoint of size {size}")
            cursor.execute(
                self._sql("INSERT INTO ledger_checkpoints (size, root, note) VALUES (?, ?, ?)"),
                (size, root, note_text),
            )

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        with self._reading() as cursor:
            cursor.execute("SELECT MAX(size) FROM ledger_checkpoints")
            latest = cursor.fetchone()[0]
            return None if latest is None else self._checkpoint(cursor, int(latest))

    def checkpoint(self, size: int) -> StoredCheckpoint | None:
        with self._reading() as cursor:
            return self._checkpoint(cursor, size)

    def checkpoint_range(self, start: int = 0, stop: int | None = None) -> list[StoredCheckpoint]:
        rows = self._select(
            "SELECT size, root, note FROM ledger_checkpoints "
            "WHERE size >= ? AND size < ? ORDER BY size",
            start, _NO_END if stop is None else stop,
        )
        return [StoredCheckpoint(int(size), bytes(root), note) for size, root, note in rows]

    def cosignature_range(self, start: int = 0, stop: int | None = None) -> list[StoredCosignature]:
        rows = self._select(
            "SELECT checkpoint_size, witness, line, received FROM ledger_cosignatures "
            "WHERE checkpoint_size >= ? AND checkpoint_size < ? ORDER BY checkpoint_size, witness",
            start, _NO_END if stop is None else stop,
        )
        return [
            StoredCosignature(int(size), witness, line, self._time_from_db(received))
            for size, witness, line, received in rows
        ]

    def _select(self, query: str, *params: object) -> list[Any]:
        """The rows of one read (`query` with ``?`` placeholders)."""
        with self._reading() as cursor:
            cursor.execute(self._sql(query), params)
            return cursor.fetchall()

    def _checkpoint(self, cursor: Cursor, size: int) -> StoredCheckpoint | None:
        cursor.execute(
            self._sql("SELECT root, note FROM ledger_checkpoints WHERE size = ?"), (size,)
        )
        row = cursor.fetchone()
        return None if row is None else StoredCheckpoint(size, bytes(row[0]), row[1])

    def add_cosignature(
        self, checkpoint_size: int, witness: str, line_text: str, received: datetime
    ) -> None:
        if received.tzinfo is None:
            raise ValueError(f"a cosignature's received time must be timezone-aware: {received}")
        with self._writing() as cursor:
            if self._checkpoint(cursor, checkpoint_size) is None:
                raise NotInLedgerError(
                    f"no checkpoint of size {checkpoint_size} to cosign in {self._location}"
                )
            cursor.execute(
                self._sql(
                    "SELECT line FROM ledger_cosignatures WHERE checkpoint_size = ? AND witness = ?"
                ),
                (checkpoint_size, witness),
            )
            row = cursor.fetchone()
            if row is not None:
                if row[0] == line_text:
                    return
                raise StoreError(
                    f"witness {witness!r} already cosigned the checkpoint of size "
                    f"{checkpoint_size} with another line"
                )
            cursor.execute(
                self._sql(
                    "INSERT INTO ledger_cosignatures (checkpoint_size, witness, line, received) "
                    "VALUES (?, ?, ?, ?)"
                ),
                (checkpoint_size, witness, line_text, self._time_to_db(received)),
            )

    def cosignatures(self, checkpoint_size: int) -> list[StoredCosignature]:
        with self._reading() as cursor:
            cursor.execute(
                self._sql(
                    "SELECT witness, line, received FROM ledger_cosignatures "
                    "WHERE checkpoint_size = ? ORDER BY witness"
                ),
                (checkpoint_size,),
            )
            return [
                StoredCosignature(checkpoint_size, witness, line, self._time_from_db(received))
                for witness, line, received in cursor.fetchall()
            ]


def _level_ranges(start: int, stop: int) -> Iterator[tuple[int, int, int]]:
    """(level, first index, stop index) of the nodes that entries [start, stop) complete:
    the non-empty ranges of `store.new_nodes`."""
    level = 0
    while (1 << level) <= stop:
        if start >> level < stop >> level:
            yield level, start >> level, stop >> level
        level += 1


class _TransactionReader:
    """The log as `append`'s build function sees it: inside the write transaction."""

    def __init__(self, store: SqlLedgerStore, cursor: Cursor) -> None:
        self._store = store
        self._cursor = cursor

    def node(self, level: int, index: int) -> bytes:
        return self._store._node(self._cursor, level, index)

    def entry(self, index: int) -> StoredEntry:
        return self._store._entry(self._cursor, index)
