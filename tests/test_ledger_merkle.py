"""The Merkle tree against published vectors, a from-the-RFC reference, and properties."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treatyline.ledger.errors import MissingNodeError, ProofError
from treatyline.ledger.merkle import (
    EMPTY_ROOT,
    MemoryNodes,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    nodes_for_append,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).parent / "vectors"

# The RFC 6962 reference inputs of certificate-transparency's Merkle tree tests, as kept
# in transparency-dev/merkle testonly/constants.go (LeafInputs, RootHashes, NodeHashes).
LEAF_INPUTS = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
              "606162636465666768696a6b6c6d6e6f"]
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
NODES = [
    ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
     "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
     "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
     "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
     "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
     "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
     "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
     "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"],
    ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
     "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"],
    ["d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]
# Known proofs over those leaves, from transparency-dev/merkle cmd/proofgen/main.go
# (its leaf numbers count from 1; here they count from 0).
INCLUSION_PROOFS: list[tuple[int, int, list[str]]] = [
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY_PROOFS: list[tuple[int, int, list[str]]] = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]


def reference_tree() -> MemoryNodes:
    tree = MemoryNodes()
    tree.append([leaf_hash(data) for data in LEAF_INPUTS])
    return tree


def tree_of(size: int) -> MemoryNodes:
    tree = MemoryNodes()
    tree.append([leaf_hash(number.to_bytes(8, "big")) for number in range(size)])
    return tree


# -- a direct transcription of RFC 9162 2.1's recursive definitions, for cross-checks --


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def rfc_mth(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = _k(len(leaves))
    return node_hash(rfc_mth(leaves[:k]), rfc_mth(leaves[k:]))


def rfc_path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = _k(len(leaves))
    if m < k:
        return [*rfc_path(m, leaves[:k]), rfc_mth(leaves[k:])]
    return [*rfc_path(m - k, leaves[k:]), rfc_mth(leaves[:k])]


def rfc_subproof(m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [rfc_mth(leaves)]
    k = _k(n)
    if m <= k:
        return [*rfc_subproof(m, leaves[:k], whole), rfc_mth(leaves[k:])]
    return [*rfc_subproof(m - k, leaves[k:], False), rfc_mth(leaves[:k])]


# -- published vectors ------------------------------------------------------------------


def test_roots_of_the_reference_leaves_for_every_size() -> None:
    tree = reference_tree()
    assert EMPTY_ROOT.hex() == ROOTS[0]
    assert [root_hash(size, tree).hex() for size in range(9)] == ROOTS


def test_stored_nodes_are_the_reference_complete_subtrees() -> None:
    tree = reference_tree()
    for level, row in enumerate(NODES):
        assert [tree.node(level, index).hex() for index in range(len(row))] == row


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION_PROOFS)
def test_inclusion_proofs_of_the_reference_leaves(
    index: int, size: int, expected: list[str]
) -> None:
    tree = reference_tree()
    proof = inclusion_proof(index, size, tree)
    assert [hash_.hex() for hash_ in proof] == expected
    verify_inclusion(leaf_hash(LEAF_INPUTS[index]), index, size, proof, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("old", "new", "expected"), CONSISTENCY_PROOFS)
def test_consistency_proofs_of_the_reference_leaves(
    old: int, new: int, expected: list[str]
) -> None:
    tree = reference_tree()
    proof = consistency_proof(old, new, tree)
    assert [hash_.hex() for hash_ in proof] == expected
    verify_consistency(old, new, bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new]), proof)


def _probes(kind: str) -> list[dict[str, Any]]:
    probes: list[dict[str, Any]] = json.loads(
        (VECTORS / "transparency_dev_merkle.json").read_text(encoding="utf-8")
    )[kind]
    return probes


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


# Probes where treatyline is deliberately stricter than transparency-dev/merkle: a
# "root" that is not 32 bytes is refused even when both roots are the same bytes.
STRICTER = {"testdata/consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"}


@pytest.mark.parametrize("probe", _probes("inclusion"), ids=lambda probe: probe["path"])
def test_transparency_dev_inclusion_probes(probe: dict[str, Any]) -> None:
    def verify() -> None:
        verify_inclusion(
            _b64(probe["leafHash"]),
            probe["leafIdx"],
            probe["treeSize"],
            [_b64(hash_) for hash_ in probe["proof"] or []],
            _b64(probe["root"]),
        )

    if probe["wantErr"]:
        with pytest.raises(ProofError):
            verify()
    else:
        verify()


@pytest.mark.parametrize("probe", _probes("consistency"), ids=lambda probe: probe["path"])
def test_transparency_dev_consistency_probes(probe: dict[str, Any]) -> None:
    def verify() -> None:
        verify_consistency(
            probe["size1"],
            probe["size2"],
            _b64(probe["root1"]),
            _b64(probe["root2"]),
            [_b64(hash_) for hash_ in probe["proof"] or []],
        )

    if probe["wantErr"] or probe["path"] in STRICTER:
        with pytest.raises(ProofError):
            verify()
    else:
        verify()


def test_the_stricter_probe_is_refused_for_its_root_length() -> None:
    with pytest.raises(ProofError, match="must be 32 bytes, not 12"):
        verify_consistency(1, 1, b"don't care 2", b"don't care 2", [])


# -- against the RFC's recursive definitions -------------------------------------------


@pytest.mark.parametrize("size", range(1, 40))
def test_roots_and_proofs_match_the_rfc_recursion(size: int) -> None:
    leaves = [number.to_bytes(8, "big") for number in range(size)]
    tree = tree_of(size)
    assert root_hash(size, tree) == rfc_mth(leaves)
    for index in range(size):
        assert inclusion_proof(index, size, tree) == rfc_path(index, leaves)
    for old in range(1, size + 1):
        assert consistency_proof(old, size, tree) == rfc_subproof(old, leaves, True)


# -- properties -------------------------------------------------------------------------

BIG = tree_of(3000)
BIG_ROOTS = [root_hash(size, BIG) for size in range(3001)]


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 3000).flatmap(lambda size: st.tuples(st.integers(0, size - 1), st.just(size)))
)
def test_every_inclusion_proof_verifies(index_and_size: tuple[int, int]) -> None:
    index, size = index_and_size
    proof = inclusion_proof(index, size, BIG)
    verify_inclusion(BIG.node(0, index), index, size, proof, BIG_ROOTS[size])


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 3000).flatmap(lambda new: st.tuples(st.integers(1, new), st.just(new))))
def test_every_consistency_proof_verifies(sizes: tuple[int, int]) -> None:
    old, new = sizes
    proof = consistency_proof(old, new, BIG)
    verify_consistency(old, new, BIG_ROOTS[old], BIG_ROOTS[new], proof)


def _flip(hashes: list[bytes], position: int, bit: int) -> list[bytes]:
    changed = bytearray(hashes[position])
    changed[bit // 8] ^= 1 << (bit % 8)
    return [*hashes[:position], bytes(changed), *hashes[position + 1 :]]


def inclusion_shape(index: int, size: int) -> tuple[int, int, int]:
    """What an inclusion verifier does with a proof, from RFC 9162 2.1.3.2: how many
    siblings below the right border, how many on it, and on which side each inner one is."""
    inner = (index ^ (size - 1)).bit_length()
    return inner, (index >> inner).bit_count(), index % (1 << inner)


def consistency_shape(old: int, new: int) -> tuple[int, int, int, bool]:
    """The same for a consistency proof: the old tree's last leaf's path, without the
    levels inside the complete subtree that ends the old tree."""
    if old == new:
        return 0, 0, 0, False
    shift = (old & -old).bit_length() - 1
    inner, border, sides = inclusion_shape(old - 1, new)
    return inner - shift, border, sides >> shift, old != 1 << shift


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 3000), st.data())
def test_a_tampered_inclusion_proof_fails(size: int, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, size - 1))
    proof = inclusion_proof(index, size, BIG)
    leaf, root = BIG.node(0, index), BIG_ROOTS[size]
    position = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 255))
    with pytest.raises(ProofError):
        verify_inclusion(leaf, index, size, _flip(proof, position, bit), root)
    with pytest.raises(ProofError):
        verify_inclusion(_flip([leaf], 0, bit)[0], index, size, proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(leaf, index, size, proof, _flip([root], 0, bit)[0])
    other_index = data.draw(st.integers(0, size - 1).filter(lambda other: other != index))
    with pytest.raises(ProofError):
        verify_inclusion(leaf, other_index, size, proof, root)
    other_size = data.draw(st.integers(index + 1, 3000).filter(lambda other: other != size))
    # A root does not commit to its size: another size whose path has the same shape
    # chains the same hashes (checkpoints bind the size). Every other size fails.
    if inclusion_shape(index, other_size) == inclusion_shape(index, size):
        verify_inclusion(leaf, index, other_size, proof, root)
    else:
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index, other_size, proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(leaf, index, size, [*proof, proof[0]], root)
    with pytest.raises(ProofError):
        verify_inclusion(leaf, index, size, proof[:-1], root)


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 3000), st.data())
def test_a_tampered_consistency_proof_fails(new: int, data: st.DataObject) -> None:
    old = data.draw(st.integers(1, new - 1))
    proof = consistency_proof(old, new, BIG)
    old_root, new_root = BIG_ROOTS[old], BIG_ROOTS[new]
    position = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 255))
    with pytest.raises(ProofError):
        verify_consistency(old, new, old_root, new_root, _flip(proof, position, bit))
    with pytest.raises(ProofError):
        verify_consistency(old, new, _flip([old_root], 0, bit)[0], new_root, proof)
    with pytest.raises(ProofError):
        verify_consistency(old, new, old_root, _flip([new_root], 0, bit)[0], proof)
    other_old = data.draw(st.integers(1, new).filter(lambda other: other != old))
    other_new = data.draw(st.integers(old, 3000).filter(lambda other: other != new))
    for claimed_old, claimed_new in [(other_old, new), (old, other_new)]:
        if consistency_shape(claimed_old, claimed_new) == consistency_shape(old, new):
            verify_consistency(claimed_old, claimed_new, old_root, new_root, proof)
        else:
            with pytest.raises(ProofError):
                verify_consistency(claimed_old, claimed_new, old_root, new_root, proof)
    with pytest.raises(ProofError):
        verify_consistency(old, new, old_root, new_root, proof[:-1])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 70), min_size=1, max_size=12))
def test_appending_in_batches_creates_the_same_nodes_as_one_by_one(batches: list[int]) -> None:
    leaves = [leaf_hash(number.to_bytes(4, "big")) for number in range(sum(batches))]
    one_by_one, batched = MemoryNodes(), MemoryNodes()
    single_nodes: list[tuple[int, int, bytes]] = []
    for leaf in leaves:
        created = nodes_for_append(one_by_one.size, [leaf], one_by_one)
        one_by_one.store(created)
        single_nodes += created
    batch_nodes: list[tuple[int, int, bytes]] = []
    start = 0
    for count in batches:
        created = nodes_for_append(batched.size, leaves[start : start + count], batched)
        batched.store(created)
        batch_nodes += created
        start += count
    assert batch_nodes == single_nodes
    assert root_hash(len(leaves), batched) == rfc_mth_of_hashes(leaves)


def rfc_mth_of_hashes(leaf_hashes: Sequence[bytes]) -> bytes:
    if not leaf_hashes:
        return EMPTY_ROOT
    if len(leaf_hashes) == 1:
        return leaf_hashes[0]
    k = _k(len(leaf_hashes))
    return node_hash(rfc_mth_of_hashes(leaf_hashes[:k]), rfc_mth_of_hashes(leaf_hashes[k:]))


# -- what a proof reads -----------------------------------------------------------------


class CountingReader:
    """Any node of any tree, made up from its position; counts the reads."""

    def __init__(self) -> None:
        self.reads = 0

    def node(self, level: int, index: int) -> bytes:
        self.reads += 1
        return hashlib.sha256(f"{level}/{index}".encode()).digest()


@pytest.mark.parametrize("size", [10**6, 2**40 + 12345, 2**63 + 3])
def test_proofs_and_roots_read_logarithmically_many_nodes(size: int) -> None:
    limit = 2 * size.bit_length()
    for index in [0, size // 3, size - 1]:
        reader = CountingReader()
        inclusion_proof(index, size, reader)
        assert reader.reads <= limit
    for old in [1, size // 2 + 1, size - 1]:
        reader = CountingReader()
        consistency_proof(old, size, reader)
        assert reader.reads <= limit
    reader = CountingReader()
    root_hash(size, reader)
    assert reader.reads == size.bit_count()
    reader = CountingReader()
    nodes_for_append(size, [EMPTY_ROOT] * 3, reader)
    assert reader.reads == size.bit_count()


# -- refusals ---------------------------------------------------------------------------


def test_refusals_name_what_is_wrong() -> None:
    tree = reference_tree()
    with pytest.raises(ProofError, match="leaf 8 in a tree of 8"):
        inclusion_proof(8, 8, tree)
    with pytest.raises(ProofError, match="from size 0 to size 8"):
        consistency_proof(0, 8, tree)
    with pytest.raises(ProofError, match="from size 5 to size 4"):
        consistency_proof(5, 4, tree)
    with pytest.raises(ProofError, match="tree size must be a whole number"):
        root_hash(-1, tree)
    with pytest.raises(MissingNodeError, match="level 0 index 8"):
        root_hash(9, tree)
    with pytest.raises(ProofError, match="leaf hash number 1 must be 32 bytes, not 3"):
        nodes_for_append(8, [EMPTY_ROOT, b"abc"], tree)
    with pytest.raises(ProofError, match="has 3 hashes; this one has 2"):
        verify_inclusion(tree.node(0, 0), 0, 8, inclusion_proof(0, 8, tree)[:2], tree.node(3, 0))
    with pytest.raises(ProofError, match="two different roots for the same size 3"):
        verify_consistency(3, 3, bytes.fromhex(ROOTS[3]), bytes.fromhex(ROOTS[4]), [])
    with pytest.raises(MissingNodeError, match="not the next one"):
        tree.store([(0, 10, EMPTY_ROOT)])
