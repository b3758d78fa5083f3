"""Parquet: treatyline's own incidents (written by `to_parquet`, read back exactly), and
other event tables in Parquet read through a column mapping (e.g. a GED or ACLED
export saved as Parquet)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import Diagnostic, EventDataError, Position
from ..incidents import REQUIRED_COLUMNS, SCHEMA, Incidents, KindMapping
from ..inputs import check_regular_file
from ._build import check_rows
from ._csvfile import resolve_columns
from ._parquet_text import ParquetText, file_signature
from ._parquet_text import as_text_if_needed as _as_text_if_needed
from ._parts import Assembly, EventFile, Part, Progress
from ._repeated_text import REPEATED_ROLES
from ._shown import shorten
from .csvfile import as_mapping
from .mapping import ColumnMapping

__all__ = ["BATCH_ROWS", "ParquetPlan", "from_parquet", "plan_parquet", "read_own_rows",
           "read_parts", "text_store", "to_parquet"]

BATCH_ROWS: Final = 131_072
"""Rows checked at a time. Memory holds one batch's raw columns (about 1 KB a row for
UCDP's text columns, ~130 MB) beside the incidents kept so far (~230 bytes a row); the
checks are whole-column operations, so batches this size cost no more per row than one
batch of the whole file."""


def _unreadable(path: Path | str, error: Exception, where: str = "") -> EventDataError:
    return EventDataError([Diagnostic(
        f"not a readable Parquet file{where}: {shorten(str(error), 160)}",
        Position(str(path)))])


def _readable_type(kind: pa.DataType) -> bool:
    """Column types the checks in `_build` read (text, numbers, dates, times)."""
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind)
                or pa.types.is_integer(kind) or pa.types.is_floating(kind)
                or pa.types.is_decimal(kind) or pa.types.is_boolean(kind)
                or pa.types.is_null(kind) or pa.types.is_timestamp(kind)
                or pa.types.is_date(kind) or pa.types.is_binary(kind)
                or pa.types.is_large_binary(kind))


def to_parquet(incidents: Incidents, path: str | Path, compression: str = "zstd") -> None:
    """Write the table as Parquet; `from_parquet` reads back identical columns."""
    pq.write_table(incidents.to_arrow(), str(path), compression=compression)


def _plain(value: Any) -> Any:
    """Mappings (the presets' read-only kind tables) as dicts, so that a plan pickles."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


@dataclass(frozen=True)
class ParquetPlan:
    """What reading one Parquet file needs, found from its footer alone: the columns to
    read (only those the mapping names: a GED file has 49, the mapping uses about 15) and
    the file's row groups. Plain data: it is sent to the processes that read partitions."""

    path: str
    mapping: ColumnMapping | None
    """None: the file holds treatyline's own incidents (read back as written)."""
    columns: Mapping[str, str]
    """Role → the file's column (with a mapping)."""
    wanted: tuple[str, ...]
    warnings: tuple[Diagnostic, ...]
    group_rows: tuple[int, ...]
    """Rows in each row group."""
    signature: tuple[int, int] = (0, 0)
    """The file's (size, modification time in ns) when its footer was read."""

    @property
    def rows(self) -> int:
        return sum(self.group_rows)

    def first_row(self, group: int) -> int:
        """The file row (from 0) where row group `group` starts."""
        return sum(self.group_rows[:group])

    def locate(self, rows: npt.NDArray[np.int64]) -> list[tuple[Position, str]]:
        return [(Position(self.path), f"row {row + 1}, ") for row in rows.tolist()]


def plan_parquet(
    path: str | Path,
    mapping: ColumnMapping | Mapping[str, Any] | None = None,
    *,
    kinds: KindMapping | None = None,
) -> ParquetPlan:
    """Open the file's footer, choose the mapping (given, or UCDP's or ACLED's from the
    column names) and check that the columns it names are there and readable."""
    path = Path(path)
    # streamed (no whole-file size bound), but a regular file only: before any open
    check_regular_file(path, "events file", EventDataError)
    try:
        signature = file_signature(str(path))
        handle = pq.ParquetFile(str(path))
        names = list(handle.schema_arrow.names)
        metadata = handle.metadata
        group_rows = tuple(metadata.row_group(i).num_rows
                           for i in range(metadata.num_row_groups))
    except (pa.ArrowException, OSError, ValueError) as error:
        raise _unreadable(path, error) from None
    ours = set(REQUIRED_COLUMNS) <= set(names)
    if mapping is None and not ours:
        from .detect import PRESETS, detect_preset

        preset = detect_preset(names)
        if preset is None:
            raise EventDataError([Diagnostic(
                "a column mapping is needed: the columns are not UCDP's, ACLED's or "
                f"treatyline's (they are: {', '.join(shorten(n) for n in names[:6])}"
                f"{', ...' if len(names) > 6 else ''})", Position(str(path)))])
        chosen: ColumnMapping | None = PRESETS[preset]
    else:
        chosen = as_mapping(mapping) if mapping is not None else None
    if chosen is None:
        return ParquetPlan(str(path), None, {}, tuple(n for n in SCHEMA.names if n in names),
                           (), group_rows, signature)
    chosen = chosen.with_kinds(kinds)
    chosen = dataclasses.replace(chosen, kinds=_plain(chosen.kinds))
    columns, warnings = resolve_columns(path, names, chosen)
    schema = handle.schema_arrow
    for role, name in columns.items():
        kind = schema.field(name).type
        if not _readable_type(kind):
            raise EventDataError([Diagnostic(
                f"column {shorten(name)!r} (the {role.replace('_', ' ')}) holds "
                f"{shorten(str(kind), 60)} values, not text, numbers or dates",
                Position(str(path)))])
    return ParquetPlan(str(path), chosen, columns, tuple(sorted(set(columns.values()))),
                       tuple(warnings), group_rows, signature)


_DEFERRED: Final = ("notes", "source")
"""Text left in the file by `from_parquet` (see `deferred_text`). Not `place`: it is
dictionary-encoded (one value per distinct place) and costs 4 bytes a row in codes, as
much as the '' column that would stand in for it."""


def _deferred_roles(plan: ParquetPlan) -> dict[str, str]:
    """The long-text roles read from the file's own columns (not a mapping's constant)."""
    constants = plan.mapping.constants if plan.mapping is not None else {}
    return {role: plan.columns[role] for role in _DEFERRED
            if role in plan.columns and role not in constants}


def text_store(plan: ParquetPlan) -> ParquetText | None:
    """Where the long text of the plan's file is read back from, if it has any."""
    roles = _deferred_roles(plan)
    if plan.mapping is None or not roles:
        return None
    return ParquetText(plan.path, roles, plan.group_rows, plan.signature,
                       plan.mapping.citation or None)


def _repeated_text_columns(plan: ParquetPlan) -> list[str]:
    """The file's text columns that `_repeated_text` reads dictionary-encoded."""
    if plan.mapping is None:
        return []
    try:
        schema = pq.read_schema(plan.path)
    except (pa.ArrowException, OSError, ValueError) as error:
        raise _unreadable(plan.path, error) from None
    roles = [role for role in REPEATED_ROLES if role in plan.columns
             and role not in plan.mapping.constants]
    return sorted({plan.columns[role] for role in roles
                   if _is_text(schema.field(plan.columns[role]).type)})


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _batches(plan: ParquetPlan, first: int, stop: int,
             batch_rows: int) -> Iterator[pa.RecordBatch]:
    """The projected rows of row groups first..stop-1, in batches of at most `batch_rows`
    (`iter_batches` decodes a big row group page by page, not whole). Group by group, so
    that a corrupt one is named with its rows."""
    try:
        handle = pq.ParquetFile(plan.path, read_dictionary=_repeated_text_columns(plan))
    except (pa.ArrowException, OSError, ValueError) as error:
        raise _unreadable(plan.path, error) from None
    for group in range(first, stop):
        try:
            yield from handle.iter_batches(batch_size=batch_rows, row_groups=[group],
                                           columns=list(plan.wanted))
        except (pa.ArrowException, OSError, ValueError) as error:
            start = plan.first_row(group)
            where = (f" (row group {group}: rows {start + 1}-"
                     f"{start + plan.group_rows[group]})")
            raise _unreadable(plan.path, error, where) from None


def read_parts(plan: ParquetPlan, first: int = 0, stop: int | None = None, *,
               batch_rows: int = BATCH_ROWS, defer_text: bool = False) -> Iterator[Part]:
    """Row groups first..stop-1 of a file read with a mapping, checked batch by batch;
    with `defer_text`, the long text is left in the file (`text_store` reads it back)."""
    defer = tuple(_deferred_roles(plan)) if defer_text else ()
    mapping = plan.mapping
    if mapping is None:
        raise ValueError("read_parts needs a plan with a mapping; see read_own_rows")
    stop = len(plan.group_rows) if stop is None else stop
    row = plan.first_row(first)
    produced = False
    pool = pa.default_memory_pool()
    for batch in _batches(plan, first, stop, batch_rows):
        try:
            raw = {role: _as_text_if_needed(batch.column(name))
                   for role, name in plan.columns.items()}
        except (pa.ArrowException, ValueError) as error:  # text that is not UTF-8
            raise _unreadable(plan.path, error, f" (rows {row + 1}-{row + batch.num_rows})"
                              ) from None
        part = check_rows(raw, mapping, path=plan.path, locate=plan.locate, first_row=row,
                          defer=defer)
        row += batch.num_rows
        produced = True
        del raw, batch
        # the batch's raw columns are free: give their pages back rather than keep them
        # beside the incidents accumulated (the peak would carry the largest batch's)
        pool.release_unused()
        yield part
    if not produced:  # no rows: the empty part a file with no row groups makes
        empty = pa.schema([pa.field(name, pa.string()) for name in plan.wanted]).empty_table()
        yield check_rows({role: empty.column(name).combine_chunks()
                          for role, name in plan.columns.items()},
                         mapping, path=plan.path, locate=plan.locate, first_row=row,
                         defer=defer)


def read_own_rows(plan: ParquetPlan, first: int = 0, stop: int | None = None) -> pa.Table:
    """Row groups first..stop-1 of a file of treatyline's own incidents, as written."""
    stop = len(plan.group_rows) if stop is None else stop
    try:
        handle = pq.ParquetFile(plan.path)
        if first == stop:
            return handle.schema_arrow.empty_table().select(list(plan.wanted))
        return handle.read_row_groups(range(first, stop), columns=list(plan.wanted))
    except (pa.ArrowException, OSError, ValueError) as error:
        where = "" if (first, stop) == (0, len(plan.group_rows)) else (
            f" (row groups {first}-{stop - 1})")
        raise _unreadable(plan.path, error, where) from None


def from_parquet(
    path: str | Path,
    mapping: ColumnMapping | Mapping[str, Any] | None = None,
    *,
    kinds: KindMapping | None = None,
    progress: Progress | None = None,
    batch_rows: int = BATCH_ROWS,
    defer_text: bool = True,
) -> EventFile:
    """Read Parquet batch by batch, only the columns the mapping names (`progress` counts
    rows). Rejected rows are named by their row in the file, whatever the batch.

    With `defer_text`, read through a mapping, the long free text (notes, source) is left
    in the file and read back for the rows shown (`deferred_text`): 1.07 GB less at 10^7
    UCDP rows. The file must then stay as it is while the incidents are used; a change is
    an error when the text is read back."""
    plan = plan_parquet(path, mapping, kinds=kinds)
    total = plan.rows
    if progress is not None:
        progress(0, total)
    if plan.mapping is None:
        incidents = Incidents.from_arrow(read_own_rows(plan), where=plan.path)
        if progress is not None:
            progress(total, total)
        return EventFile(path=plan.path, format="parquet", incidents=incidents,
                         rows_read=len(incidents))
    store = text_store(plan) if defer_text else None
    assembly = Assembly(plan.mapping, path=plan.path, fmt="parquet", locate=plan.locate,
                        warnings=plan.warnings, store=store)
    done = 0
    for part in read_parts(plan, batch_rows=batch_rows, defer_text=store is not None):
        assembly.add(part)
        done += part.rows
        if progress is not None:
            progress(done, total)
    return assembly.finish()
