"""The text columns of a Parquet file's incidents, read back for the rows asked for
(a `deferred_text.TextStore`): only that column of the row groups concerned.

The file is the one read only if it has not changed since: its size and modification time
are recorded when its footer is read, and compared before each read back; a file changed
or gone is an error naming it and the row, never another file's text."""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..errors import Diagnostic, EventDataError, Position
from ._shown import shorten

__all__ = ["ParquetText", "as_text_if_needed", "file_signature"]

_CACHED_GROUPS: Final = 4
"""Row groups' text kept after a read back: the listings ask row by row (`Incidents.row`),
often several rows of one group in turn. A UCDP group of 131,072 rows is ~13 MB of
source text, so 4 of them are ~55 MB, against ~1 GB for the column at 10^7 rows."""


def as_text_if_needed(array: pa.Array) -> pa.Array:
    """Columns the checks read as text or numbers: dates, times, decimals, booleans and
    bytes become text (bytes that are not UTF-8 raise, and the file is refused)."""
    kind = array.type.value_type if pa.types.is_dictionary(array.type) else array.type
    if (pa.types.is_string(kind) or pa.types.is_large_string(kind)
            or pa.types.is_integer(kind) or pa.types.is_floating(kind)):
        return array
    if pa.types.is_timestamp(kind):
        array = array.cast(pa.timestamp("s", kind.tz)) if kind.tz else array
    return array.cast(pa.string())


def kept_text(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A long free-text column as a reader keeps it: as written, nulls as ''."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.string()).fill_null("")


def file_signature(path: str) -> tuple[int, int]:
    """(size, modification time in ns): what tells that a file is still the one read."""
    status = os.stat(path)
    return status.st_size, status.st_mtime_ns


@dataclass(eq=False)
class ParquetText:
    """Incident text columns (role → the file's column) of one Parquet file."""

    path: str
    roles: Mapping[str, str]
    group_rows: tuple[int, ...]
    signature: tuple[int, int]
    citation: str | None = None
    """The mapping's citation: the source of rows whose own is empty (as `check_rows`)."""
    _cache: OrderedDict[tuple[str, int], pa.Array] = field(
        default_factory=OrderedDict, repr=False)

    @property
    def columns(self) -> frozenset[str]:
        return frozenset(self.roles)

    def fetch(self, name: str, rows: npt.NDArray[np.int64]) -> pa.Array:
        if not len(rows):
            return pa.array([], pa.string())
        self._check(name, int(rows[0]))
        starts = np.concatenate([[0], np.cumsum(self.group_rows, dtype=np.int64)])
        order = np.argsort(rows, kind="stable")
        ordered = rows[order]
        groups = np.searchsorted(starts, ordered, side="right") - 1
        bounds = np.flatnonzero(np.diff(groups)) + 1
        pieces = []
        for chunk in np.split(np.arange(len(ordered)), bounds):
            group = int(groups[chunk[0]])
            local = ordered[chunk] - starts[group]
            pieces.append(self._group(name, group, int(ordered[chunk[0]])).take(
                pa.array(local)))
        values = pa.concat_arrays(pieces)
        back = np.empty(len(order), np.int64)
        back[order] = np.arange(len(order), dtype=np.int64)
        values = values.take(pa.array(back))
        if name == "source" and self.citation:  # on the rows asked for, not whole groups
            values = pc.if_else(pc.equal(pc.utf8_length(values), 0),
                                pa.scalar(self.citation), values)
        return values

    def _group(self, name: str, group: int, row: int) -> pa.Array:
        key = (name, group)
        found = self._cache.get(key)
        if found is not None:
            self._cache.move_to_end(key)
            return found
        try:
            column = pq.ParquetFile(self.path).read_row_group(
                group, columns=[self.roles[name]]).column(0)
            found = kept_text(as_text_if_needed(column.combine_chunks()))
        except (pa.ArrowException, OSError, ValueError, KeyError) as error:
            raise self._error(name, row, shorten(str(error), 160)) from None
        if len(found) != self.group_rows[group]:
            raise self._error(name, row, "its row groups are not those read")
        self._cache[key] = found
        if len(self._cache) > _CACHED_GROUPS:
            self._cache.popitem(last=False)
        return found

    def _check(self, name: str, row: int) -> None:
        try:
            now = file_signature(self.path)
        except OSError:
            raise self._error(name, row, "the file is no longer there") from None
        if now != self.signature:
            self._cache.clear()  # nothing read from another version of the file is kept
            raise self._error(name, row, "the file changed after it was read (its size or "
                              "modification time differ)")

    def _error(self, name: str, row: int, why: str) -> EventDataError:
        return EventDataError([Diagnostic(
            f"row {row + 1}: its {name} cannot be read back from the file: {why}; read "
            "the events again", Position(self.path))])
