"""Parquet event datasets read on a Dask cluster (`dask.distributed`) (I/O).

The driver reads only the files' footers (`plan_parquet`: the mapping, the columns to
read, the row groups) and cuts the dataset into partitions of whole row groups
(`scan.partitions`). Each task reads, projects and checks its partition exactly as the
single-process reader does (`read_parts`: the same code) and sends back compact parts:
the incidents kept as an Arrow table, the rows set aside with their file rows, tallies.
The driver assembles each file's parts in file order (`Assembly`), so the incidents,
rejected rows and warnings equal a single-process read's, and so do the verdicts.

With a `Foresight` (`DaskOptions.foreseeing`), each task also places its partition's
incidents (membership of the treaty's areas, distances to its lines: the dearest step of
an assessment, numba kernels) for the questions the assessment will ask, and the driver
seeds the combined table with the answers (`DaskRead.seed`, `dask_placing`): the workers
share the placing, and the driver's engine answers only what was not foreseen.

Dask is imported by this module only, and this module only when `--dask` or
`--scheduler` is given: the command's start-up does not pay for it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeAlias

import pyarrow as pa
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from .dask_placing import DatasetAnswers, Foresight, ShippedTerritory, place
from .errors import Diagnostic, EventDataError, Position, TreatylineError, UsageError
from .foresight import Answer, Question
from .incidents import Incidents
from .scan import PARTITION_ROWS, Partition, partitions
from .sources import EventFile
from .sources._parts import Assembly, Part
from .sources.detect import column_mapping, detect_format
from .sources.parquet import BATCH_ROWS, ParquetPlan, plan_parquet, read_own_rows, read_parts

if TYPE_CHECKING:
    from distributed import Client

    from .spec.model import Treaty
    from .territory import Territory

__all__ = ["DEFAULT_WORKERS", "DaskOptions", "DaskRead", "read_and_place", "read_on_dask",
           "read_partition"]

DEFAULT_WORKERS: Final = 2


@dataclass(frozen=True)
class DaskOptions:
    """Where to run: a `LocalCluster` of `workers` processes (one thread each) started
    for the command, or the scheduler of a running cluster (`tcp://HOST:PORT`)."""

    scheduler: str | None = None
    workers: int = DEFAULT_WORKERS
    partition_rows: int = PARTITION_ROWS
    connect_seconds: float = 10.0
    """How long to try to reach a --scheduler before giving up."""
    foresight: Foresight | None = None
    """The placement questions the tasks answer as they read (None: none)."""

    def foreseeing(self, treaty: Treaty, as_of: date, engine: Territory) -> DaskOptions:
        """These options, with the tasks answering the placement questions that assessing
        `treaty` as of `as_of` with `engine` will ask."""
        return replace(self, foresight=Foresight.of(treaty, as_of, engine))

    @classmethod
    def from_options(cls, use_dask: bool, scheduler: str | None,
                     workers: int | None) -> DaskOptions | None:
        """The command line's --dask, --scheduler and --workers (None: no Dask)."""
        if workers is not None and (scheduler is not None or not use_dask):
            raise UsageError("--workers sets the size of the cluster --dask starts; it does "
                             "not apply " + ("to a --scheduler's cluster" if scheduler
                                             else "without --dask"))
        if scheduler is not None:
            if not scheduler.strip():
                raise UsageError("--scheduler: an address is expected, e.g. tcp://HOST:8786")
            return cls(scheduler=scheduler)
        if not use_dask:
            return None
        return cls(workers=workers if workers is not None else DEFAULT_WORKERS)


_Result: TypeAlias = "list[Part] | pa.Table | tuple[Diagnostic, ...]"


