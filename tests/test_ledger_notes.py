"""Signed notes against the published vectors of golang.org/x/mod/sumdb/note
(note_test.go and the package documentation) and of the C2SP signed-note spec."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treatyline.ledger.errors import KeyFileError, NoteError
from treatyline.ledger.notes import (
    Ed25519Signer,
    Ed25519Verifier,
    Signature,
    add_signatures,
    key_id,
    open_note,
    parse_note,
    sign_note,
)

# golang.org/x/mod sumdb/note/note_test.go
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngot"
    "pRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox"
    "33WWd1RvMc+QQ=\n"
)
# https://c2sp.org/signed-note, "Example"
C2SP_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
C2SP_NOTE = (
    "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2O"
    "NncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)


def peter() -> Ed25519Verifier:
    return Ed25519Verifier.from_vkey(PETER_VKEY)


def enoch() -> Ed25519Verifier:
    return Ed25519Verifier.from_vkey(ENOCH_VKEY)


def test_keys_parse_and_round_trip() -> None:
    verifier = peter()
    signer = Ed25519Signer.from_skey(PETER_SKEY)
    assert (verifier.name, verifier.key_id) == ("PeterNeumann", 0xC74F20A3)
    assert signer.key_id == verifier.key_id
    assert signer.verifier() == verifier
    assert verifier.to_vkey() == PETER_VKEY
    assert signer.to_skey() == PETER_SKEY


def test_signing_gives_the_published_note() -> None:
    signer = Ed25519Signer.from_skey(PETER_SKEY)
    assert sign_note(TEXT, [signer]) == (TEXT + "\n" + PETER_SIG).encode()


def test_signing_again_replaces_the_old_signature_of_the_key() -> None:
    signer = Ed25519Signer.from_skey(PETER_SKEY)
    stale = Signature("PeterNeumann", 0xC74F20A3, b"old signature")
    note = parse_note((TEXT + "\n" + PETER_SIG).encode())
    assert add_signatures(note, [stale]) == (TEXT + "\n" + stale.line()).encode()
    signed_again = add_signatures(add_signatures(note, [stale]), [_signature_of(signer)])
    assert signed_again == (TEXT + "\n" + PETER_SIG).encode()


def _signature_of(signer: Ed25519Signer) -> Signature:
    return Signature(signer.name, signer.key_id, signer.sign(TEXT.encode()))


def test_opening_with_one_known_key_keeps_the_other_unverified() -> None:
    opened = open_note((TEXT + "\n" + PETER_SIG + ENOCH_SIG).encode(), [peter()])
    assert opened.text == TEXT
    assert [sig.name for sig in opened.verified] == ["PeterNeumann"]
    assert [(sig.name, sig.key_id) for sig in opened.unverified] == [("EnochRoot", 0xAF0CFE78)]
    assert opened.is_signed_by(peter()) and not opened.is_signed_by(enoch())


def test_opening_with_both_keys_verifies_both() -> None:
    opened = open_note((TEXT + "\n" + PETER_SIG + ENOCH_SIG).encode(), [peter(), enoch()])
    assert [sig.name for sig in opened.verified] == ["PeterNeumann", "EnochRoot"]
    assert opened.unverified == ()


def test_the_c2sp_example_note_verifies() -> None:
    opened = open_note(C2SP_NOTE, [Ed25519Verifier.from_vkey(C2SP_VKEY)])
    assert opened.text == "This is an example message.\n"


def test_a_note_without_a_known_signature_is_refused() -> None:
    with pytest.raises(NoteError, match="no signature from a known key"):
        open_note((TEXT + "\n" + PETER_SIG + ENOCH_SIG).encode(), [])


def test_a_bad_signature_from_a_known_key_is_refused() -> None:
    tampered = TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(NoteError, match="invalid signature for key PeterNeumann\\+c74f20a3"):
        open_note(tampered.encode(), [peter()])
    with pytest.raises(NoteError, match="invalid signature"):
        open_note(("If you think\n" + "\n" + PETER_SIG).encode(), [peter()])


def test_two_verifiers_for_one_key_are_ambiguous_only_when_used() -> None:
    with pytest.raises(NoteError, match="ambiguous key EnochRoot\\+af0cfe78"):
        open_note((TEXT + "\n" + ENOCH_SIG).encode(), [enoch(), peter(), enoch()])
    open_note((TEXT + "\n" + PETER_SIG).encode(), [enoch(), peter(), enoch()])


def test_repeated_signatures_are_counted_once() -> None:
    enoch_abcd = ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:]
    message = TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + enoch_abcd
    opened = open_note(message.encode(), [peter()])
    assert len(opened.verified) == 1
    assert len(opened.unverified) == 2


def test_too_many_signatures_make_a_malformed_note() -> None:
    with pytest.raises(NoteError, match="more than 100 signatures"):
        open_note((TEXT + "\n" + PETER_SIG * 101).encode(), [peter()])


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (TEXT, "no blank line"),
        (TEXT + "\n", "no signature lines"),
        (TEXT + "\n" + PETER_SIG[:-1], "does not end in a newline"),
        ("\x01" + TEXT + "\n" + PETER_SIG, "control character 0x01"),
        (b"\xff" + (TEXT + "\n" + PETER_SIG).encode(), "not UTF-8"),
        (TEXT + "\n— Bad Name " + PETER_SIG.split(" ")[2], "is not '— name signature'"),
        (TEXT + "\n" + PETER_SIG + "Unexpected line.\n", "does not start with an em dash"),
        (TEXT + "\n— PeterNeumann AAAA\n", "too short"),
        (TEXT + "\n— PeterNeumann x08go/ZJ!\n", "not base64"),
    ],
)
def test_malformed_notes(message: str | bytes, reason: str) -> None:
    data = message if isinstance(message, bytes) else message.encode()
    with pytest.raises(NoteError, match=reason):
        open_note(data, [peter()])


def _manglings(key: str) -> list[str]:
    """Every proper substring of the key and every one-character increment of it, as
    note_test.go tries them."""
    substrings = [
        key[start:end]
        for start in range(len(key) + 1)
        for end in range(start + 1, len(key) + 1)
        if (start, end) != (0, len(key))
    ]
    increments = [key[:at] + chr(ord(key[at]) + 1) + key[at + 1 :] for at in range(len(key))]
    return substrings + increments


def test_mangled_verifier_keys_are_refused() -> None:
    for mangled in _manglings(PETER_VKEY):
        with pytest.raises(KeyFileError):
            Ed25519Verifier.from_vkey(mangled)
    # note_test.go: a key of the wrong length and an unknown type, with matching key IDs
    for bad in [
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ]:
        with pytest.raises(KeyFileError):
            Ed25519Verifier.from_vkey(bad)


def test_mangled_signer_keys_are_refused() -> None:
    for mangled in _manglings(PETER_SKEY):
        with pytest.raises(KeyFileError):
            Ed25519Signer.from_skey(mangled)


def test_a_generated_key_signs_notes_its_verifier_opens() -> None:
    signer = Ed25519Signer.generate("depositary.example/treaty")
    message = sign_note("a\n\nb\n", [signer])
    opened = open_note(message, [Ed25519Verifier.from_vkey(signer.verifier().to_vkey())])
    assert opened.text == "a\n\nb\n"
    assert signer.key_id == key_id(signer.name, 0x01, signer.public_key)
    assert Ed25519Signer.from_skey(signer.to_skey()).public_key == signer.public_key


@pytest.mark.parametrize(
    ("text", "reason"),
    [("no newline", "must end in a newline"), ("tab\there\n", "control character 0x09")],
)
def test_texts_that_cannot_be_signed(text: str, reason: str) -> None:
    with pytest.raises(NoteError, match=reason):
        sign_note(text, [Ed25519Signer.from_skey(PETER_SKEY)])


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\u00a0b"])
def test_bad_key_names_are_refused(name: str) -> None:
    with pytest.raises(KeyFileError, match="must be non-empty, without spaces"):
        Ed25519Signer.generate(name)


NOTE_TEXTS = st.lists(
    st.text(st.characters(min_codepoint=0x20, exclude_categories=("Cs",)), max_size=30),
    min_size=1,
    max_size=5,
).map(lambda lines: "\n".join(lines) + "\n")
SIGNER = Ed25519Signer.from_skey(PETER_SKEY)


@settings(max_examples=200)
@given(NOTE_TEXTS)
def test_any_note_text_signs_opens_and_keeps_its_text(text: str) -> None:
    message = sign_note(text, [SIGNER])
    opened = open_note(message, [peter()])
    assert opened.text == text
    assert [sig.name for sig in opened.verified] == ["PeterNeumann"]
