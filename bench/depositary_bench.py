"""Benchmark of the depositary: signed instruments received per second, verification of a
whole ledger, and the status read from a ledger's record.

    .venv/bin/python bench/depositary_bench.py              # a ledger of 20,000 entries
    .venv/bin/python bench/depositary_bench.py --quick      # small sizes, for CI (seconds)
    .venv/bin/python bench/depositary_bench.py --backends sqlite --entries 50000

The treaty is the North Atlantic Treaty (examples/nato-1949); its twelve original parties
deposit statements (an act its record accepts any number of times), each signed with the
party's registered Ed25519 key. For a SQLite file and a PostgreSQL database (a private
server from the tests' `local_postgres`, as `ledger_bench` starts it), it prints:

- deposits per second, durable (the receipt returned after the commit, with its signed
  checkpoint): one at a time, and `deposit_many` in batches of 10 and 100, on a new
  ledger and on the ledger of --entries entries (target: >= 1,000 signed
  instruments/s), the latter once the depositary has read that ledger (timed apart);
- `verify_store` on a ledger of --entries entries, in entries/s (target: >= 50,000/s),
  with one job and with one per core (signatures checked by worker processes), beside
  the raw `cryptography` Ed25519 verification rate measured in the same run on one core,
  times the cores, and measured with as many worker processes (the ceiling: one
  verification per instrument); `verify_bundle` on its exported bundle, likewise;
- the status on a day from the ledger's record (the state read from the store) and from
  the record file exported from it (`export_record`, read by `load_record`), in this
  process and with the command line (`treatyline status --ledger` / `--record`, a fresh
  process each, best of three), with the ratio ledger/file.

The large ledger is filled as the depositary writes accepted instruments (the same
leaves, columns, nodes and signed checkpoints, one every 1,000 entries) without examining
each: faster than depositing them one by one (see the deposit figures on the large
ledger). Always exits 0: the figures are for reading.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))

from ledger_bench import postgres_databases  # noqa: E402 (starts the private server)
from treatyline.bundle import load_bundle  # noqa: E402
from treatyline.evaluation import evaluate  # noqa: E402
from treatyline.ledger.bundle_file import export_bundle, export_record, verify_bundle  # noqa: E402
from treatyline.ledger.canonical import canonical_json, parse_json  # noqa: E402
from treatyline.ledger.depositary import Depositary  # noqa: E402
from treatyline.ledger.entries import instrument_statement, leaf_bytes  # noqa: E402
from treatyline.ledger.examination import instrument_document  # noqa: E402
from treatyline.ledger.keys import generate_party_key  # noqa: E402
from treatyline.ledger.merkle import leaf_hash, nodes_for_append  # noqa: E402
from treatyline.ledger.signature_checks import (  # noqa: E402
    CHUNK_SIZE,
    available_cores,
    first_bad_signature,
)
from treatyline.ledger.store import (  # noqa: E402
    AppendBatch,
    LedgerReader,
    LedgerStore,
    NewEntry,
    Node,
    init_store,
)
from treatyline.ledger.verify import verify_store  # noqa: E402
from treatyline.record import load_record  # noqa: E402
from treatyline.status import status  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "src" / "treatyline" / "examples" / "nato-1949"
NATO = load_bundle(EXAMPLE)
NATO_SHA = hashlib.sha256((EXAMPLE / "treaty.yaml").read_bytes()).hexdigest()
"""The genesis names the example's spec: the command line opens the ledger with it."""
PARTIES = ("US", "GB", "FR", "BE", "CA", "DK", "IS", "IT", "LU", "NL", "NO", "PT")
KEYS = {code: generate_party_key(code, f"{code.lower()}.mfa/nato-1949") for code in PARTIES}
DEPOSITARY_KEY = generate_party_key("depositary", "state.gov/nato-1949")
START = datetime(1949, 4, 1, 9, tzinfo=UTC)
FIRST_DAY = date(1950, 1, 2)
PER_DAY = 8
"""Statements received per day: 20,000 of them span about seven years."""
FILL_CHUNK = 1000


