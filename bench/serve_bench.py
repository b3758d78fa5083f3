"""Benchmark of `treatyline serve` under load: concurrent clients on 127.0.0.1 depositing,
asking the status and asking for the report, for a bounded time.

    .venv/bin/python bench/serve_bench.py                 # 100 clients for 60 s, SQLite
    .venv/bin/python bench/serve_bench.py --quick         # 20 clients for 10 s (CI)
    .venv/bin/python bench/serve_bench.py --backend postgresql
    .venv/bin/python bench/serve_bench.py --kill 3        # SIGKILL the server 3 times

A real `treatyline serve` process over a new ledger of the North Atlantic Treaty (a key
registered for each of its twelve original parties; PostgreSQL: a private server from the
tests' `local_postgres`, as bench/ledger_bench.py starts it). Half the clients deposit
statements signed beforehand (an act the record accepts any number of times), most of the
others ask the status (as of several days, as known on several days or now), a few ask
for the HTML report; each client sends its next request when the last is answered. It
prints, per kind of request, the answers, p50/p95/p99 latency and throughput, the
deposits per second and per commit (group commit: receipts with the same tree size came
from one commit), and the targets with their ratios (status p99 <= 50 ms, >= 200
deposits/s on SQLite). Then it stops the server and checks the log: it verifies, every
acknowledged receipt's entry holds exactly the instrument sent, no instrument is logged
twice. With --kill N the server is killed with SIGKILL N times during the run and started
again; the clients go on when it answers again, and the same check says every
acknowledged deposit is there once. Exits 1 if the check fails (the figures are for
reading: never a failure).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import psutil

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledger_bench import postgres_databases  # noqa: E402 (starts the private server)
from load_clients import start_clients  # noqa: E402
from serve_process import Acknowledged, NatoLedger, ServeProcess, check_log, nato_ledger  # noqa: E402

API = "/api/treaties/nato-1949"
STATUS_P99_TARGET_MS = 50.0
DEPOSITS_TARGET = 200.0
AS_OF = ("1949-08-24", "1955-05-06", "1990-10-03", "2020-01-01", None)
KNOWN_ON = ("2025-01-01", None)
"""As known on a day before the run (no deposit of the run counts), or now."""


@dataclass
class Figures:
    """Latencies (seconds) of the answers, by kind, and what failed."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    acknowledged: list[Acknowledged] = field(default_factory=list)
    client_cpu: float = 0.0


def query(chance: random.Random, report: bool = False) -> dict[str, str]:
    params = {}
    as_of = chance.choice(AS_OF[:3] if report else AS_OF)
    known_on = chance.choice(KNOWN_ON)
    if as_of:
        params["as_of"] = as_of
    if known_on:
        params["known_on"] = known_on
    return params


async def killer(server: ServeProcess, kills: int, started: float, duration: float,
                 figures: Figures) -> None:
    for number in range(kills):
        moment = started + duration * (number + 1) / (kills + 1)
        await asyncio.sleep(max(0.0, moment - time.monotonic()))
        server.kill()
        down = time.perf_counter()
        await asyncio.to_thread(server.start)
        figures.latencies["restart"].append(time.perf_counter() - down)


