"""Benchmark of `treatyline assess` on large event files, against the targets of the
monitoring-at-scale work (one machine: columnar, streaming, bounded).

    .venv/bin/python bench/assess_bench.py                     # 10^5 and 10^6 events
    .venv/bin/python bench/assess_bench.py --sizes 100000,1000000,2000000
    .venv/bin/python bench/assess_bench.py --quick             # 20,000 events, for CI

Events are the bundled UCDP GED extract (about 3,900 real events in Ukraine) tiled to N
rows, each copy with its own ids and its coordinates jittered the way the tests' tiler
(`tests/tiled_events.py`) does it, written as Parquet with UCDP's columns (typed as a GED
export read by pyarrow: numbers as numbers, dates as UCDP's text). For each size it runs

    treatyline assess examples/minsk-2015 --events F.parquet --as-of 2015-03-31 --json

as a fresh process and prints its wall time and peak memory (the child's own maximum
resident set, from `os.wait4` in a small launcher process), the best of 3
`pyarrow.parquet.read_table(F)` in the same run, and the ratios against the targets:

- 10^6 events: at most 3x the pyarrow read, peak memory at most 1 GB;
- growth per doubling of the input at most 2.1 (the time ratio between consecutive sizes,
  normalised to one doubling: ratio ** (1 / log2(size ratio))).

It then times `treatyline assess` and `treatyline report` on each bundled example with
events (nato-1949, istanbul-2022 with its scenario, minsk-2015), warm: one warm-up run,
then the median of 3 (target: each under 2 s).

Always exits 0: the figures are for reading, the CI run only checks that the script works.
"""

from __future__ import annotations

import argparse
import math
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from itertools import pairwise
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
TREATYLINE = Path(sys.executable).with_name("treatyline")
MINSK = ROOT / "examples" / "minsk-2015"
AS_OF = "2015-03-31"
EXAMPLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("nato-1949", ()), ("istanbul-2022", ("--scenario",)), ("minsk-2015", ()))
TARGET_READ_RATIO = 3.0
TARGET_MEMORY_MB = 1024.0
TARGET_DOUBLING = 2.1
TARGET_EXAMPLE_S = 2.0


def ucdp_extract() -> pa.Table:
    """The bundled UCDP GED extract as Arrow (ids as text: the tiled copies' are)."""
    source = resources.files("treatyline").joinpath("data", "ucdp", "ged-ukraine.csv")
    with resources.as_file(source) as path:
        return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types={"id": pa.string()}))


def tiled_table(count: int, *, seed: int = 9, jitter_degrees: float = 0.08) -> pa.Table:
    """`count` UCDP rows: the extract repeated, copy k > 0 with ids `ID-k` and each row's
    coordinates shifted by N(0, jitter) degrees (the same draws as `tests/tiled_events.py`,
    vectorised: that helper writes CSV row by row, too slow for millions)."""
    base = ucdp_extract()
    rows = base.num_rows
    index = np.arange(count)
    copy, row = np.divmod(index, rows)
    table = base.take(pa.array(row))
    rng = np.random.default_rng(seed)
    shifts = rng.normal(0.0, jitter_degrees, size=(count, 2)) * (copy > 0)[:, None]
    lat = np.round(table.column("latitude").to_numpy() + shifts[:, 1], 5)
    lon = np.round(table.column("longitude").to_numpy() + shifts[:, 0], 5)
    suffix = pa.array(np.char.add("-", copy.astype(str)))
    ids = pc.if_else(pa.array(copy > 0), pc.binary_join_element_wise(
        table.column("id").combine_chunks(), suffix, ""), table.column("id").combine_chunks())
    wkt = pc.binary_join_element_wise(
        "POINT (", pa.array(np.char.mod("%.5f", lon)), " ",
        pa.array(np.char.mod("%.5f", lat)), ")", "")
    replaced = {"id": ids, "latitude": pa.array(lat), "longitude": pa.array(lon),
                "geom_wkt": wkt}
    for name, column in replaced.items():
        table = table.set_column(table.schema.get_field_index(name), name, column)
    return table


def write_tiled_parquet(path: Path, count: int) -> Path:
    """Write `count` tiled UCDP events to `path` as Parquet (zstd) and return it."""
    pq.write_table(tiled_table(count), str(path), compression="zstd")
    return path


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    returncode: int
    stderr: str


