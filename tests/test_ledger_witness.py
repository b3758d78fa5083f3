"""Witnesses: cosigning only what is consistent, and split views caught with evidence."""

from __future__ import annotations

import pytest

from treatyline.ledger.checkpoint import (
    Checkpoint,
    SignedCheckpoint,
    open_checkpoint,
    sign_checkpoint,
)
from treatyline.ledger.cosignature import Cosigner, cosignature_time
from treatyline.ledger.errors import NoteError, WitnessError
from treatyline.ledger.merkle import (
    EMPTY_ROOT,
    MemoryNodes,
    consistency_proof,
    leaf_hash,
    root_hash,
)
from treatyline.ledger.notes import Ed25519Signer, add_signatures
from treatyline.ledger.witness import (
    Relation,
    SplitViewError,
    Witness,
    check_consistency,
    compare_checkpoints,
)

ORIGIN = "depositary.example/istanbul-2022"
LOG = Ed25519Signer.generate(ORIGIN)
NOW = 1_764_806_400


def log_of(entries: list[bytes]) -> MemoryNodes:
    tree = MemoryNodes()
    tree.append([leaf_hash(entry) for entry in entries])
    return tree


HONEST = log_of([f"instrument {number}".encode() for number in range(20)])
# The same log key showing another record: entry 3 differs.
FORKED = log_of(
    [f"instrument {number}".encode() if number != 3 else b"forged" for number in range(20)]
)


def note_at(size: int, tree: MemoryNodes = HONEST, signer: Ed25519Signer = LOG) -> bytes:
    return sign_checkpoint(Checkpoint(ORIGIN, size, root_hash(size, tree)), signer)


def signed_at(size: int, tree: MemoryNodes = HONEST) -> SignedCheckpoint:
    return open_checkpoint(note_at(size, tree), LOG.verifier())


def witness() -> Witness:
    return Witness(Cosigner.generate("mfa.gov.ua/witness"), {ORIGIN: LOG.verifier()})


def test_a_witness_cosigns_a_growing_log() -> None:
    ua = witness()
    first = ua.cosign(note_at(4), [], NOW)
    second = ua.cosign(note_at(11), consistency_proof(4, 11, HONEST), NOW + 60)
    again = ua.cosign(note_at(11), [], NOW + 120)
    assert [cosignature_time(sig) for sig in (first, second, again)] == [NOW, NOW + 60, NOW + 120]
    last = ua.last_cosigned(ORIGIN)
    assert last is not None and last.checkpoint.size == 11
    cosigned = add_signatures(note_at(11), [second])
    signed = open_checkpoint(cosigned, LOG.verifier(), [ua.cosigner.verifier()])
    assert signed.opened.is_signed_by(ua.cosigner.verifier())


def test_a_witness_resumes_from_its_saved_state() -> None:
    ua = witness()
    ua.cosign(note_at(6), [], NOW)
    resumed = Witness(ua.cosigner, {ORIGIN: LOG.verifier()}, ua.state())
    resumed.cosign(note_at(9), consistency_proof(6, 9, HONEST), NOW + 1)
    with pytest.raises(WitnessError, match=r"kept for other\.example is of the log"):
        Witness(ua.cosigner, {ORIGIN: LOG.verifier()}, {"other.example": note_at(6)})


def test_a_fork_before_the_cosigned_size_is_a_split_view_with_both_notes() -> None:
    ua = witness()
    ua.cosign(note_at(6), [], NOW)
    forked_note = note_at(12, FORKED)
    with pytest.raises(SplitViewError) as raised:
        ua.cosign(forked_note, consistency_proof(6, 12, FORKED), NOW + 1)
    split = raised.value
    assert not split.proven
    assert "rebuilds the old root" in split.reason
    assert split.first.note == note_at(6) and split.second.note == forked_note
    evidence = split.evidence()
    assert note_at(6).decode() in evidence and forked_note.decode() in evidence
    last = ua.last_cosigned(ORIGIN)
    assert last is not None and last.checkpoint.size == 6  # nothing cosigned, nothing moved


