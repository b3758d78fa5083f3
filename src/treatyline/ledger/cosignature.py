"""Witness cosignatures (https://c2sp.org/tlog-cosignature), the Ed25519 cosignature/v1.

A witness (here: a party to the treaty) cosigns a checkpoint to state that, at the given
time, it is the largest checkpoint of that log it has seen consistent with all before.
The signed message is

    cosignature/v1
    time 1679315147
    <the checkpoint's note text>

and the signature line carries base64(key ID || u64 timestamp || Ed25519 signature),
the key ID computed with signature type 0x04. Time is always an argument (seconds since
the epoch): nothing here reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from treatyline.ledger.errors import NoteError
from treatyline.ledger.notes import (
    Ed25519Signer,
    Ed25519Verifier,
    Signature,
    decode_vkey_of_type,
    encode_vkey,
    key_id,
)

__all__ = [
    "COSIGNATURE_V1",
    "MAX_TIMESTAMP",
    "CosignatureVerifier",
    "Cosigner",
    "cosignature_time",
    "cosigned_message",
]

COSIGNATURE_V1 = 0x04
"""The signature type of timestamped Ed25519 checkpoint cosignatures."""

MAX_TIMESTAMP = 2**63 - 1
_SIGNATURE_SIZE = 8 + 64


def cosigned_message(checkpoint_text: bytes, timestamp: int) -> bytes:
    """The bytes a witness signs: the header line, the time line, the checkpoint text."""
    _check_timestamp(timestamp)
    return b"cosignature/v1\ntime %d\n" % timestamp + checkpoint_text


def cosignature_time(signature: Signature) -> int:
    """The time (seconds since the epoch) a cosignature says it was made."""
    if len(signature.signature) != _SIGNATURE_SIZE:
        raise NoteError(
            f"the signature of {signature.name} is not a cosignature/v1 (it is "
            f"{len(signature.signature)} bytes, not a timestamp and an Ed25519 signature)"
        )
    return int.from_bytes(signature.signature[:8], "big")


@dataclass(frozen=True)
class Cosigner:
    """A witness's cosigning key: a key name (the witness's identity) and its private key."""

    name: str
    private_key: Ed25519PrivateKey = field(repr=False)
    _signer: Ed25519Signer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_signer", Ed25519Signer(self.name, self.private_key))

    @classmethod
    def generate(cls, name: str) -> Cosigner:
        return cls(name, Ed25519PrivateKey.generate())

    @property
    def public_key(self) -> bytes:
        return self._signer.public_key

    @property
    def key_id(self) -> int:
        return key_id(self.name, COSIGNATURE_V1, self.public_key)

    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self.name, self.public_key)

    def cosign(self, checkpoint_text: str, timestamp: int) -> Signature:
        """The cosignature line of this witness on a checkpoint's note text, made at
        `timestamp` (seconds since the epoch)."""
        signed = self._signer.sign(cosigned_message(checkpoint_text.encode(), timestamp))
        return Signature(self.name, self.key_id, timestamp.to_bytes(8, "big") + signed)


@dataclass(frozen=True)
class CosignatureVerifier:
    """Verifies one witness's cosignatures; a `NoteVerifier`, so `open_note` and
    `open_checkpoint` check cosignatures alongside the log's signature."""

    name: str
    public_key: bytes
    key_id: int = field(init=False)
    _ed25519: Ed25519Verifier = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ed25519", Ed25519Verifier(self.name, self.public_key))
        object.__setattr__(self, "key_id", key_id(self.name, COSIGNATURE_V1, self.public_key))

    @classmethod
    def from_vkey(cls, vkey: str) -> CosignatureVerifier:
        """A verifier from "name+keyid+base64(0x04 || public key)"."""
        return cls(*decode_vkey_of_type(vkey, COSIGNATURE_V1, "a cosignature/v1 key"))

    def to_vkey(self) -> str:
        return encode_vkey(self.name, COSIGNATURE_V1, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        if len(signature) != _SIGNATURE_SIZE:
            return False
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            return False
        return self._ed25519.verify(cosigned_message(text, timestamp), signature[8:])


def _check_timestamp(timestamp: int) -> None:
    if isinstance(timestamp, bool) or not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError(
            f"a cosignature time is whole seconds from 0 to 2**63 - 1, not {timestamp!r}"
        )
