"""Signed notes (https://c2sp.org/signed-note): text signed by one or more named keys.

    If you think cryptography is the answer to your problem,
    then you don't know what your problem is.

    — PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfq...

A signature line is an em dash, the key name and base64(key ID || signature); the key
ID is the first four bytes of SHA-256(name || "\\n" || signature type || public key).
Opening a note verifies the signatures of the keys it knows, ignores the others, and
refuses a note with a bad signature from a known key or with no good one. Keys are
written as in Go's golang.org/x/mod/sumdb/note: a verifier key is
"name+hex(key ID)+base64(type || public key)", a signer key is "PRIVATE+KEY+name+
hex(key ID)+base64(type || 32-byte Ed25519 seed)" (Ed25519 is type 0x01).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from treatyline.ledger.errors import KeyFileError, LedgerError, NoteError

__all__ = [
    "ED25519",
    "MAX_SIGNATURES",
    "Ed25519Signer",
    "Ed25519Verifier",
    "Note",
    "NoteSigner",
    "NoteVerifier",
    "OpenedNote",
    "Signature",
    "add_signatures",
    "check_key_name",
    "decode_base64",
    "decode_vkey",
    "decode_vkey_of_type",
    "encode_vkey",
    "key_id",
    "open_note",
    "parse_note",
    "sign_note",
]

ED25519 = 0x01
"""The signature type of plain Ed25519 note signatures."""

MAX_SIGNATURES = 100
"""More signature lines than this make a note malformed (the spec asks for at least 16)."""

_DASH = "\u2014 "
_PRIVATE_PREFIX = "PRIVATE+KEY+"


class NoteSigner(Protocol):
    """Signs note texts with one named key."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def sign(self, text: bytes) -> bytes:
        """The signature (without the key ID) of the note text's UTF-8 bytes."""
        ...


class NoteVerifier(Protocol):
    """Verifies note signatures by one named key."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether `signature` (without the key ID) is this key's over `text`."""
        ...