def load(server: ServeProcess, instruments: list[bytes], clients: int, duration: float,
         kills: int, processes: int) -> tuple[Figures, float]:
    figures = Figures()
    kinds = (["deposit"] * (clients // 2) + ["report"] * max(1, clients // 20))
    kinds += ["status"] * (clients - len(kinds))
    running = start_clients(server.url, API, kinds, instruments, duration, processes, query)
    if kills:  # started after the clients' processes are forked (no thread in them)
        asyncio.run(killer(server, kills, running.start, duration, figures))
    done, elapsed = running.finish()
    for kind, values in done.latencies.items():
        figures.latencies[kind] += values
    figures.failures.update(done.failures)
    figures.acknowledged = [Acknowledged(sent, json.loads(receipt))
                            for sent, receipt in done.acknowledged]
    figures.client_cpu = done.cpu
    return figures, elapsed


def millis(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def print_figures(figures: Figures, elapsed: float) -> None:
    print(f"\n{'request':<10} {'answers':>8} {'per s':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'max ms':>8}")
    for kind, values in sorted(figures.latencies.items()):
        if not values:
            continue
        print(f"{kind:<10} {len(values):>8} {len(values) / elapsed:>8.1f} "
              f"{millis(values, 0.50):>8.1f} {millis(values, 0.95):>8.1f} "
              f"{millis(values, 0.99):>8.1f} {1000 * max(values):>8.1f}")
    for what, number in sorted(figures.failures.items()):
        print(f"  not answered as expected: {what}: {number}")
    receipts = [deposit.receipt for deposit in figures.acknowledged]
    commits = len({receipt["tree_size"] for receipt in receipts})
    deposits_per_second = len(receipts) / elapsed
    print(f"\ndeposits acknowledged: {len(receipts)} in {elapsed:.1f} s = "
          f"{deposits_per_second:.1f}/s, in {commits} commits "
          f"({len(receipts) / max(commits, 1):.1f} deposits per commit, mean)")
    status = figures.latencies.get("status", [])
    if status:
        p99 = millis(status, 0.99)
        print(f"target: status p99 <= {STATUS_P99_TARGET_MS:.0f} ms: {p99:.1f} ms "
              f"(ratio target/measured {STATUS_P99_TARGET_MS / p99:.2f}; >= 1 meets it)")
    print(f"target: >= {DEPOSITS_TARGET:.0f} deposits/s: {deposits_per_second:.1f}/s "
          f"(ratio measured/target {deposits_per_second / DEPOSITS_TARGET:.2f})")
    if status:
        print(f"status mean {1000 * statistics.fmean(status):.1f} ms")


def process_cpu(server: ServeProcess) -> tuple[float, float]:
    """CPU seconds of the server's process and of its children (the report worker)."""
    assert server.process is not None
    found = psutil.Process(server.process.pid)
    own = found.cpu_times()
    children = sum(sum(child.cpu_times()[:2]) for child in found.children(recursive=True))
    return own.user + own.system, children


def run(args: argparse.Namespace, db: str, folder: Path) -> bool:
    ledger: NatoLedger = nato_ledger(db, folder)
    started = time.perf_counter()
    instruments = [ledger.statement(number) for number in range(args.instruments)]
    print(f"{len(instruments):,} statements signed beforehand in "
          f"{time.perf_counter() - started:.1f} s")
    with (folder / "serve.log").open("wb") as log:
        server = ServeProcess(ledger, log)
        try:
            server.start()
            print(f"{args.clients} clients for {args.duration:.0f} s on {server.url} "
                  f"(half deposit, {max(1, args.clients // 20)} ask for the report, the "
                  f"others the status; {args.client_processes} client processes)"
                  f"{f'; SIGKILL {args.kill} time(s)' if args.kill else ''}")
            figures, elapsed = load(server, instruments, args.clients, args.duration,
                                    args.kill, args.client_processes)
            server_cpu = process_cpu(server)
        finally:
            server.stop()
    print_figures(figures, elapsed)
    # Who was busy: a server waiting for requests is not the limit (a killed server's
    # time before the kill is not counted)
    print(f"CPU time during the load: clients {figures.client_cpu:.1f} s, server "
          f"{server_cpu[0]:.1f} s, its report worker {server_cpu[1]:.1f} s, in "
          f"{elapsed:.1f} s of wall time")
    print("load average at end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    try:
        counts = check_log(ledger, figures.acknowledged)
    except AssertionError as error:
        print(f"\nCHECK FAILED: {error}")
        return False
    print(f"\nchecked: the log verifies ({counts['entries']} entries); every acknowledged "
          f"deposit ({counts['acknowledged']}) is in it exactly once; "
          f"{counts['accepted']} instruments accepted, "
          f"{counts['unacknowledged']} of them never acknowledged (in flight at a kill)")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20 clients for 10 s (CI)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--clients", type=int)
    parser.add_argument("--duration", type=float, help="seconds of load")
    parser.add_argument("--client-processes", type=int, default=2, metavar="N",
                        help="processes the clients are spread over (default 2)")
    parser.add_argument("--kill", type=int, default=0, metavar="N",
                        help="kill the server with SIGKILL N times during the load")
    parser.add_argument("--instruments", type=int,
                        help="statements signed beforehand (the most deposited)")
    args = parser.parse_args(argv)
    args.clients = args.clients or (20 if args.quick else 100)
    args.duration = args.duration or (10.0 if args.quick else 60.0)
    args.instruments = args.instruments or (4000 if args.quick else 30_000)
    # The figures mean little without the machine's load beside them.
    print("load average at start: {:.1f} {:.1f} {:.1f} ({} CPUs)".format(
        *os.getloadavg(), os.cpu_count()))
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="serve-bench-")))
        if args.backend == "sqlite":
            print("backend: SQLite (WAL, synchronous=FULL)")
            return 0 if run(args, str(folder / "ledger.db"), folder) else 1
        new_database = stack.enter_context(postgres_databases())
        if new_database is None:
            print("PostgreSQL: skipped (not installed)")
            return 0
        print("backend: PostgreSQL (private server, synchronous_commit on)")
        return 0 if run(args, new_database("serve_bench"), folder) else 1


if __name__ == "__main__":
    sys.exit(main())
