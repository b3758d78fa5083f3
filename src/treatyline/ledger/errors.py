"""The errors of the depositary's log, under the project's `TreatylineError`.

    TreatylineError
    └── LedgerError             anything the ledger refuses
        ├── ProofError          a Merkle proof that does not verify, or cannot be made
        ├── MissingNodeError    a node store that lacks a node the tree needs
        ├── CanonicalJSONError  a value that canonical JSON (RFC 8785) cannot hold
        ├── NoteError           a signed note that is malformed or badly signed
        │   └── CheckpointError a checkpoint whose text is not a tlog-checkpoint
        ├── KeyFileError        a key file or key string that is not a usable key
        └── WitnessError        a checkpoint a witness refuses to cosign
            └── SplitViewError  two signed checkpoints the log cannot both stand by
                                (in witness.py, as it carries both checkpoints)
"""

from __future__ import annotations

from treatyline.errors import TreatylineError

__all__ = [
    "CanonicalJSONError",
    "CheckpointError",
    "KeyFileError",
    "LedgerError",
    "MissingNodeError",
    "NoteError",
    "ProofError",
    "WitnessError",
]


class LedgerError(TreatylineError):
    """Something the depositary's log refuses: a bad proof, note, key or checkpoint."""


class ProofError(LedgerError):
    """A Merkle proof that does not verify (the message says which check failed), or
    a proof asked for sizes that do not fit the tree."""


class MissingNodeError(LedgerError, LookupError):
    """A node store lacks a complete subtree the tree needs (a store that is behind
    the size it was asked about, or damaged)."""


class CanonicalJSONError(LedgerError):
    """A value that RFC 8785 canonical JSON cannot hold; the message names its place."""


class NoteError(LedgerError):
    """A signed note (c2sp.org/signed-note) that is malformed, has no signature from a
    known key, or has a signature from a known key that does not verify."""


class CheckpointError(NoteError):
    """A note whose text is not a checkpoint (c2sp.org/tlog-checkpoint)."""


class KeyFileError(LedgerError):
    """A key file or key string that is not a usable Ed25519 key for the ledger."""


class WitnessError(LedgerError):
    """A checkpoint a witness refuses to cosign (an unknown log, an older checkpoint,
    a proof given where none can apply)."""
