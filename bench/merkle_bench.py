"""Benchmark of the ledger's Merkle tree, proofs and signature checks.

    .venv/bin/python bench/merkle_bench.py [--size 1000000 --queries 1000 --signatures 5000]
    .venv/bin/python bench/merkle_bench.py --quick        # small sizes, for CI (seconds)

It builds a tree of `--size` leaves in a `MemoryNodes` (in batches, as a store would
append them) and prints:

- the build time (leaf hashing and node creation);
- inclusion and consistency proofs at that size, generation and verification apart,
  median and p99 over `--queries` random queries (target: <= 1 ms each at 10^6);
- the raw Ed25519 verification rate of `cryptography` (which bounds how fast the whole
  log can be verified: target >= 50,000 entries/s), the rate of opening signed notes
  and checkpoints (parsing plus one verification each), and a whole-log pass (verify
  each entry's signature, hash it, rebuild the tree) as a share of the raw rate.

Always exits 0: the figures are for reading, the CI run only checks that it still works.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections.abc import Callable, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from treatyline.ledger.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from treatyline.ledger.merkle import (
    MemoryNodes,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from treatyline.ledger.notes import Ed25519Signer, open_note, sign_note

PROOF_TARGET_MS = 1.0
"""Inclusion and consistency proofs at 10^6 entries, each."""
VERIFY_LOG_TARGET = 50_000
"""Entries per second when verifying the whole log (Ed25519 verification dominates)."""
BATCH = 65_536
INSTRUMENT = (
    b'{"act":"ratification","date":"2022-04-15","instrument":"istanbul-communique",'
    b'"party":"UA","recorded":"2022-04-16","source":"Verkhovna Rada resolution"}'
)


def build(size: int) -> tuple[MemoryNodes, float]:
    tree = MemoryNodes()
    started = time.perf_counter()
    for start in range(0, size, BATCH):
        stop = min(size, start + BATCH)
        tree.append([leaf_hash(number.to_bytes(8, "big")) for number in range(start, stop)])
    return tree, time.perf_counter() - started


def summary(name: str, wall_ms: Sequence[float], cpu_ms: Sequence[float], target_ms: float) -> str:
    """Median and p99 of the wall-clock times, and the p99 of the CPU times: on a shared,
    loaded machine the wall p99 also counts the time the process was not running."""
    wall = sorted(wall_ms)
    cpu = sorted(cpu_ms)
    p99 = min(len(wall) - 1, int(len(wall) * 0.99))
    verdict = "meets" if wall[p99] <= target_ms else "MISSES"
    return (
        f"  {name:<34} median {statistics.median(wall):6.3f} ms   p99 {wall[p99]:6.3f} ms "
        f"(CPU p99 {cpu[p99]:6.3f} ms)   {verdict} the {target_ms:g} ms target at p99"
    )


Case = tuple[int, bytes]
"""A leaf index and its hash, or an old size and its root."""


class Timings:
    """Per query: milliseconds of wall-clock and of this thread's CPU time."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []


def timed(
    cases: Sequence[Case],
    make: Callable[[Case], list[bytes]],
    check: Callable[[Case, list[bytes]], None],
) -> tuple[Timings, Timings]:
    """The times to make each case's proof, and to verify it (the collector paused, so
    that a collection of the million-node tree's garbage is not charged to one query)."""
    made, checked = Timings(), Timings()
    gc.collect()
    gc.disable()
    try:
        for case in cases:
            wall, cpu = time.perf_counter_ns(), time.thread_time_ns()
            proof = make(case)
            wall_made, cpu_made = time.perf_counter_ns(), time.thread_time_ns()
            check(case, proof)
            wall_checked, cpu_checked = time.perf_counter_ns(), time.thread_time_ns()
            made.wall.append((wall_made - wall) / 1e6)
            made.cpu.append((cpu_made - cpu) / 1e6)
            checked.wall.append((wall_checked - wall_made) / 1e6)
            checked.cpu.append((cpu_checked - cpu_made) / 1e6)
    finally:
        gc.enable()
    return made, checked


