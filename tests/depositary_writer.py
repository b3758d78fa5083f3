"""A depositary process for the crash test of the depositary (`test_depositary_crash`).

    python tests/depositary_writer.py DB ACKS KEYS TAG

Opens the ledger at DB as the depositary of the North Atlantic Treaty example, with the
depositary's key and the United States' key from the folder KEYS, creates ACKS (the sign
that it is ready), then receives signed statements of the United States one after another,
in batches of 1 to 4, until killed. Each statement's text names TAG and a number, so that
no two are alike. After each deposit returns, one line ``index<TAB>text`` per accepted
instrument goes to ACKS, flushed and fsync'd: ACKS lists every deposit acknowledged.
"""

from __future__ import annotations

import hashlib
import os
import random
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NATO = ROOT / "src" / "treatyline" / "examples" / "nato-1949"
RECEIVED = datetime(1950, 1, 2, 9, tzinfo=UTC)


def statement_text(tag: str, number: int) -> str:
    return f"statement {number} of writer {tag}"


def main() -> None:
    from treatyline.bundle import load_bundle
    from treatyline.ledger.canonical import canonical_json
    from treatyline.ledger.depositary import Depositary
    from treatyline.ledger.entries import instrument_statement
    from treatyline.ledger.examination import instrument_document
    from treatyline.ledger.keys import load_party_key
    from treatyline.ledger.store import open_store

    db, acks_path, keys, tag = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    treaty = load_bundle(NATO).treaty
    sha = hashlib.sha256((NATO / "treaty.yaml").read_bytes()).hexdigest()
    depositary_key = load_party_key(keys / "depositary.key")
    key = load_party_key(keys / "us.key")
    rng = random.Random(tag)
    store = open_store(db)
    depositary = Depositary.open(store, treaty, sha)
    number = 0
    with acks_path.open("a", encoding="utf-8") as acks:
        while True:
            batch = []
            for _ in range(rng.randint(1, 4)):
                act = {"date": "1950-01-02", "kind": "statement", "party": "US",
                       "text": statement_text(tag, number), "source": "crash test"}
                unsigned = instrument_document(treaty.id, act, key.key_id, b"")
                batch.append(canonical_json(instrument_document(
                    treaty.id, act, key.key_id, key.sign(instrument_statement(unsigned)))))
                number += 1
            receipts = depositary.deposit_many(batch, RECEIVED, depositary_key)
            acks.writelines(f"{r.index}\t{statement_text(tag, number - len(batch) + i)}\n"
                            for i, r in enumerate(receipts) if r.accepted)
            acks.flush()
            os.fsync(acks.fileno())


if __name__ == "__main__":
    main()
