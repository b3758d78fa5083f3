"""Assessment end to end (I/O): read the event files, build the territory, run the
norms engine. The CLI and the report call this; the core stays pure."""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from .bundle import Bundle
from .calendar import DayOrTime, day_of
from .commitments import measure_commitments
from .deferred_text import DeferredText
from .errors import Diagnostic, Position, UsageError
from .event_warnings import EventWarning, coded, date_outliers
from .incidents import Incidents
from .inputs import check_regular_file
from .norms import Assessment, assess, event_columns
from .scan import event_paths
from .sources import EventFile, read_events
from .sources._parts import concat_incidents
from .territory import Territory

if TYPE_CHECKING:  # Dask is imported only when asked for
    from .distributed import DaskOptions

__all__ = ["LoadedEvents", "Monitoring", "default_event_files", "event_file_mapping",
           "load_events", "monitor", "read_event_files"]

_EVENT_SUFFIXES = (".csv", ".parquet", ".geojson", ".json")


def default_event_files(bundle: Bundle, *, scenario: bool) -> list[Path]:
    """An example folder's own event files: events.*, and scenario-events.* with --scenario."""
    folder = bundle.treaty_path.parent
    if bundle.treaty_path.name != "treaty.yaml":
        return []
    stems = ["events"] + (["scenario-events"] if scenario else [])
    candidates = [folder / f"{stem}{suffix}" for stem in stems for suffix in _EVENT_SUFFIXES]
    # os.path.lexists: a dangling or escaping symlink is reported, not silently skipped
    found = [path for path in candidates if os.path.lexists(path)]
    for path in found:
        _confined(path, folder, "the example's events file")
    return found


def _confined(path: Path, folder: Path, what: str) -> None:
    """Refuse a file picked automatically from `folder` (not named by the user) unless it
    resolves, symlinks followed, inside that folder and is a regular file."""
    base = folder.resolve()
    target = path.resolve()
    if not target.is_relative_to(base):
        raise UsageError([Diagnostic(
            f"{what} ({path.name}) resolves to {target}, outside the folder {base}; a file "
            "picked automatically must stay inside its folder (name it explicitly with "
            "--events/--mapping to read it)", Position(str(path)))])
    check_regular_file(path, what, UsageError)


def _beside_mapping(file: Path) -> Path | None:
    """`NAME.mapping.yaml` beside `NAME.csv`, if there is one (confined like the events
    files picked from an example folder)."""
    beside = file.with_name(f"{file.stem}.mapping.yaml")
    if not os.path.lexists(beside):
        return None
    _confined(beside, file.parent, "the mapping file beside the events")
    return beside


@dataclass(frozen=True)
class LoadedEvents:
    """The event files read: the incidents kept, the rows set aside, and the warnings."""

    incidents: Incidents
    rejected: tuple[Diagnostic, ...]
    warnings: tuple[EventWarning, ...]


def event_file_mapping(file: Path, mapping: Path | None) -> Path | None:
    """The mapping a file is read with: the one given, else `NAME.mapping.yaml` beside it."""
    if mapping is not None:
        check_regular_file(mapping, "mapping file", UsageError)
    return mapping or _beside_mapping(file)


def _gathered(read: Iterable[EventFile]) -> LoadedEvents:
    """The files' incidents in order, every row set aside and every warning (the readers'
    own, and dates far from the rest of their file)."""
    tables: list[pa.Table] = []
    texts: list[tuple[int, DeferredText | None]] = []
    rejected: list[Diagnostic] = []
    warnings: list[EventWarning] = []
    for file in read:  # each file let go once its table is taken
        # as held: text left in a Parquet file stays there (to_arrow would read it back)
        table, text = file.incidents.held()
        tables.append(table)
        texts.append((table.num_rows, text))
        rejected.extend(file.rejected)
        warnings.extend(coded(w) for w in file.warnings)
        warnings.extend(date_outliers(file.incidents, file.path))
    incidents = (Incidents(concat_incidents(tables), DeferredText.joined(texts)) if tables
                 else Incidents.empty())
    return LoadedEvents(incidents, tuple(rejected), tuple(warnings))


@contextmanager
def _system_pool() -> Iterator[None]:
    """Arrow allocates from the C library's malloc while the files are read, then from the
    pool it had. The read frees each batch's raw columns among the incidents it keeps;
    mimalloc (Arrow's default) kept those pages: about 410 MB beyond the incidents at
    10^7 events, against ~160 MB with malloc (peak 2.08 GB -> 1.83 GB, measured). Buffers
    keep the pool they came from, so switching back is safe."""
    before = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(before)