def statement(number: int) -> tuple[bytes, datetime]:
    """Statement `number`, signed by its party, and when it is received."""
    party = PARTIES[number % len(PARTIES)]
    day = FIRST_DAY + timedelta(days=number // PER_DAY)
    act = {"date": day.isoformat(), "kind": "statement", "party": party,
           "text": f"statement {number} of {party}", "source": "depositary_bench"}
    key = KEYS[party]
    unsigned = instrument_document(NATO.treaty.id, act, key.key_id, b"")
    document = instrument_document(NATO.treaty.id, act, key.key_id,
                                   key.sign(instrument_statement(unsigned)))
    received = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
    return canonical_json(document), received


def new_ledger(store: LedgerStore) -> Depositary:
    depositary = Depositary.create(store, NATO.treaty, NATO_SHA, DEPOSITARY_KEY, START)
    for key in KEYS.values():
        depositary.register_key(key.public(), START.date(), "full powers (bench)", START,
                                DEPOSITARY_KEY)
    return depositary


def fill(depositary: Depositary, first: int, count: int) -> None:
    """Append statements `first`... as accepted instruments, a chunk per commit, each
    chunk followed by a signed checkpoint."""
    store = depositary.store
    for start in range(first, first + count, FILL_CHUNK):
        made = [statement(n) for n in range(start, min(start + FILL_CHUNK, first + count))]

        def build(size: int, reader: LedgerReader, made: Sequence[tuple[bytes, datetime]]
                  = made) -> AppendBatch:
            entries = []
            for offset, (data, received) in enumerate(made):
                document: Any = parse_json(data)
                entries.append(NewEntry(
                    payload=leaf_bytes(document, received), received=received,
                    kind="instrument", party=document["act"]["party"]).at(size + offset))
            hashes = [leaf_hash(entry.payload) for entry in entries]
            return AppendBatch(entries, [Node(level, index, hash_) for level, index, hash_
                                         in nodes_for_append(size, hashes, reader)])

        store.append(build)
        depositary.checkpoint(DEPOSITARY_KEY)


def deposit_rates(depositary: Depositary, first: int, count: int,
                  batches: Sequence[int] = (1, 10, 100)) -> dict[int, float]:
    """Deposits per second, one at a time and in batches (at least one of each), each
    statement dated on or after the one before (8 a day: a batch of 100 spans 13 days)."""
    rates = {}
    number = first
    for batch in batches:
        items = [statement(n) for n in range(number, number + max(count, batch))]
        number += len(items)
        started = time.perf_counter()
        for at in range(0, len(items), batch):
            chunk = items[at:at + batch]
            receipts = depositary.deposit_many([data for data, _ in chunk], chunk[-1][1],
                                               DEPOSITARY_KEY)
            assert all(receipt.accepted for receipt in receipts), receipts[0].reasons
        rates[batch] = len(items) / (time.perf_counter() - started)
    return rates


def rates_text(rates: dict[int, float]) -> str:
    best = max(rates.values())
    return (", ".join(f"batches of {batch}: {rate:,.0f}/s" for batch, rate in rates.items())
            + f" (target >= 1,000/s: best {best / 1000:.2f}x)")


def caught_up(depositary: Depositary) -> float:
    """Seconds for the depositary to read the entries it did not write (`fill` bypasses
    it), as `Depositary.open` would, and to evaluate the record once: its first deposit
    would do it, once; the deposit figures are without it."""
    started = time.perf_counter()
    depositary.refresh()
    evaluate(depositary.treaty, depositary.state.record)
    return time.perf_counter() - started


def raw_verify_rate(count: int) -> float:
    """Ed25519 verifications per second with `cryptography` alone (an instrument-sized
    message): the ceiling of a verification that checks one signature per instrument."""
    private = Ed25519PrivateKey.generate()
    public = private.public_key()
    message = statement(0)[0][:400]
    signature = private.sign(message)
    started = time.perf_counter()
    for _ in range(count):
        public.verify(signature, message)
    return count / (time.perf_counter() - started)


def raw_parallel_verify_rate(count: int, jobs: int) -> float:
    """Ed25519 verifications per second by `jobs` worker processes, sent in chunks as
    `verify` sends them (pickling included): the ceiling of parallel verification."""
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes_raw()
    message = statement(0)[0][:400]
    check = (0, public, message, private.sign(message))
    chunks = [[check] * CHUNK_SIZE for _ in range(max(jobs, count // CHUNK_SIZE))]
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(first_bad_signature, [[check]] * jobs))  # the workers started
        started = time.perf_counter()
        assert all(bad is None for bad in pool.map(first_bad_signature, chunks))
        return len(chunks) * CHUNK_SIZE / (time.perf_counter() - started)


def bench_verify(store: LedgerStore, size: int, bundle: Path) -> None:
    """`verify_store` and `verify_bundle` with one job and one per core, beside the raw
    Ed25519 rate of one core and of all of them, measured in the same run."""
    cores = available_cores()
    raw = raw_verify_rate(min(size, 20_000))
    raw_parallel = raw_parallel_verify_rate(min(size, 20_000), cores)
    print(f"  raw Ed25519 verify: {raw:,.0f}/s on one core; {raw_parallel:,.0f}/s measured "
          f"with {cores} worker processes ({raw * cores:,.0f}/s = {cores} x one core)")

    def report(what: str, jobs: int, seconds: float) -> None:
        rate = size / seconds
        print(f"  {what}: jobs={jobs}, {seconds:.2f} s, {rate:,.0f} entries/s (target >= "
              f"50,000/s: {rate / 50_000:.2f}x; {rate / raw:.2f} of one core's raw, "
              f"{rate / (raw * cores):.2f} of {cores} cores' raw, "
              f"{rate / raw_parallel:.2f} of the measured parallel raw)")

    for jobs in sorted({1, cores}):
        seconds, verified = timed(lambda jobs=jobs: verify_store(store, jobs=jobs))
        report("verify_store", jobs, seconds)
    print(f"  ({verified.checkpoints} checkpoints verified)")
    export_seconds, _ = timed(lambda: export_bundle(store, bundle))
    print(f"  export_bundle: {export_seconds:.2f} s")
    for jobs in sorted({1, cores}):
        seconds, _ = timed(lambda jobs=jobs: verify_bundle(bundle, jobs=jobs))
        report("verify_bundle", jobs, seconds)


def timed(run: Callable[[], object]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def status_figures(store: LedgerStore, db: str, day: date, record_file: Path) -> None:
    """The status on `day` from the ledger's record and from the record file exported from
    it: in this process (the state read, then the status), and with the command line in a
    fresh process (`treatyline status ... --ledger` and `--record`), best of three. Each
    figure is wall-clock time and CPU time (the CPU time moves less on a loaded machine)."""
    export_record(store, NATO.treaty, record_file)
    ledger_time, live = _cpu_timed(lambda: status(
        NATO.treaty, Depositary.open(store, NATO.treaty, NATO_SHA).state.record, day))
    file_time, from_file = _cpu_timed(lambda: status(
        NATO.treaty, load_record(record_file, NATO.treaty), day))
    assert live.state == from_file.state
    print(f"  status on {day}, the record read and the status computed: from the ledger "
          f"{_figures(ledger_time)}; from the exported record file {_figures(file_time)} "
          f"(ledger/file {_ratios(ledger_time, file_time)})")
    command = [str(Path(sys.executable).with_name("treatyline")), "status", str(EXAMPLE),
               "--as-of", day.isoformat(), "--json"]
    ledger_run, ledger_out = _best_of_three([*command, "--ledger", db])
    file_run, file_out = _best_of_three([*command, "--record", str(record_file)])
    assert json.loads(ledger_out) == json.loads(file_out)
    print(f"  the command 'treatyline status --json' (a fresh process, best of 3): --ledger "
          f"{_figures(ledger_run)}, --record (the exported file) {_figures(file_run)} "
          f"(ledger/file {_ratios(ledger_run, file_run)})")


def _cpu_timed(run: Callable[[], Any]) -> tuple[tuple[float, float], Any]:
    """(wall-clock seconds, CPU seconds of this process) that `run` took, and its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return (time.perf_counter() - wall, time.process_time() - cpu), result


def _figures(seconds: tuple[float, float]) -> str:
    return f"{seconds[0]:.2f} s (CPU {seconds[1]:.2f} s)"


def _ratios(ledger: tuple[float, float], file: tuple[float, float]) -> str:
    return (f"{ledger[0] / max(file[0], 1e-9):.2f}x, "
            f"CPU {ledger[1] / max(file[1], 1e-9):.2f}x")


def _best_of_three(command: list[str]) -> tuple[tuple[float, float], str]:
    """The shortest of three runs of `command` (exit 0 expected) in wall-clock time and in
    the CPU time of the child process, and its output."""
    wall, cpu, output = float("inf"), float("inf"), ""
    # compiled modules cached, as an installed program has them (the first run writes them)
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=True,
                              env=environment)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        output = done.stdout
    return (wall, cpu), output


def bench_backend(name: str, new_db: Callable[[str], str], args: argparse.Namespace,
                  folder: Path) -> None:
    print(f"\n{name}")
    with init_store(new_db("deposits")) as store:
        rates = deposit_rates(new_ledger(store), 0, args.deposits)
        print(f"  deposits on a new ledger: {rates_text(rates)}")
    large_db = new_db("large")
    with init_store(large_db) as store:
        depositary = new_ledger(store)
        seconds, _ = timed(lambda: fill(depositary, 0, args.entries))
        size = store.size()
        print(f"  filled a ledger of {size:,} entries in {seconds:.1f} s (signing included)")
        bench_verify(store, size, folder / f"{name.split()[0]}.tlbundle")
        status_figures(store, large_db, FIRST_DAY + timedelta(days=args.entries // PER_DAY),
                       folder / f"{name.split()[0]}.jsonl")
        # each deposit's evaluation resumes the record's (treatyline.evaluation_pass): it
        # costs the deposit's own day, not the whole record
        seconds = caught_up(depositary)
        rates = deposit_rates(depositary, args.entries, args.large_deposits)
        print(f"  deposits on the ledger of {size:,} entries: {rates_text(rates)}; the "
              f"ledger read and its record evaluated first in {seconds:.2f} s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--entries", type=int, help="entries of the large ledger")
    parser.add_argument("--deposits", type=int, help="deposits per batch size, new ledger")
    parser.add_argument("--large-deposits", type=int,
                        help="deposits per batch size on the large ledger")
    args = parser.parse_args(argv)
    args.entries = args.entries or (1_000 if args.quick else 20_000)
    args.deposits = args.deposits or (20 if args.quick else 200)
    args.large_deposits = args.large_deposits or args.deposits
    backends = args.backends.split(",")
    # Durable appends wait on fsync and on the CPU: the figures mean little without this.
    print("load average at start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dep-bench-")))
        if "sqlite" in backends:
            bench_backend("SQLite (WAL, synchronous=FULL)",
                          lambda name: str(folder / f"{name}.db"), args, folder)
        if "postgres" in backends:
            new_database = stack.enter_context(postgres_databases())
            if new_database is None:
                print("\nPostgreSQL: skipped (not installed)")
            else:
                bench_backend("PostgreSQL (private server, synchronous_commit on)",
                              new_database, args, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
