"""What the ledger commands share: their consoles, the clock, key files, and opening a
ledger with the treaty it was made for.

The ledger modules are imported inside the functions, so that `treatyline --help` and the
commands that do not touch a ledger never load the cryptography library.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from .errors import Diagnostic, Position, UsageError

if TYPE_CHECKING:
    from .bundle import Bundle
    from .ledger.depositary import Depositary
    from .ledger.keys import PartyKey
    from .spec.model import Treaty

__all__ = ["DEPOSITARY_KEY_ENV", "KEY_PASSPHRASE_ENV", "DbOpt", "DepositaryKeyOpt", "SpecOpt",
           "TreatySpec", "depositary_key", "ledger_bundle", "load_key", "now", "open_ledger",
           "print_json", "read_passphrase_file", "stderr", "stdout", "treaty_spec"]

# the same consoles as cli.py's: plain text (never markup), 120 columns when piped
stdout = Console(width=None if sys.stdout.isatty() else 120, markup=False, emoji=False)
stderr = Console(stderr=True, width=None if sys.stderr.isatty() else 120, markup=False,
                 emoji=False)

DEPOSITARY_KEY_ENV = "TREATYLINE_DEPOSITARY_KEY"
KEY_PASSPHRASE_ENV = "TREATYLINE_KEY_PASSPHRASE"
"""The passphrase of encrypted key files, for every command that loads a private key."""

DbOpt = Annotated[str, typer.Option(
    "--db", help="The ledger: a SQLite file, or a postgresql:// URL.")]
SpecOpt = Annotated[Path | None, typer.Option(
    "--spec", help="The treaty's spec (a treaty file or an example folder) the ledger was "
    "made for. Default: the bundled example whose treaty.yaml has the SHA-256 the ledger's "
    "genesis entry names.")]
DepositaryKeyOpt = Annotated[Path | None, typer.Option(
    "--key", envvar=DEPOSITARY_KEY_ENV, show_envvar=True,
    help="The depositary's private key file (made with 'keys new --party depositary').")]


def now() -> datetime:
    """The time of receipt: the shell reads the clock, the ledger library never does."""
    return datetime.now(UTC)


def print_json(data: Any) -> None:
    import json

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n")


def load_key(path: Path, use: str | None = "party") -> PartyKey:
    """A private key file for `use` ("party": it signs instruments and checkpoints;
    "witness": it cosigns; None: either); KeyFileError naming the file when it is not one.
    An encrypted key is opened with the passphrase of $TREATYLINE_KEY_PASSPHRASE, else one
    asked for on the terminal."""
    from .ledger.errors import KeyFileError
    from .ledger.keys import WITNESS_USE, PartyKey, is_encrypted_key, read_key_file

    data = read_key_file(path)
    passphrase = _passphrase_of(path) if is_encrypted_key(data) else None
    key = PartyKey.from_pem(data, passphrase, source=f"the key file {path}")
    if use is None or key.use == use:
        return key
    if key.use == WITNESS_USE:
        raise KeyFileError(f"the key file {path} is a witness's key (Key-Use: witness): it "
                           "cosigns checkpoints, never instruments; give a party's key")
    raise KeyFileError(f"the key file {path} is a party's key, which signs instruments: a "
                       "witness cosigns with a key of its own (make one with 'treatyline "
                       "keys new --witness')")


def read_passphrase_file(path: Path) -> bytes:
    """The passphrase on a file's first line (without its line end), as gpg and openssl's
    `file:` read one."""
    from .inputs import read_input_bytes

    data = read_input_bytes(path, "passphrase file", max_bytes=64 * 1024)
    first = data.split(b"\n", 1)[0].removesuffix(b"\r")
    if not first:
        raise UsageError([Diagnostic("--passphrase-file: its first line is empty; an empty "
                                     "passphrase would encrypt nothing", Position(str(path), 1))])
    return first


def _passphrase_of(path: Path) -> bytes:
    """The passphrase of an encrypted key file: the environment's, else asked for (without
    echo) when a terminal is attached. Never printed."""
    import os

    from .ledger.errors import KeyFileError

    given = os.environ.get(KEY_PASSPHRASE_ENV)
    if given:
        return given.encode("utf-8", "surrogateescape")
    if sys.stdin.isatty():
        import getpass

        asked = getpass.getpass(f"passphrase of the key file {path}: ")
        if asked:
            return asked.encode("utf-8", "surrogateescape")
    raise KeyFileError(f"the key file {path} is encrypted: give its passphrase in "
                       f"{KEY_PASSPHRASE_ENV} (or run on a terminal, to be asked for it)")


def depositary_key(path: Path | None, option: str = "--key") -> PartyKey:
    """The depositary's key, from the option or the environment variable."""
    from .ledger.state import DEPOSITARY_PARTY

    if path is None:
        raise UsageError(f"{option}: the depositary's key file is needed (or set "
                         f"{DEPOSITARY_KEY_ENV})")
    key = load_key(path)
    if key.party != DEPOSITARY_PARTY:
        raise UsageError([Diagnostic(
            f"{option}: this is a key of {key.party} ({key.name}), not the depositary's "
            "(make one with 'treatyline keys new --party depositary')", Position(str(path)))])
    return key