_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter (malloc.h)
_MMAP_THRESHOLD_BYTES = 1 << 20


def _return_freed_memory() -> None:
    """Have glibc's malloc map every block of 1 MiB or more on its own, so that freeing it
    gives it back to the system at once. By default the threshold rises (up to 32 MiB) as
    large blocks are freed, and later blocks below it (each commitment's boolean masks,
    10 MB at 10^7 events) come from the heap, where the freed ones stay resident among
    the blocks still in use: at 10^7 events, ~185 MB of the peak (2.65 -> 2.47 GB,
    measured). Once per process; elsewhere than glibc, nothing is done."""
    if not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):  # another C library (musl has no mallopt)
        return
    mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)


def read_event_files(
    files: Sequence[Path], mapping: Path | None, console: Console | None,
    *, dask: DaskOptions | None = None,
) -> LoadedEvents:
    """Read event files with a progress bar: the incidents, every row set aside and every
    warning (the readers' own, and dates far from the rest of their file).

    A folder stands for its Parquet files and a glob for its matches (`scan.event_paths`).
    Without an explicit mapping, a CSV `NAME.csv` is read with `NAME.mapping.yaml` when
    that file stands beside it. With `dask`, Parquet partitions are read on a Dask
    cluster (`distributed`), with the same result."""
    files = event_paths(files)
    if dask is not None:
        from .distributed import read_on_dask

        read = read_on_dask(files, mapping, dask, console)
        loaded = _gathered(read)
        read.seed(loaded.incidents)  # what the workers placed, if they did (`dask.foresight`)
        return loaded
    columns = [TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=console, transient=True,
                  disable=console is None) as progress, _system_pool():

        def each() -> Iterator[EventFile]:
            for file in files:
                task = progress.add_task(f"reading {file.name}", total=None)

                def advance(done: int, total: int, task: TaskID = task) -> None:
                    progress.update(task, completed=done, total=total)

                chosen = event_file_mapping(file, mapping)
                yield read_events(file, mapping=chosen, progress=advance)

        return _gathered(each())


def load_events(
    files: Sequence[Path], mapping: Path | None, console: Console | None
) -> tuple[Incidents, list[Diagnostic]]:
    """`read_event_files` without the warnings: (Incidents, rejected diagnostics)."""
    loaded = read_event_files(files, mapping, console)
    return loaded.incidents, list(loaded.rejected)


@dataclass(frozen=True)
class Monitoring:
    """An assessment with the events and the territory it was made on (for the report)."""

    assessment: Assessment
    incidents: Incidents
    territory: Territory


def monitor(
    bundle: Bundle,
    as_of: DayOrTime,
    *,
    events: Sequence[Path] = (),
    mapping: Path | None = None,
    scenario: bool = False,
    console: Console | None = None,
    dask: DaskOptions | None = None,
    territory: Territory | None = None,
) -> Monitoring:
    """Read the event files once; assess obligations and measure commitments on them.
    `territory`: the treaty's, kept from an earlier call (its areas are built once and kept
    in it; a new one otherwise)."""
    files = list(events) or default_event_files(bundle, scenario=scenario)
    day: date = day_of(as_of)
    incidents: Incidents | None = None
    rejected: tuple[Diagnostic, ...] = ()
    warnings: tuple[EventWarning, ...] = ()
    scope = Territory.for_treaty(bundle.treaty) if territory is None else territory
    if files:
        if dask is not None:  # the workers place the events for `scope` as they read them
            dask = dask.foreseeing(bundle.treaty, day, scope)
        _return_freed_memory()
        loaded = read_event_files(files, mapping, console, dask=dask)
        incidents, rejected, warnings = loaded.incidents, loaded.rejected, loaded.warnings
    result = assess(bundle.treaty, bundle.record, day,
                    events=event_columns(incidents) if incidents is not None else None,
                    scope=scope, events_rejected=rejected)
    measured = measure_commitments(bundle.treaty, bundle.record, day, events=incidents,
                                   territory=scope)
    return Monitoring(replace(result, commitments=tuple(measured), events_warnings=warnings),
                      incidents if incidents is not None else Incidents.empty(), scope)
