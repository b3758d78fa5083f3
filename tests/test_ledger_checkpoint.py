"""Checkpoints: strict reading of the note text, signing and opening, a real one."""

from __future__ import annotations

import base64

import pytest

from treatyline.ledger.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from treatyline.ledger.errors import CheckpointError, NoteError
from treatyline.ledger.notes import Ed25519Signer, sign_note

ROOT = base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
# The example text of https://c2sp.org/tlog-checkpoint
EXAMPLE = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"


def test_the_spec_example_text_reads_and_writes_back() -> None:
    checkpoint = Checkpoint.from_text(EXAMPLE)
    assert checkpoint == Checkpoint("example.com/behind-the-sofa", 20852163, ROOT)
    assert checkpoint.to_text() == EXAMPLE


def test_extension_lines_are_kept_in_order() -> None:
    text = EXAMPLE + "ext one\next two\n"
    checkpoint = Checkpoint.from_text(text)
    assert checkpoint.extensions == ("ext one", "ext two")
    assert checkpoint.to_text() == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (EXAMPLE[:-1], "ends in a newline"),
        ("origin\n5\n", "this has 2"),
        ("\n5\n" + EXAMPLE.split("\n")[2] + "\n", "the origin, is empty"),
        (EXAMPLE.replace("20852163", "020852163"), "without leading zeros: '020852163'"),
        (EXAMPLE.replace("20852163", "+5"), "not a decimal number"),
        (EXAMPLE.replace("20852163", "\u0665"), "not a decimal number"),
        (EXAMPLE.replace("20852163", str(2**64)), "passes 2\\*\\*64 - 1"),
        (EXAMPLE.replace("CsUYapGGPo4dkMgIAUqom", "CsUYap!GPo4dkMgIAUqom"), "line 3 .* not base64"),
        ("o\n1\nAAAA\n", "the root hash, is 3 bytes, not 32"),
        (EXAMPLE + "\n", "line 4 of the checkpoint, an extension, is empty"),
    ],
)
def test_malformed_checkpoint_texts(text: str, reason: str) -> None:
    with pytest.raises(CheckpointError, match=reason):
        Checkpoint.from_text(text)


def test_bad_values_are_refused_when_made() -> None:
    with pytest.raises(CheckpointError, match="root hash is 32 bytes, not 3"):
        Checkpoint("o", 1, b"abc")
    with pytest.raises(CheckpointError, match="one non-empty line"):
        Checkpoint("two\nlines", 1, ROOT)
    with pytest.raises(CheckpointError, match="from 0 to 2\\*\\*64 - 1"):
        Checkpoint("o", -1, ROOT)


def test_a_signed_checkpoint_opens_with_the_log_key_only() -> None:
    log = Ed25519Signer.generate("depositary.example/log")
    stranger = Ed25519Signer.generate("depositary.example/log")
    checkpoint = Checkpoint("depositary.example/log", 3, ROOT)
    note = sign_checkpoint(checkpoint, log)
    signed = open_checkpoint(note, log.verifier())
    assert signed.checkpoint == checkpoint
    assert signed.note == note
    with pytest.raises(NoteError, match="no signature from a known key"):
        open_checkpoint(note, stranger.verifier())
    # Signed by another known key only: opened, but not the log's checkpoint.
    other = Ed25519Signer.generate("someone.example")
    by_other = sign_checkpoint(checkpoint, other)
    with pytest.raises(NoteError, match="not signed by the log's key"):
        open_checkpoint(by_other, log.verifier(), [other.verifier()])


def test_a_changed_size_breaks_the_log_signature() -> None:
    log = Ed25519Signer.generate("depositary.example/log")
    note = sign_checkpoint(Checkpoint("depositary.example/log", 3, ROOT), log)
    forged = note.replace(b"\n3\n", b"\n4\n", 1)
    with pytest.raises(NoteError, match="invalid signature"):
        open_checkpoint(forged, log.verifier())


def test_a_checkpoint_with_a_text_that_is_not_a_checkpoint_is_refused() -> None:
    log = Ed25519Signer.generate("depositary.example/log")
    with pytest.raises(CheckpointError, match="this has 1"):
        open_checkpoint(sign_note("just a note\n", [log]), log.verifier())