@dataclass(frozen=True)
class TreatySpec:
    """A treaty, the file it was read from, and that file's SHA-256 (the genesis names it)."""

    treaty: Treaty
    path: Path
    sha256: str


def treaty_spec(spec: Path) -> TreatySpec:
    """The treaty of a spec file, or of a folder's treaty.yaml, as the other commands read it."""
    from .inputs import check_regular_file
    from .spec.load import load_treaty

    path = spec / "treaty.yaml" if spec.is_dir() else spec
    check_regular_file(path, "treaty file")
    treaty = load_treaty(path)
    return TreatySpec(treaty, path, hashlib.sha256(path.read_bytes()).hexdigest())


def _bundled_spec(treaty_id: str, sha256: str) -> TreatySpec:
    root = Path(str(resources.files("treatyline") / "examples"))
    for folder in sorted(root.iterdir()):
        path = folder / "treaty.yaml"
        if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == sha256:
            return treaty_spec(path)
    raise UsageError(f"--spec: this ledger is for the treaty {treaty_id!r} (its spec has the "
                     f"SHA-256 {sha256}), which is not a bundled example: give its spec")


@contextmanager
def open_ledger(db: str, spec: Path | TreatySpec | None) -> Iterator[Depositary]:
    """The depositary of the ledger at `db`, for the treaty of `spec` (or the bundled
    example the ledger names); the store is closed on the way out."""
    from .ledger.depositary import Depositary, DepositaryError
    from .ledger.entries import read_leaf
    from .ledger.store import open_store

    store = open_store(db)
    try:
        if store.size() == 0:
            raise DepositaryError(f"{store.location}: the ledger is empty (no genesis entry); "
                                  "create it with 'treatyline ledger init'")
        genesis = read_leaf(store.entry(0).payload, 0).document
        named, sha = str(genesis.get("treaty")), str(genesis.get("treaty_sha256"))
        found = (spec if isinstance(spec, TreatySpec) else _bundled_spec(named, sha)
                 if spec is None else treaty_spec(spec))
        if found.treaty.id != named:
            raise DepositaryError(f"{store.location}: this ledger is for the treaty {named!r}, "
                                  f"and {found.path} is the spec of {found.treaty.id!r}")
        yield Depositary.open(store, found.treaty, found.sha256)
    finally:
        store.close()


def ledger_bundle(spec: Path, db: str, records: list[Path] | None, scenario: bool) -> Bundle:
    """The treaty of `spec` with the ledger's record: its accepted acts, each recorded on
    its day of receipt (for status and timeline's --ledger)."""
    from .bundle import Bundle

    if records or scenario:
        raise UsageError(f"--ledger and {'--record' if records else '--scenario'} are "
                         "exclusive: the ledger is the record")
    found = treaty_spec(spec)
    with open_ledger(db, found) as depositary:
        record = depositary.state.record
        unreadable = depositary.state.unreadable_acts
        if unreadable:  # a log changed behind the depositary's back: say which entries
            record = replace(record, rejected=(*record.rejected, *unreadable))
        return Bundle(depositary.treaty, record, found.path, ())