def read_partition(plan: ParquetPlan, first_group: int, stop_group: int,
                   batch_rows: int = BATCH_ROWS) -> _Result:
    """One task: the partition's parts (a table of treatyline's own incidents for such a
    file), or the diagnostics of why it cannot be read (returned, not raised: a located
    error crosses back to the driver as plain data)."""
    try:
        if plan.mapping is None:
            return read_own_rows(plan, first_group, stop_group)
        return list(read_parts(plan, first_group, stop_group, batch_rows=batch_rows))
    except TreatylineError as error:
        return error.diagnostics


_Placed: TypeAlias = "tuple[_Result, list[Answer] | None]"


def read_and_place(plan: ParquetPlan, first_group: int, stop_group: int, batch_rows: int,
                   shipped: ShippedTerritory | None, questions: tuple[Question, ...]
                   ) -> _Placed:
    """One task: `read_partition`, and the questions answered for the incidents kept
    (None when there are no questions, or the partition was not read, or the engine
    could not be built on this worker)."""
    result = read_partition(plan, first_group, stop_group, batch_rows)
    if shipped is None or not questions or isinstance(result, tuple):
        return result, None
    if isinstance(result, pa.Table):
        try:
            tables = [Incidents.from_arrow(result, where=plan.path)]
        except TreatylineError:  # the driver's read names it
            return result, None
    else:
        tables = [Incidents(part.table) for part in result]
    return result, place(shipped, questions, tables)


def _plans(files: Sequence[Path], mapping: Path | None) -> list[ParquetPlan]:
    from .monitor import event_file_mapping

    plans = []
    for file in files:
        found = detect_format(file)
        if found != "parquet":
            raise UsageError([Diagnostic(
                f"--dask reads Parquet files; this file is {found.upper()} (read it "
                "without --dask, or convert it to Parquet)", Position(str(file)))])
        plans.append(plan_parquet(file, column_mapping(event_file_mapping(file, mapping))))
    return plans


@contextmanager
def _client(options: DaskOptions, console: Console | None) -> Iterator[Client]:
    from distributed import Client, LocalCluster

    if options.scheduler is not None:
        try:
            client = Client(options.scheduler,  # type: ignore[no-untyped-call]
                            timeout=options.connect_seconds)
        except (OSError, TimeoutError, ValueError) as error:
            raise UsageError(f"--scheduler {options.scheduler}: cannot reach a Dask "
                             f"scheduler there ({error})") from None
        with client:
            yield client
        return
    # processes, not threads: the checks hold the GIL between Arrow calls
    # silent: a worker that loses its scheduler while the cluster closes logs an error
    # with a traceback, which is no news to the user
    # the dashboard on this machine's loopback only: it shows the data's file names
    with LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=options.workers, threads_per_worker=1, processes=True,
            dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL) as cluster, \
            Client(cluster) as client:  # type: ignore[no-untyped-call]
        if console is not None:
            dashboard = (cluster.dashboard_link if find_spec("bokeh") is not None else
                         "not served (distributed serves it with bokeh, not installed)")
            console.print(f"Dask: {options.workers} local worker(s); dashboard {dashboard}")
        yield client


def _gather(client: Client, plans: list[ParquetPlan], work: list[Partition],
            batch_rows: int, console: Console | None,
            foresight: Foresight | None) -> list[_Placed]:
    from distributed import as_completed

    shipped: Any = None
    questions: tuple[Question, ...] = ()
    if foresight is not None and foresight.questions:
        # to every worker once, not with every task: 19 kB pickled for Minsk, 9 ms to
        # hash, 59 ms to 2 workers (measured). Each worker builds its engine from it once
        # (`dask_placing.territory_for`): its first placing, with the areas' geometry,
        # grids and clearances built and the kernels loaded, took 4-7 s on a loaded
        # 2-core machine, as the driver's own did before; later ones reuse it all
        shipped = client.scatter(  # type: ignore[no-untyped-call]
            foresight.shipped, broadcast=True, hash=False)
        questions = foresight.questions
    futures = [client.submit(read_and_place, plans[p.file], p.first_group, p.stop_group,
                             batch_rows, shipped, questions, pure=False) for p in work]
    index = {future.key: number for number, future in enumerate(futures)}
    results: list[Any] = [None] * len(futures)
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()]
    with Progress(*columns, console=console, transient=True,
                  disable=console is None) as progress:
        task = progress.add_task("reading partitions", total=len(futures))
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            results[index[future.key]] = future.result()
            future.release()  # the worker may drop its copy as soon as the driver has it
            progress.advance(task)
    return results


