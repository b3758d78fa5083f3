"""Replay the Istanbul 2022 example into a depositary's ledger, every act signed.

    python examples/istanbul-2022/replay_ledger.py --db /tmp/istanbul.db [--keys FOLDER]

HYPOTHETICAL: the signature, referendum, ratifications and accession come from this
folder's scenario.yaml, an invented sequence (see its header); the talks, meetings and
statements come from record.yaml, the real record of 2022. The ledger holds both, as the
example's `status --scenario` reads them.

What it does: makes a key for the depositary and for every party that acts (written to
the keys folder), creates the ledger for this folder's treaty.yaml, registers the parties'
keys, then deposits every act in the order of receipt — each received at noon UTC of its
date, or of its `recorded` day when it has one — a party's act signed with its own key, a
fact or a joint act (no single party) recorded by the depositary under its key. Each day's
acts are one commit with one signed checkpoint, which two parties cosign as witnesses after
checking its consistency with the one they cosigned before — each with a witness key of
its own (CODE-witness.key, registered in the ledger as a witness key, so that `ledger
verify` checks every cosignature), never with the key that signs its instruments. It prints the
entries, how many were accepted and rejected, the final checkpoint, and the status on
2023-06-08 as known on 2023-06-07 and as known on 2023-06-08 (China's ratification,
received at noon that day, brings the treaty into force that day).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from treatyline.bundle import load_bundle
from treatyline.errors import TreatylineError, UsageError
from treatyline.ledger.depositary import Depositary
from treatyline.ledger.instruments import act_fields, signed_instrument
from treatyline.ledger.keys import WITNESS_USE, PartyKey, generate_party_key, save_party_key
from treatyline.ledger.state import DEPOSITARY_PARTY
from treatyline.ledger.store import init_store
from treatyline.ledger.witnessing import WitnessState, cosign_latest
from treatyline.record import Act
from treatyline.status import Status, status

FOLDER = Path(__file__).resolve().parent
WITNESSES = ("TR", "UA")
"""The two parties that cosign: the host and mediator, and the guaranteed state."""
AS_OF = date(2023, 6, 8)
KNOWN_BEFORE, KNOWN_AFTER = date(2023, 6, 7), date(2023, 6, 8)
HYPOTHETICAL = ("HYPOTHETICAL SCENARIO: the signature, referendum, ratifications and "
                "accession replayed here never happened (see scenario.yaml).")


@dataclass(frozen=True)
class Replayed:
    """The ledger's figures, and the status read from its record at the two times."""

    entries: int
    accepted: int
    rejected: tuple[str, ...]
    checkpoint: str
    cosignatures: int
    known_before: Status
    known_after: Status


def receipt_time(act: Act) -> datetime:
    """Noon UTC of the day the act was recorded (its own date when it says nothing)."""
    return datetime.combine(act.known_day, time(12), tzinfo=UTC)


def make_keys(parties: Sequence[str], folder: Path) -> dict[str, PartyKey]:
    """A key for the depositary and each party, written to `folder` as CODE.key."""
    folder.mkdir(parents=True, exist_ok=True)
    keys: dict[str, PartyKey] = {}
    for code in (DEPOSITARY_PARTY, *parties):
        keys[code] = generate_party_key(code, f"{code}/istanbul-2022")
        save_party_key(keys[code], folder / f"{code}.key")
    return keys


def make_witness_keys(folder: Path) -> dict[str, PartyKey]:
    """A witness key for each witnessing party, written to `folder` as CODE-witness.key:
    one key per kind of signature, so a cosignature is never an instrument's signature."""
    keys: dict[str, PartyKey] = {}
    for code in WITNESSES:
        keys[code] = generate_party_key(code, f"{code}/istanbul-2022-witness", WITNESS_USE)
        save_party_key(keys[code], folder / f"{code}-witness.key")
    return keys


