"""The log's Merkle tree (RFC 6962, RFC 9162 section 2.1) over a store of complete subtrees.

Only complete subtrees are stored: node (level, index) is the hash of leaves
[index * 2**level, (index + 1) * 2**level). The tree of any size n is the binary
decomposition of n into at most log2(n) + 1 such subtrees, so a root or a proof reads
O(log n) nodes, whatever the size. A store (SQLite, PostgreSQL, or `MemoryNodes` here)
only has to answer `NodeReader.node` and insert what `nodes_for_append` returns.

Proofs follow RFC 9162: inclusion proofs (2.1.3) and consistency proofs (2.1.4), with
leaf indexes counted from 0. The verifiers raise `ProofError` naming the check that
failed and return nothing when the proof holds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

from treatyline.ledger.errors import MissingNodeError, ProofError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_TREE_SIZE",
    "MemoryNodes",
    "NodeReader",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "nodes_for_append",
    "root_hash",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root hash of the empty tree (RFC 9162 2.1.1: the hash of the empty string)."""

MAX_TREE_SIZE = 2**64 - 1
"""Checkpoints carry sizes as unsigned 64-bit numbers; no proof reaches further."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


class NodeReader(Protocol):
    """Where the complete subtrees of a tree are read from (a store, or `MemoryNodes`)."""

    def node(self, level: int, index: int) -> bytes:
        """The 32-byte hash of the complete subtree at `level` (0 = the leaf hashes) number
        `index`, i.e. over leaves [index * 2**level, (index + 1) * 2**level)."""
        ...


def leaf_hash(data: bytes) -> bytes:
    """The hash of one entry: SHA-256(0x00 || data) (RFC 9162 2.1.1)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 || left || right) (RFC 9162 2.1.1)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


# -- building -------------------------------------------------------------------------


def nodes_for_append(
    size: int, leaf_hashes: Sequence[bytes], reader: NodeReader
) -> list[tuple[int, int, bytes]]:
    """The complete-subtree nodes (level, index, hash) created by appending these leaf
    hashes to a tree of `size` leaves, level-0 nodes included, in an order a store can
    insert as given (every node after its two children); nodes created earlier in the
    same call are read from the list, not from `reader`."""
    _check_size(size, "tree size")
    if size + len(leaf_hashes) > MAX_TREE_SIZE:
        raise ProofError(f"appending {len(leaf_hashes)} leaves to {size} passes 2**64 - 1")
    # The right edge of the tree: one complete subtree per set bit of the size, the
    # smallest last. Appending a leaf that is a right child merges it with the top.
    edge = [hash_ for _, _, hash_ in _complete_subtrees(0, size, reader)]
    created: list[tuple[int, int, bytes]] = []
    for offset, leaf in enumerate(leaf_hashes):
        _check_hash(leaf, f"leaf hash number {offset}")
        index = size + offset
        level, hash_ = 0, leaf
        created.append((0, index, hash_))
        while index & 1:
            hash_ = node_hash(edge.pop(), hash_)
            index >>= 1
            level += 1
            created.append((level, index, hash_))
        edge.append(hash_)
    return created


class MemoryNodes:
    """A `NodeReader` held in memory, for tests and benchmarks: one bytearray per level,
    node i at bytes [32 i, 32 i + 32), so a million leaves take about 64 MB."""

    def __init__(self) -> None:
        self._levels: list[bytearray] = []

    @property
    def size(self) -> int:
        """The number of leaves appended."""
        return len(self._levels[0]) // HASH_SIZE if self._levels else 0

    def node(self, level: int, index: int) -> bytes:
        if 0 <= level < len(self._levels) and index >= 0:
            start = index * HASH_SIZE
            found = self._levels[level][start : start + HASH_SIZE]
            if len(found) == HASH_SIZE:
                return bytes(found)
        raise MissingNodeError(f"no node at level {level} index {index} (tree size {self.size})")

    def store(self, nodes: Iterable[tuple[int, int, bytes]]) -> None:
        """Insert nodes as `nodes_for_append` returns them; each must be the next one of
        its level, since the tree only grows at its right edge."""
        for level, index, hash_ in nodes:
            while len(self._levels) <= level:
                self._levels.append(bytearray())
            row = self._levels[level]
            if index * HASH_SIZE != len(row):
                raise MissingNodeError(
                    f"node at level {level} index {index} is not the next one of its level "
                    f"(which has {len(row) // HASH_SIZE})"
                )
            _check_hash(hash_, f"node at level {level} index {index}")
            row += hash_

    def append(self, leaf_hashes: Sequence[bytes]) -> None:
        """Append leaf hashes to the tree."""
        self.store(nodes_for_append(self.size, leaf_hashes, self))


