"""Benchmark of the first run on a machine: cold and warm start of an assessment.

    .venv/bin/python bench/startup_bench.py [--cold 2] [--warm 5]
    .venv/bin/python bench/startup_bench.py --quick    # one cold and one warm run, for CI

`treatyline assess examples/minsk-2015` places events in an area, so it needs the
point-in-polygon kernels, which numba compiles on their first use on a machine and then
loads from its on-disk cache. Each figure is the wall time of a fresh process (what a
user waits):

- cold: with an empty numba cache (NUMBA_CACHE_DIR pointed at a new temporary folder),
  the first run on a machine; whether it compiled (it wrote to the cache) and said so on
  stderr;
- warm: the same command again on that cache (median);
- the ratio cold / warm;
- `treatyline demo` on the same cache: a different path into the classifier (its
  coordinates are writable arrays, the assessment's read-only Arrow buffers), which must
  not compile anything either.

Always exits 0 when the commands run: the figures are for reading, the CI run only checks
that the script still works.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TREATYLINE = str(Path(sys.executable).with_name("treatyline"))
ASSESS = [TREATYLINE, "assess", str(ROOT / "examples" / "minsk-2015")]
COMPILING = "compiling the point-in-polygon kernels"


def cache_state(cache: Path) -> dict[str, int]:
    """The cache's files and their modification times: a run that compiled wrote to it."""
    return {str(f): f.stat().st_mtime_ns for f in cache.rglob("*") if f.is_file()}


def timed(command: list[str], cache: Path) -> tuple[float, str]:
    """Wall time of one run with this numba cache, and what it did about the kernels."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    cache.mkdir(parents=True, exist_ok=True)
    before = cache_state(cache)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: the example's own rejected rows, if any
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    if cache_state(cache) == before:
        return elapsed, "nothing compiled"
    return elapsed, "compiled, " + ("saying so" if COMPILING in done.stderr else "SILENTLY")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cold", type=int, default=2, help="cold runs (each a new cache)")
    parser.add_argument("--warm", type=int, default=5, help="warm runs")
    parser.add_argument("--quick", action="store_true", help="one cold and one warm run")
    args = parser.parse_args()
    colds_wanted = 1 if args.quick else max(1, args.cold)
    warms_wanted = 1 if args.quick else max(1, args.warm)
    print(f"treatyline assess examples/minsk-2015: {colds_wanted} cold, {warms_wanted} warm "
          f"run(s){' (quick)' if args.quick else ''}")
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as scratch:
        colds: list[float] = []
        cache = Path(scratch)
        for number in range(colds_wanted):
            cache = Path(scratch) / f"numba-cache-{number}"
            elapsed, what = timed(ASSESS, cache)
            colds.append(elapsed)
            print(f"  cold (empty cache)   {elapsed:6.2f} s   {what}")
        warms: list[float] = []
        for _ in range(warms_wanted):
            elapsed, what = timed(ASSESS, cache)
            warms.append(elapsed)
            if what != "nothing compiled":
                print(f"  a warm run {what}")
        cold, warm = statistics.median(colds), statistics.median(warms)
        print(f"  warm (median)        {warm:6.2f} s")
        print(f"  cold / warm          {cold / warm:6.1f}x")
        report = Path(scratch) / "demo-report.html"
        elapsed, what = timed([TREATYLINE, "demo", "--report", str(report)], cache)
        print(f"treatyline demo on the same cache: {elapsed:.2f} s ({what})")


if __name__ == "__main__":
    main()