# Runs the command and writes its wall time, peak resident memory (ru_maxrss) and exit
# code to argv[1]. The measured command is started from this small process, not from the
# benchmark's: Linux carries a process's peak memory across fork and exec, so a child of
# the benchmark (which has held a million-row table) would report the benchmark's peak.
_WRAPPER = """
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
seconds = time.perf_counter() - start
with open(sys.argv[1], "w") as out:
    out.write(f"{seconds} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def run_child(args: list[str]) -> Run:
    """Run a command to completion: its wall time and its own peak resident memory."""
    with tempfile.TemporaryDirectory() as scratch:
        figures = Path(scratch) / "figures"
        done = subprocess.run([sys.executable, "-c", _WRAPPER, str(figures), *args],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT,
                              check=False)
        text = done.stderr.decode("utf-8", "replace")
        if not figures.exists():
            return Run(float("nan"), float("nan"), done.returncode, text)
        seconds, maxrss, code = figures.read_text(encoding="utf-8").split()
    # ru_maxrss is in kilobytes on Linux, bytes on macOS
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return Run(float(seconds), int(maxrss) / scale, int(code), text)


def best_read_seconds(path: Path, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        pq.read_table(str(path))
        times.append(time.perf_counter() - start)
    return min(times)


def verdict(ok: bool) -> str:
    return "ok" if ok else "NOT MET"


def bench_sizes(sizes: list[int], folder: Path) -> None:
    print(f"treatyline assess examples/minsk-2015 --events F.parquet --as-of {AS_OF} --json")
    print("(F: the UCDP extract tiled to N events, Parquet with UCDP's columns)\n")
    print(f"{'events':>10} {'file MB':>8} {'write s':>8} {'pyarrow s':>10} {'assess s':>9} "
          f"{'peak MB':>8} {'x read':>7} {'exit':>5}")
    measured: list[tuple[int, float, float, float]] = []
    for size in sizes:
        path = folder / f"events-{size}.parquet"
        start = time.perf_counter()
        write_tiled_parquet(path, size)
        written = time.perf_counter() - start
        read = best_read_seconds(path)
        run = run_child([str(TREATYLINE), "assess", str(MINSK), "--events", str(path),
                         "--as-of", AS_OF, "--json"])
        ratio = run.seconds / read
        print(f"{size:>10,} {path.stat().st_size / 1e6:>8.1f} {written:>8.2f} {read:>10.3f} "
              f"{run.seconds:>9.2f} {run.peak_mb:>8.0f} {ratio:>7.1f} {run.returncode:>5}",
              flush=True)
        if run.returncode != 0:
            print("  stderr: " + run.stderr.strip()[-600:].replace("\n", "\n  "))
        measured.append((size, run.seconds, run.peak_mb, ratio))
        path.unlink()

    print("\ntargets")
    for size, _, peak, ratio in measured:
        if size == 1_000_000:
            print(f"  10^6 events: {ratio:.1f}x the pyarrow read (target <= "
                  f"{TARGET_READ_RATIO:g}x: {verdict(ratio <= TARGET_READ_RATIO)}), "
                  f"peak {peak:.0f} MB (target <= {TARGET_MEMORY_MB:.0f} MB: "
                  f"{verdict(peak <= TARGET_MEMORY_MB)})")
    if not any(size == 1_000_000 for size, *_ in measured):
        for size, _, peak, ratio in measured:
            print(f"  {size:,} events: {ratio:.1f}x the pyarrow read, peak {peak:.0f} MB "
                  f"(the read and memory targets are set at 10^6)")
    for (small, t_small, m_small, _), (big, t_big, m_big, _) in pairwise(measured):
        doublings = math.log2(big / small)
        per_doubling = (t_big / t_small) ** (1 / doublings) if doublings > 0 else float("nan")
        memory = (m_big / m_small) ** (1 / doublings) if doublings > 0 else float("nan")
        print(f"  {small:,} -> {big:,}: time x{t_big / t_small:.2f} over {doublings:.2f} "
              f"doublings = x{per_doubling:.2f} per doubling (target <= {TARGET_DOUBLING:g}: "
              f"{verdict(per_doubling <= TARGET_DOUBLING)}); memory x{memory:.2f} per doubling")


def bench_examples(runs: int) -> None:
    print(f"\nbundled examples, warm (1 warm-up run, then the median of {runs}; "
          f"target < {TARGET_EXAMPLE_S:g} s each)")
    print(f"{'example':<16} {'command':<8} {'median s':>9} {'peak MB':>8} {'target':>8}")
    with tempfile.TemporaryDirectory() as scratch:
        html = str(Path(scratch) / "tmp.html")
        for name, extra in EXAMPLES:
            folder = str(ROOT / "examples" / name)
            commands = {"assess": ["assess", folder, *extra, "--json"],
                        "report": ["report", folder, *extra, "-o", html]}
            for command, args in commands.items():
                run_child([str(TREATYLINE), *args])  # warm-up: kernels compiled, files cached
                results = [run_child([str(TREATYLINE), *args]) for _ in range(runs)]
                median = statistics.median(r.seconds for r in results)
                peak = max(r.peak_mb for r in results)
                failed = [r for r in results if r.returncode != 0]
                print(f"{name:<16} {command:<8} {median:>9.2f} {peak:>8.0f} "
                      f"{verdict(median < TARGET_EXAMPLE_S):>8}"
                      + (f"  exit {failed[0].returncode}" if failed else ""), flush=True)
                if failed:
                    print("  stderr: " + failed[0].stderr.strip()[-600:].replace("\n", "\n  "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default="100000,1000000",
                        help="comma-separated event counts (default 100000,1000000)")
    parser.add_argument("--quick", action="store_true",
                        help="20,000 events and one timed run per example, for CI")
    options = parser.parse_args()
    sizes = [20_000] if options.quick else sorted(
        int(part.replace("_", "")) for part in options.sizes.split(",") if part.strip())
    if not TREATYLINE.exists():
        print(f"no treatyline command next to {sys.executable}; install the package first")
        return
    with tempfile.TemporaryDirectory() as folder:
        bench_sizes(sizes, Path(folder))
    bench_examples(1 if options.quick else 3)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # the figures are for reading: report, never fail CI
        print(f"assess_bench: {type(error).__name__}: {error}")
    sys.exit(0)
