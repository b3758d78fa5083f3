"""The depositary's storage: what a ledger backend keeps, and how to open one.

A ledger store keeps, append-only:

- the log's entries (each the exact leaf data of the Merkle tree, with when it was
  received, its kind, the party, whether it was accepted and the depositary's
  notification);
- the hashes of the Merkle tree's complete subtrees ("nodes"), so that an inclusion
  or consistency proof is O(log n) indexed reads: the store is itself a `NodeReader`;
- signed checkpoints and witnesses' cosignatures of them.

Appends go through one writer at a time: `append(build)` takes the store's writer
lock, reads the size, lets `build(size, reader)` compute the new entries and the
nodes they complete, writes them in one transaction, commits durably and only then
returns, so an acknowledged append is on disk.

`open_store(db)` opens an existing ledger and `init_store(db)` creates one; `db` is a
SQLite file path or a ``postgresql://`` URL. The backends live in `sqlite_store`
and `postgres_store`; their shared SQL is in `sql_store`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from ..errors import TreatylineError

__all__ = [
    "HASH_SIZE",
    "SCHEMA_VERSION",
    "AppendBatch",
    "AppendRefusedError",
    "LedgerExistsError",
    "LedgerReader",
    "LedgerStore",
    "NewEntry",
    "Node",
    "NodeReader",
    "NotALedgerError",
    "NotInLedgerError",
    "SchemaVersionError",
    "StoreError",
    "StoredCheckpoint",
    "StoredCosignature",
    "StoredEntry",
    "check_batch",
    "init_store",
    "is_postgres_url",
    "new_nodes",
    "open_store",
]

# Bumped when the tables change; a store refuses to open a ledger of another version
# rather than misread it.
SCHEMA_VERSION = 1
# SHA-256, the hash of RFC 6962/9162 and of C2SP checkpoints.
HASH_SIZE = 32


class StoreError(TreatylineError):
    """A ledger that cannot be opened, created, read or appended to as asked."""


class NotALedgerError(StoreError):
    """The file or database exists but does not hold a treatyline ledger."""


class SchemaVersionError(StoreError):
    """The ledger was written with another version of the storage schema."""


class LedgerExistsError(StoreError):
    """`init_store` on a ledger that is already there (pass ``reuse=True`` to keep it)."""


class NotInLedgerError(StoreError, LookupError):
    """An entry, node or checkpoint asked for that the ledger does not have (yet)."""


class AppendRefusedError(StoreError):
    """An append batch that does not continue the log exactly (a gap, an overlap, or
    nodes other than the complete subtrees its entries create)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NewEntry:
    """One log entry before it has an index.

    `payload` is the exact leaf data hashed into the Merkle tree (an instrument's
    canonical JSON bytes, a key event, a rejection); `notification` is JSON text.
    `received` must be timezone-aware; it is kept in UTC.
    """

    payload: bytes
    received: datetime
    kind: str
    party: str | None = None
    accepted: bool = True
    notification: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.payload, bytes):
            raise TypeError(f"a ledger entry's payload must be bytes, not {type(self.payload)}")
        if self.received.tzinfo is None or self.received.utcoffset() is None:
            raise ValueError(
                f"a ledger entry's received time must be timezone-aware: {self.received}"
            )
        object.__setattr__(self, "received", self.received.astimezone(UTC))
        if not self.kind:
            raise ValueError("a ledger entry needs a kind")

    def at(self, index: int) -> StoredEntry:
        """This entry as the log's entry number `index`."""
        return StoredEntry(
            index=index,
            payload=self.payload,
            received=self.received,
            kind=self.kind,
            party=self.party,
            accepted=self.accepted,
            notification=self.notification,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredEntry(NewEntry):
    """A log entry with its index (0-based, contiguous)."""

    index: int


@dataclass(frozen=True, slots=True)
class Node:
    """The hash of the complete subtree at `level` number `index`: over the leaves
    ``[index * 2**level, (index + 1) * 2**level)`` (level 0: the leaf hashes)."""

    level: int
    index: int
    hash: bytes


@dataclass(frozen=True, slots=True)
class AppendBatch:
    """What one append writes: entries continuing the log, in order, and exactly the
    nodes of the complete subtrees that they complete (see `new_nodes`)."""

    entries: Sequence[StoredEntry]
    nodes: Sequence[Node]


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    """A signed checkpoint (a C2SP tlog-checkpoint note) of the log at `size`."""

    size: int
    root: bytes
    note: str


@dataclass(frozen=True, slots=True)
class StoredCosignature:
    """A witness's cosignature line on the checkpoint of the log at `checkpoint_size`."""

    checkpoint_size: int
    witness: str
    line: str
    received: datetime


class NodeReader(Protocol):
    """Reads complete-subtree hashes (the Merkle module's view of a store)."""

    def node(self, level: int, index: int) -> bytes:
        """The 32-byte hash of the complete subtree at `level` number `index`."""
        ...


class LedgerReader(NodeReader, Protocol):
    """What `append`'s build function may read: the log as of the writer lock."""

    def entry(self, index: int) -> StoredEntry: ...


class LedgerStore(LedgerReader, Protocol):
    """A ledger's storage; `SqliteLedgerStore` and `PostgresLedgerStore` implement it."""

    @property
    def location(self) -> str:
        """The SQLite path or the PostgreSQL URL (without its password)."""
        ...

    def size(self) -> int: ...

    def nodes(self, positions: Sequence[tuple[int, int]]) -> list[bytes]:
        """Several nodes in one read (a proof's path), in the order asked."""
        ...

    def node_range(self, level: int, start: int, stop: int) -> list[Node]:
        """The stored nodes of `level` with index in ``[start, stop)``, in one read, by
        index (a node the store lacks is simply not there)."""
        ...

    def completed_nodes(self, start: int, stop: int) -> list[Node]:
        """The stored nodes of the subtrees that entries ``[start, stop)`` complete (the
        positions of `new_nodes(start, stop)`), in one read, by level then index; a node
        the store lacks is simply not there."""
        ...

    def entries(self, start: int, stop: int) -> list[StoredEntry]:
        """The entries with index in ``[start, stop)`` (clipped to the log's size)."""
        ...

    def iter_entries(self, start: int = 0) -> Iterator[StoredEntry]:
        """Every entry from `start` on, in order, read a page at a time."""
        ...

    def iter_leaves(self, start: int = 0) -> Iterator[tuple[int, bytes]]:
        """Every entry's index and leaf bytes (its payload) from `start` on, in order, read
        a page at a time: what reading the log's state needs, and nothing else."""
        ...

    def append(self, build: Callable[[int, LedgerReader], AppendBatch]) -> AppendBatch: ...

    def add_checkpoint(self, size: int, root: bytes, note_text: str) -> None: ...

    def latest_checkpoint(self) -> StoredCheckpoint | None: ...

    def checkpoint(self, size: int) -> StoredCheckpoint | None: ...

    def checkpoint_range(self, start: int = 0, stop: int | None = None) -> list[StoredCheckpoint]:
        """The checkpoints of size in ``[start, stop)`` (no upper bound: None), by size,
        in one read."""
        ...

    def add_cosignature(
        self, checkpoint_size: int, witness: str, line_text: str, received: datetime
    ) -> None: ...

    def cosignatures(self, checkpoint_size: int) -> list[StoredCosignature]: ...

    def cosignature_range(self, start: int = 0, stop: int | None = None
                          ) -> list[StoredCosignature]:
        """The cosignatures of the checkpoints of size in ``[start, stop)`` (no upper bound:
        None), by checkpoint size then witness, in one read."""
        ...

    def close(self) -> None: ...


def new_nodes(old_size: int, new_size: int) -> Iterator[tuple[int, int]]:
    """The (level, index) of every subtree complete at `new_size` but not at `old_size`.

    Subtree (level, index) is complete at size n when ``(index + 1) * 2**level <= n``,
    i.e. ``index < n >> level``.
    """
    level = 0
    while (1 << level) <= new_size:
        yield from ((level, index) for index in range(old_size >> level, new_size >> level))
        level += 1


def check_batch(size: int, batch: AppendBatch) -> None:
    """Refuse a batch that does not continue a log of `size` entries exactly."""
    for offset, entry in enumerate(batch.entries):
        if entry.index != size + offset:
            what = "a gap" if entry.index > size + offset else "an overlap"
            raise AppendRefusedError(
                f"append refused: entry {offset} of the batch has index {entry.index}, "
                f"but the log has {size + offset} entries before it ({what})"
            )
    new_size = size + len(batch.entries)
    expected = set(new_nodes(size, new_size))
    given = {(node.level, node.index) for node in batch.nodes}
    if len(given) != len(batch.nodes) or given != expected:
        missing = sorted(expected - given)[:3]
        extra = sorted(given - expected)[:3]
        raise AppendRefusedError(
            f"append refused: growing the log from {size} to {new_size} entries completes "
            f"{len(expected)} subtrees, the batch has {len(batch.nodes)} nodes "
            f"(missing e.g. {missing}, unexpected e.g. {extra}, or repeated)"
        )
    for node in batch.nodes:
        if len(node.hash) != HASH_SIZE:
            raise AppendRefusedError(
                f"append refused: node ({node.level}, {node.index}) has a "
                f"{len(node.hash)}-byte hash, not {HASH_SIZE}"
            )


def is_postgres_url(db: str) -> bool:
    """Whether `db` names a PostgreSQL database rather than a SQLite file."""
    return db.startswith(("postgresql://", "postgres://"))


def open_store(db: str) -> LedgerStore:
    """Open the existing ledger at `db`: a ``postgresql://`` (or ``postgres://``) URL,
    or else the path of a SQLite file."""
    return _backend(db).open_existing(db)


def init_store(db: str, *, reuse: bool = False) -> LedgerStore:
    """Create a ledger at `db`; one already there is an error unless `reuse`."""
    return _backend(db).create(db, reuse=reuse)


class _Backend(Protocol):
    """A store class's constructors (class methods)."""

    def open_existing(self, db: str) -> LedgerStore: ...

    def create(self, db: str, *, reuse: bool) -> LedgerStore: ...


def _backend(db: str) -> _Backend:
    if not isinstance(db, str) or not db.strip():
        raise StoreError(
            f"a ledger location must be a file path or a postgresql:// URL, not {db!r}"
        )
    # Imported here so that SQLite users never load psycopg, and neither loads the other.
    if is_postgres_url(db):
        try:
            from .postgres_store import PostgresLedgerStore
        except ImportError as error:
            raise StoreError(
                f"a PostgreSQL ledger ({db.split(':', 1)[0]}://...) needs the psycopg driver: "
                f"pip install 'treatyline[postgres]' ({error})"
            ) from error

        return PostgresLedgerStore
    from .sqlite_store import SqliteLedgerStore

    return SqliteLedgerStore
