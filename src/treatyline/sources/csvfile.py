"""Any CSV of events, read with a column mapping; and treatyline's own CSV (write and read).

treatyline's own CSV has exactly the `incidents.SCHEMA` columns, times in ISO 8601
UTC (``2015-02-15T00:00:00Z``); it is what `to_csv` writes and is read back without
a mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import Diagnostic, EventDataError, Position, UsageError
from ..incidents import REQUIRED_COLUMNS, SCHEMA, Incidents, KindMapping
from ._build import EventFile, Progress
from ._csvfile import describe_header, read_header, read_mapped_csv, read_text_columns
from .mapping import ColumnMapping

__all__ = ["as_mapping", "from_csv", "is_treatyline_header", "to_csv"]


def as_mapping(mapping: ColumnMapping | Mapping[str, Any]) -> ColumnMapping:
    """A ColumnMapping from an object or a dict of its fields."""
    if isinstance(mapping, ColumnMapping):
        return mapping
    if isinstance(mapping, Mapping):
        from .detect import PRESETS

        return ColumnMapping.from_dict(mapping, presets=PRESETS)
    raise UsageError(f"a column mapping is a ColumnMapping or a dict, not {type(mapping).__name__}")


def is_treatyline_header(header: list[str]) -> bool:
    return set(REQUIRED_COLUMNS) <= set(header)


def from_csv(
    path: str | Path,
    mapping: ColumnMapping | Mapping[str, Any] | None = None,
    *,
    kinds: KindMapping | None = None,
    progress: Progress | None = None,
) -> EventFile:
    """Read a CSV of events. With no mapping the file must be treatyline's own CSV.

    `mapping` says which column holds what (see `ColumnMapping`); `kinds` is laid over
    the mapping's kind mapping.
    """
    path = Path(path)
    if mapping is None:
        header, delimiter = read_header(path)
        if not is_treatyline_header(header):
            raise EventDataError([Diagnostic(
                "a column mapping is needed: the columns are not treatyline's own "
                f"({', '.join(SCHEMA.names[:4])}, ...); {describe_header(header)}",
                Position(str(path), 1))])
        return _from_treatyline_csv(path, delimiter, progress)
    chosen = as_mapping(mapping).with_kinds(kinds)
    return read_mapped_csv(path, chosen, "csv", progress)


def _from_treatyline_csv(path: Path, delimiter: str, progress: Progress | None) -> EventFile:
    types = {field.name: field.type for field in SCHEMA
             if pa.types.is_integer(field.type) or pa.types.is_floating(field.type)
             or pa.types.is_timestamp(field.type)}
    try:
        header, _ = read_header(path, delimiter)
        names = [name for name in SCHEMA.names if name in header]  # older files: no date_kind
        table, skipped = read_text_columns(path, names, delimiter, progress, types)
    except EventDataError as error:
        raise EventDataError([Diagnostic(f"not a valid treatyline events CSV: "
                                         f"{error.diagnostics[0].message}",
                                         Position(str(path)))]) from None
    if skipped:
        raise EventDataError([Diagnostic(
            f"{len(skipped)} row(s) have the wrong number of fields (first: record "
            f"{skipped[0][0]})", Position(str(path)))])
    incidents = Incidents.from_arrow(table, where=str(path))
    return EventFile(path=str(path), format="treatyline-csv", incidents=incidents,
                     rows_read=len(incidents))


def to_csv(incidents: Incidents, path: str | Path) -> None:
    """Write treatyline's own CSV: the SCHEMA columns, times as ISO 8601 UTC."""
    table = incidents.to_arrow()
    columns = []
    for field in SCHEMA:
        column = table.column(field.name)
        if pa.types.is_timestamp(field.type):
            column = pc.strftime(column, format="%Y-%m-%dT%H:%M:%SZ")
        elif pa.types.is_dictionary(field.type):
            column = column.cast(pa.string())
        columns.append(column)
    pacsv.write_csv(pa.table(columns, names=SCHEMA.names), str(path))
