"""The parties' Ed25519 keys: the digital "full powers" that sign their instruments.

A party key is an Ed25519 key with the party's code (e.g. "UA") and a key name (the
name its signatures carry in notes, e.g. "mfa.gov.ua/istanbul-2022"). Its key ID is the
signed-note key ID (type 0x01). On disk it is PKCS#8 PEM, as written by `cryptography`,
optionally encrypted with a passphrase, after header lines that RFC 7468 allows before
the PEM block:

    Party: UA
    Key-Name: mfa.gov.ua/istanbul-2022
    -----BEGIN PRIVATE KEY-----
    MC4CAQAwBQYDK2VwBCIEI...
    -----END PRIVATE KEY-----

A witness's key (it cosigns checkpoints, never an instrument) has a third line,
`Key-Use: witness`: the C2SP specs advise one key per kind of signature, so that a
signature of one kind can never be passed off as another. A key file without the line
is a party key, for instruments (and for the depositary, its checkpoints).

The public half is exported the same way (a SubjectPublicKeyInfo PEM) or as a note
verifier key string.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    KeySerializationEncryption,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from treatyline.inputs import read_input_bytes
from treatyline.ledger.errors import KeyFileError
from treatyline.ledger.notes import Ed25519Signer, Ed25519Verifier, check_key_name

__all__ = [
    "PARTY_USE",
    "WITNESS_USE",
    "PartyKey",
    "PublicPartyKey",
    "generate_party_key",
    "is_encrypted_key",
    "load_party_key",
    "read_key_file",
    "save_party_key",
]

_PARTY = "Party"
_KEY_NAME = "Key-Name"
_KEY_USE = "Key-Use"
PARTY_USE: Final = "party"
"""A key that signs a party's instruments (the depositary's: its checkpoints too)."""
WITNESS_USE: Final = "witness"
"""A key that cosigns checkpoints as a witness, and nothing else."""
_USES = (PARTY_USE, WITNESS_USE)
MAX_KEY_FILE_BYTES: Final = 64 * 1024
"""A key file is a few hundred bytes; anything much larger is not one (read no further)."""


@dataclass(frozen=True)
class PublicPartyKey:
    """A party's public key, as the depositary registers it."""

    party: str
    name: str
    public_key: bytes
    use: str = PARTY_USE
    _verifier: Ed25519Verifier = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_party(self.party)
        _check_use(self.use)
        object.__setattr__(self, "_verifier", Ed25519Verifier(self.name, self.public_key))

    @property
    def key_id(self) -> int:
        """The signed-note key ID of this key (type 0x01)."""
        return self._verifier.key_id

    def verifier(self) -> Ed25519Verifier:
        """The note verifier of this key."""
        return self._verifier

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether `signature` is this key's Ed25519 signature of `message`."""
        return self._verifier.verify(message, signature)

    def to_pem(self) -> bytes:
        pem = Ed25519PublicKey.from_public_bytes(self.public_key).public_bytes(
            Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
        )
        return _headers(self.party, self.name, self.use) + pem

    @classmethod
    def from_pem(cls, data: bytes, source: str = "the public key") -> PublicPartyKey:
        party, name, use, block = _read_headers(data, source)
        try:
            key = load_pem_public_key(block)
        except (ValueError, UnsupportedAlgorithm) as error:
            raise KeyFileError(f"{source} is not a PEM public key ({error})") from error
        if not isinstance(key, Ed25519PublicKey):
            raise KeyFileError(f"{source} holds a {_kind(key)} key, not an Ed25519 key")
        return cls(party, name, key.public_bytes(Encoding.Raw, PublicFormat.Raw), use)


