"""`treatyline token`: the server's tokens, made on the depositary's machine (see
docs/server.md, "Who may do what"). `token new` prints the token once, alone on stdout (its
id and expiry on stderr), and keeps only its SHA-256 in the ledger's database; `token list`
shows the tokens without them; `token revoke` ends one. The first administrator's token is
made here: then the administrator issues the others over HTTP."""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.text import Text

from .cli_ledger_common import DbOpt, SpecOpt, now, open_ledger, print_json, stderr
from .errors import UsageError

if TYPE_CHECKING:
    from .server.tokens import Role, TokenStore

__all__ = ["token_app"]

token_app = typer.Typer(help="The server's bearer tokens (admin, a party's officer, a "
                        "monitor), kept hashed in the ledger's database.",
                        no_args_is_help=True)


def _store(db: str) -> TokenStore:
    from .server.access_db import AccessDatabase
    from .server.tokens import TokenStore

    return TokenStore(AccessDatabase(db))


@token_app.command("new")
def new(
    db: DbOpt,
    role: Annotated[str, typer.Option("--role", help="admin, officer or monitor.")],
    party: Annotated[str | None, typer.Option("--party", help="The officer's party (a party "
                                              "code of the treaty); only with --role "
                                              "officer.")] = None,
    days: Annotated[int, typer.Option("--days", min=1, max=366, help="Days until the token "
                                      "expires.")] = 30,
    note: Annotated[str | None, typer.Option("--note", help="Whose it is (shown by "
                                             "'token list').")] = None,
    spec: SpecOpt = None,
) -> None:
    """Issue a token: printed once on stdout, stored only as its SHA-256."""
    if role not in ("admin", "officer", "monitor"):
        raise UsageError(f"--role: admin, officer or monitor, not {role!r}")
    if (role == "officer") != (party is not None):
        raise UsageError("--party: an officer's token names its party, and only an officer's")
    if party is not None:  # an officer of no party of the treaty could never act
        with open_ledger(db, spec) as depositary:
            parties = [p.code for p in depositary.treaty.parties]
            parties += [code for code in depositary.state.record.new_parties
                        if code not in parties]
            treaty_id = depositary.treaty.id
        if party not in parties:
            raise UsageError(f"--party: {party!r} is not a party of {treaty_id} "
                             f"(its parties: {', '.join(parties)})")
    store = _store(db)
    try:
        token, record = store.issue(cast("Role", role), party, "the command line on the "
                                    "depositary's machine", now(), timedelta(days=days), note)
    finally:
        store.db.close()
    sys.stdout.write(token + "\n")
    stderr.print(Text(f"token {record.id}: {role}{f' of {party}' if party else ''}, expires "
                      f"{record.expires.isoformat()} (shown once: it is stored hashed)"))


@token_app.command("list")
def list_tokens(db: DbOpt) -> None:
    """The tokens issued, without the tokens themselves (JSON)."""
    store = _store(db)
    try:
        print_json([t.to_json() for t in store.all()])
    finally:
        store.db.close()


@token_app.command("revoke")
def revoke(db: DbOpt, token_id: Annotated[str, typer.Argument(help="The token's id (from "
                                                               "'token list').")]) -> None:
    """Revoke a token from now on."""
    store = _store(db)
    try:
        record = store.revoke(token_id, now())
    finally:
        store.db.close()
    if record is None:
        raise UsageError(f"no token {token_id!r} was issued in {db}")
    stderr.print(Text(f"token {record.id} revoked from {record.revoked}"))


from .cli_monitor_keys import monitor_key_app  # noqa: E402  (a group of `token`)

token_app.add_typer(monitor_key_app, name="monitor-key")
