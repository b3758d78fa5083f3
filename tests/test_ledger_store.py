"""The ledger stores: the same tests on a SQLite file and on a real PostgreSQL server."""

from __future__ import annotations

import importlib
import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ledger_hashing import builder, check_tree, leaf_hash
from ledger_writer import check_acknowledged, read_acks, start_writer
from treatyline.ledger.store import (
    AppendBatch,
    AppendRefusedError,
    LedgerExistsError,
    LedgerReader,
    LedgerStore,
    NewEntry,
    Node,
    NotALedgerError,
    NotInLedgerError,
    SchemaVersionError,
    StoreError,
    init_store,
    open_store,
)

T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def entries(count: int, tag: str = "e") -> list[NewEntry]:
    return [
        NewEntry(
            payload=f"{tag}{i}".encode(),
            received=T0 + timedelta(seconds=i),
            kind="instrument",
            party="UKR",
        )
        for i in range(count)
    ]


@pytest.fixture
def store(ledger_db: str) -> Iterator[LedgerStore]:
    created = init_store(ledger_db)
    yield created
    created.close()


def test_an_entry_reads_back_as_appended(store: LedgerStore) -> None:
    kyiv = timezone(timedelta(hours=2))
    new = [
        NewEntry(
            payload=b'{"act":"signature"}',
            received=datetime(2026, 3, 29, 14, 0, 0, 123456, tzinfo=kyiv),
            kind="instrument",
            party="UKR",
            notification='{"to":["GBR"]}',
        ),
        NewEntry(
            payload=b"\x00\xff binary", received=T0, kind="rejection", party=None, accepted=False
        ),
    ]
    batch = store.append(builder(new))
    assert [e.index for e in batch.entries] == [0, 1]
    assert store.size() == 2
    first, second = store.entries(0, 10)
    assert first == new[0].at(0)
    assert first.received == datetime(2026, 3, 29, 12, 0, 0, 123456, tzinfo=UTC)
    assert first.received.tzinfo == UTC
    assert second == new[1].at(1) and second.party is None and not second.accepted
    assert store.entry(1) == second
    assert list(store.iter_entries()) == [first, second]
    assert list(store.iter_entries(1)) == [second]


def test_nodes_are_the_complete_subtrees(store: LedgerStore) -> None:
    for size in (1, 4, 8, 2, 6):
        store.append(builder(entries(size, tag=f"b{size}-")))
    assert check_tree(store) == 21
    assert store.node(0, 20) == leaf_hash(b"b6-5")
    path = [(0, 20), (2, 4), (3, 1), (4, 0)]
    assert store.nodes(path) == [store.node(level, index) for level, index in path]
    with pytest.raises(NotInLedgerError, match="level 4, index 1"):
        store.node(4, 1)
    with pytest.raises(NotInLedgerError):
        store.nodes([(0, 0), (2, 5)])
    with pytest.raises(NotInLedgerError, match="no entry 21"):
        store.entry(21)


def test_a_big_batch_is_one_append_and_streams_back_in_pages(store: LedgerStore) -> None:
    store.append(builder(entries(2500)))
    assert store.size() == 2500
    streamed = store.iter_entries()
    assert next(streamed).index == 0
    assert [e.index for e in streamed] == list(range(1, 2500))
    assert [e.index for e in store.entries(2498, 9999)] == [2498, 2499]
    assert check_tree(store) == 2500


@pytest.mark.parametrize(("shift", "what"), [(1, "a gap"), (-1, "an overlap")])
def test_a_batch_that_does_not_continue_the_log_is_refused(
    store: LedgerStore, shift: int, what: str
) -> None:
    store.append(builder(entries(3)))

    def build(size: int, reader: LedgerReader) -> AppendBatch:
        batch = builder(entries(2, tag="x"))(size, reader)
        return AppendBatch([e.at(e.index + shift) for e in batch.entries], batch.nodes)

    with pytest.raises(AppendRefusedError, match=what):
        store.append(build)
    assert store.size() == 3
    assert check_tree(store) == 3


