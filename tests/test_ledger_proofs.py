"""Proofs read from a store in one round trip equal the node-by-node proofs, on SQLite and
on a real PostgreSQL server, and verify."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from treatyline.ledger.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    nodes_for_append,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from treatyline.ledger.proofs import consistency_proof_from, inclusion_proof_from
from treatyline.ledger.store import (
    AppendBatch,
    LedgerReader,
    LedgerStore,
    NewEntry,
    Node,
    init_store,
)


@pytest.fixture
def store(ledger_db: str) -> Iterator[LedgerStore]:
    with init_store(ledger_db) as opened:
        yield opened


def _fill(store: LedgerStore, count: int) -> None:
    def build(size: int, reader: LedgerReader) -> AppendBatch:
        entries = [NewEntry(payload=hashlib.sha256(str(i).encode()).digest(),
                            received=datetime(2022, 3, 29, tzinfo=UTC), kind="test").at(i)
                   for i in range(size, size + count)]
        hashes = [leaf_hash(e.payload) for e in entries]
        return AppendBatch(entries, [Node(level, i, h) for level, i, h
                                     in nodes_for_append(size, hashes, reader)])
    store.append(build)


def test_proofs_read_in_one_go_equal_the_node_by_node_ones(store: LedgerStore) -> None:
    _fill(store, 77)
    size = store.size()
    root = root_hash(size, store)
    for index in (0, 1, 31, 32, 63, 76):
        proof = inclusion_proof_from(store, index, size)
        assert proof == inclusion_proof(index, size, store)
        verify_inclusion(store.node(0, index), index, size, proof, root)
    for old in (1, 2, 3, 32, 50, 76, 77):
        proof = consistency_proof_from(store, old, size)
        assert proof == consistency_proof(old, size, store)
        verify_consistency(old, size, root_hash(old, store), root, proof)