def key_id(name: str, signature_type: int, public_key: bytes) -> int:
    """The recommended key ID: the first four bytes, big-endian, of
    SHA-256(name || 0x0A || signature type || public key)."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([signature_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def check_key_name(name: str, error: type[LedgerError] = NoteError) -> None:
    """Refuse a key name that is empty, holds a Unicode space or a plus, or is not Unicode
    text (a lone surrogate: bytes of a command line that were not UTF-8)."""
    if not name or "+" in name or any(char.isspace() for char in name):
        raise error(f"the key name {name!r} must be non-empty, without spaces or '+'")
    if not _is_unicode_text(name):
        raise error(f"the key name {name!r} is not UTF-8 text")


def _is_unicode_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def decode_base64(text: str, what: str, error: type[LedgerError] = NoteError) -> bytes:
    """Standard base64 (RFC 4648 section 4), refusing any other spelling of the same bytes."""
    try:
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as problem:
        raise error(f"{what} is not base64: {problem}") from problem
    if base64.b64encode(decoded).decode() != text:
        raise error(f"{what} is not canonical base64")
    return decoded


def encode_vkey(name: str, signature_type: int, public_key: bytes) -> str:
    """A verifier key string: name+hex(key ID)+base64(type || public key)."""
    check_key_name(name, KeyFileError)
    material = bytes([signature_type]) + public_key
    return f"{name}+{key_id(name, signature_type, public_key):08x}+{_b64(material)}"


def decode_vkey(vkey: str) -> tuple[str, int, bytes]:
    """The name, signature type and public key of a verifier key string, whose key ID
    must match them."""
    name, key_hex, material = _split_key(vkey, "verifier key")
    if len(material) < 2:
        raise KeyFileError(f"the verifier key {vkey!r} has no public key")
    signature_type, public_key = material[0], material[1:]
    if int(key_hex, 16) != key_id(name, signature_type, public_key):
        raise KeyFileError(f"the verifier key {vkey!r} has a key ID that does not match its key")
    return name, signature_type, public_key


def decode_vkey_of_type(vkey: str, signature_type: int, kind: str) -> tuple[str, bytes]:
    """The name and public key of a verifier key that must be of this signature type."""
    name, found_type, public_key = decode_vkey(vkey)
    if found_type != signature_type:
        raise KeyFileError(
            f"the verifier key {vkey!r} is of signature type {found_type:#04x}, "
            f"not {kind} ({signature_type:#04x})"
        )
    return name, public_key


def _split_key(text: str, what: str) -> tuple[str, str, bytes]:
    """Name, key ID and decoded key of "name+keyid+base64"; messages never quote the
    text, which may be a private key."""
    parts = text.split("+", 2)  # base64 may hold '+', names and key IDs may not
    if len(parts) != 3:
        raise KeyFileError(f"a {what} is name+keyid+base64 key, with two '+' at least")
    name, key_hex, encoded = parts
    check_key_name(name, KeyFileError)
    if len(key_hex) != 8 or any(char not in "0123456789abcdef" for char in key_hex):
        raise KeyFileError(f"the key ID of the {what} for {name!r} is not 8 lowercase hex digits")
    key = decode_base64(encoded, f"the key of the {what} for {name!r}", KeyFileError)
    return name, key_hex, key


@dataclass(frozen=True)
class Ed25519Verifier:
    """An Ed25519 note verifier (signature type 0x01) for one named public key."""

    name: str
    public_key: bytes
    key_id: int = field(init=False)
    _key: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_key_name(self.name, KeyFileError)
        if len(self.public_key) != 32:
            raise KeyFileError(
                f"an Ed25519 public key is 32 bytes, not {len(self.public_key)} ({self.name})"
            )
        object.__setattr__(self, "key_id", key_id(self.name, ED25519, self.public_key))
        object.__setattr__(self, "_key", Ed25519PublicKey.from_public_bytes(self.public_key))

    @classmethod
    def from_vkey(cls, vkey: str) -> Ed25519Verifier:
        return cls(*decode_vkey_of_type(vkey, ED25519, "Ed25519"))

    def to_vkey(self) -> str:
        return encode_vkey(self.name, ED25519, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        if len(signature) != 64:
            return False
        try:
            self._key.verify(signature, text)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Ed25519Signer:
    """An Ed25519 note signer (signature type 0x01): a key name and its private key."""

    name: str
    private_key: Ed25519PrivateKey = field(repr=False)
    public_key: bytes = field(init=False)
    key_id: int = field(init=False)

    def __post_init__(self) -> None:
        check_key_name(self.name, KeyFileError)
        public = self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        object.__setattr__(self, "public_key", public)
        object.__setattr__(self, "key_id", key_id(self.name, ED25519, public))

    @classmethod
    def generate(cls, name: str) -> Ed25519Signer:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_skey(cls, skey: str) -> Ed25519Signer:
        """A signer from a key string "PRIVATE+KEY+name+keyid+base64(0x01 || seed)"."""
        if not skey.startswith(_PRIVATE_PREFIX):
            raise KeyFileError("a signer key starts with 'PRIVATE+KEY+'")
        name, key_hex, material = _split_key(skey[len(_PRIVATE_PREFIX) :], "signer key")
        if len(material) != 33 or material[0] != ED25519:
            raise KeyFileError(
                f"the signer key for {name!r} is not an Ed25519 seed (type 0x01, 32 bytes)"
            )
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(material[1:]))
        if int(key_hex, 16) != signer.key_id:
            raise KeyFileError(f"the signer key for {name!r} has a key ID that does not match")
        return signer

    def to_skey(self) -> str:
        seed = self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return f"{_PRIVATE_PREFIX}{self.name}+{self.key_id:08x}+{_b64(bytes([ED25519]) + seed)}"

    def verifier(self) -> Ed25519Verifier:
        return Ed25519Verifier(self.name, self.public_key)

    def sign(self, text: bytes) -> bytes:
        return self.private_key.sign(text)


# -- notes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """One signature line of a note: the key name, key ID and the signature bytes."""

    name: str
    key_id: int
    signature: bytes

    def line(self) -> str:
        """The signature line, em dash to newline."""
        encoded = _b64(self.key_id.to_bytes(4, "big") + self.signature)
        return f"{_DASH}{self.name} {encoded}\n"


@dataclass(frozen=True)
class Note:
    """A note as written: its text (ending in a newline) and its signature lines, none
    of them verified yet."""

    text: str
    signatures: tuple[Signature, ...]

    def to_bytes(self) -> bytes:
        return (self.text + "\n" + "".join(sig.line() for sig in self.signatures)).encode()


@dataclass(frozen=True)
class OpenedNote:
    """A note whose signatures from known keys all verified (at least one did); the
    signatures of unknown keys are kept, unverified, for whoever knows them."""

    text: str
    verified: tuple[Signature, ...]
    unverified: tuple[Signature, ...]

    def is_signed_by(self, verifier: NoteVerifier) -> bool:
        return any(
            sig.name == verifier.name and sig.key_id == verifier.key_id for sig in self.verified
        )


def parse_note(message: bytes | str) -> Note:
    """A signed note read, not verified; `NoteError` says what is malformed."""
    if isinstance(message, bytes):
        try:
            message = message.decode("utf-8")
        except UnicodeDecodeError as error:
            raise NoteError(f"malformed note: not UTF-8 ({error.reason})") from error
    _check_characters(message, "note")
    split = message.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed note: no blank line before the signatures")
    text, lines = message[: split + 1], message[split + 2 :]
    if not lines:
        raise NoteError("malformed note: no signature lines")
    if not lines.endswith("\n"):
        raise NoteError("malformed note: the last signature line does not end in a newline")
    signatures = tuple(
        _parse_signature_line(line, number)
        for number, line in enumerate(lines[:-1].split("\n"), start=1)
    )
    if len(signatures) > MAX_SIGNATURES:
        raise NoteError(f"malformed note: more than {MAX_SIGNATURES} signatures")
    return Note(text, signatures)


def _parse_signature_line(line: str, number: int) -> Signature:
    if not line.startswith(_DASH):
        raise NoteError(f"malformed note: signature line {number} does not start with an em dash")
    parts = line[len(_DASH) :].split(" ")
    if len(parts) != 2:
        raise NoteError(f"malformed note: signature line {number} is not '— name signature'")
    name, encoded = parts
    check_key_name(name)
    raw = decode_base64(encoded, f"signature line {number}")
    if len(raw) < 5:
        raise NoteError(f"malformed note: signature line {number} is too short")
    return Signature(name, int.from_bytes(raw[:4], "big"), raw[4:])


def _check_characters(text: str, what: str) -> None:
    for char in text:
        if char < " " and char != "\n":
            raise NoteError(f"malformed {what}: control character {ord(char):#04x}")


def open_note(message: bytes | str, verifiers: Iterable[NoteVerifier]) -> OpenedNote:
    """Read a signed note and verify the signatures of the known keys (matched on both
    name and key ID); refuse it if one of them fails or none is there."""
    note = parse_note(message)
    known: dict[tuple[str, int], NoteVerifier | None] = {}
    for verifier in verifiers:
        slot = (verifier.name, verifier.key_id)
        known[slot] = None if slot in known else verifier  # None: two keys, ambiguous
    text = note.text.encode()
    verified: dict[tuple[str, int], Signature] = {}
    unverified: dict[Signature, None] = {}
    for sig in note.signatures:
        slot = (sig.name, sig.key_id)
        if slot not in known:
            unverified[sig] = None
            continue
        match = known[slot]
        if match is None:
            raise NoteError(f"ambiguous key {sig.name}+{sig.key_id:08x}: two verifiers match")
        if not match.verify(text, sig.signature):
            raise NoteError(f"invalid signature for key {sig.name}+{sig.key_id:08x}")
        verified.setdefault(slot, sig)
    if not verified:
        names = ", ".join(sorted({sig.name for sig in note.signatures}))
        raise NoteError(f"the note has no signature from a known key (signed by {names})")
    return OpenedNote(note.text, tuple(verified.values()), tuple(unverified))


def sign_note(text: str, signers: Iterable[NoteSigner]) -> bytes:
    """A signed note of `text` (which must end in a newline) signed by each signer."""
    return add_signatures(Note(text, ()), [_signature(text, signer) for signer in signers])


def add_signatures(note: Note | bytes, signatures: Sequence[Signature]) -> bytes:
    """The note with these signatures added; one of the same key replaces the old one."""
    if isinstance(note, bytes):
        note = parse_note(note)
    _check_text(note.text)
    replaced = {(sig.name, sig.key_id) for sig in signatures}
    kept = [sig for sig in note.signatures if (sig.name, sig.key_id) not in replaced]
    return Note(note.text, (*kept, *signatures)).to_bytes()


def _signature(text: str, signer: NoteSigner) -> Signature:
    _check_text(text)
    check_key_name(signer.name)
    return Signature(signer.name, signer.key_id, signer.sign(text.encode()))


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("a note text must end in a newline")
    _check_characters(text, "note text")
    try:
        text.encode()
    except UnicodeEncodeError as error:
        raise NoteError("a note text must be Unicode text (it has a lone surrogate)") from error


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
