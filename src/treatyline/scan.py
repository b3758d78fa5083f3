"""Event datasets (I/O): what `--events` names, expanded to files, and Parquet files cut
into partitions for reading in parallel.

`--events` takes a file, a folder of Parquet files (hive-partitioned sub-folders such as
`year=2015/` allowed; a folder that tags versions is a version folder instead, see
`revisions`) or a quoted glob (`'logs/*.parquet'`); the files are read in sorted path
order, so that a dataset gives the same incidents, in the same order, every time.
A partition is a run of whole row groups of one file (`Partition`): Parquet's own unit
of reading, so that a partition's rows are read without touching its neighbours'.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from .errors import Diagnostic, Position, UsageError
from .sources.parquet import ParquetPlan

__all__ = ["PARQUET_SUFFIXES", "PARTITION_ROWS", "Partition", "dataset_files",
           "event_paths", "is_parquet_dataset", "partitions"]

PARQUET_SUFFIXES: Final = (".parquet", ".pq")
PARTITION_ROWS: Final = 262_144
"""Rows a partition gathers at least (whole row groups, never across files): enough that a
task's fixed cost (sending it, starting the read, sending back the result: a few ms) is
small beside its reading and checking (about half a second for UCDP's columns), few
enough that two workers share even a modest file."""
_GLOB_CHARACTERS: Final = frozenset("*?[")
_OTHER_EVENT_SUFFIXES: Final = frozenset({".csv", ".geojson", ".json"})


def _hidden(name: str) -> bool:
    # Arrow's dataset discovery ignores these too: '_SUCCESS', '_metadata', '.crc' files,
    # '_temporary' folders left by writers
    return name.startswith((".", "_"))


def _files_below(folder: Path) -> list[Path]:
    found: list[Path] = []
    for root, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if not _hidden(name)]
        found.extend(Path(root) / name for name in files if not _hidden(name))
    return found


def is_parquet_dataset(folder: Path) -> bool:
    """Whether the event files under `folder` are Parquet files only (one at least)."""
    suffixes = {path.suffix.lower() for path in _files_below(folder)}
    return bool(suffixes & set(PARQUET_SUFFIXES)) and not suffixes & _OTHER_EVENT_SUFFIXES


def dataset_files(folder: Path) -> list[Path]:
    """The Parquet files under `folder` (sub-folders included), in sorted path order."""
    found = [path for path in _files_below(folder)
             if path.name.lower().endswith(PARQUET_SUFFIXES)]
    if not found:
        raise UsageError([Diagnostic(
            f"no Parquet files ({', '.join('*' + s for s in PARQUET_SUFFIXES)}) in the "
            "folder (sub-folders included); --events takes a file, a folder of Parquet "
            "files or a quoted glob", Position(str(folder)))])
    return sorted(found)


def event_paths(given: Sequence[Path]) -> list[Path]:
    """Files named, folders' Parquet files and globs' matches, each group sorted; a glob
    that matches no file and a folder without Parquet files are errors."""
    files: list[Path] = []
    for path in given:
        text = str(path)
        if _GLOB_CHARACTERS & set(text) and not os.path.lexists(path):
            matches = sorted(Path(name) for name in glob.glob(text, recursive=True)
                             if not os.path.isdir(name))
            if not matches:
                raise UsageError([Diagnostic(
                    f"--events: no file matches the pattern {text!r}", Position(text))])
            files.extend(matches)
        elif path.is_dir():
            files.extend(dataset_files(path))
        else:
            files.append(path)
    return files


@dataclass(frozen=True)
class Partition:
    """Row groups `first_group`..`stop_group - 1` of file number `file` of a dataset."""

    file: int
    first_group: int
    stop_group: int
    rows: int


# Why every row group is read, and no date or bounding-box filter is pushed down to the
# row groups' statistics (pyarrow.dataset, or DuckDB's scan, would skip the groups whose
# min/max rule a filter out). Measured on one 10^6-row file of bench/assess_bench.py's
# tiled UCDP dataset (17 columns, 8 row groups of 131,072; a 2-core machine shared with
# other jobs, so +-50%; `bench_pushdown`, run by `assess_bench.py --dask`):
#   - as written (each group spans all of Ukraine and every year): a box around the
#     Minsk conflict zone rules out 0/8 groups (89% of the rows are in it); pyarrow's read
#     of the columns 0.7 s, the scan with the box pushed down 0.9 s, treatyline's read
#     (read, project, check every row) 4.0 s;
#   - a copy sorted by latitude, a box around Kyiv (1,548 rows in it): 7/8 groups ruled
#     out, the scan 0.03 s against a read of 0.28 s; treatyline's read 1.9 s;
#   - dates: a GED export's date_start is text ('9/30/2022 12:00:00 AM'), whose statistics
#     are string bounds, not dates: no date range can be pushed down on it at all.
# So pushdown pays only on a dataset laid out by place or by date, and then a lot; but
# treatyline checks and reports every row (a bad row is named by its file row whatever
# its date or place), counts every row (events in the data, rows set aside), warns of
# dates far from the rest of their file, and places every event (an event outside an
# area counts as outside: obligations set it aside by name). A skipped group would
# change all of these, and statistics cannot stand in for checking: a min/max says
# nothing of a missing coordinate or an impossible date. Skipping only the placing of
# groups wholly outside an area would gain next to nothing: the grid classifier answers a
# point off the area's grid with one branch-free lookup (it clamps into the margin cells,
# all outside; territory/classify.py). Hence no pushdown: the outputs
# stay the same, and only the checks' own cost (about 4x pyarrow's read) is the target.


def partitions(plans: Sequence[ParquetPlan],
               rows_each: int = PARTITION_ROWS) -> list[Partition]:
    """Each file's row groups in runs of at least `rows_each` rows (a file's last run may
    be smaller; a file with one big row group is one partition, read in batches)."""
    found: list[Partition] = []
    for number, plan in enumerate(plans):
        first = rows = 0
        for group, count in enumerate(plan.group_rows):
            rows += count
            if rows >= rows_each:
                found.append(Partition(number, first, group + 1, rows))
                first, rows = group + 1, 0
        if first < len(plan.group_rows) or not plan.group_rows:
            found.append(Partition(number, first, len(plan.group_rows), rows))
    return found