@pytest.mark.parametrize("fault", ["missing", "extra", "repeated", "short hash"])
def test_a_batch_with_the_wrong_nodes_is_refused_and_nothing_is_written(
    store: LedgerStore, fault: str
) -> None:
    store.append(builder(entries(3)))

    def build(size: int, reader: LedgerReader) -> AppendBatch:
        batch = builder(entries(1, tag="x"))(size, reader)
        nodes = list(batch.nodes)
        if fault == "missing":
            nodes.pop()
        elif fault == "extra":
            nodes.append(Node(0, 9, b"\x00" * 32))
        elif fault == "repeated":
            nodes.append(nodes[0])
        else:
            nodes[0] = Node(nodes[0].level, nodes[0].index, b"\x00" * 31)
        return AppendBatch(batch.entries, nodes)

    with pytest.raises(AppendRefusedError):
        store.append(build)
    assert store.size() == 3
    store.append(builder(entries(1, tag="x")))
    assert check_tree(store) == 4


def test_a_failing_build_leaves_the_log_as_it_was(store: LedgerStore) -> None:
    store.append(builder(entries(2)))

    def build(size: int, reader: LedgerReader) -> AppendBatch:
        assert reader.entry(size - 1).payload == b"e1"
        raise ValueError("the instrument's signature does not verify")

    with pytest.raises(ValueError, match="signature"):
        store.append(build)
    assert store.size() == 2
    assert store.append(builder(entries(1, tag="y"))).entries[0].index == 2


def test_checkpoints_and_cosignatures(store: LedgerStore) -> None:
    assert store.latest_checkpoint() is None
    store.append(builder(entries(5)))
    store.add_checkpoint(2, b"r" * 32, "note at 2\n")
    store.add_checkpoint(5, b"s" * 32, "note at 5\n")
    store.add_checkpoint(5, b"s" * 32, "note at 5\n")  # the same again: nothing to do
    latest = store.latest_checkpoint()
    assert latest is not None and (latest.size, latest.root, latest.note) == (
        5,
        b"s" * 32,
        "note at 5\n",
    )
    assert store.checkpoint(2) is not None and store.checkpoint(3) is None
    with pytest.raises(StoreError, match="different checkpoint of size 5"):
        store.add_checkpoint(5, b"t" * 32, "another note\n")
    with pytest.raises(StoreError, match="size 6 for a log of 5"):
        store.add_checkpoint(6, b"r" * 32, "too far\n")

    store.add_cosignature(5, "witness.b", "— witness.b sig", T0)
    store.add_cosignature(5, "witness.a", "— witness.a sig", T0 + timedelta(minutes=1))
    store.add_cosignature(5, "witness.a", "— witness.a sig", T0)  # the same line again
    cosigned = store.cosignatures(5)
    assert [(c.witness, c.line) for c in cosigned] == [
        ("witness.a", "— witness.a sig"),
        ("witness.b", "— witness.b sig"),
    ]
    assert cosigned[0].received == T0 + timedelta(minutes=1) and cosigned[0].checkpoint_size == 5
    assert store.cosignatures(2) == []
    with pytest.raises(StoreError, match=r"witness 'witness\.a' already cosigned"):
        store.add_cosignature(5, "witness.a", "— witness.a other", T0)
    with pytest.raises(NotInLedgerError, match="no checkpoint of size 4"):
        store.add_cosignature(4, "witness.a", "line", T0)


def test_a_reopened_ledger_has_everything_and_appends_on(ledger_db: str) -> None:
    with init_store(ledger_db) as first:
        first.append(builder(entries(3)))
        first.add_checkpoint(3, b"r" * 32, "note\n")
    with open_store(ledger_db) as again:
        assert again.size() == 3 and again.checkpoint(3) is not None
        again.append(builder(entries(2, tag="later")))
        assert check_tree(again) == 5


def test_creating_a_ledger_twice_is_refused_unless_reused(ledger_db: str) -> None:
    with init_store(ledger_db) as first:
        first.append(builder(entries(1)))
    with pytest.raises(LedgerExistsError, match="already exists"):
        init_store(ledger_db)
    with init_store(ledger_db, reuse=True) as reused:
        assert reused.size() == 1


