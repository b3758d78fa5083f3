"""Reading the columns a mapping needs from a CSV file, in blocks, with Arrow.

Only the mapped columns are read, all as text (the checks in `_build` then say which
cell is wrong instead of one failing cast losing the file). Quoted fields may hold
newlines. A row with the wrong number of fields is set aside with its line; the rest
of the file is read.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import Diagnostic, EventDataError, Position, did_you_mean
from ..inputs import check_regular_file
from ._build import EventFile, Progress, build_incidents
from ._lines import record_start_lines
from ._shown import shorten
from .mapping import ColumnMapping

__all__ = ["describe_header", "read_header", "read_mapped_csv", "read_text_columns",
           "resolve_columns", "shorten"]

_BLOCK = 1 << 20  # 1 MiB blocks: measured fastest for 10^6 ACLED-like rows, and a
# progress callback every block is smooth enough for a bar


_HEADER_MAX = 1 << 20
"""The header row must end within the file's first MiB (a real header is a few KB)."""

_CONTROL = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r") | {"\x7f"}

_SHOWN_NAMES = 6


def describe_header(header: list[str]) -> str:
    """A few of a header's names, for an error message, or why none are shown.

    The rule (the header is the first line of a file the user named, which may be any
    file, e.g. /etc/shadow): names are quoted back only when the line really splits into
    two or more cells, and then at most six of them, each cut to 40 characters, so that
    an error never echoes a line verbatim. A first line that is one cell (no comma,
    semicolon or tab) is not a CSV header and is not quoted at all."""
    names = [name for name in header if name]
    if len(header) < 2 or not names:
        return "the first line is not a CSV header (no comma, semicolon or tab separates columns)"
    shown = ", ".join(shorten(name) for name in names[:_SHOWN_NAMES])
    more = f", ... ({len(header)} columns)" if len(names) > _SHOWN_NAMES else ""
    return f"the header has: {shown}{more}"


def _error_at(path: Path, message: str, line: int | None = 1,
              column: int | None = None) -> EventDataError:
    return EventDataError([Diagnostic(message, Position(str(path), line, column))])


def _header_end(head: bytes) -> int:
    """Index of the newline (LF or CR) that ends the first record, outside quotes; -1 if
    the first record does not end within `head`."""
    data = np.frombuffer(head, np.uint8)
    breaks = np.flatnonzero((data == 10) | (data == 13))
    if not breaks.size:
        return -1
    quotes = np.flatnonzero(data == 34)
    if quotes.size:
        breaks = breaks[np.searchsorted(quotes, breaks) % 2 == 0]
    return int(breaks[0]) if breaks.size else -1


def _line_column(text: str) -> tuple[int, int]:
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    return normalized.count("\n") + 1, len(normalized) - (normalized.rfind("\n") + 1) + 1


