"""Hostile input to every ledger command: key files truncated, garbled, folders or
unreadable; ledgers that are not SQLite, another application's SQLite file, read-only or
locked by another writer; a PostgreSQL server that is not there; options out of range;
names that are not UTF-8. Each is refused with a message naming the place and exit 1 —
never a traceback — and a ledger locked by another writer is waited for."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from cli_inprocess import EXAMPLES, run_cli_output

ISTANBUL = EXAMPLES / "istanbul-2022"
SIGNATURE = "- {date: 2022-09-15, kind: signature, party: UA, place: Istanbul, source: test}\n"
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
"""root reads and writes whatever the file modes say: chmod cannot make a file unreadable."""


@dataclass(frozen=True)
class Setup:
    folder: Path
    db: Path

    def path(self, name: str) -> Path:
        return self.folder / name


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    for name in ("TREATYLINE_KEY_PASSPHRASE", "TREATYLINE_DEPOSITARY_KEY"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code, out, err = run_cli_output(capsys, *args)
    assert "Traceback" not in err and "internal error" not in err.lower(), err
    return code, out, err


def refused(capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    code, out, err = run(capsys, *args)
    assert code not in (0, None), (out, err)
    assert err.strip(), out
    return err.replace("\n", " ")


@pytest.fixture
def setup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Setup:
    """A SQLite ledger for the Istanbul example, with UA's key registered, a witness key,
    an act file and the hostile files the tests give instead of the good ones."""
    made = Setup(tmp_path, tmp_path / "ledger.db")
    for party, more in (("depositary", ()), ("UA", ()), ("GB", ("--witness",))):
        name = f"{party.lower()}{'-witness' if more else ''}.key"
        assert run(capsys, "keys", "new", "--party", party, "-o", made.path(name), *more)[0] == 0
    assert run(capsys, "ledger", "init", ISTANBUL, "--db", made.db, "--key",
               made.path("depositary.key"))[0] == 0
    assert run(capsys, "ledger", "register-key", made.path("ua.key"), "--db", made.db, "--key",
               made.path("depositary.key"), "--valid-from", "2022-01-01", "--full-powers",
               "test")[0] == 0
    made.path("act.yaml").write_text(SIGNATURE, encoding="utf-8")
    good = made.path("ua.key").read_bytes()
    made.path("truncated.key").write_bytes(good[: len(good) - 40])
    made.path("garbled.key").write_bytes(os.urandom(300))
    made.path("binary-pem.key").write_bytes(good.replace(b"MC4C", b"\xff\xfe\x00\x01"))
    made.path("empty.key").write_bytes(b"")
    made.path("folder.key").mkdir()
    assert run(capsys, "keys", "public", made.path("ua.key"), "-o", made.path("public.key"))[0] == 0
    made.path("huge.key").write_bytes(b"Party: UA\n" + b"x" * 200_000)
    made.path("text.db").write_text("not a database at all\n", encoding="utf-8")
    made.path("empty.db").write_bytes(b"")
    other = sqlite3.connect(made.path("other-app.db"))
    other.execute("CREATE TABLE bookmarks (url TEXT)")
    other.commit()
    other.close()
    made.path("folder.db").mkdir()
    return made


BAD_KEYS = {
    "truncated.key": "not a PEM private key",
    "garbled.key": "not a text key file",
    "binary-pem.key": "not a text key file",
    "empty.key": "has no PEM block",
    "folder.key": "is a folder",
    "huge.key": "larger than",
    "missing.key": "no such key file",
    "public.key": "holds a public key: signing needs the private key file",
}

KEY_COMMANDS: dict[str, Callable[[Setup, Path], list[str | Path]]] = {
    "keys public": lambda s, key: ["keys", "public", key],
    "ledger init": lambda s, key: ["ledger", "init", ISTANBUL, "--db", s.path("new.db"),
                                   "--key", key],
    "ledger register-key": lambda s, key: [
        "ledger", "register-key", key, "--db", s.db, "--key", s.path("depositary.key"),
        "--valid-from", "2022-01-01", "--full-powers", "test"],
    "ledger register-key --key": lambda s, key: [
        "ledger", "register-key", s.path("ua.key"), "--db", s.db, "--key", key,
        "--valid-from", "2022-01-01", "--full-powers", "test"],
    "ledger revoke-key": lambda s, key: [
        "ledger", "revoke-key", "--db", s.db, "--party", "UA", "--key-id", "00000000",
        "--from", "2023-01-01", "--reason", "test", "--key", key],
    "ledger cosign": lambda s, key: ["ledger", "cosign", "--db", s.db, "--witness", key,
                                     "--state", s.path("state.json")],
    "deposit --key": lambda s, key: ["deposit", s.path("act.yaml"), "--ledger", s.db,
                                     "--key", key, "--depositary-key",
                                     s.path("depositary.key")],
    "deposit --depositary-key": lambda s, key: ["deposit", s.path("act.yaml"), "--ledger",
                                                s.db, "--key", s.path("ua.key"),
                                                "--depositary-key", key],
    "deposit --sign-only": lambda s, key: ["deposit", s.path("act.yaml"), "--key", key,
                                           "--sign-only", "--spec", ISTANBUL, "-o",
                                           s.path("signed.json")],
}


PUBLIC_KEY_READERS = ("keys public", "ledger register-key")
"""The commands that take a public key file as well as a private one."""


@pytest.mark.parametrize(("command", "bad_key"), [
    (command, bad_key) for command in sorted(KEY_COMMANDS) for bad_key in sorted(BAD_KEYS)
    if not (bad_key == "public.key" and command in PUBLIC_KEY_READERS)])
def test_a_bad_key_file_is_named(setup: Setup, capsys: pytest.CaptureFixture[str],
                                 command: str, bad_key: str) -> None:
    size = setup.db.stat().st_size
    err = refused(capsys, *KEY_COMMANDS[command](setup, setup.path(bad_key)))
    assert str(setup.path(bad_key)) in err and BAD_KEYS[bad_key] in err
    assert not setup.path("new.db").exists() and not setup.path("signed.json").exists()
    assert setup.db.stat().st_size == size  # nothing written to the ledger


@pytest.mark.skipif(AS_ROOT, reason="run as root: chmod 000 does not stop root reading")
def test_an_unreadable_key_file_is_named(setup: Setup,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    key = setup.path("ua.key")
    key.chmod(0)
    err = refused(capsys, "keys", "public", key)
    assert str(key) in err and "ermission denied" in err


BAD_LEDGERS = {  # what a ledger store says; then what 'verify' (a ledger or a bundle) says
    "text.db": ("is not a treatyline ledger", "neither a SQLite ledger nor a ledger bundle"),
    "other-app.db": ("it holds other tables (bookmarks)",) * 2,
    "folder.db": ("is a folder", "Is a directory"),
    "missing.db": ("there is no ledger at", "No such file"),
    "empty.db": ("is an empty file, not a treatyline ledger",
                 "neither a SQLite ledger nor a ledger bundle"),
    "nowhere/ledger.db": ("does not exist", "No such file"),
}

LEDGER_COMMANDS: dict[str, Callable[[Setup, str], list[str | Path]]] = {
    "ledger log": lambda s, db: ["ledger", "log", "--db", db],
    "ledger verify": lambda s, db: ["ledger", "verify", db, "--spec", ISTANBUL],
    "ledger export": lambda s, db: ["ledger", "export", "--db", db, "--bundle",
                                    s.path("out.bundle")],
    "ledger cosign": lambda s, db: ["ledger", "cosign", "--db", db, "--witness",
                                    s.path("gb-witness.key"), "--state", s.path("state.json")],
    "ledger register-key": lambda s, db: [
        "ledger", "register-key", s.path("ua.key"), "--db", db, "--key",
        s.path("depositary.key"), "--valid-from", "2022-01-01", "--full-powers", "test"],
    "ledger revoke-key": lambda s, db: [
        "ledger", "revoke-key", "--db", db, "--party", "UA", "--key-id", "00000000",
        "--from", "2023-01-01", "--reason", "test", "--key", s.path("depositary.key")],
    "deposit": lambda s, db: ["deposit", s.path("act.yaml"), "--ledger", db, "--key",
                              s.path("ua.key"), "--depositary-key", s.path("depositary.key")],
    "status --ledger": lambda s, db: ["status", ISTANBUL, "--ledger", db],
    "timeline --ledger": lambda s, db: ["timeline", ISTANBUL, "--ledger", db],
}


@pytest.mark.parametrize("command", sorted(LEDGER_COMMANDS))
@pytest.mark.parametrize("bad_ledger", sorted(BAD_LEDGERS))
def test_a_file_that_is_not_a_ledger_is_named(setup: Setup,
                                              capsys: pytest.CaptureFixture[str],
                                              command: str, bad_ledger: str) -> None:
    db = setup.path(bad_ledger)
    before = db.read_bytes() if db.is_file() else None
    err = refused(capsys, *LEDGER_COMMANDS[command](setup, str(db)))
    assert str(db) in err and BAD_LEDGERS[bad_ledger][command == "ledger verify"] in err
    assert (db.read_bytes() if db.is_file() else None) == before  # never converted
    assert not setup.path("out.bundle").exists() and not setup.path("state.json").exists()


def test_ledger_init_refuses_another_application_s_file(
        setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("other-app.db", "text.db", "folder.db"):
        db = setup.path(name)
        before = db.read_bytes() if db.is_file() else None
        err = refused(capsys, "ledger", "init", ISTANBUL, "--db", db, "--key",
                      setup.path("depositary.key"))
        assert str(db) in err
        assert (db.read_bytes() if db.is_file() else None) == before
    err = refused(capsys, "ledger", "init", ISTANBUL, "--db", setup.db, "--key",
                  setup.path("depositary.key"))
    assert str(setup.db) in err


@pytest.mark.parametrize(("url", "message"), [
    ("postgresql://[::1/ledger", "URL is malformed (Invalid IPv6 URL)"),
    ("postgresql://db.example:port/ledger", "URL is malformed (Port could not be cast"),
    ("postgresql://db.example:99999999/ledger", "URL is malformed (Port out of range"),
    ("postgresql://127.0.0.1:9/ledger?sslmode=bogus", "invalid sslmode value"),
])
def test_a_malformed_postgresql_url(setup: Setup, capsys: pytest.CaptureFixture[str],
                                    url: str, message: str) -> None:
    assert message in refused(capsys, "ledger", "log", "--db", url)


@pytest.mark.parametrize("command", sorted(LEDGER_COMMANDS))
def test_a_postgresql_server_that_is_not_there(
        setup: Setup, capsys: pytest.CaptureFixture[str], command: str) -> None:
    url = "postgresql://treatyline@127.0.0.1:9/nothing?connect_timeout=3"
    err = refused(capsys, *LEDGER_COMMANDS[command](setup, url))
    assert "127.0.0.1" in err and "refused" in err.lower()


def test_a_ledger_locked_by_another_writer_is_waited_for(
        setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    other = sqlite3.connect(setup.db, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    released = threading.Timer(1.0, lambda: other.execute("COMMIT"))
    released.start()
    try:
        code, out, err = run(capsys, *LEDGER_COMMANDS["deposit"](setup, str(setup.db)))
    finally:
        released.join()
        other.close()
    assert code == 0 and "accepted" in out, err


def test_a_ledger_locked_past_the_wait_is_named(
        setup: Setup, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from treatyline.ledger import sqlite_store

    monkeypatch.setattr(sqlite_store, "BUSY_TIMEOUT_SECONDS", 0.3)  # a minute, really
    size = setup.db.stat().st_size
    other = sqlite3.connect(setup.db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        err = refused(capsys, *LEDGER_COMMANDS["deposit"](setup, str(setup.db)))
    finally:
        other.execute("COMMIT")
        other.close()
    assert str(setup.db) in err and "database is locked" in err
    assert setup.db.stat().st_size == size
    code, out, err = run(capsys, *LEDGER_COMMANDS["deposit"](setup, str(setup.db)))
    assert code == 0 and "accepted" in out, err  # and taken once the other is done


def test_a_read_only_ledger_is_named(setup: Setup,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    # root writes whatever a file's mode says: as root the file is made immutable instead
    # (chattr +i), which stops root too, where the file system has the attribute
    if AS_ROOT and subprocess.run(["chattr", "+i", setup.db], capture_output=True,
                                  check=False).returncode != 0:
        pytest.skip("run as root, and the file system cannot make a file immutable")
    if not AS_ROOT:
        setup.db.chmod(0o444)
    size = setup.db.stat().st_size
    try:
        err = refused(capsys, *LEDGER_COMMANDS["deposit"](setup, str(setup.db)))
        assert str(setup.db) in err and "readonly database" in err
        code, out, err = run(capsys, "ledger", "verify", setup.db, "--spec", ISTANBUL)
        assert code == 0 and "ok:" in out, err  # still read and verified
    finally:
        if AS_ROOT:
            subprocess.run(["chattr", "-i", setup.db], check=True)
    assert setup.db.stat().st_size == size


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--key-id", "ffffffffffffffffffff", "8 hex digits"),
    ("--key-id", "-0000001", "8 hex digits"),
    ("--key-id", "zzzzzzzz", "8 hex digits"),
    ("--key-id", "0x000001", "8 hex digits"),
    ("--key-id", "0000_001", "8 hex digits"),
    ("--key-id", "+0000001", "8 hex digits"),
    ("--key-id", "\uff10" * 7 + "\uff11", "8 hex digits"),  # fullwidth digits
    ("--from", "99999-01-01", "--from"),
    ("--from", "-1", "--from"),
    ("--from", "2023-02-30", "--from"),
    ("--from", "", "--from"),
])
def test_revoke_key_options_out_of_range(setup: Setup, capsys: pytest.CaptureFixture[str],
                                         option: str, value: str, message: str) -> None:
    options = {"--key-id": "00000000", "--from": "2023-01-01", option: value}
    err = refused(capsys, "ledger", "revoke-key", "--db", setup.db, "--party", "UA",
                  "--reason", "test", "--key", setup.path("depositary.key"),
                  *[item for pair in options.items() for item in pair])
    assert message in err


def test_empty_texts_the_log_would_keep_are_refused(
        setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    size = setup.db.stat().st_size
    assert "--full-powers: the citation" in refused(
        capsys, "ledger", "register-key", setup.path("ua.key"), "--db", setup.db, "--key",
        setup.path("depositary.key"), "--valid-from", "2022-01-01", "--full-powers", " ")
    assert "--reason: why the key is revoked" in refused(
        capsys, "ledger", "revoke-key", "--db", setup.db, "--party", "UA", "--key-id",
        "00000000", "--from", "2023-01-01", "--reason", "", "--key",
        setup.path("depositary.key"))
    assert setup.db.stat().st_size == size


@pytest.mark.parametrize("value", ["99999-01-01", "0000-01-01", "tomorrow", "2022-13-01"])
def test_register_key_days_out_of_range(setup: Setup, capsys: pytest.CaptureFixture[str],
                                        value: str) -> None:
    assert "--valid-from" in refused(
        capsys, "ledger", "register-key", setup.path("ua.key"), "--db", setup.db, "--key",
        setup.path("depositary.key"), "--valid-from", value, "--full-powers", "test")


@pytest.mark.parametrize(("args", "message"), [
    (["--party", "U A"], "a party code is non-empty UTF-8 text without spaces"),
    (["--party", ""], "a party code is non-empty"),
    (["--party", "UA", "--name", "a+b"], "the key name 'a+b' must be non-empty"),
    (["--party", "UA", "--name", "a b"], "the key name 'a b' must be non-empty"),
])
def test_keys_new_refuses_bad_names(setup: Setup, capsys: pytest.CaptureFixture[str],
                                    args: list[str], message: str) -> None:
    key = setup.path("new.key")
    err = refused(capsys, "keys", "new", *args, "-o", key)
    assert message in err and not key.exists()


@pytest.mark.parametrize(("target", "message"), [
    ("ua.key", "exists already"),
    ("folder.key", "folder"),
    ("nowhere/new.key", "does not exist"),
])
def test_keys_new_never_writes_over_or_into_nothing(
        setup: Setup, capsys: pytest.CaptureFixture[str], target: str, message: str) -> None:
    before = setup.path("ua.key").read_bytes()
    err = refused(capsys, "keys", "new", "--party", "UA", "-o", setup.path(target))
    assert str(setup.path(target)) in err and message in err
    assert setup.path("ua.key").read_bytes() == before


def treatyline(*args: str | bytes) -> subprocess.CompletedProcess[bytes]:
    """The command run as a user runs it (its own process, its streams as a terminal's)."""
    command = Path(sys.executable).with_name("treatyline")
    found = subprocess.run([command, *args], capture_output=True, timeout=120, check=False)
    assert b"Traceback" not in found.stderr, found.stderr
    return found


def test_names_that_are_not_utf8(tmp_path: Path) -> None:
    # bytes that are not UTF-8 in a file name: named back escaped, never a crash
    odd = bytes(tmp_path) + b"/\xff\xfe.key"
    found = treatyline("keys", "public", odd)
    assert found.returncode == 1 and b"no such key file" in found.stderr
    assert b"\\udcff\\udcfe.key" in found.stderr
    found = treatyline("keys", "new", "--party", "UA", "-o", odd)
    assert found.returncode == 0 and Path(os.fsdecode(odd)).is_file(), found.stderr
    found = treatyline("keys", "public", odd, "-o", bytes(tmp_path) + b"/\xfe.pem")
    assert found.returncode == 0 and b"verifier key: UA/treatyline+" in found.stdout
    found = treatyline("ledger", "log", "--db", bytes(tmp_path) + b"/\xff.db")
    assert found.returncode == 1 and b"there is no ledger at" in found.stderr
    found = treatyline("keys", "new", "--party", b"U\xffA", "-o", tmp_path / "x.key")
    assert found.returncode == 1 and b"party code" in found.stderr
    found = treatyline("keys", "new", "--party", "UA", "--name", b"U\xffA", "-o",
                       tmp_path / "x.key")
    assert found.returncode == 1 and b"is not UTF-8 text" in found.stderr
    assert not (tmp_path / "x.key").exists()


def test_json_inputs_with_integers_too_long_for_python(
        setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    # Python refuses to convert integer text beyond 4300 digits with a ValueError
    huge = "9" * 5000
    state = setup.path("state.json")
    state.write_text('{"format": "treatyline-witness-state", "version": ' + huge + "}",
                     encoding="utf-8")
    err = refused(capsys, "ledger", "cosign", "--db", setup.db, "--witness",
                  setup.path("gb-witness.key"), "--state", state)
    assert f"{state}: not a witness state file" in err
    instrument = setup.path("huge.json")
    instrument.write_text('{"instrument": ' + huge + "}", encoding="utf-8")
    code, out, err = run(capsys, "deposit", instrument, "--ledger", setup.db,
                         "--depositary-key", setup.path("depositary.key"))
    assert code == 1 and "REJECTED" in out  # logged as received, and rejected
    assert "the integer of 5000 digits at $.instrument is beyond" in out
