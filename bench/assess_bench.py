"""Benchmark of `treatyline assess` on large event files, against the targets of the
monitoring-at-scale work (one machine: columnar, streaming, bounded).

    .venv/bin/python bench/assess_bench.py                     # 10^5 and 10^6 events
    .venv/bin/python bench/assess_bench.py --sizes 100000,1000000,2000000
    .venv/bin/python bench/assess_bench.py --quick             # 20,000 events, for CI
    .venv/bin/python bench/assess_bench.py --stage read --sizes 10000000   # reading alone
    .venv/bin/python bench/assess_bench.py --dask --events 10000000        # Dask scaling

Events are the bundled UCDP GED extract (about 3,900 real events in Ukraine) tiled to N
rows, each copy with its own ids and its coordinates jittered the way the tests' tiler
(`tests/tiled_events.py`) does it, written as Parquet with UCDP's columns (typed as a GED
export read by pyarrow: numbers as numbers, dates as UCDP's text) in row groups of 131,072
rows, as a real dataset is written. For each size it runs

    treatyline assess examples/minsk-2015 --events F.parquet --as-of 2015-03-31 --json

as a fresh process (a `python -c` that imports treatyline.cli and calls its main, as the
`treatyline` script does) and prints its wall time, its own time (the command alone, after
the imports) and peak memory (the child's own maximum resident set, from `os.wait4` in a
small launcher process), the best of 3 `pyarrow.parquet.read_table(F)` in the same run and
the best of 3 fresh processes doing only that read, and the ratios against the targets:

- 10^6 events: at most 3x the pyarrow read, peak memory at most 1 GB;
- growth per doubling of the input at most 2.1 (the time ratio between consecutive sizes,
  normalised to one doubling: ratio ** (1 / log2(size ratio))).

and, as a separate row, the reading stage alone (`monitor.read_event_files`: read,
project, check, combine) in a fresh process, with its own wall time and peak memory.

It then times `treatyline assess` and `treatyline report` on each bundled example with
events (nato-1949, istanbul-2022 with its scenario, minsk-2015), warm: one warm-up run,
then the median of 3 (target: each under 2 s).

With `--dask --events N` it writes N events as a partitioned dataset (files of 10^6
rows under part=K/ folders, row groups of 131,072) on local disk and reads it on a
`LocalCluster` of 1 then 2 worker processes (one thread each): the cost of one partition
(from the scheduler's task stream), the throughput per worker, the 1 -> 2 worker speed-up
and a projection to more workers (its assumptions are printed with it).

Always exits 0: the figures are for reading, the CI run only checks that the script works.
"""

from __future__ import annotations

import argparse
import logging
import math
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

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
TARGET_MEMORY_10M_MB = 2048.0
TARGET_DOUBLING = 2.1
TARGET_EXAMPLE_S = 2.0
ROW_GROUP_ROWS = 131_072
DATASET_FILE_ROWS = 1_000_000
# the reading stage in a fresh process; writes its own time, imports excluded, to argv[2]
READ_STAGE = ("import sys, time; from pathlib import Path; from treatyline.monitor import "
              "read_event_files; start = time.perf_counter(); "
              "read_event_files([Path(sys.argv[1])], None, None); "
              "Path(sys.argv[2]).write_text(str(time.perf_counter() - start))")
# the whole command in a fresh process, as the `treatyline` script runs it (import
# treatyline.cli, call its main); writes its own time, imports excluded, to argv[1], then
# exits with the command's code
ASSESS_STAGE = """
import sys, time
from pathlib import Path
from treatyline import cli
timing, sys.argv = Path(sys.argv[1]), ["treatyline", *sys.argv[2:]]
start = time.perf_counter()
try:
    cli.main()
    code = 0
except SystemExit as end:
    code = end.code if isinstance(end.code, int) else int(end.code is not None)
timing.write_text(str(time.perf_counter() - start))
sys.exit(code)
"""
# the baseline in a fresh process: import pyarrow.parquet and read F's 49 columns
PYARROW_READ = "import sys, pyarrow.parquet as pq; pq.read_table(sys.argv[1])"


