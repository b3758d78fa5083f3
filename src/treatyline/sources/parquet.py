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
from ..incidents import SCHEMA, Incidents, KindMapping
from ._build import EventFile, Progress, build_incidents
from ._csvfile import resolve_columns
from .csvfile import as_mapping
from .mapping import ColumnMapping

__all__ = ["from_parquet", "to_parquet"]


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
    try:
        handle = pq.ParquetFile(str(path))
    except (pa.ArrowInvalid, OSError) as error:
        raise EventDataError([Diagnostic(f"not a readable Parquet file: {error}",
                                         Position(str(path)))]) from None
    names = list(handle.schema_arrow.names)
    ours = set(SCHEMA.names) <= set(names)
    if mapping is None and not ours:
        from .detect import PRESETS, detect_preset

        preset = detect_preset(names)
        if preset is None:
            raise EventDataError([Diagnostic(
                "a column mapping is needed: the columns are not UCDP's, ACLED's or "
                f"treatyline's (they are: {', '.join(names[:12])})", Position(str(path)))])
        chosen: ColumnMapping | None = PRESETS[preset]
    else:
        chosen = as_mapping(mapping) if mapping is not None else None
    if chosen is not None:
        chosen = chosen.with_kinds(kinds)
        columns, warnings = resolve_columns(path, names, chosen)
        wanted = sorted(set(columns.values()))
    else:
        wanted = list(SCHEMA.names)

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
    table = pa.concat_tables(groups) if groups else handle.schema_arrow.empty_table().select(
        wanted)
    if chosen is None:
        incidents = Incidents.from_arrow(table, where=str(path))
        return EventFile(path=str(path), format="parquet", incidents=incidents,
                         rows_read=len(incidents))

    raw = {role: table.column(name).combine_chunks() for role, name in columns.items()}

    def locate(rows: npt.NDArray[np.int64]) -> list[tuple[Position, str]]:
        return [(Position(str(path)), f"row {row + 1}, ") for row in rows.tolist()]

    return build_incidents(raw, chosen, path=str(path), fmt="parquet", locate=locate,
                           warnings=warnings)
