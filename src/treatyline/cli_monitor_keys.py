"""`treatyline token monitor-key`: monitors' signing keys, registered on the depositary's
machine (as the first tokens are; the administrator may register others over HTTP). A
monitor signs its incident reports (RFC 9421) with its key; the key id printed (`m-` and 16
hex digits) is the `keyid` of its signatures. See docs/server.md, "Who may do what"."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from .cli_ledger_common import DbOpt, now, print_json, stderr
from .errors import UsageError

if TYPE_CHECKING:
    from .server.monitor_keys import MonitorKeyStore

__all__ = ["monitor_key_app"]

monitor_key_app = typer.Typer(help="Monitors' signing keys (Ed25519), for signed incident "
                              "reports; kept in the ledger's database.",
                              no_args_is_help=True)


def _store(db: str) -> MonitorKeyStore:
    from .server.access_db import AccessDatabase
    from .server.monitor_keys import MonitorKeyStore

    return MonitorKeyStore(AccessDatabase(db))


@monitor_key_app.command("add")
def add(
    db: DbOpt,
    name: Annotated[str, typer.Option("--name", help="The monitor's name (letters, digits, "
                                      "'.', '_', '-'; at most 64), shown in its reports' "
                                      "submitted_by.")],
    public_key: Annotated[Path, typer.Option("--public-key", help="A file holding the "
                                             "monitor's Ed25519 public key: base64 of the 32 "
                                             "raw bytes, a PEM public key, or a key file of "
                                             "'keys public'.")],
) -> None:
    """Register a monitor's public key: its key id is printed on stdout."""
    from .server.monitor_keys import MONITOR_NAME, parse_public_key

    if MONITOR_NAME.fullmatch(name) is None:
        raise UsageError(f"--name: 1-64 letters, digits, '.', '_' or '-', not {name!r}")
    try:
        text = public_key.read_bytes()[:65536].decode("utf-8")
        raw = parse_public_key(text)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise UsageError(f"--public-key: {public_key}: {error}") from None
    store = _store(db)
    try:
        key = store.register(name, raw, "the command line on the depositary's machine", now())
    finally:
        store.db.close()
    if key is None:
        raise UsageError(f"--public-key: {public_key} is registered already in {db}")
    print(key.id)
    stderr.print(Text(f"monitor key {key.id} of {name} registered"))


@monitor_key_app.command("list")
def list_keys(db: DbOpt) -> None:
    """The monitors' keys, revoked ones too (JSON)."""
    store = _store(db)
    try:
        print_json([k.to_json() for k in store.all()])
    finally:
        store.db.close()


@monitor_key_app.command("revoke")
def revoke(db: DbOpt, key_id: Annotated[str, typer.Argument(help="The key id (m- and 16 hex "
                                                             "digits, from 'list').")]) -> None:
    """Revoke a monitor's key from now on (it stays listed, with the time)."""
    store = _store(db)
    try:
        key = store.revoke(key_id, now())
    finally:
        store.db.close()
    if key is None:
        raise UsageError(f"KEY_ID: no monitor key {key_id!r} is registered in {db}")
    stderr.print(Text(f"monitor key {key.id} of {key.name} revoked from "
                      f"{key.revoked.isoformat() if key.revoked else '?'}"))