def replay(db: str, keys_folder: Path, say: Callable[[str], None] = print) -> Replayed:
    """Replay the example's record and scenario into a new ledger at `db`."""
    bundle = load_bundle(FOLDER, scenario=True)
    treaty = bundle.treaty
    acts = sorted(bundle.record.acts, key=lambda a: (receipt_time(a), a.sort_key))
    parties = sorted({a.party for a in acts if a.party is not None})
    if any(keys_folder.glob("*.key")):  # checked first: neither keys nor a ledger half-made
        raise UsageError(f"{keys_folder} holds key files already: choose another --keys "
                         "folder")
    start = datetime.combine(acts[0].day, time(9), tzinfo=UTC)
    sha = hashlib.sha256(bundle.treaty_path.read_bytes()).hexdigest()
    store = init_store(db)
    try:
        keys = make_keys(parties, keys_folder)
        depositary_key = keys[DEPOSITARY_PARTY]
        depositary = Depositary.create(store, treaty, sha, depositary_key, start)
        for code in parties:
            depositary.register_key(keys[code].public(), start.date(),
                                    "full powers (hypothetical, for this replay)", start,
                                    depositary_key)
        witness_keys = make_witness_keys(keys_folder)
        for code in WITNESSES:  # registered, so that 'ledger verify' checks each cosignature
            depositary.register_key(witness_keys[code].public(), start.date(),
                                    "witness key (hypothetical, for this replay)", start,
                                    depositary_key)
        witnesses = {code: WitnessState(witness_keys[code].name) for code in WITNESSES}
        rejected: list[str] = []
        cosignatures = 0
        for received in sorted({receipt_time(a) for a in acts}):
            batch = [a for a in acts if receipt_time(a) == received]
            items = [signed_instrument(keys[a.party or DEPOSITARY_PARTY], treaty.id,
                                       act_fields(a)) for a in batch]
            for act, receipt in zip(batch, depositary.deposit_many(items, received,
                                                                   depositary_key),
                                    strict=True):
                if not receipt.accepted:
                    rejected.append(f"entry {receipt.index} ({act.label}): "
                                    + "; ".join(receipt.reasons))
            for code, state in witnesses.items():
                witnesses[code] = cosign_latest(store, witness_keys[code], state,
                                                received).state
                cosignatures += 1
        for code, state in witnesses.items():  # to go on with 'treatyline ledger cosign'
            (keys_folder / f"{code}-witness.json").write_text(
                json.dumps(state.to_json(), indent=2) + "\n", encoding="utf-8")
        head = store.latest_checkpoint()
        assert head is not None
        record = depositary.state.record
        cosigned = head.note + "".join(c.line for c in store.cosignatures(head.size))
        found = Replayed(store.size(), len(record.acts), tuple(rejected), cosigned,
                         cosignatures,
                         status(treaty, record, AS_OF, known_on=KNOWN_BEFORE),
                         status(treaty, record, AS_OF, known_on=KNOWN_AFTER))
    finally:
        store.close()
    _summary(found, db, keys_folder, say)
    return found


def _summary(found: Replayed, db: str, keys_folder: Path, say: Callable[[str], None]) -> None:
    say(HYPOTHETICAL)
    say(f"ledger {db}: {found.entries} entries (genesis, key registrations, instruments); "
        f"{found.accepted} acts accepted, {len(found.rejected)} rejected")
    for line in found.rejected:
        say(f"  rejected: {line}")
    say(f"keys and witness states in {keys_folder}; {found.cosignatures} cosignatures by "
        f"{' and '.join(WITNESSES)}")
    say("final checkpoint:")
    say(found.checkpoint.rstrip("\n"))
    for known, result in ((KNOWN_BEFORE, found.known_before), (KNOWN_AFTER, found.known_after)):
        since = f" since {result.in_force_since}" if result.in_force_since else ""
        bound = sum(1 for p in result.to_json()["parties"].values() if p["standing"] == "bound")
        say(f"status as of {AS_OF} as known on {known}: {result.state}{since}; "
            f"{bound} parties bound (hypothetical)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Replay the Istanbul 2022 example (a "
                                     "HYPOTHETICAL scenario) into a signed ledger.")
    parser.add_argument("--db", required=True, help="the new ledger: a SQLite file or a "
                        "postgresql:// URL")
    parser.add_argument("--keys", type=Path, default=None, help="the folder for the key "
                        "files (default: istanbul-2022-keys beside a SQLite ledger, else in "
                        "the current folder)")
    options = parser.parse_args(argv)
    beside = Path(options.db).parent if "://" not in options.db else Path(".")
    folder = options.keys or beside / "istanbul-2022-keys"
    try:
        replay(options.db, folder)
    except TreatylineError as error:
        for diagnostic in error.diagnostics:
            print(diagnostic, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
