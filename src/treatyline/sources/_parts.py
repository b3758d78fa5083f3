"""A file's rows read in parts (batches, row groups, partitions on other machines) and put
back together: `Part` is what the checks of one batch give, `Assembly` combines a file's
parts in order into the `EventFile` a whole-file read gives, exactly (the same incidents,
dictionaries included, the same rejected rows in the same order, the same warnings).

What needs the whole file is done here, once: ids used again across batches, and the
warnings that count rows over the file (categories not in the kind mapping, countries not
recognised), each naming the file's first such row.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ..deferred_text import DeferredText, TextStore
from ..errors import Diagnostic, Position, did_you_mean
from ..incidents import CHUNKED_COLUMNS, SCHEMA, Incidents, narrowed_codes, widened
from ._ids import all_distinct
from ._shown import shorten
from .mapping import ColumnMapping

__all__ = ["Assembly", "Check", "EventFile", "Locate", "Part", "Progress", "combine_parts",
           "concat_incidents"]

Progress = Callable[[int, int], None]
"""progress(done, total), both in the same unit: bytes for CSV and GeoJSON, rows for
Parquet. Called a few times per file (per block of about 1 MB), never per row."""

Locate = Callable[[npt.NDArray[np.int64]], list[tuple[Position, str]]]
"""Rows of the raw table → where each one is (file:line) and a label prefix
('' for CSV; 'feature 12, ' for GeoJSON)."""

Check = tuple[npt.NDArray[np.bool_], str, Callable[[int], str]]
"""(rows that fail, the column named in the message, row → why)."""

_SORTED_DICTIONARY: Final = "target"
"""The one dictionary column whose values are sorted (country codes, `to_alpha2_column`),
all codes met in the file included; the others list values in order of first use."""
_FIXED_DICTIONARIES: Final = frozenset({"kind", "dataset", "date_kind", _SORTED_DICTIONARY})
_DICTIONARY = pa.dictionary(pa.int32(), pa.string())
_K = TypeVar("_K")


@dataclass(frozen=True)
class EventFile:
    """What a reader returns: the incidents it accepted, and why it set rows aside."""

    path: str
    format: str
    incidents: Incidents
    rejected: tuple[Diagnostic, ...] = ()
    """One diagnostic per problem of each row set aside (file:line, the event id, why)."""
    warnings: tuple[Diagnostic, ...] = ()
    """Things kept but worth knowing: categories mapped to 'other' for want of a mapping,
    countries not recognised, optional columns missing."""
    rows_read: int = 0

    @property
    def rejected_rows(self) -> int:
        return self.rows_read - len(self.incidents)

    def report(self) -> list[str]:
        """The rejections and warnings as lines for a terminal ('file:line: error: ...',
        'file:line: warning: ...'); Diagnostic's own str() says 'error' for both."""
        lines = [str(diagnostic) for diagnostic in self.rejected]
        for warning in self.warnings:
            where = f"{warning.position}: " if warning.position else ""
            hint = f" (did you mean {warning.suggestion!r}?)" if warning.suggestion else ""
            lines.append(f"{where}warning: {warning.message}{hint}")
        return lines