@dataclass(frozen=True)
class PartyKey:
    """A party's private key, to sign its instruments with."""

    party: str
    name: str
    private_key: Ed25519PrivateKey = field(repr=False)
    use: str = PARTY_USE
    _signer: Ed25519Signer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_party(self.party)
        _check_use(self.use)
        object.__setattr__(self, "_signer", Ed25519Signer(self.name, self.private_key))

    @property
    def key_id(self) -> int:
        return self._signer.key_id

    def public(self) -> PublicPartyKey:
        return PublicPartyKey(self.party, self.name, self._signer.public_key, self.use)

    def signer(self) -> Ed25519Signer:
        """The note signer of this key."""
        return self._signer

    def sign(self, message: bytes) -> bytes:
        """The Ed25519 signature of `message` (64 bytes)."""
        return self.private_key.sign(message)

    def to_pem(self, passphrase: bytes | None = None) -> bytes:
        """The key file's content; encrypted when a passphrase is given."""
        encryption: KeySerializationEncryption = (
            BestAvailableEncryption(passphrase) if passphrase else NoEncryption()
        )
        pem = self.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, encryption)
        return _headers(self.party, self.name, self.use) + pem

    @classmethod
    def from_pem(
        cls, data: bytes, passphrase: bytes | None = None, source: str = "the key file"
    ) -> PartyKey:
        party, name, use, block = _read_headers(data, source)
        try:
            key = load_pem_private_key(block, password=passphrase)
        except TypeError as error:  # cryptography: encrypted without passphrase, or the reverse
            state = (
                "encrypted: give its passphrase"
                if passphrase is None
                else "not encrypted, but a passphrase was given"
            )
            raise KeyFileError(f"{source} is {state}") from error
        except (ValueError, UnsupportedAlgorithm) as error:
            problem = (
                "is encrypted, and the passphrase given is wrong"
                if passphrase is not None and is_encrypted_key(block)
                else "holds a public key: signing needs the private key file"
                if b"-----BEGIN PUBLIC KEY-----" in block
                else "is not a PEM private key (truncated or damaged?)"
            )
            raise KeyFileError(f"{source} {problem}") from error
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyFileError(f"{source} holds a {_kind(key)} key, not an Ed25519 key")
        return cls(party, name, key, use)


def generate_party_key(party: str, name: str, use: str = PARTY_USE) -> PartyKey:
    """A new Ed25519 key for a party, or for its witness (from the operating system's
    randomness)."""
    return PartyKey(party, name, Ed25519PrivateKey.generate(), use)


def is_encrypted_key(data: bytes) -> bool:
    """Whether a key file's content is an encrypted private key (needs a passphrase)."""
    return b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in data


def save_party_key(key: PartyKey, path: Path, passphrase: bytes | None = None) -> None:
    """Write a party's private key file, readable by its owner only; never overwrite."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as error:
        raise KeyFileError(f"{path} exists already; a key file is never overwritten") from error
    with os.fdopen(descriptor, "wb") as file:
        file.write(key.to_pem(passphrase))


def read_key_file(path: Path) -> bytes:
    """A key file's bytes: a regular file, of a key file's size; KeyFileError naming it."""
    return read_input_bytes(path, "key file", KeyFileError, max_bytes=MAX_KEY_FILE_BYTES)


def load_party_key(path: Path, passphrase: bytes | None = None) -> PartyKey:
    """Read a party's private key file."""
    return PartyKey.from_pem(read_key_file(path), passphrase, source=f"the key file {path}")


def _headers(party: str, name: str, use: str) -> bytes:
    witness = f"{_KEY_USE}: {use}\n" if use != PARTY_USE else ""
    return f"{_PARTY}: {party}\n{_KEY_NAME}: {name}\n{witness}".encode()


def _read_headers(data: bytes, source: str) -> tuple[str, str, str, bytes]:
    """The party, key name, key use and PEM block of a key file; refuse anything else."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as error:
        raise KeyFileError(f"{source} is not a text key file (PEM)") from error
    start = text.find("-----BEGIN ")
    if start < 0:
        raise KeyFileError(f"{source} has no PEM block ('-----BEGIN ...')")
    headers: dict[str, str] = {}
    for number, line in enumerate(text[:start].splitlines(), start=1):
        label, colon, value = line.partition(":")
        if not colon or label not in (_PARTY, _KEY_NAME, _KEY_USE) or label in headers:
            raise KeyFileError(
                f"{source}, line {number}: expected 'Party: CODE', 'Key-Name: NAME' (and "
                f"for a witness's key 'Key-Use: witness') before the PEM block, not {line!r}"
            )
        headers[label] = value.strip()
    missing = [label for label in (_PARTY, _KEY_NAME) if label not in headers]
    if missing:
        raise KeyFileError(f"{source} has no {' or '.join(missing)} line before the PEM block")
    use = headers.get(_KEY_USE, PARTY_USE)
    try:
        _check_party(headers[_PARTY])
        check_key_name(headers[_KEY_NAME], KeyFileError)
        _check_use(use)
    except KeyFileError as error:
        raise KeyFileError(f"{source}: {error.diagnostics[0].message}") from None
    return headers[_PARTY], headers[_KEY_NAME], use, text[start:].encode()


def _check_party(party: str) -> None:
    # a lone surrogate is a command line's byte that was not UTF-8: no party's code
    if not party or any(char.isspace() or "\ud800" <= char <= "\udfff" for char in party):
        raise KeyFileError(f"a party code is non-empty UTF-8 text without spaces, not {party!r}")


def _check_use(use: str) -> None:
    if use not in _USES:
        raise KeyFileError(f"a key's use is {' or '.join(map(repr, _USES))}, not {use!r}")


def _kind(key: object) -> str:
    return type(key).__name__.removeprefix("_").replace("PrivateKey", "").replace("PublicKey", "")
