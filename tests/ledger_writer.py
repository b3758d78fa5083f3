"""A writer process for the concurrency and crash tests of the ledger stores.

    python tests/ledger_writer.py DB ACKS TAG [--entries N] [--max-batch K] [--seed S]

Opens the ledger at DB, creates the file ACKS (the sign that it is ready), then
appends batches of 1..K entries (N in all, or until killed). Each payload names TAG
and a sequence number, so that no two are alike. After each append returns, one line
``index<TAB>payload`` per entry goes to ACKS, flushed and fsync'd: ACKS lists every
entry acknowledged to this writer.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledger_hashing import builder
from treatyline.ledger.store import LedgerStore, NewEntry, open_store


def start_writer(
    db: str, acks: Path, tag: str, *, entries: int = 0, max_batch: int = 5, seed: int = 0
) -> subprocess.Popen[bytes]:
    """Start this script as a separate process."""
    return subprocess.Popen(
        [
            sys.executable,
            __file__,
            db,
            str(acks),
            tag,
            "--entries",
            str(entries),
            "--max-batch",
            str(max_batch),
            "--seed",
            str(seed),
        ],
    )


def read_acks(files: Iterable[Path]) -> dict[int, str]:
    """Every acknowledged entry, index -> payload, from the writers' ACKS files (a
    line torn by a kill is not an acknowledgement and is left out)."""
    acknowledged: dict[int, str] = {}
    for path in files:
        if not path.exists():  # killed before it opened the ledger: acknowledged nothing
            continue
        text = path.read_text(encoding="utf-8")
        for line in text[: text.rfind("\n") + 1].splitlines():
            index, payload = line.split("\t")
            assert int(index) not in acknowledged, f"entry {index} acknowledged twice"
            acknowledged[int(index)] = payload
    return acknowledged


def check_acknowledged(store: LedgerStore, acknowledged: dict[int, str]) -> None:
    """Every acknowledged entry is in the store at its index, and no payload twice."""
    payloads = [entry.payload.decode() for entry in store.iter_entries()]
    assert len(set(payloads)) == len(payloads), "a payload is in the log twice"
    for index, payload in acknowledged.items():
        assert index < len(payloads), f"acknowledged entry {index} is lost"
        assert payloads[index] == payload, f"entry {index} is not the one acknowledged"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("acks", type=Path)
    parser.add_argument("tag")
    parser.add_argument("--entries", type=int, default=0, help="0: until killed")
    parser.add_argument("--max-batch", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    store = open_store(args.db)
    sequence = 0
    with args.acks.open("a", encoding="utf-8") as acks:
        while args.entries == 0 or sequence < args.entries:
            count = rng.randint(1, args.max_batch)
            if args.entries:
                count = min(count, args.entries - sequence)
            new = [
                NewEntry(
                    payload=f'{{"tag":"{args.tag}","seq":{sequence + i}}}'.encode(),
                    received=datetime.now(UTC),
                    kind="instrument",
                    party=args.tag,
                )
                for i in range(count)
            ]
            batch = store.append(builder(new))
            acks.writelines(f"{e.index}\t{e.payload.decode()}\n" for e in batch.entries)
            acks.flush()
            os.fsync(acks.fileno())
            sequence += count
    store.close()


if __name__ == "__main__":
    main()
