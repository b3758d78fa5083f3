"""Benchmark of the ledger stores: durable appends and a proof's node reads.

    .venv/bin/python bench/ledger_bench.py                 # 10^6 entries for the reads
    .venv/bin/python bench/ledger_bench.py --quick         # small sizes, for CI (seconds)
    .venv/bin/python bench/ledger_bench.py --backends sqlite --read-size 100000

For a SQLite file (WAL, synchronous=FULL) and a PostgreSQL database (a private server
started for the run from the tests' `local_postgres`, synchronous_commit on), it prints:

- append throughput with durability: batches of 1, 10 and 100 entries of about 600
  bytes (an instrument's canonical JSON with its signature), each batch one
  transaction with its Merkle nodes, committed before the next (the group commit
  that the >= 1,000 signed instruments/s target relies on);
- a proof's node reads in a log of --read-size entries (10^6 by default): for random
  leaves, the complete-subtree siblings on the way to the root (about log2(n) nodes),
  read one `node()` call at a time and in one `nodes()` call; median and p99 per
  proof (target: <= 1 ms at 10^6 entries).

The log read is filled through `append` in batches of 10,000 small entries. Always
exits 0: the figures are for reading; the CI run only checks that the script works.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))

from ledger_hashing import builder  # noqa: E402 (the tests' own Merkle hashing)
from local_postgres import find_postgres_bindir, local_postgres  # noqa: E402
from treatyline.ledger.store import LedgerStore, NewEntry, init_store  # noqa: E402

T0 = datetime(2026, 12, 4, tzinfo=UTC)
FILL_BATCH = 10_000


def instrument(rng: random.Random, number: int) -> NewEntry:
    """An entry shaped like a deposited instrument: about 600 bytes of canonical JSON."""
    body = {
        "act": "ratification",
        "date": "2026-12-04",
        "depositary": "treatyline",
        "instrument": f"instrument-{number:08d}",
        "party": rng.choice(["GBR", "UKR", "TUR", "FRA", "USA", "CHN", "POL", "DEU"]),
        "reservations": [],
        "signature": base64.b64encode(rng.randbytes(64)).decode(),
        "signer_key": base64.b64encode(rng.randbytes(32)).decode(),
        "text_sha256": rng.randbytes(32).hex(),
        "treaty": "security-guarantees-2022",
        "declarations": ["The instrument applies to the territory defined in article 2."],
    }
    payload = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return NewEntry(payload=payload, received=T0, kind="instrument", party=str(body["party"]))


def append_rate(store: LedgerStore, batch_size: int, total: int) -> float:
    """Entries per second appended durably in batches of `batch_size`."""
    rng = random.Random(batch_size)
    batches = [
        [instrument(rng, b * batch_size + i) for i in range(batch_size)]
        for b in range(max(1, total // batch_size))
    ]
    started = time.perf_counter()
    for batch in batches:
        store.append(builder(batch))
    return len(batches) * batch_size / (time.perf_counter() - started)


def fill(store: LedgerStore, size: int) -> float:
    """Grow the log to `size` small entries; seconds taken."""
    started = time.perf_counter()
    while (done := store.size()) < size:
        count = min(FILL_BATCH, size - done)
        store.append(
            builder(
                [
                    NewEntry(payload=(done + i).to_bytes(8, "big"), received=T0, kind="bench")
                    for i in range(count)
                ]
            )
        )
    return time.perf_counter() - started


def proof_positions(leaf: int, size: int) -> list[tuple[int, int]]:
    """The complete sibling subtrees on the way from `leaf` to the root."""
    positions, level = [], 0
    while (1 << level) < size:
        sibling = (leaf >> level) ^ 1
        if (sibling + 1) << level <= size:
            positions.append((level, sibling))
        level += 1
    return positions


def proof_read_times(
    store: LedgerStore, size: int, samples: int, read: Callable[[list[tuple[int, int]]], object]
) -> list[float]:
    rng = random.Random(size)
    times = []
    for _ in range(samples):
        positions = proof_positions(rng.randrange(size), size)
        started = time.perf_counter()
        read(positions)
        times.append(time.perf_counter() - started)
    return times


def millis(times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"median {statistics.median(ordered) * 1e3:.3f} ms, p99 {p99 * 1e3:.3f} ms"


def bench_backend(name: str, new_db: Callable[[str], str], args: argparse.Namespace) -> None:
    print(f"\n{name}")
    for batch_size in (1, 10, 100):
        with init_store(new_db(f"append{batch_size}")) as store:
            rate = append_rate(store, batch_size, args.appends)
            print(
                f"  append, batches of {batch_size:>3}: {rate:>9,.0f} entries/s "
                f"({rate / batch_size:,.0f} commits/s)"
            )
    with init_store(new_db("reads")) as store:
        seconds = fill(store, args.read_size)
        print(
            f"  filled {args.read_size:,} entries in {seconds:.1f} s "
            f"({args.read_size / seconds:,.0f} entries/s in batches of {FILL_BATCH:,})"
        )
        nodes = len(proof_positions(args.read_size // 3, args.read_size))
        one_by_one = proof_read_times(
            store,
            args.read_size,
            args.samples,
            lambda ps: [store.node(level, index) for level, index in ps],
        )
        batched = proof_read_times(store, args.read_size, args.samples, store.nodes)
        print(f"  proof of ~{nodes} nodes, node() each: {millis(one_by_one)}")
        print(f"  proof of ~{nodes} nodes, one nodes(): {millis(batched)}")


@contextmanager
def postgres_databases() -> Iterator[Callable[[str], str] | None]:
    if find_postgres_bindir() is None:
        yield None
        return
    with local_postgres() as server:
        yield server.create_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--appends", type=int, help="entries appended per batch size")
    parser.add_argument("--read-size", type=int, help="entries in the log read")
    parser.add_argument("--samples", type=int, help="proofs read")
    args = parser.parse_args()
    args.appends = args.appends or (200 if args.quick else 2000)
    args.read_size = args.read_size or (20_000 if args.quick else 1_000_000)
    args.samples = args.samples or (200 if args.quick else 2000)
    backends = args.backends.split(",")
    # Durable appends wait on fsync and on the CPU: the figures mean little without this.
    print("load average at start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ledger-bench-")))
        if "sqlite" in backends:
            bench_backend(
                "SQLite (WAL, synchronous=FULL)", lambda name: str(folder / f"{name}.db"), args
            )
        if "postgres" in backends:
            new_database = stack.enter_context(postgres_databases())
            if new_database is None:
                print("\nPostgreSQL: skipped (not installed)")
            else:
                bench_backend(
                    "PostgreSQL (private server, synchronous_commit on)", new_database, args
                )


if __name__ == "__main__":
    main()
