"""The tests' own RFC 9162 Merkle hashing, independent of treatyline's, to build
append batches and to check what a store holds.

leaf hash = SHA-256(0x00 || data); node hash = SHA-256(0x01 || left || right).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from treatyline.ledger.store import (
    AppendBatch,
    LedgerReader,
    LedgerStore,
    NewEntry,
    Node,
    NotInLedgerError,
)


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def builder(new: Sequence[NewEntry]) -> Callable[[int, LedgerReader], AppendBatch]:
    """An `append` build function adding `new` after whatever the log holds."""

    def build(size: int, reader: LedgerReader) -> AppendBatch:
        stored = [entry.at(size + offset) for offset, entry in enumerate(new)]
        made: dict[tuple[int, int], bytes] = {}

        def known(level: int, index: int) -> bytes:
            return made[level, index] if (level, index) in made else reader.node(level, index)

        # A subtree (level, index) is complete once (index + 1) * 2**level leaves exist;
        # walk levels upwards so that children are always there before parents.
        new_size, level = size + len(new), 0
        while (1 << level) <= new_size:
            for index in range(size >> level, new_size >> level):
                made[level, index] = (
                    leaf_hash(stored[index - size].payload)
                    if level == 0
                    else node_hash(known(level - 1, 2 * index), known(level - 1, 2 * index + 1))
                )
            level += 1
        return AppendBatch(stored, [Node(lvl, idx, h) for (lvl, idx), h in made.items()])

    return build


def check_tree(store: LedgerStore) -> int:
    """Check every stored complete-subtree node against the leaves; the entries' count.

    Also checks that entries are contiguous from 0 and that no node exists beyond the
    last complete subtree of each level.
    """
    hashes: list[bytes] = []
    for expected_index, entry in enumerate(store.iter_entries()):
        assert entry.index == expected_index, f"entry {expected_index} is missing"
        hashes.append(leaf_hash(entry.payload))
    size = len(hashes)
    assert store.size() == size
    level = 0
    while hashes:
        for index, expected in enumerate(hashes):
            assert store.node(level, index) == expected, f"node ({level}, {index}) is wrong"
        try:
            store.node(level, len(hashes))
        except NotInLedgerError:
            pass
        else:
            raise AssertionError(f"node ({level}, {len(hashes)}) beyond the log's {size} entries")
        hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes) - 1, 2)]
        level += 1
    return size
