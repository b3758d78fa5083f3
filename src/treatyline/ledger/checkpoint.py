"""Checkpoints (https://c2sp.org/tlog-checkpoint): the signed head of the log.

    depositary.example/istanbul-communique
    20852163
    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

    — depositary.example/istanbul-communique Az3grlgtzPICa5OS8npVmf1Myq/5IZni...

The note text is the origin (the log's identity), the tree size in decimal, the root
hash in base64 and optional extension lines; the depositary signs it as a signed note
(notes.py) and witnesses add their cosignatures (cosignature.py).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass

from treatyline.ledger.errors import CheckpointError, NoteError
from treatyline.ledger.merkle import HASH_SIZE, MAX_TREE_SIZE
from treatyline.ledger.notes import (
    NoteSigner,
    NoteVerifier,
    OpenedNote,
    decode_base64,
    open_note,
    sign_note,
)

__all__ = ["Checkpoint", "SignedCheckpoint", "open_checkpoint", "sign_checkpoint"]

_SIZE = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True)
class Checkpoint:
    """The head of the log at one size: origin, tree size, root hash, extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise CheckpointError(f"a checkpoint origin is one non-empty line, not {self.origin!r}")
        if isinstance(self.size, bool) or not 0 <= self.size <= MAX_TREE_SIZE:
            raise CheckpointError(f"a checkpoint size is from 0 to 2**64 - 1, not {self.size!r}")
        if len(self.root_hash) != HASH_SIZE:
            raise CheckpointError(
                f"a checkpoint root hash is {HASH_SIZE} bytes, not {len(self.root_hash)}"
            )
        for extension in self.extensions:
            if not extension or "\n" in extension:
                raise CheckpointError(
                    f"a checkpoint extension is one non-empty line, not {extension!r}"
                )

    def to_text(self) -> str:
        """The note text: one line each for origin, size, root hash and extensions."""
        root = base64.b64encode(self.root_hash).decode()
        lines = (self.origin, str(self.size), root, *self.extensions)
        return "".join(f"{line}\n" for line in lines)

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Read a checkpoint's note text strictly; `CheckpointError` names the bad line."""
        if not text.endswith("\n"):
            raise CheckpointError("a checkpoint text ends in a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError(
                f"a checkpoint has an origin, a size and a root hash line; this has {len(lines)}"
            )
        origin, size, root, *extensions = lines
        if not origin:
            raise CheckpointError("line 1 of the checkpoint, the origin, is empty")
        if not _SIZE.fullmatch(size):
            raise CheckpointError(
                f"line 2 of the checkpoint, the tree size, is not a decimal number without "
                f"leading zeros: {size!r}"
            )
        if int(size) > MAX_TREE_SIZE:
            raise CheckpointError(
                f"line 2 of the checkpoint, the tree size {size}, passes 2**64 - 1"
            )
        root_hash = decode_base64(root, "line 3 of the checkpoint, the root hash", CheckpointError)
        if len(root_hash) != HASH_SIZE:
            raise CheckpointError(
                f"line 3 of the checkpoint, the root hash, is {len(root_hash)} bytes, "
                f"not {HASH_SIZE}"
            )
        for number, extension in enumerate(extensions, start=4):
            if not extension:
                raise CheckpointError(f"line {number} of the checkpoint, an extension, is empty")
        return cls(origin, int(size), root_hash, tuple(extensions))


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint whose note was opened with the log's key: the checkpoint, the note as
    received (the bytes to show as evidence) and its signatures."""

    checkpoint: Checkpoint
    note: bytes
    opened: OpenedNote


def sign_checkpoint(checkpoint: Checkpoint, log_signer: NoteSigner) -> bytes:
    """The checkpoint as a note signed by the log."""
    return sign_note(checkpoint.to_text(), [log_signer])


def open_checkpoint(
    note: bytes, log_verifier: NoteVerifier, others: Iterable[NoteVerifier] = ()
) -> SignedCheckpoint:
    """Verify a checkpoint note: it must carry a valid signature of the log's key; the
    signatures of `others` (witnesses, say) are verified too when present."""
    opened = open_note(note, [log_verifier, *others])
    if not opened.is_signed_by(log_verifier):
        raise NoteError(
            f"the checkpoint is not signed by the log's key {log_verifier.name}+"
            f"{log_verifier.key_id:08x}"
        )
    return SignedCheckpoint(Checkpoint.from_text(opened.text), note, opened)
