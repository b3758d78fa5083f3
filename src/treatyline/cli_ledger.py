"""The depositary's commands: `keys` (party key files), `ledger` (a treaty's signed record:
init, keys registered and revoked, the log, verify, export, cosign) and `deposit`.

See docs/ledger.md. Every refusal is a `TreatylineError` that `cli.main` prints with its
place and turns into exit 1; a deposit the depositary rejects is logged (nothing received
is lost) and also exits 1.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from .cli_ledger_audit import cosign, export, verify
from .cli_ledger_common import (
    KEY_PASSPHRASE_ENV,
    DbOpt,
    DepositaryKeyOpt,
    SpecOpt,
    depositary_key,
    load_key,
    now,
    open_ledger,
    print_json,
    read_passphrase_file,
    stdout,
    treaty_spec,
)
from .cli_ledger_deposit import deposit, print_receipt
from .errors import UsageError

if TYPE_CHECKING:
    from .ledger.keys import PublicPartyKey
    from .ledger.store import StoredEntry

__all__ = ["keys_app", "ledger_app", "register_ledger_commands"]

keys_app = typer.Typer(help="Party key files: the Ed25519 keys that sign instruments.",
                       no_args_is_help=True)
ledger_app = typer.Typer(help="The depositary's ledger: a signed, verifiable record of a "
                         "treaty's instruments (see docs/ledger.md).", no_args_is_help=True)


def register_ledger_commands(app: typer.Typer) -> None:
    """Add `keys`, `ledger` and `deposit` to the treatyline command."""
    app.add_typer(keys_app, name="keys")
    app.add_typer(ledger_app, name="ledger")
    app.command("deposit")(deposit)
    ledger_app.command("verify")(verify)
    ledger_app.command("export")(export)
    ledger_app.command("cosign")(cosign)


def _day(text: str, option: str) -> date:
    from .calendar import check_day, parse_day

    try:
        return check_day(parse_day(text))
    except ValueError as error:
        raise UsageError(f"{option}: {error}") from None


def _required_text(text: str, option: str, what: str) -> None:
    """Text that goes into the log for good: an empty one would record nothing."""
    if not text.strip():
        raise UsageError(f"{option}: {what}, which the log keeps (not empty)")


# -- keys ------------------------------------------------------------------------------------


@keys_app.command("new")
def keys_new(
    party: Annotated[str, typer.Option("--party", help="The party's code (e.g. UA), or "
                                       "'depositary' for the depositary's own key.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The private key file to "
                                         "write (never overwritten; readable by you only).")],
    name: Annotated[str | None, typer.Option("--name", help="The key's name, which its "
                                             "signatures carry (default: PARTY/treatyline, "
                                             "or PARTY/witness for a witness's key).")]
    = None,
    witness: Annotated[bool, typer.Option("--witness", help="A witness's key, to cosign "
                                          "checkpoints with (and nothing else): a party "
                                          "witnesses with a key other than its own.")]
    = False,
    passphrase_file: Annotated[Path | None, typer.Option(
        "--passphrase-file", help="Encrypt the key with the passphrase on this file's first "
        f"line; the commands that load it read it from ${KEY_PASSPHRASE_ENV}, or ask on "
        "the terminal.")] = None,
    ask_passphrase: Annotated[bool, typer.Option(
        "--ask-passphrase", help="Encrypt the key with a passphrase asked for twice on the "
        "terminal (without echo).")] = False,
) -> None:
    """Make a new Ed25519 key for a party (or its witness) and write its private key file."""
    from .inputs import check_output_path
    from .ledger.keys import PARTY_USE, WITNESS_USE, generate_party_key, save_party_key

    if passphrase_file is not None and ask_passphrase:
        raise UsageError("--passphrase-file and --ask-passphrase are exclusive")
    check_output_path(output, "key file")
    passphrase = (read_passphrase_file(passphrase_file) if passphrase_file is not None
                  else _ask_new_passphrase() if ask_passphrase else None)
    use = WITNESS_USE if witness else PARTY_USE
    key = generate_party_key(party, name or f"{party}/{'witness' if witness else 'treatyline'}",
                             use)
    save_party_key(key, output, passphrase)
    kind = "witness key" if witness else "key"
    encrypted = ", encrypted" if passphrase else ""
    stdout.print(Text(f"wrote {output}: {kind} {key.name} of {key.party}, key ID "
                      f"{key.key_id:08x}{encrypted}"), soft_wrap=True)


def _ask_new_passphrase() -> bytes:
    """A new passphrase, typed twice without echo; refused off a terminal."""
    import getpass
    import sys

    if not sys.stdin.isatty():
        raise UsageError("--ask-passphrase: no terminal to ask on; give --passphrase-file")
    first = getpass.getpass("passphrase for the new key: ")
    if not first:
        raise UsageError("--ask-passphrase: an empty passphrase would encrypt nothing")
    if getpass.getpass("the same passphrase again: ") != first:
        raise UsageError("--ask-passphrase: the two passphrases differ; nothing written")
    return first.encode("utf-8", "surrogateescape")


@keys_app.command("public")
def keys_public(
    file: Annotated[Path, typer.Argument(help="A private (or public) key file.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the public "
                                                "key file here (default: print it).")] = None,
) -> None:
    """The public half of a key: its PEM file (to give the depositary) and its note
    verifier key (to check checkpoints and cosignatures with)."""
    from .inputs import write_output

    public = _public_key(file)
    pem = public.to_pem().decode("ascii")
    vkey = f"verifier key: {public.verifier().to_vkey()}"
    if output is None:
        stdout.file.write(pem)
        stdout.print(Text(vkey), soft_wrap=True)
    else:
        write_output(output, pem, "public key file")
        stdout.print(Text(f"wrote {output}: public key {public.name} of {public.party}\n"
                          + vkey), soft_wrap=True)


def _public_key(path: Path, use: str | None = None) -> PublicPartyKey:
    """The public key of a public or a private key file (for `use`, else for any)."""
    from .ledger.keys import PublicPartyKey, read_key_file

    data = read_key_file(path)
    if b"-----BEGIN PUBLIC KEY-----" in data:
        public = PublicPartyKey.from_pem(data, source=f"the key file {path}")
        if use is not None and public.use != use:
            from .ledger.errors import KeyFileError

            raise KeyFileError(f"the key file {path} is a {public.use}'s key, not a "
                               f"{use}'s")
        return public
    return load_key(path, use).public()


# -- ledger: making it, registering keys -------------------------------------------------


@ledger_app.command("init")
def ledger_init(
    spec: Annotated[Path, typer.Argument(help="The treaty's spec (a treaty file, or an example "
                                         "folder with treaty.yaml); its SHA-256 goes into "
                                         "the genesis entry.")],
    db: DbOpt,
    key: DepositaryKeyOpt = None,
    origin: Annotated[str | None, typer.Option("--origin", help="The log's origin, the first "
                                               "line of its checkpoints (default: "
                                               "treatyline/TREATY-ID).")] = None,
) -> None:
    """Create a treaty's ledger: its genesis entry names the treaty, the spec's SHA-256, the
    origin and the depositary's key."""
    from .ledger.depositary import Depositary
    from .ledger.store import init_store

    found = treaty_spec(spec)
    signer = depositary_key(key)
    store = init_store(db)
    try:
        depositary = Depositary.create(store, found.treaty, found.sha256, signer, now(),
                                       origin)
        head = store.latest_checkpoint()
    finally:
        store.close()
    stdout.print(Text(f"ledger {store.location} created for {found.treaty.id} "
                      f"({found.treaty.title}); origin {depositary.state.origin}; depositary "
                      f"key {signer.name}+{signer.key_id:08x}"), soft_wrap=True)
    if head is not None:
        stdout.file.write(head.note)


