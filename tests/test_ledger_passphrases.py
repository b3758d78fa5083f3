"""Encrypted key files through the command line: made with a passphrase from a file or
typed twice on a terminal, opened by every command that loads a private key with the
passphrase of TREATYLINE_KEY_PASSPHRASE (or asked on a terminal); none given, or a wrong
one, is a message naming the key file — and the passphrase is never printed."""

from __future__ import annotations

import getpass
import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_inprocess import EXAMPLES, run_cli_output

ISTANBUL = EXAMPLES / "istanbul-2022"
PASSPHRASE = "correct horse battery staple"
SIGNATURE = "- {date: 2022-09-15, kind: signature, party: UA, place: Istanbul, source: test}\n"


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run as from a script: no terminal to ask a passphrase on, none in the environment."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    monkeypatch.delenv("TREATYLINE_KEY_PASSPHRASE", raising=False)
    monkeypatch.delenv("TREATYLINE_DEPOSITARY_KEY", raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code, out, err = run_cli_output(capsys, *args)
    assert "Traceback" not in err and "internal error" not in err, err
    assert PASSPHRASE not in out + err
    return code, out, err


def ok(capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    code, out, err = run(capsys, *args)
    assert code == 0, err
    return out


def new_encrypted_key(capsys: pytest.CaptureFixture[str], folder: Path, party: str,
                      *more: str) -> Path:
    secret = folder / "passphrase.txt"
    if not secret.exists():
        secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    key = folder / f"{party.lower()}{'-witness' if more else ''}.key"
    out = ok(capsys, "keys", "new", "--party", party, "--passphrase-file", secret, "-o", key,
             *more)
    assert out.rstrip().endswith(", encrypted")
    text = key.read_text(encoding="ascii")
    assert "-----BEGIN ENCRYPTED PRIVATE KEY-----" in text and PASSPHRASE not in text
    return key


def test_every_command_that_loads_a_key_opens_an_encrypted_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    depositary = new_encrypted_key(capsys, tmp_path, "depositary")
    ua = new_encrypted_key(capsys, tmp_path, "UA")
    witness = new_encrypted_key(capsys, tmp_path, "GB", "--witness")
    db = tmp_path / "ledger.db"
    monkeypatch.setenv("TREATYLINE_KEY_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("TREATYLINE_DEPOSITARY_KEY", str(depositary))
    assert "verifier key: UA/treatyline+" in ok(capsys, "keys", "public", ua)
    ok(capsys, "ledger", "init", ISTANBUL, "--db", db)
    ok(capsys, "ledger", "register-key", ua, "--db", db, "--valid-from", "2022-01-01",
       "--full-powers", "test")
    act = tmp_path / "signature.yaml"
    act.write_text(SIGNATURE, encoding="utf-8")
    signed = tmp_path / "signed.json"
    ok(capsys, "deposit", act, "--key", ua, "--sign-only", "--spec", ISTANBUL, "-o", signed)
    assert "accepted" in ok(capsys, "deposit", act, "--ledger", db, "--key", ua)
    key_id = ok(capsys, "keys", "public", ua).split("verifier key: UA/treatyline+")[1][:8]
    ok(capsys, "ledger", "revoke-key", "--db", db, "--party", "UA", "--key-id", key_id,
       "--from", "2023-01-01", "--reason", "test")
    assert "cosigned" in ok(capsys, "ledger", "cosign", "--db", db, "--witness", witness,
                            "--state", tmp_path / "state.json")


def test_an_encrypted_key_without_its_passphrase_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    depositary = new_encrypted_key(capsys, tmp_path, "depositary")
    db = tmp_path / "ledger.db"
    code, _, err = run(capsys, "ledger", "init", ISTANBUL, "--db", db, "--key", depositary)
    assert code == 1
    assert f"the key file {depositary} is encrypted" in err.replace("\n", " ")
    assert "TREATYLINE_KEY_PASSPHRASE" in err and not db.exists()
    monkeypatch.setenv("TREATYLINE_KEY_PASSPHRASE", "not " + PASSPHRASE)
    code, _, err = run(capsys, "keys", "public", depositary)
    assert code == 1
    assert f"the key file {depositary} is encrypted, and the passphrase given is wrong" in (
        err.replace("\n", " "))


def test_a_plain_key_opens_whatever_the_environment_s_passphrase(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # one encrypted key in the environment must not make every other key unreadable
    plain = tmp_path / "ua.key"
    ok(capsys, "keys", "new", "--party", "UA", "-o", plain)
    monkeypatch.setenv("TREATYLINE_KEY_PASSPHRASE", PASSPHRASE)
    assert "verifier key: UA/treatyline+" in ok(capsys, "keys", "public", plain)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A terminal on which the passphrases in the list are typed, in order."""
    typed: list[str] = []

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def ask(prompt: str = "") -> str:
        assert PASSPHRASE not in prompt
        return typed.pop(0)

    monkeypatch.setattr(sys, "stdin", Terminal(""))
    monkeypatch.setattr(getpass, "getpass", ask)
    yield typed
    assert not typed, "passphrases typed but never asked for"


def test_a_passphrase_typed_twice_on_a_terminal(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], terminal: list[str]) -> None:
    key = tmp_path / "ua.key"
    terminal.extend([PASSPHRASE, PASSPHRASE + "!"])
    code, _, err = run(capsys, "keys", "new", "--party", "UA", "--ask-passphrase", "-o", key)
    assert code == 1 and "the two passphrases differ" in err and not key.exists()
    terminal.extend([PASSPHRASE, PASSPHRASE])
    ok(capsys, "keys", "new", "--party", "UA", "--ask-passphrase", "-o", key)
    assert "ENCRYPTED PRIVATE KEY" in key.read_text(encoding="ascii")
    terminal.append(PASSPHRASE)  # asked for when the key is loaded, on the terminal
    assert "verifier key: UA/treatyline+" in ok(capsys, "keys", "public", key)
    terminal.append("wrong")
    code, _, err = run(capsys, "keys", "public", key)
    assert code == 1 and "the passphrase given is wrong" in err


def test_asking_for_a_passphrase_needs_a_terminal(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "ua.key"
    code, _, err = run(capsys, "keys", "new", "--party", "UA", "--ask-passphrase", "-o", key)
    assert code == 1 and "no terminal to ask on" in err and not key.exists()


@pytest.mark.parametrize(("content", "message"), [
    (b"", "its first line is empty"),
    (b"\nsecond line\n", "its first line is empty"),
])
def test_a_passphrase_file_without_a_passphrase_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes,
        message: str) -> None:
    secret = tmp_path / "passphrase.txt"
    secret.write_bytes(content)
    key = tmp_path / "ua.key"
    code, _, err = run(capsys, "keys", "new", "--party", "UA", "--passphrase-file", secret,
                       "-o", key)
    assert code == 1 and f"{secret}:1" in err and message in err and not key.exists()


def test_passphrase_options_are_checked_before_anything_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "ua.key"
    code, _, err = run(capsys, "keys", "new", "--party", "UA", "--passphrase-file",
                       tmp_path / "missing.txt", "-o", key)
    assert code == 1 and "missing.txt" in err and "no such passphrase file" in err
    code, _, err = run(capsys, "keys", "new", "--party", "UA", "--passphrase-file",
                       tmp_path, "--ask-passphrase", "-o", key)
    assert code == 1 and "exclusive" in err and not key.exists()
