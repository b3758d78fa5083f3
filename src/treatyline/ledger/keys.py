"""The parties' Ed25519 keys: the digital "full powers" that sign their instruments.

A party key is an Ed25519 key with the party's code (e.g. "UA") and a key name (the
name its signatures carry in notes, e.g. "mfa.gov.ua/istanbul-2022"). Its key ID is the
signed-note key ID (type 0x01). On disk it is PKCS#8 PEM, as written by `cryptography`,
optionally encrypted with a passphrase, after two header lines that RFC 7468 allows
before the PEM block:

    Party: UA
    Key-Name: mfa.gov.ua/istanbul-2022
    -----BEGIN PRIVATE KEY-----
    MC4CAQAwBQYDK2VwBCIEI...
    -----END PRIVATE KEY-----

The public half is exported the same way (a SubjectPublicKeyInfo PEM) or as a note
verifier key string.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

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

from treatyline.ledger.errors import KeyFileError
from treatyline.ledger.notes import Ed25519Signer, Ed25519Verifier, check_key_name

__all__ = [
    "PartyKey",
    "PublicPartyKey",
    "generate_party_key",
    "load_party_key",
    "save_party_key",
]

_PARTY = "Party"
_KEY_NAME = "Key-Name"


@dataclass(frozen=True)
class PublicPartyKey:
    """A party's public key, as the depositary registers it."""

    party: str
    name: str
    public_key: bytes
    _verifier: Ed25519Verifier = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_party(self.party)
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
        return _headers(self.party, self.name) + pem

    @classmethod
    def from_pem(cls, data: bytes, source: str = "the public key") -> PublicPartyKey:
        party, name, block = _read_headers(data, source)
        try:
            key = load_pem_public_key(block)
        except (ValueError, UnsupportedAlgorithm) as error:
            raise KeyFileError(f"{source} is not a PEM public key ({error})") from error
        if not isinstance(key, Ed25519PublicKey):
            raise KeyFileError(f"{source} holds a {_kind(key)} key, not an Ed25519 key")
        return cls(party, name, key.public_bytes(Encoding.Raw, PublicFormat.Raw))


@dataclass(frozen=True)
class PartyKey:
    """A party's private key, to sign its instruments with."""

    party: str
    name: str
    private_key: Ed25519PrivateKey = field(repr=False)
    _signer: Ed25519Signer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_party(self.party)
        object.__setattr__(self, "_signer", Ed25519Signer(self.name, self.private_key))

    @property
    def key_id(self) -> int:
        return self._signer.key_id

    def public(self) -> PublicPartyKey:
        return PublicPartyKey(self.party, self.name, self._signer.public_key)

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
        return _headers(self.party, self.name) + pem

    @classmethod
    def from_pem(
        cls, data: bytes, passphrase: bytes | None = None, source: str = "the key file"
    ) -> PartyKey:
        party, name, block = _read_headers(data, source)
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
            raise KeyFileError(
                f"{source} is not a PEM private key, or its passphrase is wrong"
            ) from error
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyFileError(f"{source} holds a {_kind(key)} key, not an Ed25519 key")
        return cls(party, name, key)


def generate_party_key(party: str, name: str) -> PartyKey:
    """A new Ed25519 key for a party (from the operating system's randomness)."""
    return PartyKey(party, name, Ed25519PrivateKey.generate())


def save_party_key(key: PartyKey, path: Path, passphrase: bytes | None = None) -> None:
    """Write a party's private key file, readable by its owner only; never overwrite."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as error:
        raise KeyFileError(f"{path} exists already; a key file is never overwritten") from error
    with os.fdopen(descriptor, "wb") as file:
        file.write(key.to_pem(passphrase))


def load_party_key(path: Path, passphrase: bytes | None = None) -> PartyKey:
    """Read a party's private key file."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise KeyFileError(f"cannot read the key file {path}: {error.strerror}") from error
    return PartyKey.from_pem(data, passphrase, source=f"the key file {path}")


def _headers(party: str, name: str) -> bytes:
    return f"{_PARTY}: {party}\n{_KEY_NAME}: {name}\n".encode()


def _read_headers(data: bytes, source: str) -> tuple[str, str, bytes]:
    """The party, key name and PEM block of a key file; refuse anything else."""
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
        if not colon or label not in (_PARTY, _KEY_NAME) or label in headers:
            raise KeyFileError(
                f"{source}, line {number}: expected 'Party: CODE' and 'Key-Name: NAME' "
                f"before the PEM block, not {line!r}"
            )
        headers[label] = value.strip()
    missing = [label for label in (_PARTY, _KEY_NAME) if label not in headers]
    if missing:
        raise KeyFileError(f"{source} has no {' or '.join(missing)} line before the PEM block")
    try:
        _check_party(headers[_PARTY])
        check_key_name(headers[_KEY_NAME], KeyFileError)
    except KeyFileError as error:
        raise KeyFileError(f"{source}: {error.diagnostics[0].message}") from None
    return headers[_PARTY], headers[_KEY_NAME], text[start:].encode()


def _check_party(party: str) -> None:
    if not party or any(char.isspace() for char in party):
        raise KeyFileError(f"a party code is non-empty, without spaces, not {party!r}")


def _kind(key: object) -> str:
    return type(key).__name__.removeprefix("_").replace("PrivateKey", "").replace("PublicKey", "")
