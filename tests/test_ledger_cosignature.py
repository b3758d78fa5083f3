"""Cosignatures (cosignature/v1) against a real witnessed checkpoint and the spec."""

from __future__ import annotations

import pytest

from treatyline.ledger.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from treatyline.ledger.cosignature import (
    CosignatureVerifier,
    Cosigner,
    cosignature_time,
    cosigned_message,
)
from treatyline.ledger.errors import KeyFileError, NoteError
from treatyline.ledger.notes import (
    Ed25519Signer,
    Ed25519Verifier,
    add_signatures,
    open_note,
    parse_note,
)

# A checkpoint of the transparency.dev staging static-ct log arche2025h1, signed by the
# log's Ed25519 checkpoint key and cosigned (cosignature/v1) by the public witness
# remora.n621.de among others, as quoted in a public Python test suite (tlog_scales);
# the two verifier keys are the ones the log and the witness publish.
REAL_CHECKPOINT = (
    "arche2025h1.staging.ct.transparency.dev\n"
    "1432088532\n"
    "U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n"
    "\n"
    "— arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGR"
    "EPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=\n"
    "— arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzb"
    "C3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=\n"
    "— transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/KYTzwZ"
    "2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==\n"
    "— witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEc"
    "xZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==\n"
    "— remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9s"
    "XTynk5XeU/zZ0WBxtqB0DrAWfBw==\n"
    "— witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJm"
    "IY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==\n"
)
LOG_VKEY = (
    "arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f"
)
# Also a vector of transparency-dev/formats note/note_cosigv1_test.go (a native 0x04 vkey).
REMORA_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"


def test_a_real_witnessed_checkpoint_verifies() -> None:
    log = Ed25519Verifier.from_vkey(LOG_VKEY)
    witness = CosignatureVerifier.from_vkey(REMORA_VKEY)
    signed = open_checkpoint(REAL_CHECKPOINT.encode(), log, [witness])
    assert signed.checkpoint.size == 1432088532
    (cosignature,) = [sig for sig in signed.opened.verified if sig.name == "remora.n621.de"]
    assert cosignature_time(cosignature) == 1779573024
    assert witness.to_vkey() == REMORA_VKEY


def test_the_real_cosignature_fails_on_another_size() -> None:
    forged = REAL_CHECKPOINT.replace("1432088532", "1432088533")
    witness = CosignatureVerifier.from_vkey(REMORA_VKEY)
    with pytest.raises(NoteError, match=r"invalid signature for key remora\.n621\.de"):
        open_note(forged.encode(), [witness])


def test_the_timestamps_of_published_cosignatures() -> None:
    # The C2SP tlog-cosignature example line, and transparency-dev/formats's
    # TestCoSigV1Timestamp vector.
    spec = parse_note(
        b"o\n\n\xe2\x80\x94 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI"
        b"5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
        b"\xe2\x80\x94 w ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+"
        b"8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==\n"
    )
    assert [cosignature_time(sig) for sig in spec.signatures] == [1679315147, 1727964367]


def test_the_signed_message_is_laid_out_as_the_spec_shows() -> None:
    text = b"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    assert cosigned_message(text, 1679315147) == b"cosignature/v1\ntime 1679315147\n" + text


def test_a_witness_cosigns_and_anyone_with_its_key_verifies() -> None:
    log = Ed25519Signer.generate("depositary.example/log")
    witness = Cosigner.generate("ua.example/witness")
    checkpoint = Checkpoint("depositary.example/log", 8, bytes(32))
    cosignature = witness.cosign(checkpoint.to_text(), 1_764_806_400)
    note = add_signatures(sign_checkpoint(checkpoint, log), [cosignature])
    verifier = CosignatureVerifier.from_vkey(witness.verifier().to_vkey())
    signed = open_checkpoint(note, log.verifier(), [verifier])
    assert signed.opened.is_signed_by(verifier)
    assert cosignature_time(cosignature) == 1_764_806_400
    # Same key, same name: the plain note key (type 0x01) has another key ID.
    assert verifier.key_id != Ed25519Verifier(witness.name, witness.public_key).key_id


def test_a_cosignature_does_not_verify_as_a_plain_signature_or_at_another_time() -> None:
    witness = Cosigner.generate("w")
    text = Checkpoint("log", 1, bytes(32)).to_text()
    sig = witness.cosign(text, 100)
    verifier = witness.verifier()
    assert verifier.verify(text.encode(), sig.signature)
    later = (101).to_bytes(8, "big") + sig.signature[8:]
    assert not verifier.verify(text.encode(), later)
    assert not verifier.verify(text.encode(), sig.signature[8:])
    assert not verifier.verify(text.encode(), (2**63).to_bytes(8, "big") + sig.signature[8:])


def test_bad_times_and_keys_are_refused() -> None:
    witness = Cosigner.generate("w")
    with pytest.raises(NoteError, match="whole seconds from 0 to 2\\*\\*63 - 1"):
        witness.cosign("log\n1\n" + "A" * 43 + "=\n", -1)
    with pytest.raises(KeyFileError, match="not a cosignature/v1 key"):
        CosignatureVerifier.from_vkey(LOG_VKEY)
    with pytest.raises(KeyFileError, match="not Ed25519"):
        Ed25519Verifier.from_vkey(REMORA_VKEY)
    with pytest.raises(NoteError, match="not a cosignature/v1"):
        cosignature_time(parse_note(REAL_CHECKPOINT).signatures[1])
