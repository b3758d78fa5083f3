"""Reading the columns a mapping needs from a CSV file, in blocks, with Arrow.

Only the mapped columns are read, all as text (the checks in `_build` then say which
cell is wrong instead of one failing cast losing the file). Quoted fields may hold
newlines. A row with the wrong number of fields is set aside with its line; the rest
of the file is read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import Diagnostic, EventDataError, Position, UsageError, did_you_mean
from ._build import EventFile, Progress, build_incidents
from ._lines import record_start_lines
from .mapping import ColumnMapping

__all__ = ["read_header", "read_mapped_csv", "read_text_columns", "resolve_columns"]

_BLOCK = 1 << 20  # 1 MiB blocks: measured fastest for 10^6 ACLED-like rows, and a
# progress callback every block is smooth enough for a bar


def read_header(path: Path, delimiter: str | None = None) -> tuple[list[str], str]:
    """The column names of a CSV file and its delimiter (guessed when not given)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
    except OSError as error:
        raise EventDataError([Diagnostic(f"cannot read the file: {error.strerror}",
                                         Position(str(path)))]) from None
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the block's end
            raise EventDataError([Diagnostic("the file is not UTF-8 text",
                                             Position(str(path), 1))]) from None
        text = head[: error.start].decode("utf-8-sig")
    first = text.splitlines()[0] if text.strip() else ""
    if not first.strip():
        raise EventDataError([Diagnostic("the file is empty (no header row)",
                                         Position(str(path), 1))])
    if delimiter is None:
        delimiter = max((",", ";", "\t"), key=first.count)
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter))
    return [name.strip() for name in header], delimiter


class _Counting(io.RawIOBase):
    """A file that counts the bytes Arrow has read from it (for progress)."""

    def __init__(self, handle: Any, total: int, progress: Progress) -> None:
        self._handle = handle
        self._total = total
        self._progress = progress
        self.done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = int(self._handle.readinto(buffer))
        self.done += count
        self._progress(min(self.done, self._total), self._total)
        return count


def resolve_columns(
    path: Path, header: list[str], mapping: ColumnMapping
) -> tuple[dict[str, str], list[Diagnostic]]:
    """Role → the header's column name; raises EventDataError when a required column is
    missing; a missing optional column is a warning."""
    unnamed = [role for role in mapping.required if not getattr(mapping, role)]
    if unnamed:
        raise UsageError(f"the column mapping names no column for: {', '.join(unnamed)} "
                         f"(required: {', '.join(mapping.required)})")
    exact = set(header)
    folded = {name.casefold(): name for name in header}
    found: dict[str, str] = {}
    missing: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    where = Position(str(path), 1)
    for role, column in mapping.columns().items():
        name = column if column in exact else folded.get(column.strip().casefold())
        if name is not None:
            found[role] = name
            continue
        hint = did_you_mean(column, header)
        if role in mapping.required:
            missing.append(Diagnostic(f"no column {column!r} (the {role.replace('_', ' ')} "
                                      "of each event)", where, hint))
        else:
            warnings.append(Diagnostic(f"no column {column!r}; the {role.replace('_', ' ')} "
                                       "of every event is left empty", where, hint))
    if missing:
        raise EventDataError(missing)
    return found, warnings


def read_mapped_csv(
    path: Path, mapping: ColumnMapping, fmt: str, progress: Progress | None = None
) -> EventFile:
    """Read `path` with `mapping`: the whole pipeline for UCDP, ACLED and generic CSV."""
    header, delimiter = read_header(path, mapping.delimiter)
    columns, warnings = resolve_columns(path, header, mapping)
    table, skipped = read_text_columns(path, sorted(set(columns.values())), delimiter, progress)
    raw = {role: table.column(name).combine_chunks() for role, name in columns.items()}
    lines = _RecordLines(path, skipped)
    earlier = [Diagnostic(f"row has {actual} fields, the header has {expected}; the row is "
                          "set aside", Position(str(path), lines.of_record(number)))
               for number, expected, actual in skipped]
    return build_incidents(raw, mapping, path=str(path), fmt=fmt, locate=lines.locate,
                           earlier=earlier, warnings=warnings,
                           rows_read=table.num_rows + len(skipped))


def read_text_columns(
    path: Path, names: list[str], delimiter: str, progress: Progress | None,
    types: Mapping[str, pa.DataType] | None = None,
) -> tuple[pa.Table, list[tuple[int, int, int]]]:
    """The named columns as text (or `types`), and the rows set aside for a wrong field
    count as (record number counting the header as 1, expected, actual)."""
    skipped: list[tuple[int, int, int]] = []

    def invalid(row: Any) -> str:
        skipped.append((row.number or 0, row.expected_columns, row.actual_columns))
        return "skip"

    column_types = {name: pa.string() for name in names}
    column_types.update(types or {})
    total = path.stat().st_size
    handle = path.open("rb")
    try:
        source: Any = handle
        if progress is not None:
            progress(0, total)
            source = pa.PythonFile(_Counting(handle, total, progress), mode="r")
        reader = pacsv.open_csv(
            source,
            # one thread: Arrow then numbers the rows it skips, which gives their line
            read_options=pacsv.ReadOptions(block_size=_BLOCK, use_threads=False),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                              invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(column_types=column_types,
                                                 include_columns=names,
                                                 strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False),
        )
        table = reader.read_all()
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        raise EventDataError([Diagnostic(f"cannot read the CSV: {error}",
                                         Position(str(path)))]) from None
    finally:
        handle.close()
    if progress is not None:
        progress(total, total)
    return table, skipped


class _RecordLines:
    """Line numbers of records, computed once and only when a diagnostic needs one."""

    def __init__(self, path: Path, skipped: list[tuple[int, int, int]]) -> None:
        self._path = path
        self._skipped = [number for number, _, _ in skipped]
        self._starts: npt.NDArray[np.int64] | None = None
        self._rows: npt.NDArray[np.int64] | None = None

    def _record_starts(self) -> npt.NDArray[np.int64]:
        if self._starts is None:
            self._starts = record_start_lines(self._path)
        return self._starts

    def of_record(self, number: int) -> int | None:
        """The line of record `number` (the header is record 1), as Arrow numbers them."""
        starts = self._record_starts()
        return int(starts[number - 1]) if 0 < number <= len(starts) else None

    def locate(self, rows: npt.NDArray[np.int64]) -> list[tuple[Position, str]]:
        if self._rows is None:
            starts = self._record_starts()
            records = np.arange(2, len(starts) + 1, dtype=np.int64)  # the data records
            if self._skipped:
                records = records[~np.isin(records, self._skipped)]
            self._rows = starts[records - 1]
        lines = self._rows
        return [(Position(str(self._path), int(lines[row]) if row < len(lines) else None), "")
                for row in rows.tolist()]
