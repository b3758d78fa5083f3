"""Witnesses: the parties check that the depositary shows everyone the same record.

A witness keeps, per log origin, the last checkpoint it cosigned. Given a new checkpoint
and a consistency proof from that last one, it verifies the log's signature and the
proof, and only then cosigns (cosignature.py) and moves on. A log that signed two
checkpoints that cannot both be true (the depositary showing two parties two different
records) is a `SplitViewError`, which carries both signed notes as evidence.

Anyone can also compare two signed checkpoints of one log: the same size with different
roots is a proven split view; different sizes are consistent only if a consistency
proof shows it (`check_consistency`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum

from treatyline.ledger.checkpoint import Checkpoint, SignedCheckpoint, open_checkpoint
from treatyline.ledger.cosignature import Cosigner
from treatyline.ledger.errors import ProofError, WitnessError
from treatyline.ledger.merkle import EMPTY_ROOT, verify_consistency
from treatyline.ledger.notes import NoteVerifier, Signature, parse_note

__all__ = ["Relation", "SplitViewError", "Witness", "check_consistency", "compare_checkpoints"]


class SplitViewError(WitnessError):
    """Two checkpoints signed by one log that it cannot both stand by. `proven` is True
    when no proof could reconcile them (the same size, different roots); False when the
    consistency proof offered for them failed, so the log has yet to show them consistent."""

    def __init__(
        self, first: SignedCheckpoint, second: SignedCheckpoint, proven: bool, reason: str
    ) -> None:
        self.first = first
        self.second = second
        self.proven = proven
        self.reason = reason
        kind = "split view" if proven else "checkpoints not shown consistent"
        super().__init__(
            f"{kind} of the log {first.checkpoint.origin}: {reason} "
            f"(sizes {first.checkpoint.size} and {second.checkpoint.size})"
        )

    def evidence(self) -> str:
        """Both signed checkpoints as received, to hand to the other parties."""
        return (
            f"{self}\n\n"
            f"--- checkpoint of size {self.first.checkpoint.size}\n"
            f"{self.first.note.decode()}"
            f"--- checkpoint of size {self.second.checkpoint.size}\n"
            f"{self.second.note.decode()}"
        )


class Relation(Enum):
    """How two signed checkpoints of one log stand to each other."""

    SAME = "same"
    """The same size and root."""
    CONFLICT = "conflict"
    """The same size and different roots: a split view, proven by the two notes."""
    NEEDS_PROOF = "needs proof"
    """Different sizes: consistent only if a consistency proof shows it."""


def compare_checkpoints(first: SignedCheckpoint, second: SignedCheckpoint) -> Relation:
    """Compare two signed checkpoints of the same log (from anyone)."""
    a, b = first.checkpoint, second.checkpoint
    _check_same_log(a, b)
    if a.size != b.size:
        return Relation.NEEDS_PROOF
    return Relation.SAME if a.root_hash == b.root_hash else Relation.CONFLICT


def check_consistency(
    first: SignedCheckpoint, second: SignedCheckpoint, proof: Sequence[bytes]
) -> None:
    """Check that two signed checkpoints of one log are consistent, the proof going from
    the smaller to the larger; raise `SplitViewError` with both as evidence if not."""
    older, newer = sorted((first, second), key=lambda signed: signed.checkpoint.size)
    old, new = older.checkpoint, newer.checkpoint
    _check_same_log(old, new)
    if compare_checkpoints(older, newer) is Relation.CONFLICT:
        raise SplitViewError(older, newer, proven=True, reason="two roots for the same size")
    for signed in (older, newer):
        if signed.checkpoint.size == 0 and signed.checkpoint.root_hash != EMPTY_ROOT:
            raise SplitViewError(
                older, newer, proven=True, reason="a checkpoint of size 0 with a non-empty root"
            )
    if old.size in (0, new.size):
        if proof:
            raise WitnessError(
                f"a consistency proof from size {old.size} to {new.size} is empty, "
                f"not {len(proof)} hashes"
            )
        return
    try:
        verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)
    except ProofError as error:
        reason = error.diagnostics[0].message
        raise SplitViewError(older, newer, proven=False, reason=reason) from error


def _check_same_log(a: Checkpoint, b: Checkpoint) -> None:
    if a.origin != b.origin:
        raise WitnessError(f"checkpoints of two logs, {a.origin} and {b.origin}, compared")


class Witness:
    """A party's witness: its cosigning key, the logs it watches (origin -> the log's
    key) and, per origin, the last checkpoint it cosigned."""

    def __init__(
        self,
        cosigner: Cosigner,
        logs: Mapping[str, NoteVerifier],
        cosigned: Mapping[str, bytes] | None = None,
    ) -> None:
        self.cosigner = cosigner
        self._logs = dict(logs)
        self._last: dict[str, SignedCheckpoint] = {}
        for origin, note in (cosigned or {}).items():
            signed = self._open(note)
            if signed.checkpoint.origin != origin:
                raise WitnessError(
                    f"the checkpoint kept for {origin} is of the log {signed.checkpoint.origin}"
                )
            self._last[origin] = signed

    def last_cosigned(self, origin: str) -> SignedCheckpoint | None:
        return self._last.get(origin)

    def state(self) -> dict[str, bytes]:
        """Origin -> the last cosigned checkpoint note: what to persist, and to give back
        as `cosigned` when the witness starts again."""
        return {origin: signed.note for origin, signed in self._last.items()}

    def cosign(
        self, checkpoint_note: bytes, consistency_proof: Sequence[bytes], now: int
    ) -> Signature:
        """Cosign a checkpoint at time `now` (seconds since the epoch) once its log's
        signature and its consistency with the last cosigned checkpoint are verified.
        The first checkpoint of a log is taken as it is (and needs no proof)."""
        signed = self._open(checkpoint_note)
        origin = signed.checkpoint.origin
        last = self._last.get(origin)
        if last is not None:
            if signed.checkpoint.size < last.checkpoint.size:
                raise WitnessError(
                    f"the checkpoint of {origin} at size {signed.checkpoint.size} is older than "
                    f"the one cosigned last, at size {last.checkpoint.size}"
                )
            check_consistency(last, signed, consistency_proof)
        elif consistency_proof:
            raise WitnessError(
                f"no checkpoint of {origin} cosigned yet: a consistency proof has nothing to "
                "start from"
            )
        cosignature = self.cosigner.cosign(signed.opened.text, now)
        self._last[origin] = signed
        return cosignature

    def _open(self, note: bytes) -> SignedCheckpoint:
        origin = Checkpoint.from_text(parse_note(note).text).origin
        log = self._logs.get(origin)
        if log is None:
            raise WitnessError(f"this witness does not watch the log {origin!r}")
        return open_checkpoint(note, log)