def test_a_schema_of_another_version_is_refused(ledger_db: str) -> None:
    init_store(ledger_db).close()
    _raw_execute(ledger_db, "UPDATE ledger_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(SchemaVersionError, match="schema version 99; this treatyline reads"):
        open_store(ledger_db)
    with pytest.raises(SchemaVersionError):
        init_store(ledger_db, reuse=True)


def test_a_database_that_is_not_a_ledger_is_refused(ledger_db: str) -> None:
    with pytest.raises(StoreError, match=r"no ledger|not a treatyline ledger"):
        open_store(ledger_db)
    _raw_execute(ledger_db, "CREATE TABLE ledger_meta (key TEXT, value TEXT)")
    with pytest.raises(NotALedgerError):
        open_store(ledger_db)
    with pytest.raises(NotALedgerError):
        init_store(ledger_db, reuse=True)


def _raw_execute(db: str, statement: str) -> None:
    """Change a ledger behind the store's back, with the database's own driver."""
    if db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db, autocommit=True) as connection:
            connection.execute(statement.encode())
    else:
        with sqlite3.connect(db) as connection:
            connection.execute(statement)
        connection.close()


def test_bad_sqlite_locations(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"folder .*nowhere of the ledger file .* does not exist"):
        init_store(str(tmp_path / "nowhere" / "ledger.db"))
    with pytest.raises(StoreError, match="there is no ledger at"):
        open_store(str(tmp_path / "ledger.db"))
    with pytest.raises(StoreError, match="is a folder"):
        open_store(str(tmp_path))
    with pytest.raises(StoreError, match="file path or a postgresql:// URL"):
        open_store("  ")
    text = tmp_path / "notes.txt"
    text.write_text("not a database, but long enough to look like a file header\n" * 20)
    with pytest.raises(NotALedgerError, match="not a treatyline ledger"):
        open_store(str(text))
    with pytest.raises(NotALedgerError):
        init_store(str(text))
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE people (name TEXT)")
    connection.close()
    with pytest.raises(NotALedgerError, match=r"other tables .*people"):
        init_store(str(other))
    with pytest.raises(NotALedgerError):
        open_store(str(other))
    with sqlite3.connect(other) as connection:  # left as it was, not switched to WAL
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    connection.close()


def test_an_unreachable_postgres_server_is_a_clear_error(tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    url = f"postgres://treaty:secret@/ledger?host={tmp_path}&port=1"
    with pytest.raises(StoreError, match="cannot connect to the PostgreSQL ledger") as raised:
        open_store(url)
    assert "secret" not in str(raised.value) and "treaty:***@" in str(raised.value)


def test_a_postgres_url_without_psycopg_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # makes `import psycopg` fail
    monkeypatch.delitem(sys.modules, "treatyline.ledger.postgres_store", raising=False)
    with pytest.raises(StoreError, match=r"pip install 'treatyline\[postgres\]'"):
        open_store("postgresql://localhost/ledger")


def test_an_entry_needs_an_aware_time_and_bytes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        NewEntry(payload=b"x", received=datetime(2026, 1, 1), kind="instrument")
    with pytest.raises(TypeError, match="bytes"):
        NewEntry(payload="x", received=T0, kind="instrument")  # type: ignore[arg-type]


def test_writers_in_several_processes_take_turns(ledger_db: str, tmp_path: Path) -> None:
    init_store(ledger_db).close()
    acks = [tmp_path / f"acks-{n}.txt" for n in range(4)]
    writers = [
        start_writer(ledger_db, path, f"w{n}", entries=40, max_batch=4, seed=n)
        for n, path in enumerate(acks)
    ]
    for writer in writers:
        assert writer.wait(timeout=300) == 0
    acknowledged = read_acks(acks)
    assert len(acknowledged) == 160
    with open_store(ledger_db) as store:
        assert check_tree(store) == 160
        check_acknowledged(store, acknowledged)


@pytest.mark.parametrize(
    "module",
    [
        "treatyline.ledger.store",
        "treatyline.ledger.sql_store",
        "treatyline.ledger.sqlite_store",
        "treatyline.ledger.postgres_store",
    ],
)
def test_public_names_exist(module: str) -> None:
    imported = importlib.import_module(module)
    assert len(imported.__all__) == len(set(imported.__all__))
    assert all(hasattr(imported, name) for name in imported.__all__)


def test_a_sqlite_ledger_is_kept_in_wal_mode(tmp_path: Path) -> None:
    init_store(str(tmp_path / "ledger.db")).close()
    with sqlite3.connect(tmp_path / "ledger.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    connection.close()