PartyKeyFile = Annotated[Path, typer.Argument(
    help="The party's (or its witness's) public key file ('keys public'), or its "
         "private key file.")]


@ledger_app.command("register-key")
def ledger_register_key(
    public_key: PartyKeyFile,
    db: DbOpt,
    valid_from: Annotated[str, typer.Option("--valid-from", help="The first day the key may "
                                            "act for its party, YYYY-MM-DD.")],
    full_powers: Annotated[str, typer.Option("--full-powers", help="The citation of the full "
                                             "powers the key stands for (VCLT Art. 7).")],
    key: DepositaryKeyOpt = None,
    spec: SpecOpt = None,
) -> None:
    """Register a party's key (signed by the depositary): from --valid-from on it may sign
    the party's instruments; or a witness key of the party (its key file says 'Key-Use:
    witness'), which may only cosign checkpoints. Exit 1 when the depositary refuses (e.g.
    registered already)."""
    from .ledger.keys import WITNESS_USE

    _required_text(full_powers, "--full-powers", "the citation of the full powers")
    public = _public_key(public_key)
    day = _day(valid_from, "--valid-from")
    signer = depositary_key(key)
    with open_ledger(db, spec) as depositary:
        receipt = depositary.register_key(public, day, full_powers, now(), signer)
    kind = "witness key" if public.use == WITNESS_USE else "key"
    print_receipt(receipt, f"{kind} {public.name} of {public.party} ({public.key_id:08x}), "
                  f"valid from {day}")
    if not receipt.accepted:
        raise typer.Exit(1)


