"""`treatyline deposit`: a party's act signed with its key and received by the depositary,
or signed only (for the depositary to receive later), or a signed instrument received."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from .cli_ledger_common import (
    DEPOSITARY_KEY_ENV,
    SpecOpt,
    depositary_key,
    load_key,
    now,
    open_ledger,
    print_json,
    stdout,
    treaty_spec,
)
from .errors import Diagnostic, Position, RecordError, UsageError

if TYPE_CHECKING:
    from .ledger.depositary import Receipt
    from .spec.model import Treaty

__all__ = ["deposit", "print_receipt"]


def deposit(
    file: Annotated[Path, typer.Argument(
        help="The act: a record file (YAML, CSV or JSON Lines) holding one act, signed here "
        "with --key; or a signed instrument (.json, as --sign-only writes it).")],
    ledger: Annotated[str | None, typer.Option(
        "--ledger", help="The ledger to deposit in: a SQLite file or a postgresql:// URL.")]
    = None,
    key: Annotated[Path | None, typer.Option(
        "--key", help="The acting party's private key file: it signs the act (the "
        "depositary's own key signs acts of no single party, e.g. facts).")] = None,
    dep_key: Annotated[Path | None, typer.Option(
        "--depositary-key", envvar=DEPOSITARY_KEY_ENV, show_envvar=True,
        help="The depositary's private key file: it signs the checkpoint of the receipt.")]
    = None,
    sign_only: Annotated[bool, typer.Option(
        "--sign-only", help="Only sign: write the signed instrument to -o, deposit nothing "
        "(no ledger needed; give --spec).")] = False,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="With --sign-only: the instrument file to write (.json).")]
    = None,
    spec: SpecOpt = None,
    json_output: Annotated[bool, typer.Option(
        "--json", help="Print the receipt as one JSON object.")] = False,
) -> None:
    """Deposit an instrument and print the receipt: its index, accepted or rejected with the
    reasons, the depositary's notification, the inclusion proof and the signed checkpoint.
    Exit 1 when the depositary rejects it (it is logged as rejected all the same)."""
    signed_already = file.suffix.lower() == ".json"
    if signed_already and (key is not None or sign_only):
        raise UsageError(f"{file}: a .json file is a signed instrument, deposited as it is "
                         "(--key and --sign-only are for an act file)")
    if not signed_already and key is None:
        raise UsageError("--key: the acting party's key file, to sign the act with")
    if sign_only:
        assert key is not None
        _sign_to_file(file, key, spec, output)
        return
    if ledger is None:
        raise UsageError("--ledger: the ledger to deposit in (or --sign-only)")
    signer = depositary_key(dep_key, "--depositary-key")
    with open_ledger(ledger, spec) as depositary:
        data = (_instrument_bytes(file) if key is None
                else _signed(file, key, depositary.treaty))
        receipt = depositary.deposit(data, now(), signer)
    if json_output:
        print_json(receipt.to_json())
    else:
        print_receipt(receipt, f"instrument from {file}")
    if not receipt.accepted:
        raise typer.Exit(1)


def _signed(file: Path, key_file: Path, treaty: Treaty) -> bytes:
    """The act of `file` as an instrument signed by the key of `key_file`."""
    from .ledger.instruments import act_fields, read_act_file, signed_instrument, signer_problem

    key = load_key(key_file)
    act = read_act_file(file, treaty)
    problem = signer_problem(key, act)
    if problem is not None:
        raise RecordError([Diagnostic(problem, act.position or Position(str(file)))])
    return signed_instrument(key, treaty.id, act_fields(act))


def _sign_to_file(file: Path, key_file: Path, spec: Path | None, output: Path | None) -> None:
    from .inputs import write_output

    if output is None:
        raise UsageError("--sign-only: give -o FILE, the signed instrument to write")
    if output.suffix.lower() != ".json":
        raise UsageError([Diagnostic("-o: a signed instrument is a .json file (deposit knows "
                                     "it by that name)", Position(str(output)))])
    if spec is None:
        raise UsageError("--sign-only: give --spec, the treaty's spec")
    data = _signed(file, key_file, treaty_spec(spec).treaty)
    write_output(output, data, "instrument file")
    stdout.print(Text(f"wrote {output}: the act of {file}, signed, {len(data):,} bytes (the "
                      "depositary receives this file as it is)"), soft_wrap=True)


def _instrument_bytes(file: Path) -> bytes:
    from .inputs import check_regular_file

    check_regular_file(file, "instrument file")
    return file.read_bytes()


def print_receipt(receipt: Receipt, what: str) -> None:
    """A receipt in plain text: the entry, the verdict, the notification, the proof, the
    signed checkpoint."""
    import base64

    verdict = "accepted" if receipt.accepted else "REJECTED"
    stdout.print(Text(f"entry {receipt.index}: {what}: {verdict}"), soft_wrap=True)
    for reason in receipt.reasons:
        stdout.print(Text(f"  - {reason}"), soft_wrap=True)
    if receipt.notification is not None:
        stdout.print("notification:")
        for line in str(receipt.notification["text"]).splitlines():
            stdout.print(Text(f"  {line}"), soft_wrap=True)
    leaf = base64.b64encode(receipt.leaf_hash).decode()
    stdout.print(Text(f"inclusion proof of leaf {leaf} in the tree of size "
                      f"{receipt.tree_size} ({len(receipt.inclusion)} hashes):"), soft_wrap=True)
    for node in receipt.inclusion:
        stdout.print(f"  {base64.b64encode(node).decode()}")
    stdout.print("checkpoint:")
    stdout.file.write(receipt.checkpoint.decode("utf-8"))