def read_on_dask(files: Sequence[Path], mapping: Path | None, options: DaskOptions,
                 console: Console | None, *, batch_rows: int = BATCH_ROWS
                 ) -> DaskRead:
    """Each Parquet file of `files` read on the cluster, partition by partition, and
    assembled in file order: equal to reading each file with `from_parquet`. The files
    are assembled one by one as the caller takes them (the partitions are all read
    first: the cluster's errors are raised before any file is given). With
    `options.foresight`, the tasks place the incidents too: `DaskRead.seed`."""
    plans = _plans(files, mapping)
    work = partitions(plans, options.partition_rows)
    with _client(options, console) as client:
        results = _gather(client, plans, work, batch_rows, console, options.foresight)
    failed = [d for result, _ in results if isinstance(result, tuple) for d in result]
    if failed:
        raise EventDataError(failed)
    by_file: list[list[_Placed]] = [[] for _ in plans]
    for partition, result in zip(work, results, strict=True):
        by_file[partition.file].append(result)
    results.clear()  # each file's parts are then held once, and let go as it is assembled
    return DaskRead(plans, by_file, options.foresight)


class DaskRead(Iterator[EventFile]):
    """The files read on the cluster, assembled one by one as they are taken; then
    `seed` gives the tasks' placements to the table the files' incidents make."""

    def __init__(self, plans: list[ParquetPlan], by_file: list[list[_Placed]],
                 foresight: Foresight | None) -> None:
        self._answers = None if foresight is None else DatasetAnswers(foresight)
        self._files = _assembled(plans, by_file, self._answers)

    def __next__(self) -> EventFile:
        return next(self._files)

    def seed(self, incidents: Incidents) -> int:
        """Seed the placements of `incidents` (every file's, end to end, once all are
        taken) with the tasks' answers; the answers given (0: none fit, or none)."""
        return 0 if self._answers is None else self._answers.seed(incidents)


def _kept_rows(result: _Result) -> int:
    if isinstance(result, pa.Table):
        return int(result.num_rows)
    if isinstance(result, list):
        return sum(int(part.table.num_rows) for part in result)
    return 0


def _assembled(plans: list[ParquetPlan], by_file: list[list[_Placed]],
               answers: DatasetAnswers | None) -> Iterator[EventFile]:
    for plan, mine in zip(plans, by_file, strict=True):
        placed = [(_kept_rows(result), found) for result, found in mine]
        if plan.mapping is None:
            tables = [table for table, _ in mine if isinstance(table, pa.Table)]
            mine.clear()
            incidents = Incidents.from_arrow(pa.concat_tables(tables), where=plan.path)
            if answers is not None:
                answers.add_file(placed, None, len(incidents))
            yield EventFile(path=plan.path, format="parquet", incidents=incidents,
                            rows_read=len(incidents))
            continue
        assembly = Assembly(plan.mapping, path=plan.path, fmt="parquet",
                            locate=plan.locate, warnings=plan.warnings)
        ids = []  # references to the parts' own chunks: needed if an id is used again
        for parts, _ in mine:
            for part in parts if isinstance(parts, list) else ():
                ids.extend(part.table.column("id").chunks)
                assembly.add(part)
        mine.clear()
        read = assembly.finish()
        if answers is not None:
            answers.add_file(placed, pa.chunked_array(ids, pa.string()) if ids else None,
                             len(read.incidents))
        del ids
        yield read