@ledger_app.command("revoke-key")
def ledger_revoke_key(
    db: DbOpt,
    party: Annotated[str, typer.Option("--party", help="The party whose key it is.")],
    key_id: Annotated[str, typer.Option("--key-id", help="The key's ID, 8 hex digits (as "
                                        "'keys new' and 'ledger log' show it).")],
    revoked_from: Annotated[str, typer.Option("--from", help="The first day the key may no "
                                              "longer act, YYYY-MM-DD.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the log).")],
    key: DepositaryKeyOpt = None,
    spec: SpecOpt = None,
) -> None:
    """Revoke a party's key from a day (signed by the depositary)."""
    _required_text(reason, "--reason", "why the key is revoked")
    day = _day(revoked_from, "--from")
    # exactly 8 ASCII hex digits: int() alone would also take "+0000001", "0x000001",
    # "0000_001" and other scripts' digits
    if re.fullmatch(r"[0-9a-fA-F]{8}", key_id) is None:
        raise UsageError(f"--key-id: 8 hex digits, not {key_id!r}")
    number = int(key_id, 16)
    signer = depositary_key(key)
    with open_ledger(db, spec) as depositary:
        found = depositary.state.keys.get(number)
        if found is None or found.party != party:
            known = ", ".join(f"{k.key_id:08x}" for k in depositary.state.keys_of(party))
            raise UsageError(f"--key-id: {party} has no key {key_id} in this ledger "
                             f"(its keys: {known or 'none'})")
        receipt = depositary.revoke_key(number, day, reason, now(), signer)
    print_receipt(receipt, f"key {found.name} of {party} revoked from {day}")
    if not receipt.accepted:
        raise typer.Exit(1)


# -- ledger log -------------------------------------------------------------------------------


@ledger_app.command("log")
def ledger_log(
    db: DbOpt,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
    = False,
) -> None:
    """The ledger's entries: index, time of receipt, kind, party, accepted or rejected (with
    the reasons), and the depositary's notification."""
    from .ledger.store import open_store

    store = open_store(db)
    try:
        entries = [_log_entry(e) for e in store.iter_entries()]
        head = store.latest_checkpoint()
        witnesses = [c.witness for c in store.cosignatures(head.size)] if head else []
    finally:
        store.close()
    if json_output:
        print_json({"ledger": store.location, "entries": entries,
                    "checkpoint": head.note if head else None, "cosigned_by": witnesses})
        return
    for entry in entries:
        verdict = "accepted" if entry["accepted"] else "REJECTED"
        stdout.print(Text(f"{entry['index']:>5}  {entry['received']}  {entry['kind']:<16} "
                          f"{entry['party'] or '-':<11} {verdict}"), soft_wrap=True)
        note = entry["notification"]
        lines = note["text"].splitlines() if note else [f"- {r}" for r in entry["reasons"]]
        for line in lines:
            stdout.print(Text(f"       {line}"), soft_wrap=True)
    if head is not None:
        stdout.print(Text(f"latest checkpoint: size {head.size}; cosigned by "
                          f"{', '.join(witnesses) or 'no witness yet'}"), soft_wrap=True)


def _log_entry(stored: StoredEntry) -> dict[str, Any]:
    import json

    from .ledger.entries import read_leaf, utc_text

    document = read_leaf(stored.payload, stored.index).document
    return {"index": stored.index, "received": utc_text(stored.received), "kind": stored.kind,
            "party": stored.party or document.get("party"), "accepted": stored.accepted,
            "reasons": list(document.get("reasons", [])) if not stored.accepted else [],
            "notification": json.loads(stored.notification) if stored.notification else None}