# -- roots and proofs -----------------------------------------------------------------


def root_hash(size: int, reader: NodeReader) -> bytes:
    """The root hash of the tree of `size` leaves (RFC 9162 2.1.1), from at most
    log2(size) + 1 stored nodes."""
    _check_size(size, "tree size")
    return _range_hash(0, size, reader) if size else EMPTY_ROOT


def inclusion_proof(index: int, size: int, reader: NodeReader) -> list[bytes]:
    """The proof that leaf `index` (from 0) is in the tree of `size` leaves
    (RFC 9162 2.1.3.1), the sibling nearest the leaf first."""
    _check_size(size, "tree size")
    if not 0 <= index < size:
        raise ProofError(f"no inclusion proof for leaf {index} in a tree of {size} leaves")
    path: list[bytes] = []
    start, end = 0, size
    # Walk down from the root to the leaf; each step keeps the half holding the leaf and
    # records the other half, so the path is reversed at the end.
    while end - start > 1:
        split = start + _largest_power_of_two_below(end - start)
        if index < split:
            path.append(_range_hash(split, end, reader))
            end = split
        else:
            path.append(_range_hash(start, split, reader))
            start = split
    path.reverse()
    return path


def consistency_proof(old_size: int, new_size: int, reader: NodeReader) -> list[bytes]:
    """The proof that the tree of `old_size` leaves is a prefix of the tree of `new_size`
    leaves (RFC 9162 2.1.4.1). Empty when the sizes are equal; the empty tree has no
    proof (every tree extends it, so there is nothing to prove)."""
    _check_size(new_size, "new tree size")
    if not 0 < old_size <= new_size:
        raise ProofError(
            f"no consistency proof from size {old_size} to size {new_size}: "
            "the old size must be at least 1 and at most the new size"
        )
    path: list[bytes] = []
    start, end = 0, new_size
    old_is_a_subtree = True  # RFC 9162's flag b: the old tree is a node of the walk
    while old_size - start != end - start:
        split = start + _largest_power_of_two_below(end - start)
        if old_size <= split:
            path.append(_range_hash(split, end, reader))
            end = split
        else:
            path.append(_range_hash(start, split, reader))
            start = split
            old_is_a_subtree = False
    if not old_is_a_subtree:
        path.append(_range_hash(start, end, reader))
    path.reverse()
    return path


def _largest_power_of_two_below(n: int) -> int:
    """The largest power of two strictly smaller than n (n >= 2): RFC 9162's k."""
    return 1 << ((n - 1).bit_length() - 1)


def _complete_subtrees(start: int, end: int, reader: NodeReader) -> list[tuple[int, int, bytes]]:
    """The complete subtrees (level, index, hash) covering leaves [start, end), largest
    first: the greedy aligned decomposition, as for any range of RFC 9162's recursion."""
    found: list[tuple[int, int, bytes]] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        index = start >> level
        found.append((level, index, reader.node(level, index)))
        start += 1 << level
    return found


def _range_hash(start: int, end: int, reader: NodeReader) -> bytes:
    """The Merkle tree hash of leaves [start, end): its complete subtrees folded from the
    right, as RFC 9162 splits an incomplete tree (left: largest power of two)."""
    subtrees = _complete_subtrees(start, end, reader)
    hash_ = subtrees[-1][2]
    for _, _, left in reversed(subtrees[:-1]):
        hash_ = node_hash(left, hash_)
    return hash_