def test_two_roots_for_one_size_are_a_proven_split_view() -> None:
    ua = witness()
    ua.cosign(note_at(8), [], NOW)
    with pytest.raises(SplitViewError, match=r"split view of the log .*two roots") as raised:
        ua.cosign(note_at(8, FORKED), [], NOW + 1)
    assert raised.value.proven


def test_a_fork_after_the_cosigned_size_is_consistent_for_this_witness() -> None:
    # The forked record differs from entry 3 (counting from 0) on: a witness that cosigned
    # size 3 has seen nothing the fork changed, a witness at size 4 has. Consistency is
    # about the prefix each witness has seen, which is why a quorum of witnesses counts.
    at_three = witness()
    at_three.cosign(note_at(3), [], NOW)
    at_three.cosign(note_at(10, FORKED), consistency_proof(3, 10, FORKED), NOW + 1)
    at_four = witness()
    at_four.cosign(note_at(4), [], NOW)
    with pytest.raises(SplitViewError):
        at_four.cosign(note_at(10, FORKED), consistency_proof(4, 10, FORKED), NOW + 1)


def test_what_a_witness_refuses() -> None:
    ua = witness()
    with pytest.raises(WitnessError, match="nothing to start from"):
        ua.cosign(note_at(5), consistency_proof(2, 5, HONEST), NOW)
    ua.cosign(note_at(5), [], NOW)
    with pytest.raises(WitnessError, match="at size 4 is older than the one cosigned last"):
        ua.cosign(note_at(4), [], NOW)
    with pytest.raises(WitnessError, match="is empty, not 1 hashes"):
        ua.cosign(note_at(5), [EMPTY_ROOT], NOW)
    impostor = Ed25519Signer.generate(ORIGIN)
    with pytest.raises(NoteError, match="no signature from a known key"):
        ua.cosign(note_at(9, signer=impostor), consistency_proof(5, 9, HONEST), NOW)
    other_log = Ed25519Signer.generate("other.example/log")
    stranger = sign_checkpoint(Checkpoint("other.example/log", 1, EMPTY_ROOT), other_log)
    with pytest.raises(WitnessError, match=r"does not watch the log 'other\.example/log'"):
        ua.cosign(stranger, [], NOW)


def test_comparing_checkpoints_from_anyone() -> None:
    assert compare_checkpoints(signed_at(7), signed_at(7)) is Relation.SAME
    assert compare_checkpoints(signed_at(7), signed_at(7, FORKED)) is Relation.CONFLICT
    assert compare_checkpoints(signed_at(7), signed_at(9)) is Relation.NEEDS_PROOF
    check_consistency(signed_at(9), signed_at(7), consistency_proof(7, 9, HONEST))
    with pytest.raises(SplitViewError, match="two roots for the same size"):
        check_consistency(signed_at(7), signed_at(7, FORKED), [])
    with pytest.raises(SplitViewError, match="not shown consistent"):
        check_consistency(signed_at(7), signed_at(9, FORKED), consistency_proof(7, 9, FORKED))
    other = open_checkpoint(
        sign_checkpoint(Checkpoint("other.example", 7, root_hash(7, HONEST)), LOG), LOG.verifier()
    )
    with pytest.raises(WitnessError, match="checkpoints of two logs"):
        compare_checkpoints(signed_at(7), other)


def test_an_empty_log_checkpoint_must_have_the_empty_root() -> None:
    empty = open_checkpoint(sign_checkpoint(Checkpoint(ORIGIN, 0, EMPTY_ROOT), LOG), LOG.verifier())
    check_consistency(empty, signed_at(5), [])
    bad_empty = open_checkpoint(
        sign_checkpoint(Checkpoint(ORIGIN, 0, root_hash(1, HONEST)), LOG), LOG.verifier()
    )
    with pytest.raises(SplitViewError, match="size 0 with a non-empty root"):
        check_consistency(bad_empty, signed_at(5), [])
