"""The stores' ranged reads, on SQLite and PostgreSQL: checkpoints and cosignatures of a
size range, a level's nodes in an index range, the nodes an entry range completes; each
as the one-at-a-time reads give them, a missing row simply absent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from ledger_hashing import builder
from ledger_sample import execute_sql
from test_ledger_store import T0, entries
from treatyline.ledger.store import LedgerStore, Node, init_store, new_nodes


@pytest.fixture
def store(ledger_db: str) -> Iterator[LedgerStore]:
    created = init_store(ledger_db)
    for size in (5, 1, 16, 7):  # 29 entries, in appends of several sizes
        created.append(builder(entries(size, tag=f"b{size}-")))
    yield created
    created.close()


def _nodes(store: LedgerStore, positions: Iterator[tuple[int, int]]) -> list[Node]:
    return [Node(level, index, store.node(level, index)) for level, index in positions]


@pytest.mark.parametrize(("start", "stop"), [(0, 29), (0, 1), (5, 6), (3, 22), (16, 29),
                                             (29, 29), (8, 16)])
def test_the_nodes_an_entry_range_completes(store: LedgerStore, start: int, stop: int) -> None:
    expected = sorted(_nodes(store, new_nodes(start, stop)), key=lambda n: (n.level, n.index))
    assert store.completed_nodes(start, stop) == expected


def test_a_level_s_nodes_in_an_index_range(store: LedgerStore) -> None:
    assert store.node_range(0, 3, 7) == _nodes(store, iter([(0, i) for i in range(3, 7)]))
    assert store.node_range(2, 0, 100) == _nodes(store, iter([(2, i) for i in range(7)]))
    assert store.node_range(4, 1, 5) == []  # 29 entries: one subtree of 16 only
    assert store.node_range(9, 0, 5) == []


def test_a_missing_node_is_absent_from_the_ranged_reads(
        store: LedgerStore, ledger_db: str) -> None:
    execute_sql(ledger_db, "DELETE FROM ledger_nodes WHERE level = ? AND idx = ?", 1, 4)
    positions = {(n.level, n.index) for n in store.completed_nodes(0, 29)}
    assert positions == set(new_nodes(0, 29)) - {(1, 4)}
    assert [n.index for n in store.node_range(1, 3, 6)] == [3, 5]


def test_checkpoints_and_cosignatures_of_a_size_range(store: LedgerStore) -> None:
    for size in (1, 6, 7, 23, 29):
        store.add_checkpoint(size, bytes([size]) * 32, f"note at {size}\n")
    store.add_cosignature(7, "witness.b", "— witness.b 7", T0)
    store.add_cosignature(7, "witness.a", "— witness.a 7", T0 + timedelta(seconds=1))
    store.add_cosignature(29, "witness.a", "— witness.a 29", T0)
    assert [c.size for c in store.checkpoint_range()] == [1, 6, 7, 23, 29]
    assert store.checkpoint_range(6, 23) == [store.checkpoint(6), store.checkpoint(7)]
    assert [c.size for c in store.checkpoint_range(8)] == [23, 29]
    assert store.checkpoint_range(8, 23) == []
    assert store.cosignature_range() == store.cosignatures(7) + store.cosignatures(29)
    assert [(c.checkpoint_size, c.witness) for c in store.cosignature_range(2, 29)] == [
        (7, "witness.a"), (7, "witness.b")]
    assert store.cosignature_range(8, 29) == []