def bench_proofs(tree: MemoryNodes, size: int, queries: int, rng: random.Random) -> None:
    root = root_hash(size, tree)
    indexes = [rng.randrange(size) for _ in range(queries)]
    leaves = [(index, tree.node(0, index)) for index in indexes]
    olds = [rng.randrange(1, size) for _ in range(queries)]
    old_roots = [(old, root_hash(old, tree)) for old in olds]
    figures = {
        "inclusion": timed(
            leaves,
            lambda case: inclusion_proof(case[0], size, tree),
            lambda case, proof: verify_inclusion(case[1], case[0], size, proof, root),
        ),
        "consistency": timed(
            old_roots,
            lambda case: consistency_proof(case[0], size, tree),
            lambda case, proof: verify_consistency(case[0], size, case[1], root, proof),
        ),
    }
    print(f"proofs at {size:,} entries, {queries:,} random queries each:")
    for kind, (made, checked) in figures.items():
        print(summary(f"{kind} proof, generation", made.wall, made.cpu, PROOF_TARGET_MS))
        print(summary(f"{kind} proof, verification", checked.wall, checked.cpu, PROOF_TARGET_MS))


def rate(action: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        action()
    return count / (time.perf_counter() - started)


def bench_signatures(count: int) -> None:
    private = Ed25519PrivateKey.generate()
    public = private.public_key()
    signature = private.sign(INSTRUMENT)
    raw = rate(lambda: public.verify(signature, INSTRUMENT), count)
    signer = Ed25519Signer("depositary.example/log", private)
    verifier = signer.verifier()
    note = sign_note(INSTRUMENT.decode() + "\n", [signer])
    notes = rate(lambda: open_note(note, [verifier]), count)
    checkpoint = sign_checkpoint(Checkpoint(signer.name, 10**6, bytes(32)), signer)
    checkpoints = rate(lambda: open_checkpoint(checkpoint, verifier), count)
    verdict = "meets" if raw >= VERIFY_LOG_TARGET else "MISSES"
    print(f"signatures, {count:,} verifications each (one core):")
    print(
        f"  raw cryptography Ed25519 verify    {raw:10,.0f} /s   ({verdict} the "
        f"{VERIFY_LOG_TARGET:,} entries/s target for verifying the log on one core)"
    )
    for name, measured in [("open_note (parse + verify)", notes), ("open_checkpoint", checkpoints)]:
        print(f"  {name:<34} {measured:10,.0f} /s   ({measured / raw:.0%} of raw)")
    entries = [(INSTRUMENT + b"%d" % number) for number in range(count)]
    signed = [(entry, private.sign(entry)) for entry in entries]
    expected_root = root_hash(count, _tree_of(entries))
    started = time.perf_counter()
    replayed = _verify_log(signed, public)
    seconds = time.perf_counter() - started
    assert root_hash(count, replayed) == expected_root
    print(
        f"  whole-log pass (verify, hash, tree) {count / seconds:9,.0f} entries/s   "
        f"({count / seconds / raw:.0%} of raw)"
    )


def _tree_of(entries: Sequence[bytes]) -> MemoryNodes:
    tree = MemoryNodes()
    tree.append([leaf_hash(entry) for entry in entries])
    return tree


def _verify_log(signed: Sequence[tuple[bytes, bytes]], public: Ed25519PublicKey) -> MemoryNodes:
    """What verifying the whole log does per entry: check the party's signature, hash the
    entry as a leaf and rebuild the tree (whose root is then compared to a checkpoint)."""
    tree = MemoryNodes()
    for start in range(0, len(signed), BATCH):
        leaves = []
        for entry, signature in signed[start : start + BATCH]:
            public.verify(signature, entry)
            leaves.append(leaf_hash(entry))
        tree.append(leaves)
    return tree


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10**6, help="leaves in the tree")
    parser.add_argument("--queries", type=int, default=1000, help="random proofs of each kind")
    parser.add_argument("--signatures", type=int, default=5000, help="verifications timed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.queries, args.signatures = 20_000, 200, 300
    if args.size < 2:
        parser.error("--size: at least 2 leaves")
    tree, seconds = build(args.size)
    print(f"built a tree of {args.size:,} leaves in {seconds:.2f} s "
          f"({args.size / seconds:,.0f} leaves/s, in batches of {BATCH:,})")
    bench_proofs(tree, args.size, args.queries, random.Random(args.seed))
    bench_signatures(args.signatures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