@dataclass(frozen=True)
class Part:
    """The checked rows `offset` .. `offset + rows - 1` of a file (rows counted from 0).
    Plain data (an Arrow table, diagnostics, counts), so that it pickles compactly from
    a worker process to the one that assembles the file."""

    table: pa.Table
    """The rows kept, as incidents (`incidents.SCHEMA`)."""
    offset: int
    rows: int
    rejected: tuple[tuple[int, Diagnostic], ...] = ()
    """(file row, diagnostic), in row order."""
    unmapped: Mapping[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    """(category, subcategory) not in the kind mapping → (rows, first file row)."""
    unresolved: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """Target names that are no known country → (rows, first file row)."""
    no_kind_column: bool = False
    origin: npt.NDArray[np.int64] | None = None
    """With text left in the file (`check_rows`'s `defer`): each kept row's file row."""
    marks: npt.NDArray[np.bool_] | None = None
    """With text left in the file: whether each kept row's source contains `MARKED`."""


def _first(prefix: str) -> str:
    return f" (first: {prefix.rstrip(', ')})" if prefix else ""


def _tallied(tallies: Sequence[Mapping[_K, tuple[int, int]]]) -> dict[_K, tuple[int, int]]:
    """Counts summed, the first row kept (parts come in file order)."""
    total: dict[_K, tuple[int, int]] = {}
    for tally in tallies:
        for key, (count, row) in tally.items():
            before = total.get(key)
            total[key] = (count, row) if before is None else (before[0] + count, before[1])
    return total


def _sorted_dictionary(chunks: list[pa.Array]) -> pa.Array:
    """Dictionary chunks recoded onto the sorted union of their values, as one array."""
    values = sorted(set().union(*(chunk.dictionary.to_pylist() for chunk in chunks)))
    code = {value: index for index, value in enumerate(values)}
    indices = [np.array([code[v] for v in chunk.dictionary.to_pylist()] or [0], np.int32)[
        chunk.indices.to_numpy(zero_copy_only=False)] for chunk in chunks]
    return pa.DictionaryArray.from_arrays(
        pa.array(np.concatenate(indices) if indices else np.zeros(0, np.int32), pa.int32()),
        pa.array(values, pa.string()))


def _combined(name: str, chunks: list[pa.Array], *, sorted_target: bool
              ) -> pa.Array | pa.ChunkedArray:
    """One column from the parts' chunks, as one encoding of the whole would have built
    it (with `sorted_target`, the target's dictionary sorted, as a reader makes it). The
    text columns stay in their chunks (`CHUNKED_COLUMNS`: no copy of them at the peak)."""
    if name in CHUNKED_COLUMNS:
        return pa.chunked_array(chunks, SCHEMA.field(name).type)
    if len(chunks) == 1:
        return chunks[0]
    if name == _SORTED_DICTIONARY and sorted_target:
        return _sorted_dictionary(chunks)
    column = pa.chunked_array(chunks, SCHEMA.field(name).type)
    if SCHEMA.field(name).type == _DICTIONARY:
        # unified, the values are in order of first use over the file, as one encoding
        column = pa.table({name: column}).unify_dictionaries().column(0)
    return column.combine_chunks()


def concat_incidents(tables: list[pa.Table], *, sorted_target: bool = False) -> pa.Table:
    """Incidents tables (`incidents.SCHEMA`, in order) as one with one chunk a column
    but the text ones (`CHUNKED_COLUMNS`, kept in their chunks), dictionaries unified as
    `Incidents.concat` does; combined, their codes are as narrow as they fit
    (`incidents.narrowed`). `tables` is emptied: each column is combined and its chunks
    let go before the next, so that memory holds about one copy of the incidents, not
    two."""
    if len(tables) == 1:
        return tables.pop()
    chunks = {name: [chunk for table in tables for chunk in table.column(name).chunks]
              if name in CHUNKED_COLUMNS else [_single(table.column(name)) for table in tables]
              for name in SCHEMA.names}
    tables.clear()
    columns = []
    pool = pa.default_memory_pool()
    for name in SCHEMA.names:
        # tables `Incidents.held` gives have narrower codes (`narrowed`): SCHEMA's here,
        # a column at a time
        wanted = SCHEMA.field(name).type
        parts = [chunk if chunk.type == wanted else chunk.cast(wanted)
                 for chunk in chunks.pop(name)]
        combined = _combined(name, parts, sorted_target=sorted_target)
        del parts
        # held narrow from here on (`Incidents` would narrow it anyway): the int32 codes
        # are let go now, not beside the narrowed copy at the end of the read
        columns.append(combined if isinstance(combined, pa.ChunkedArray)
                       else narrowed_codes(combined))
        del combined
        # the chunks of this column are free now: hand their pages back, or the allocator
        # keeps them beside the combined column (small pages do not make a big buffer)
        # and the incidents cost twice their size at the end
        pool.release_unused()
    return pa.Table.from_arrays(columns, names=SCHEMA.names)


def _single(column: pa.ChunkedArray) -> pa.Array:
    """The column as one array; no copy when it is one chunk already (combine_chunks
    copies even then: 1.8 s of the driver's 4 s at 3 x 10^6 rows)."""
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def _first_use(column: pa.Array) -> pa.Array:
    """A dictionary column encoded afresh: only the values still used, in order of use."""
    return column.cast(pa.string()).dictionary_encode().cast(_DICTIONARY)


class Assembly:
    """The parts of one file, added in file order, and what they make together.

    `finish` consumes the parts: each column is combined and its parts' chunks let go
    before the next, so that memory holds about one copy of the incidents, not two."""

    def __init__(self, mapping: ColumnMapping | None, *, path: str, fmt: str,
                 locate: Locate, warnings: Sequence[Diagnostic] = (),
                 earlier: Sequence[Diagnostic] = (), rows_read: int | None = None,
                 store: TextStore | None = None) -> None:
        self._mapping = mapping
        self._store = store
        """Where the text the parts left out (their `origin`) is read back from."""
        self._path = path
        self._format = fmt
        self._locate = locate
        self._warnings = list(warnings)
        self._earlier = list(earlier)
        self._rows_read = rows_read
        self._parts: list[Part] = []

    def add(self, part: Part) -> None:
        self._parts.append(part)

    def finish(self) -> EventFile:
        parts, self._parts = self._parts, []
        rows = sum(part.rows for part in parts)
        rejected: list[tuple[int, Diagnostic]] = [r for part in parts for r in part.rejected]
        warnings = self._warnings + self._tally_warnings(parts, rows)
        layout = [(part.offset, part.rows) for part in parts]
        tables = [part.table for part in parts]
        text = self._text(parts)
        parts.clear()
        table = concat_incidents(tables, sorted_target=True)
        if self._mapping is not None:  # treatyline's own files hold no id twice by design
            table, again, kept = self._without_repeated_ids(table, layout, rejected)
            rejected = list(heapq.merge(rejected, again, key=lambda item: item[0]))
            if kept is not None and text is not None:
                text = text.filter(kept)
        # in file order; rows the parser set aside (wrong field count) among the others
        merged = sorted([*self._earlier, *(diagnostic for _, diagnostic in rejected)],
                        key=lambda d: (d.position.line or 0) if d.position else 0)
        return EventFile(path=self._path, format=self._format,
                         incidents=Incidents(table, text),
                         rejected=tuple(merged), warnings=tuple(warnings),
                         rows_read=self._rows_read if self._rows_read is not None else rows)

    def _text(self, parts: list[Part]) -> DeferredText | None:
        """Where the text the parts left out is, if they left it out."""
        left_out = [p.origin is not None for p in parts]
        if not any(left_out):
            return None
        if self._store is None or not all(left_out):  # '' would pass for the text
            raise ValueError("parts that leave text in the file need the file's store")
        origin = np.concatenate([p.origin for p in parts if p.origin is not None])
        marks = np.concatenate([p.marks for p in parts if p.marks is not None])
        return DeferredText.of_file(self._store, origin, marks)

    def _without_repeated_ids(self, table: pa.Table, layout: list[tuple[int, int]],
                              rejected: list[tuple[int, Diagnostic]]
                              ) -> tuple[pa.Table, list[tuple[int, Diagnostic]],
                                         npt.NDArray[np.bool_] | None]:
        """Rows whose id a kept row earlier in the file already has, set aside (among rows
        otherwise fine: a row with another problem neither repeats an id nor claims it),
        and which rows are kept (None: all)."""
        # the usual case, every id once, told by sorted 64-bit hashes (`all_distinct`:
        # exact, and no hash set of 10^7 strings at the peak; over the chunks as held)
        if all_distinct(table.column("id")):
            return table, [], None
        table = widened(table)  # SCHEMA's codes: re-encoded below as a whole read would
        ids = _single(table.column("id"))
        encoded = ids.dictionary_encode()
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        _, first_index = np.unique(codes, return_index=True)
        repeated = np.ones(len(codes), np.bool_)
        repeated[first_index] = False
        first_of_code = np.empty(len(encoded.dictionary), np.int64)
        first_of_code[codes[first_index]] = first_index
        file_rows = self._kept_rows(layout, rejected)
        assert self._mapping is not None
        column = self._mapping.columns()["id"]
        found: list[tuple[int, Diagnostic]] = []
        for position in np.flatnonzero(repeated).tolist():
            row = int(file_rows[position])
            earlier_row = int(file_rows[first_of_code[codes[position]]])
            (where, prefix), (first_where, first_prefix) = self._locate(
                np.array([row, earlier_row], np.int64))
            first = (f"line {first_where.line}" if first_where.line
                     else first_prefix.rstrip(", "))
            found.append((row, Diagnostic(
                f"{prefix}event {shorten(str(ids[position].as_py()))}: {column}: the id is "
                f"used again (first at {first})", where)))
        kept = table.filter(pa.array(~repeated))
        columns: list[pa.Array | pa.ChunkedArray] = [
            kept.column(name) if name in CHUNKED_COLUMNS else _single(kept.column(name))
            for name in SCHEMA.names]
        for index, name in enumerate(SCHEMA.names):
            if SCHEMA.field(name).type == _DICTIONARY and name not in _FIXED_DICTIONARIES:
                columns[index] = _first_use(columns[index])
        return pa.Table.from_arrays(columns, schema=SCHEMA), found, ~repeated

    @staticmethod
    def _kept_rows(layout: list[tuple[int, int]], rejected: list[tuple[int, Diagnostic]]
                   ) -> npt.NDArray[np.int64]:
        """The file row of each kept incident, in order: the parts' rows less those set
        aside (only needed when an id repeats, so not carried in the parts)."""
        every = np.concatenate([np.arange(offset, offset + rows, dtype=np.int64)
                                for offset, rows in layout] or [np.zeros(0, np.int64)])
        set_aside = np.unique(np.array([row for row, _ in rejected], np.int64))
        return np.setdiff1d(every, set_aside, assume_unique=True)

    def _tally_warnings(self, parts: list[Part], rows: int) -> list[Diagnostic]:
        mapping = self._mapping
        if mapping is None:
            return []
        found: list[Diagnostic] = []
        keys = [str(k) for k in mapping.kinds]
        for (cat, sub), (count, row) in sorted(_tallied([p.unmapped for p in parts]).items()):
            label = f"{cat!r} / {sub!r}" if sub else repr(cat)
            where, prefix = self._locate(np.array([row], np.int64))[0]
            found.append(Diagnostic(
                f"{count} event(s) of category {label} are not in the kind mapping; they "
                f"count as 'other'{_first(prefix)}", where,
                did_you_mean(cat, keys) if cat else None))
        if rows and any(part.no_kind_column for part in parts):
            found.append(Diagnostic(
                "the mapping names no kind or category column: every incident is 'other'",
                Position(self._path)))
        for name, (count, row) in sorted(_tallied([p.unresolved for p in parts]).items()):
            where, prefix = self._locate(np.array([row], np.int64))[0]
            found.append(Diagnostic(
                f"{count} event(s) in {name!r}: not a country treatyline knows; their "
                f"target is left empty{_first(prefix)}", where))
        return found


def combine_parts(parts: Sequence[Part], mapping: ColumnMapping | None, *, path: str,
                  fmt: str, locate: Locate, earlier: Sequence[Diagnostic] = (),
                  warnings: Sequence[Diagnostic] = (), rows_read: int | None = None
                  ) -> EventFile:
    """The `EventFile` of a file read as `parts` (in file order)."""
    assembly = Assembly(mapping, path=path, fmt=fmt, locate=locate, warnings=warnings,
                        earlier=earlier, rows_read=rows_read)
    for part in parts:
        assembly.add(part)
    return assembly.finish()