# -- verification ---------------------------------------------------------------------


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that `proof` shows leaf hash `leaf_hash` at `index` (from 0) in the tree of
    `size` leaves whose root is `root` (RFC 9162 2.1.3.2); raise `ProofError` if not."""
    _check_size(size, "tree size")
    _check_hash(leaf_hash, "leaf hash")
    _check_hash(root, "root hash")
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of {size} leaves")
    inner, border = _path_shape(index, size)
    _check_proof(proof, inner + border, f"an inclusion proof of leaf {index} in {size}")
    computed = _chain_border(_chain_inner(leaf_hash, proof[:inner], index), proof[inner:])
    if computed != root:
        raise ProofError(
            f"the inclusion proof of leaf {index} in a tree of {size} leaves leads to "
            f"{computed.hex()}, not to the root {root.hex()}"
        )


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that `proof` shows the tree of `old_size` leaves with root `old_root` to be a
    prefix of the tree of `new_size` leaves with root `new_root` (RFC 9162 2.1.4.2);
    raise `ProofError` if not. Equal sizes need equal roots and an empty proof; a proof
    from the empty tree is refused, as it proves nothing (as transparency-dev/merkle)."""
    _check_size(new_size, "new tree size")
    _check_hash(old_root, "old root hash")
    _check_hash(new_root, "new root hash")
    if not 0 < old_size <= new_size:
        raise ProofError(
            f"no consistency proof from size {old_size} to size {new_size}: "
            "the old size must be at least 1 and at most the new size"
        )
    if old_size == new_size:
        _check_proof(proof, 0, f"a consistency proof between equal sizes {old_size}")
        if old_root != new_root:
            raise ProofError(f"two different roots for the same size {old_size}")
        return
    # The last old leaf's path in the new tree, minus the levels inside the largest
    # complete subtree that ends the old tree (its hash starts both chains: it is the
    # old root itself when the old size is a power of two, else the proof's first hash).
    shift = (old_size & -old_size).bit_length() - 1
    inner, border = _path_shape(old_size - 1, new_size)
    inner -= shift
    seeded = old_size != 1 << shift
    _check_proof(
        proof,
        inner + border + seeded,
        f"a consistency proof from size {old_size} to size {new_size}",
    )
    seed, path = (proof[0], proof[1:]) if seeded else (old_root, proof)
    position = (old_size - 1) >> shift
    old_computed = _chain_border(_chain_left_siblings(seed, path[:inner], position), path[inner:])
    if old_computed != old_root:
        raise ProofError(
            f"the consistency proof from size {old_size} to {new_size} rebuilds the old root "
            f"as {old_computed.hex()}, not {old_root.hex()}"
        )
    new_computed = _chain_border(_chain_inner(seed, path[:inner], position), path[inner:])
    if new_computed != new_root:
        raise ProofError(
            f"the consistency proof from size {old_size} to {new_size} rebuilds the new root "
            f"as {new_computed.hex()}, not {new_root.hex()}"
        )


def _path_shape(index: int, size: int) -> tuple[int, int]:
    """How leaf `index`'s path in a tree of `size` splits: `inner` levels below the point
    where it leaves the perfect tree (siblings on either side), then `border` left
    siblings along the tree's right border."""
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner, border


def _chain_inner(seed: bytes, siblings: Sequence[bytes], position: int) -> bytes:
    """Hash up through `siblings`, the bits of `position` saying on which side each is."""
    hash_ = seed
    for level, sibling in enumerate(siblings):
        is_left = (position >> level) & 1
        hash_ = node_hash(sibling, hash_) if is_left else node_hash(hash_, sibling)
    return hash_


def _chain_left_siblings(seed: bytes, siblings: Sequence[bytes], position: int) -> bytes:
    """Hash up through the left siblings only: the old tree has nothing to the right."""
    hash_ = seed
    for level, sibling in enumerate(siblings):
        if (position >> level) & 1:
            hash_ = node_hash(sibling, hash_)
    return hash_


def _chain_border(seed: bytes, left_siblings: Sequence[bytes]) -> bytes:
    hash_ = seed
    for sibling in left_siblings:
        hash_ = node_hash(sibling, hash_)
    return hash_


def _check_proof(proof: Sequence[bytes], expected: int, what: str) -> None:
    if len(proof) != expected:
        raise ProofError(f"{what} has {expected} hashes; this one has {len(proof)}")
    for number, hash_ in enumerate(proof):
        _check_hash(hash_, f"proof hash number {number}")


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        length = len(value) if isinstance(value, bytes | bytearray) else type(value).__name__
        raise ProofError(f"the {what} must be {HASH_SIZE} bytes, not {length}")


def _check_size(size: int, what: str) -> None:
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= MAX_TREE_SIZE:
        raise ProofError(f"the {what} must be a whole number from 0 to 2**64 - 1, not {size!r}")
