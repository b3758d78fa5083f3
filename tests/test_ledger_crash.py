"""Writers killed with SIGKILL at random points lose nothing acknowledged to them.

Several writer processes append to one ledger at once, each recording (fsync'd, in a
file of its own) every append acknowledged to it. The driver kills one at a random
moment, starts another in its place, and again: 100 kills per backend, 15 under CI
(``CI=true``) to keep CI fast. Then every acknowledged entry must be in the log exactly
once at its index, the indices contiguous from 0, every complete subtree's node
present and equal to what the leaves give (no half-written append), and the ledger
must open and take appends again.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

from ledger_hashing import builder, check_tree
from ledger_writer import check_acknowledged, read_acks, start_writer
from treatyline.ledger.store import NewEntry, init_store, open_store

KILLS = 15 if os.environ.get("CI") == "true" else 100
WRITERS = 3
# Longest wait between a writer being ready and its kill: most kills land mid-append.
MAX_DELAY_SECONDS = 0.15


class Writers:
    """The writer processes, one per slot, each run with an acknowledgement file."""

    def __init__(self, db: str, folder: Path) -> None:
        self.db, self.folder = db, folder
        self.ack_files: list[Path] = []
        self.running: dict[int, tuple[subprocess.Popen[bytes], Path]] = {}

    def start(self, slot: int) -> None:
        run = len(self.ack_files)
        acks = self.folder / f"acks-{slot}-{run}.txt"
        self.ack_files.append(acks)
        # A new tag per run: a restarted writer never repeats an earlier payload.
        process = start_writer(self.db, acks, f"w{slot}r{run}", max_batch=8, seed=run)
        self.running[slot] = (process, acks)

    def kill(self, slot: int) -> None:
        process, _ = self.running[slot]
        process.send_signal(signal.SIGKILL)
        process.wait()

    def is_ready(self, slot: int) -> bool:
        process, acks = self.running[slot]
        assert process.poll() is None, f"writer {slot} stopped by itself ({process.returncode})"
        return acks.exists()  # created once the ledger is open

    def kill_all(self) -> None:
        for slot in self.running:
            self.kill(slot)


def test_killed_writers_lose_no_acknowledged_entry(ledger_db: str, tmp_path: Path) -> None:
    init_store(ledger_db).close()
    rng = random.Random(20261204)
    writers = Writers(ledger_db, tmp_path)
    kills = 0
    deadline = time.monotonic() + 900
    try:
        for slot in range(WRITERS):
            writers.start(slot)
        while kills < KILLS:
            assert time.monotonic() < deadline, f"only {kills} kills in 15 minutes"
            slot = rng.randrange(WRITERS)
            if not writers.is_ready(slot):
                time.sleep(0.01)
                continue
            time.sleep(rng.uniform(0, MAX_DELAY_SECONDS))
            writers.kill(slot)
            kills += 1
            writers.start(slot)
    finally:
        writers.kill_all()

    acknowledged = read_acks(writers.ack_files)
    assert len(acknowledged) >= KILLS, "the writers hardly appended between kills"
    with open_store(ledger_db) as store:
        size = check_tree(store)
        check_acknowledged(store, acknowledged)
        after = NewEntry(
            payload=b"after the crashes", received=store.entry(0).received, kind="instrument"
        )
        assert store.append(builder([after])).entries[0].index == size
        assert check_tree(store) == size + 1