def read_header(path: Path, delimiter: str | None = None) -> tuple[list[str], str]:
    """The column names of a CSV file and its delimiter (guessed when not given).

    Raises EventDataError at file:line:column for a file that is not a regular file,
    empty, not UTF-8 (UTF-16 and UTF-32 are named), holds a control character in its
    header, or whose header row does not end within its first MiB."""
    check_regular_file(path, "events file", EventDataError)
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEADER_MAX)
    except OSError as error:
        raise _error_at(path, f"cannot read the file: {error.strerror}", None) from None
    if head[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        raise _error_at(path, "the file is UTF-32 text; save it as UTF-8", 1, 1)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise _error_at(path, "the file is UTF-16 text; save it as UTF-8", 1, 1)
    if head[:3] == b"\xef\xbb\xbf":
        head = head[3:]
    end = _header_end(head)
    if end < 0 and len(head) >= _HEADER_MAX - 3:
        raise _error_at(path, f"the header row does not end within the first "
                              f"{_HEADER_MAX // 2**20} MiB: this is not a CSV events file")
    raw = head if end < 0 else head[:end]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _line_column(raw[: error.start].decode("utf-8", errors="replace"))
        raise _error_at(path, f"invalid UTF-8 byte 0x{raw[error.start]:02x} (the file must "
                              "be UTF-8 text)", line, column) from None
    bad = next((i for i, c in enumerate(text) if c in _CONTROL), None)
    if bad is not None:
        line, column = _line_column(text[:bad])
        hint = " (is the file UTF-16 text?)" if text[bad] == "\x00" else ""
        raise _error_at(path, f"control character U+{ord(text[bad]):04X} in the header "
                              f"row{hint}", line, column)
    if not text.strip():
        raise _error_at(path, "the file is empty (no header row)")
    if delimiter is None:
        delimiter = max((",", ";", "\t"), key=text.count)
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error as error:
        raise _error_at(path, f"the header row cannot be read as CSV: {error}") from None
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
    """Role → the header's column name; raises EventDataError for every column the
    mapping names that the file does not have (pointing at the mapping's key when it
    came from a file), except a preset's optional columns: those are warnings."""
    unnamed = [role for role in mapping.required if not getattr(mapping, role)]
    if unnamed:
        raise EventDataError([Diagnostic(
            f"the column mapping names no column for: {', '.join(unnamed)} "
            f"(required: {', '.join(mapping.required)})", Position(str(path)))])
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
        hint = shorten(hint) if hint is not None else None
        if role in mapping.origins:  # named in a mapping file: point at the key there
            missing.append(Diagnostic(
                f"mapping key {role!r}: no column {column!r} in {path.name} "
                f"(the {role.replace('_', ' ')} of each event); {describe_header(header)}",
                mapping.origins[role], hint))
        elif role in mapping.required or role not in mapping.optional_columns:
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
    # a row that is not UTF-8 makes Arrow fail inside its call to `invalid` (from open_csv
    # or read_all); that is reported below at the bad byte, not printed as "ignored"
    hook, sys.unraisablehook = sys.unraisablehook, lambda _: None
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
        raise _unreadable(path, str(error)) from None
    except OSError as error:
        raise _error_at(path, f"cannot read the file: {error.strerror or error}", None) from None
    finally:
        sys.unraisablehook = hook
        handle.close()
    if progress is not None:
        progress(total, total)
    return table, skipped


def _unreadable(path: Path, message: str) -> EventDataError:
    """The error for a CSV Arrow could not parse, located where that can be found."""
    found = first_invalid_utf8(path)  # also behind a parse error on a row not UTF-8
    if found is not None:
        line, column, byte = found
        return _error_at(path, f"invalid UTF-8 byte 0x{byte:02x} (the file must be "
                               "UTF-8 text)", line, column)
    if "UTF8" in message or "UTF-8" in message:
        return _error_at(path, "the file is not UTF-8 text", None)
    if "straddling" in message or "block" in message:
        return _error_at(path, f"a record is longer than {_BLOCK // 2**20} MiB (a quote "
                               "left open?); the file cannot be read as CSV", None)
    # Arrow quotes the row after "got N:"; the row's content is not repeated
    message = re.sub(r"(Expected \d+ columns, got \d+):.*", r"\1", message, flags=re.S)
    return _error_at(path, f"cannot read the CSV: {shorten(message, 200)}", None)


def first_invalid_utf8(path: Path) -> tuple[int, int, int] | None:
    """(line, column, byte) of the first byte that is not UTF-8 in the file, or None.
    Runs only after Arrow refused the file, so it may be slow-ish (one pass, in blocks)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, tail = 1, ""
    try:
        with path.open("rb") as handle:
            while block := handle.read(_BLOCK):
                try:
                    text = decoder.decode(block)
                except UnicodeDecodeError as error:
                    bad = bytes(error.object)
                    good = bad[: error.start].decode("utf-8", errors="replace")
                    here, column = _line_column(tail + good)
                    return line + here - 1, column, bad[error.start]
                lines = text.count("\n") or text.count("\r")
                if lines:
                    line += lines
                    tail = text[max(text.rfind("\n"), text.rfind("\r")) + 1:]
                else:
                    tail += text
                tail = tail[-(1 << 16):]
    except OSError:
        return None
    return None


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
