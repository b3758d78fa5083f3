"""Parquet: treatyline's own incidents (written by `to_parquet`, read back exactly), and
other event tables in Parquet read through a column mapping (e.g. a GED or ACLED
export saved as Parquet)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import Diagnostic, EventDataError, Position
from ..incidents import REQUIRED_COLUMNS, SCHEMA, Incidents, KindMapping
from ..inputs import check_regular_file
from ._build import EventFile, Progress, build_incidents
from ._csvfile import resolve_columns
from ._shown import shorten
from .csvfile import as_mapping
from .mapping import ColumnMapping

__all__ = ["from_parquet", "to_parquet"]


def _unreadable(path: Path, error: Exception) -> EventDataError:
    return EventDataError([Diagnostic(
        f"not a readable Parquet file: {shorten(str(error), 160)}", Position(str(path)))])


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


def _as_text_if_needed(array: pa.Array) -> pa.Array:
    """Columns the checks read as text or numbers: dates, times, decimals, booleans and
    bytes become text (bytes that are not UTF-8 raise, and the file is refused)."""
    kind = array.type.value_type if pa.types.is_dictionary(array.type) else array.type
    if (pa.types.is_string(kind) or pa.types.is_large_string(kind)
            or pa.types.is_integer(kind) or pa.types.is_floating(kind)):
        return array
    if pa.types.is_timestamp(kind):
        array = array.cast(pa.timestamp("s", kind.tz)) if kind.tz else array
    return array.cast(pa.string())


def to_parquet(incidents: Incidents, path: str | Path, compression: str = "zstd") -> None:
    """Write the table as Parquet; `from_parquet` reads back identical columns."""
    pq.write_table(incidents.to_arrow(), str(path), compression=compression)


def from_parquet(
    path: str | Path,
    mapping: ColumnMapping | Mapping[str, Any] | None = None,
    *,
    kinds: KindMapping | None = None,
    progress: Progress | None = None,
) -> EventFile:
    """Read Parquet, row group by row group (`progress` counts rows)."""
    path = Path(path)
    # streamed (no whole-file size bound), but a regular file only: before any open
    check_regular_file(path, "events file", EventDataError)
    try:
        handle = pq.ParquetFile(str(path))
        names = list(handle.schema_arrow.names)
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
    if chosen is not None:
        chosen = chosen.with_kinds(kinds)
        columns, warnings = resolve_columns(path, names, chosen)
        wanted = sorted(set(columns.values()))
    else:
        wanted = [name for name in SCHEMA.names if name in names]

    if chosen is not None:
        schema = handle.schema_arrow
        for role, name in columns.items():
            kind = schema.field(name).type
            if not _readable_type(kind):
                raise EventDataError([Diagnostic(
                    f"column {shorten(name)!r} (the {role.replace('_', ' ')}) holds "
                    f"{shorten(str(kind), 60)} values, not text, numbers or dates",
                    Position(str(path)))])
    try:
        total = handle.metadata.num_rows
        groups = []
        done = 0
        if progress is not None:
            progress(0, total)
        for index in range(handle.num_row_groups):
            group = handle.read_row_group(index, columns=wanted)
            groups.append(group)
            done += group.num_rows
            if progress is not None:
                progress(done, total)
        table = pa.concat_tables(groups) if groups else (
            handle.schema_arrow.empty_table().select(wanted))
        if chosen is None:
            incidents = Incidents.from_arrow(table, where=str(path))
            return EventFile(path=str(path), format="parquet", incidents=incidents,
                             rows_read=len(incidents))
        raw = {role: _as_text_if_needed(table.column(name).combine_chunks())
               for role, name in columns.items()}
    except (pa.ArrowException, OSError, ValueError) as error:
        raise _unreadable(path, error) from None

    def locate(rows: npt.NDArray[np.int64]) -> list[tuple[Position, str]]:
        return [(Position(str(path)), f"row {row + 1}, ") for row in rows.tolist()]

    return build_incidents(raw, chosen, path=str(path), fmt="parquet", locate=locate,
                           warnings=warnings)
