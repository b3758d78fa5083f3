"""Party keys: generation, key files, public export, and the refusals of what is not one."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from treatyline.ledger.errors import KeyFileError
from treatyline.ledger.keys import (
    PartyKey,
    PublicPartyKey,
    generate_party_key,
    load_party_key,
    save_party_key,
)
from treatyline.ledger.notes import Ed25519Signer, open_note, sign_note

# golang.org/x/mod sumdb/note/note_test.go: the PeterNeumann key, as a party key.
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"


def test_a_key_file_round_trips(tmp_path: Path) -> None:
    key = generate_party_key("UA", "mfa.gov.ua/istanbul-2022")
    path = tmp_path / "ua.pem"
    save_party_key(key, path)
    assert path.stat().st_mode & 0o777 == 0o600
    loaded = load_party_key(path)
    assert (loaded.party, loaded.name, loaded.public()) == ("UA", key.name, key.public())
    assert path.read_text().startswith("Party: UA\nKey-Name: mfa.gov.ua/istanbul-2022\n-----BEGIN")


def test_an_encrypted_key_file_needs_its_passphrase(tmp_path: Path) -> None:
    key = generate_party_key("GB", "fcdo.gov.uk/treaty")
    path = tmp_path / "gb.pem"
    save_party_key(key, path, passphrase=b"correct horse")
    assert load_party_key(path, b"correct horse").public() == key.public()
    with pytest.raises(KeyFileError, match="is encrypted: give its passphrase"):
        load_party_key(path)
    with pytest.raises(KeyFileError, match="the passphrase given is wrong"):
        load_party_key(path, b"wrong")
    plain = tmp_path / "plain.pem"
    save_party_key(key, plain)
    with pytest.raises(KeyFileError, match="not encrypted, but a passphrase was given"):
        load_party_key(plain, b"correct horse")


def test_a_key_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "ua.pem"
    save_party_key(generate_party_key("UA", "ua"), path)
    with pytest.raises(KeyFileError, match="exists already"):
        save_party_key(generate_party_key("UA", "ua"), path)


def test_signatures_and_the_note_key_id() -> None:
    peter = Ed25519Signer.from_skey(PETER_SKEY)
    key = PartyKey("XX", "PeterNeumann", peter.private_key)
    assert key.key_id == key.public().key_id == 0xC74F20A3
    assert key.public().verifier().to_vkey() == (
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    )
    message = b'{"act":"ratification","party":"XX"}'
    signature = key.sign(message)
    assert key.public().verify(message, signature)
    assert not key.public().verify(message + b" ", signature)
    note = sign_note("a signed instrument\n", [key.signer()])
    assert open_note(note, [key.public().verifier()]).text == "a signed instrument\n"


def test_the_public_key_exports_and_reads_back() -> None:
    public = generate_party_key("TR", "mfa.gov.tr/host").public()
    pem = public.to_pem()
    assert b"-----BEGIN PUBLIC KEY-----" in pem
    assert PublicPartyKey.from_pem(pem) == public


def _pem_of(private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x89PNG\r\n", "not a text key file"),
        (b"Party: UA\nKey-Name: ua\n", "has no PEM block"),
        (b"Party: UA\n-----BEGIN PRIVATE KEY-----\n", "has no Key-Name line"),
        (b"Colour: blue\n-----BEGIN PRIVATE KEY-----\n", "line 1: expected 'Party: CODE'"),
        (b"Party: UA\nKey-Name: a b\n-----BEGIN PRIVATE KEY-----\n", "without spaces or '\\+'"),
        (b"Party: UA\nKey-Name: ua\n-----BEGIN PRIVATE KEY-----\nAAAA\n", "not a PEM private key"),
        (b"Party: \nKey-Name: ua\n-----BEGIN PRIVATE KEY-----\n", "a party code is non-empty"),
        (b"Party: UA\nKey-Name: ua\n" + _pem_of(rsa.generate_private_key(65537, 1024)), "RSA key"),
        (b"Party: UA\nKey-Name: ua\n" + _pem_of(ec.generate_private_key(ec.SECP256R1())), "EC key"),
    ],
)
def test_what_is_not_a_party_key_is_refused(data: bytes, reason: str, tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    path.write_bytes(data)
    with pytest.raises(KeyFileError, match=reason) as raised:
        load_party_key(path)
    assert str(path) in str(raised.value)


def test_a_missing_key_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match=r"missing\.pem.*no such key file"):
        load_party_key(tmp_path / "missing.pem")


def test_a_public_key_file_that_is_not_ed25519_is_refused() -> None:
    public_pem = (
        rsa.generate_private_key(65537, 1024)
        .public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(KeyFileError, match="RSA key, not an Ed25519 key"):
        PublicPartyKey.from_pem(b"Party: UA\nKey-Name: ua\n" + public_pem)
