"""Depositaries killed with SIGKILL at random points lose no acknowledged deposit, and the
ledger still verifies. Two depositary processes receive signed instruments into one
ledger at once (SQLite and a real PostgreSQL server); the driver kills one at a random
moment and starts another, again and again (20 kills per backend, 6 under CI). Then every
acknowledged deposit is in the log once, as the accepted instrument it was, `verify_store`
recomputes every hash, signature and checkpoint without fault, and a depositary opened
afresh reads every accepted act and takes deposits again."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from cli_inprocess import EXAMPLES
from depositary_writer import RECEIVED
from ledger_writer import read_acks
from treatyline.bundle import load_bundle
from treatyline.ledger.canonical import canonical_json
from treatyline.ledger.depositary import Depositary
from treatyline.ledger.entries import instrument_statement, read_leaf
from treatyline.ledger.examination import instrument_document
from treatyline.ledger.keys import generate_party_key, save_party_key
from treatyline.ledger.store import init_store, open_store
from treatyline.ledger.verify import verify_store

KILLS = 6 if os.environ.get("CI") == "true" else 20
WRITERS = 2
MAX_DELAY_SECONDS = 0.4
WRITER = Path(__file__).resolve().parent / "depositary_writer.py"
NATO = load_bundle(EXAMPLES / "nato-1949")
NATO_SHA = hashlib.sha256((EXAMPLES / "nato-1949" / "treaty.yaml").read_bytes()).hexdigest()


def test_killed_depositaries_lose_no_acknowledged_deposit(ledger_db: str,
                                                          tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    depositary_key = generate_party_key("depositary", "state.gov/nato-1949")
    us_key = generate_party_key("US", "us.mfa/nato-1949")
    save_party_key(depositary_key, keys / "depositary.key")
    save_party_key(us_key, keys / "us.key")
    with init_store(ledger_db) as store:
        depositary = Depositary.create(store, NATO.treaty, NATO_SHA, depositary_key, RECEIVED)
        depositary.register_key(us_key.public(), RECEIVED.date(), "full powers (test)",
                                RECEIVED, depositary_key)
    rng = random.Random(20261205)
    ack_files: list[Path] = []
    running: dict[int, tuple[subprocess.Popen[bytes], Path]] = {}

    def start(slot: int) -> None:
        acks = tmp_path / f"acks-{len(ack_files)}.txt"
        ack_files.append(acks)
        tag = f"w{slot}r{len(ack_files)}"  # a new tag per run: no text is sent twice
        running[slot] = (subprocess.Popen(
            [sys.executable, str(WRITER), ledger_db, str(acks), str(keys), tag]), acks)

    def kill(slot: int) -> None:
        process, _ = running[slot]
        process.send_signal(signal.SIGKILL)
        process.wait()

    kills = 0
    deadline = time.monotonic() + 900
    try:
        for slot in range(WRITERS):
            start(slot)
        while kills < KILLS:
            assert time.monotonic() < deadline, f"only {kills} kills in 15 minutes"
            slot = rng.randrange(WRITERS)
            process, acks = running[slot]
            assert process.poll() is None, f"depositary {slot} stopped ({process.returncode})"
            if not acks.exists():  # not yet open: killing it now would test nothing
                time.sleep(0.05)
                continue
            time.sleep(rng.uniform(0.05, MAX_DELAY_SECONDS))  # most kills land mid-deposit
            kill(slot)
            kills += 1
            start(slot)
    finally:
        for slot in running:
            kill(slot)

    acknowledged = read_acks(ack_files)
    assert len(acknowledged) >= KILLS, "the depositaries hardly received anything between kills"
    with open_store(ledger_db) as store:
        verified = verify_store(store, NATO.treaty)
        texts: dict[str, int] = {}
        for entry in store.iter_entries():
            leaf = read_leaf(entry.payload, entry.index)
            if leaf.type == "instrument":
                text = leaf.document["act"]["text"]
                assert text not in texts, f"{text!r} accepted twice"
                texts[text] = entry.index
        for index, text in acknowledged.items():
            assert texts.get(text) == index, f"acknowledged deposit {index} ({text}) lost"
        assert verified.instruments_accepted == len(texts)
        again = Depositary.open(store, NATO.treaty, NATO_SHA)
        assert len(again.state.record.acts) == len(texts)
        act = {"date": "1950-01-03", "kind": "statement", "party": "US", "text": "after",
               "source": "crash test"}
        unsigned = instrument_document(NATO.treaty.id, act, us_key.key_id, b"")
        data = canonical_json(instrument_document(
            NATO.treaty.id, act, us_key.key_id, us_key.sign(instrument_statement(unsigned))))
        receipt = again.deposit(data, RECEIVED.replace(day=3), depositary_key)
        assert receipt.accepted and receipt.index == store.size() - 1
        assert json.dumps(verify_store(store).to_json())