def ucdp_extract() -> pa.Table:
    """The bundled UCDP GED extract as Arrow (ids as text: the tiled copies' are)."""
    source = resources.files("treatyline").joinpath("data", "ucdp", "ged-ukraine.csv")
    with resources.as_file(source) as path:
        return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types={"id": pa.string()}))


def tiled_table(count: int, *, seed: int = 9, jitter_degrees: float = 0.08,
                start: int = 0) -> pa.Table:
    """`count` UCDP rows: the extract repeated, copy k > 0 with ids `ID-k` and each row's
    coordinates shifted by N(0, jitter) degrees (the same draws as `tests/tiled_events.py`,
    vectorised: that helper writes CSV row by row, too slow for millions). `start`: the
    rows from the tiling's row `start` on (a dataset's later files: ids stay unique)."""
    base = ucdp_extract()
    rows = base.num_rows
    index = np.arange(start, start + count)
    copy, row = np.divmod(index, rows)
    table = base.take(pa.array(row))
    rng = np.random.default_rng(seed if start == 0 else (seed, start))
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


def write_tiled_parquet(path: Path, count: int, *, start: int = 0,
                        row_group_rows: int = ROW_GROUP_ROWS) -> Path:
    """Write `count` tiled UCDP events to `path` as Parquet (zstd, row groups of
    `row_group_rows`) and return it; made and written a million rows at a time (a
    10^7-row table of UCDP's 49 columns would take ~8 GB here)."""
    step = max(DATASET_FILE_ROWS // row_group_rows, 1) * row_group_rows
    writer: pq.ParquetWriter | None = None
    try:
        for first in range(start, start + count, step):
            table = tiled_table(min(step, start + count - first), start=first)
            if writer is None:
                writer = pq.ParquetWriter(str(path), table.schema, compression="zstd")
            writer.write_table(table, row_group_size=row_group_rows)
    finally:
        if writer is not None:
            writer.close()
    return path


def write_tiled_dataset(folder: Path, count: int, file_rows: int = DATASET_FILE_ROWS
                        ) -> list[Path]:
    """`count` tiled events as files of `file_rows` under folder/part=K/ (hive style)."""
    paths = []
    for number, start in enumerate(range(0, count, file_rows)):
        path = folder / f"part={number:04d}" / "events.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        paths.append(write_tiled_parquet(path, min(file_rows, count - start), start=start))
    return paths


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


def best_fresh_read(path: Path, runs: int = 3) -> float:
    """The best wall time of a fresh process that imports pyarrow.parquet and reads F."""
    return min(run_child([sys.executable, "-c", PYARROW_READ, str(path)]).seconds
               for _ in range(runs))


def verdict(ok: bool) -> str:
    return "ok" if ok else "NOT MET"


def stage_command(stage: str, path: Path, timing: Path) -> list[str]:
    """The measured command: the whole assess, or the reading stage alone."""
    if stage == "read":
        return [sys.executable, "-c", READ_STAGE, str(path), str(timing)]
    return [sys.executable, "-c", ASSESS_STAGE, str(timing), "assess", str(MINSK), "--events",
            str(path), "--as-of", AS_OF, "--json"]


def bench_sizes(sizes: list[int], folder: Path, stages: tuple[str, ...]) -> None:
    print(f"assess: treatyline assess examples/minsk-2015 --events F.parquet --as-of {AS_OF} "
          "--json")
    print("read: monitor.read_event_files([F]) alone (read, project, check, combine)")
    print("(F: the UCDP extract tiled to N events, Parquet with UCDP's columns)\n")
    print("(pyarrow s: the best of 3 pyarrow.parquet.read_table of F's 49 columns in this "
          "process; pyarrow fresh s: the best of 3 fresh processes that import "
          "pyarrow.parquet and read F;\n wall s: the stage's fresh process, interpreter "
          "start-up and imports included; own s: the stage's own time in it, imports "
          "excluded;\n wall/read = wall s / pyarrow s (the target's ratio for assess), "
          "own/read = own s / pyarrow s (the target's ratio for read), wall/fresh = wall s "
          "/ pyarrow fresh s)\n")
    print(f"{'events':>10} {'file MB':>8} {'write s':>8} {'pyarrow s':>10} {'pyarrow fresh s':>16}"
          f" {'stage':>7} {'wall s':>8} {'own s':>7} {'peak MB':>8} {'wall/read':>10} "
          f"{'own/read':>9} {'wall/fresh':>11} {'exit':>5}")
    measured: dict[str, list[tuple[int, float, float, float]]] = {s: [] for s in stages}
    for size in sizes:
        path = folder / f"events-{size}.parquet"
        start = time.perf_counter()
        write_tiled_parquet(path, size)
        written = time.perf_counter() - start
        read = best_read_seconds(path)
        fresh = best_fresh_read(path)
        for stage in stages:
            timing = folder / "own-seconds"
            run = run_child(stage_command(stage, path, timing))
            own = float(timing.read_text()) if timing.exists() else float("nan")
            timing.unlink(missing_ok=True)
            ratio = own / read if stage == "read" else run.seconds / read
            print(f"{size:>10,} {path.stat().st_size / 1e6:>8.1f} {written:>8.2f} "
                  f"{read:>10.3f} {fresh:>16.3f} {stage:>7} {run.seconds:>8.2f} {own:>7.2f} "
                  f"{run.peak_mb:>8.0f} {run.seconds / read:>10.1f} {own / read:>9.1f} "
                  f"{run.seconds / fresh:>11.1f} {run.returncode:>5}", flush=True)
            if run.returncode not in (0, 1):  # 1: rows set aside, still a full run
                print("  stderr: " + run.stderr.strip()[-600:].replace("\n", "\n  "))
            measured[stage].append((size, run.seconds, run.peak_mb, ratio))
        path.unlink()
    for stage, figures in measured.items():
        print(f"\ntargets ({stage})")
        report_targets(figures)


def report_targets(measured: list[tuple[int, float, float, float]]) -> None:
    for size, _, peak, ratio in measured:
        if size == 1_000_000:
            print(f"  10^6 events: {ratio:.1f}x the pyarrow read (target <= "
                  f"{TARGET_READ_RATIO:g}x: {verdict(ratio <= TARGET_READ_RATIO)}), "
                  f"peak {peak:.0f} MB (target <= {TARGET_MEMORY_MB:.0f} MB: "
                  f"{verdict(peak <= TARGET_MEMORY_MB)})")
        if size == 10_000_000:
            print(f"  10^7 events: peak {peak:.0f} MB (target <= {TARGET_MEMORY_10M_MB:.0f} "
                  f"MB: {verdict(peak <= TARGET_MEMORY_10M_MB)})")
    if not any(size in (1_000_000, 10_000_000) for size, *_ in measured):
        for size, _, peak, ratio in measured:
            print(f"  {size:,} events: {ratio:.1f}x the pyarrow read, peak {peak:.0f} MB "
                  f"(the read and memory targets are set at 10^6 and 10^7)")
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


@dataclass(frozen=True)
class DaskRun:
    workers: int
    seconds: float
    partitions: int
    task_seconds: list[float]

    @property
    def compute_seconds(self) -> float:
        return sum(self.task_seconds)


def dask_read(paths: list[Path], workers: int) -> DaskRun:
    """The dataset read on a fresh LocalCluster of `workers` processes (treatyline already
    imported in each: the workers' start is a fixed cost, not the partitions')."""
    from distributed import Client, LocalCluster, get_task_stream

    from treatyline.distributed import DaskOptions
    from treatyline.monitor import read_event_files
    from treatyline.scan import partitions
    from treatyline.sources.parquet import plan_parquet

    with LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers, threads_per_worker=1, processes=True,
            dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL) as cluster, \
            Client(cluster) as client:  # type: ignore[no-untyped-call]
        client.run(lambda: __import__("treatyline.distributed"))
        options = DaskOptions(scheduler=cluster.scheduler_address)
        with get_task_stream(client) as stream:
            start = time.perf_counter()
            read_event_files(paths, None, None, dask=options)  # assembled, as assess
            seconds = time.perf_counter() - start
        computes = [part["stop"] - part["start"] for task in stream.data
                    for part in task.get("startstops", ()) if part["action"] == "compute"]
    count = len(partitions([plan_parquet(path) for path in paths]))
    return DaskRun(workers, seconds, count, computes)


