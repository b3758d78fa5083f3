"""The ledger commands that check rather than record: `ledger verify` (a store or a bundle
file), `ledger export` (to a bundle or a record file) and `ledger cosign` (a witness)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from .cli_ledger_common import DbOpt, SpecOpt, load_key, now, open_ledger, print_json, stderr
from .cli_ledger_common import stdout as out
from .errors import Diagnostic, Position, UsageError

if TYPE_CHECKING:
    from .ledger.verify import Verified
    from .ledger.witnessing import WitnessState
    from .spec.model import Treaty

__all__ = ["cosign", "export", "verify"]

_SQLITE_MAGIC = b"SQLite format 3\x00"


def verify(
    ledger: Annotated[str, typer.Argument(
        help="A ledger (a SQLite file or a postgresql:// URL) or a bundle file ('ledger "
        "export --bundle'); a bundle is recognised by its content.")],
    spec: Annotated[Path | None, typer.Option(
        "--spec", help="Also check that the ledger is for this treaty spec's treaty.")]
    = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
    = False,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", min=1, help="Processes checking signatures (default: one per core; 1: "
        "no worker processes).")] = None,
) -> None:
    """Recompute a ledger from its leaves: every hash, signature and checkpoint (each root
    recomputed, so each checkpoint is consistent with every earlier one); print the
    figures, or exit 1 naming the first bad entry."""
    from .cli_ledger_common import treaty_spec
    from .ledger.verify import LedgerVerifyError

    treaty = treaty_spec(spec).treaty if spec is not None else None
    try:
        verified = _verify(ledger, treaty, jobs)
    except LedgerVerifyError as error:
        from .console import print_diagnostics

        print_diagnostics(stderr, error.diagnostics)
        where = (f"the first bad entry is {error.index}" if error.index is not None else
                 f"the first bad checkpoint is of size {error.checkpoint_size}"
                 if error.checkpoint_size is not None else
                 f"the first bad line of the bundle is {error.line}"
                 if error.line is not None else "see above")
        stderr.print(Text(f"verification failed: {where}", style="red"), soft_wrap=True)
        raise typer.Exit(1) from None
    if json_output:
        print_json(verified.to_json())
        return
    figures = verified.to_json()
    latest = figures.pop("latest_checkpoint")
    for name, value in figures.items():
        out.print(Text(f"{name.replace('_', ' ')}: {value}"), soft_wrap=True)
    if latest is not None:
        out.print(Text("latest checkpoint: " + " | ".join(latest.splitlines())),
                  soft_wrap=True)
    out.print(Text("ok: every hash, signature and checkpoint verified", style="green"))


def _verify(ledger: str, checked: Treaty | None, jobs: int | None) -> Verified:
    from .ledger.bundle_file import verify_bundle
    from .ledger.store import is_postgres_url, open_store
    from .ledger.verify import verify_store

    if not is_postgres_url(ledger):
        path = Path(ledger)
        try:
            with path.open("rb") as file:
                head = file.read(64)
        except OSError as error:
            raise UsageError([Diagnostic(f"cannot read the ledger or bundle: {error.strerror}",
                                         Position(ledger))]) from None
        if not head.startswith(_SQLITE_MAGIC):
            if head.lstrip().startswith(b"{") and b'"bundle"' in head:
                return verify_bundle(path, checked, jobs=jobs)
            raise UsageError([Diagnostic("neither a SQLite ledger nor a ledger bundle (a "
                                         "bundle's first line is {\"bundle\": ...})",
                                         Position(ledger, 1, 1))])
    store = open_store(ledger)
    try:
        return verify_store(store, checked, jobs=jobs)
    finally:
        store.close()


def export(
    db: DbOpt,
    bundle: Annotated[Path | None, typer.Option(
        "--bundle", help="Write the whole ledger (entries, checkpoints, cosignatures) to this "
        "self-verifying file.")] = None,
    record: Annotated[Path | None, typer.Option(
        "--record", help="Write the accepted acts, each recorded on its day of receipt, to "
        "this record file.")] = None,
    spec: SpecOpt = None,
) -> None:
    """Export a ledger to a bundle file (for 'ledger verify' offline) or to a record file
    (for every other command)."""
    from .inputs import check_output_path
    from .ledger.bundle_file import export_bundle, export_record

    if (bundle is None) == (record is None):
        raise UsageError("ledger export: give one of --bundle FILE and --record FILE")
    target = bundle or record
    assert target is not None
    if record is not None and record.suffix.lower() != ".jsonl":
        raise UsageError([Diagnostic("--record: a ledger's record is written as JSON Lines, "
                                     "which the other commands read from a .jsonl file",
                                     Position(str(record)))])
    check_output_path(target, "export file")
    with open_ledger(db, spec) as depositary:
        if bundle is not None:
            count = export_bundle(depositary.store, bundle)
            what = "entries"
        else:
            count = export_record(depositary.store, depositary.treaty, target)
            what = "accepted acts"
    out.print(Text(f"wrote {target}: {count} {what}"), soft_wrap=True)


def cosign(
    db: DbOpt,
    witness: Annotated[Path, typer.Option(
        "--witness", help="The witness's private key file (made with 'keys new --witness': "
        "a party witnesses with a key other than its own).")],
    state: Annotated[Path, typer.Option(
        "--state", help="The witness's state file: the last checkpoint it cosigned per log "
        "(created on the first run, updated after each cosignature).")],
    log_key: Annotated[str | None, typer.Option(
        "--depositary-vkey", help="The depositary's note verifier key (NAME+KEYID+BASE64). "
        "Default: the one pinned in the state file, else the ledger's genesis entry's.")]
    = None,
) -> None:
    """Cosign the ledger's latest checkpoint as a witness, once it is shown consistent with
    the last one this witness cosigned; a split view is printed with both signed checkpoints
    as evidence, and exits 1."""
    from .inputs import check_output_path, write_output
    from .ledger.store import open_store
    from .ledger.witness import SplitViewError
    from .ledger.witnessing import cosign_latest

    key = load_key(witness, "witness")
    before = _witness_state(state, key.name)
    check_output_path(state, "witness state")  # before cosigning: the state must be kept
    store = open_store(db)
    try:
        done = cosign_latest(store, key, before, now(), log_key)
    except SplitViewError as error:
        out.file.write(error.evidence())
        stderr.print(Text(f"{error} — the two signed checkpoints above are the evidence; "
                          "the state file is unchanged", style="red"), soft_wrap=True)
        raise typer.Exit(1) from None
    finally:
        store.close()
    import json

    write_output(state, json.dumps(done.state.to_json(), indent=2) + "\n", "witness state")
    since = ("cosigned already: the log has not grown since" if done.again else
             f"consistent with size {done.previous_size}" if done.previous_size is not None
             else "the first checkpoint this witness cosigns of this log")
    out.print(Text(f"cosigned {done.origin} at size {done.size} ({since}) as {key.name}"),
              soft_wrap=True)
    out.file.write(done.note.rstrip("\n") + "\n" + done.line)


def _witness_state(path: Path, witness: str) -> WitnessState:
    from .inputs import check_regular_file, read_input_text
    from .ledger.errors import WitnessError
    from .ledger.witnessing import WitnessState

    if not path.exists():
        return WitnessState(witness)
    check_regular_file(path, "witness state file", WitnessError)
    # bounded in size and read as UTF-8 with a located message, like every input file
    text = read_input_text(path, "witness state file", WitnessError, label=str(path))
    return WitnessState.from_json_text(text, str(path))