@dataclass(frozen=True)
class DaskAssessRun:
    """One `monitor` (read, classify, assess) of a dataset on a fresh LocalCluster."""

    workers: int
    seconds: float
    read_seconds: float
    """Reading on the cluster and assembling on the driver (the workers' classifying
    included, when they classify)."""
    driver_placing_seconds: float
    """The driver's own territory engine calls (membership, distances)."""
    driver_placed_rows: int
    task_seconds: list[float]
    driver_cpu_seconds: float
    """CPU time of the driver process (its threads: the scheduler's too), which the other
    jobs on a shared machine disturb far less than wall times."""
    worker_cpu_seconds: float
    """CPU time of the worker processes during the assessment, summed."""


def dask_assess(paths: list[Path], workers: int) -> DaskAssessRun:
    """`monitor` on a fresh LocalCluster of `workers` processes, with the time and rows
    the driver's territory engine spent (its calls wrapped in this process only: the
    workers are other processes)."""
    from distributed import Client, LocalCluster, get_task_stream

    from treatyline import monitor as monitoring
    from treatyline.bundle import load_bundle
    from treatyline.distributed import DaskOptions
    from treatyline.territory import Territory

    spent = [0.0, 0.0]  # seconds, rows

    def timed(method: Any) -> Any:
        def wrapper(self: Territory, area: str, lons: Any, *args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return method(self, area, lons, *args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - start
                spent[1] += len(lons)
        return wrapper

    reading = [0.0]
    read_files = monitoring.read_event_files

    def timed_read(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return read_files(*args, **kwargs)
        finally:
            reading[0] += time.perf_counter() - start

    bundle = load_bundle(MINSK / "treaty.yaml")
    originals = (Territory.membership, Territory.distance_km)
    with LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers, threads_per_worker=1, processes=True,
            dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL) as cluster, \
            Client(cluster) as client:  # type: ignore[no-untyped-call]
        client.run(lambda: __import__("treatyline.distributed"))
        options = DaskOptions(scheduler=cluster.scheduler_address)
        Territory.membership = timed(originals[0])  # type: ignore[method-assign]
        Territory.distance_km = timed(originals[1])  # type: ignore[method-assign]
        monitoring.read_event_files = timed_read
        try:
            with get_task_stream(client) as stream:
                workers_before = client.run(time.process_time)
                cpu, start = time.process_time(), time.perf_counter()
                monitoring.monitor(bundle, date.fromisoformat(AS_OF), events=paths,
                                   dask=options)
                seconds = time.perf_counter() - start
                cpu = time.process_time() - cpu
                workers_after = client.run(time.process_time)
        finally:
            Territory.membership, Territory.distance_km = originals  # type: ignore[method-assign]
            monitoring.read_event_files = read_files
        computes = [part["stop"] - part["start"] for task in stream.data
                    for part in task.get("startstops", ()) if part["action"] == "compute"]
    worker_cpu = sum(workers_after[name] - workers_before[name] for name in workers_after)
    return DaskAssessRun(workers, seconds, reading[0], spent[0], int(spent[1]), computes, cpu,
                         worker_cpu)


def bench_dask_assess(count: int, paths: list[Path]) -> None:
    """The whole assessment (`monitor`) on 1 and 2 workers: where the time goes."""
    runs = [dask_assess(paths, workers) for workers in (1, 2)]
    print(f"\nassess on Dask ({count:,} events, minsk-2015 as of {AS_OF}):")
    print(f"{'workers':>8} {'wall s':>8} {'read s':>8} {'driver placing s':>17} "
          f"{'rows placed':>12} {'part s':>7} {'x 1 worker':>11} {'driver cpu s':>13} "
          f"{'workers cpu s':>14}")
    for run in runs:
        per_part = statistics.mean(run.task_seconds) if run.task_seconds else float("nan")
        print(f"{run.workers:>8} {run.seconds:>8.2f} {run.read_seconds:>8.2f} "
              f"{run.driver_placing_seconds:>17.2f} {run.driver_placed_rows:>12,} "
              f"{per_part:>7.3f} {runs[0].seconds / run.seconds:>11.2f} "
              f"{run.driver_cpu_seconds:>13.2f} {run.worker_cpu_seconds:>14.2f}", flush=True)


DONBAS_BOX = (36.5, 46.8, 40.5, 49.5)
"""A bounding box (west, south, east, north) around the Minsk conflict zone."""
KYIV_BOX = (29.5, 50.0, 31.5, 51.0)
"""A box around Kyiv: few of the extract's events (most are in the east)."""


def _best_seconds(run: Any, runs: int = 3) -> float:
    best = math.inf
    for _ in range(runs):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def pushdown_figures(path: Path, label: str,
                     box_edges: tuple[float, float, float, float]) -> None:
    """One file: treatyline's read (every row read, projected and checked), pyarrow's read
    of the same columns, and `pyarrow.dataset`'s scan with a bounding-box filter pushed to
    the row groups' statistics (how many groups it can skip, and its time)."""
    import pyarrow.dataset as ds

    from treatyline.monitor import event_file_mapping, read_event_files
    from treatyline.sources.detect import column_mapping
    from treatyline.sources.parquet import plan_parquet

    columns = list(plan_parquet(path, column_mapping(event_file_mapping(path, None))).wanted)
    west, south, east, north = box_edges
    box = ((ds.field("longitude") >= west) & (ds.field("longitude") <= east)
           & (ds.field("latitude") >= south) & (ds.field("latitude") <= north))
    dataset = ds.dataset(str(path), format="parquet")
    groups = sum(f.num_row_groups for f in dataset.get_fragments())
    kept = sum(len(piece.row_groups) for f in dataset.get_fragments(filter=box)
               for piece in f.split_by_row_group(filter=box))
    ours = _best_seconds(lambda: read_event_files([path], None, None), runs=2)
    plain = _best_seconds(lambda: pq.read_table(path, columns=columns))
    scanned = _best_seconds(lambda: dataset.to_table(columns=columns, filter=box))
    matched = dataset.count_rows(filter=box)
    rows = pq.ParquetFile(path).metadata.num_rows
    print(f"  {label}, box {box_edges}: {rows:,} rows; row groups the box's statistics "
          f"cannot rule out {kept}/{groups}; rows in the box {matched:,}; treatyline read "
          f"{ours:.2f} s, pyarrow read of its {len(columns)} columns {plain:.2f} s, "
          f"dataset scan with the box pushed down {scanned:.2f} s", flush=True)


def bench_pushdown(paths: list[Path], folder: Path) -> None:
    """What pushing a date range and a bounding box down to Parquet's row-group statistics
    (`pyarrow.dataset`) would save, on the dataset as written and on a copy of one file
    sorted by place (the layout most favourable to a bounding box)."""
    print("\npushdown (boxes west, south, east, north):")
    first = paths[0]
    dates = pq.ParquetFile(first).metadata.row_group(0)
    index = pq.ParquetFile(first).schema_arrow.get_field_index("date_start")
    stats = dates.column(index).statistics
    print(f"  date_start is text (a GED export's, e.g. {stats.min!r} .. {stats.max!r}): its "
          "statistics are string bounds, not dates, so a date range cannot be pushed down")
    pushdown_figures(first, "as written (tiled)", DONBAS_BOX)
    table = pq.read_table(first)
    by_place = table.take(pc.sort_indices(table, [("latitude", "ascending"),
                                                  ("longitude", "ascending")]))
    sorted_path = folder / "sorted-by-place.parquet"
    pq.write_table(by_place, str(sorted_path), compression="zstd",
                   row_group_size=ROW_GROUP_ROWS)
    del table, by_place
    for box in (DONBAS_BOX, KYIV_BOX):
        pushdown_figures(sorted_path, "sorted by latitude", box)
    sorted_path.unlink()


def bench_dask(count: int, folder: Path) -> None:
    start = time.perf_counter()
    paths = write_tiled_dataset(folder, count)
    written = time.perf_counter() - start
    size_mb = sum(path.stat().st_size for path in paths) / 1e6
    print(f"Dask: {count:,} events in {len(paths)} file(s) of up to {DATASET_FILE_ROWS:,} "
          f"rows under part=K/ ({size_mb:.0f} MB, row groups of {ROW_GROUP_ROWS:,}; written "
          f"in {written:.0f} s)")
    timing = folder.parent / f"{folder.name}-own-seconds"
    alone = run_child([sys.executable, "-c", READ_STAGE, str(folder), str(timing)])
    own = float(timing.read_text()) if timing.exists() else float("nan")
    timing.unlink(missing_ok=True)
    print(f"  single process (read_event_files in a fresh process): {own:.2f} s reading "
          f"({alone.seconds:.2f} s with imports), peak {alone.peak_mb:.0f} MB, exit "
          f"{alone.returncode}", flush=True)
    runs = [dask_read(paths, workers) for workers in (1, 2)]
    print(f"{'workers':>8} {'wall s':>8} {'parts':>6} {'part s':>7} {'compute s':>10} "
          f"{'rows/s/worker':>14} {'x 1 worker':>11}")
    for run in runs:
        per_part = statistics.mean(run.task_seconds) if run.task_seconds else float("nan")
        throughput = count / run.compute_seconds if run.compute_seconds else float("nan")
        print(f"{run.workers:>8} {run.seconds:>8.2f} {run.partitions:>6} {per_part:>7.3f} "
              f"{run.compute_seconds:>10.2f} {throughput:>14,.0f} "
              f"{runs[0].seconds / run.seconds:>11.2f}", flush=True)
    one = runs[0]
    # serial: what one worker's wall time has beyond its partitions (planning from the
    # footers, sending results, assembling on the driver); it does not shrink with workers
    serial = max(one.seconds - one.compute_seconds, 0.0)
    per_row = one.compute_seconds / count
    print(f"\nprojection (T(W) = serial {serial:.2f} s + rows x {per_row * 1e6:.2f} us / W, "
          "measured with 1 worker):")
    for rows in (count, 100_000_000):
        factor = rows / count
        cells = ", ".join(f"W={w}: {serial * factor + rows * per_row / w:,.0f} s"
                          for w in (2, 4, 8, 16, 64))
        print(f"  {rows:,} events: {cells}")
    print("  assumes: each worker its own core and its share of storage bandwidth (local "
          "disk or an object store that is not the bottleneck); at least a few partitions "
          "per worker; the serial part (driver assembly, O(rows)) grows with the rows; the "
          "driver holds the combined incidents (about 230 bytes a row: 10^8 rows need "
          "about 23 GB on the driver). With 2 workers on a 2-core machine the driver "
          "(receiving and assembling) competes with them for the cores: that row says "
          "little about a machine with a core per worker.")
    bench_dask_assess(count, paths)
    bench_pushdown(paths, folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default="100000,1000000",
                        help="comma-separated event counts (default 100000,1000000)")
    parser.add_argument("--quick", action="store_true",
                        help="20,000 events and one timed run per example, for CI")
    parser.add_argument("--stage", choices=("assess", "read", "both"), default="both",
                        help="what to time per size: the whole assess, the reading stage, "
                        "or both (default)")
    parser.add_argument("--dask", action="store_true",
                        help="read a partitioned dataset on 1 and 2 Dask workers instead")
    parser.add_argument("--events", type=int, default=10_000_000,
                        help="events in the --dask dataset (default 10^7)")
    options = parser.parse_args()
    if options.dask:
        with tempfile.TemporaryDirectory(prefix="assess-bench-dask-") as folder:
            bench_dask(20_000 if options.quick else options.events, Path(folder))
        return
    sizes = [20_000] if options.quick else sorted(
        int(part.replace("_", "")) for part in options.sizes.split(",") if part.strip())
    if not TREATYLINE.exists():
        print(f"no treatyline command next to {sys.executable}; install the package first")
        return
    stages = ("read", "assess") if options.stage == "both" else (options.stage,)
    with tempfile.TemporaryDirectory() as folder:
        bench_sizes(sizes, Path(folder), stages)
    bench_examples(1 if options.quick else 3)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # the figures are for reading: report, never fail CI
        print(f"assess_bench: {type(error).__name__}: {error}")
    sys.exit(0)
