"""Long free text of incidents left where it was read, fetched for the rows shown.

A UCDP row's `source` (the citation, ~103 bytes, ~80% distinct) is most of its size in
memory: 1.07 GB of the 2.33 GB the incidents hold at 10^7 rows. The assessment reads it
in two ways only: every row's 'hypothetical' mark, and the text of the few rows it lists
(violations, map popups, diff values). So a reader may hold, instead of the text, each
row's place in its file (`origin`, 8 bytes) and the mark (1 byte), and the table keeps ''
in those columns; the values are read back from the file (a `TextStore`) when asked for.

Pure: the stores do the I/O (`sources._parquet_text`); this module only routes rows to
them and puts the answers back in row order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Protocol

import numpy as np
import numpy.typing as npt
import pyarrow as pa

__all__ = ["MARKED", "DeferredText", "TextStore"]

MARKED: Final = "hypothetical"
"""The word searched (any case) in every row's source: the one use of the text that needs
every row, so it is computed per batch as the text is read, before the text is let go."""

_SHIFT: Final = 40
"""origin = store index << 40 | row in that store's file: 10^12 rows a file."""
_ROWS: Final = (1 << _SHIFT) - 1


class TextStore(Protocol):
    """Where some text columns of a file's incidents can be read back."""

    @property
    def columns(self) -> frozenset[str]:
        """The incident columns (e.g. 'source', 'notes') this store holds."""

    def fetch(self, name: str, rows: npt.NDArray[np.int64]) -> pa.Array:
        """Column `name` at file rows `rows` (any order, repeats allowed), as `pa.string()`
        values exactly as the reader would have kept them."""


@dataclass(frozen=True, eq=False)
class DeferredText:
    """Which rows of a table have their text in a store, and each row's mark."""

    stores: tuple[TextStore, ...]
    origin: npt.NDArray[np.int64]
    """Per row: store index << 40 | the row in its file; -1: the table holds the text."""
    marks: npt.NDArray[np.bool_]
    """Per row: the stored source contains `MARKED` (any case); False for rows held."""

    @property
    def columns(self) -> frozenset[str]:
        return frozenset().union(*(store.columns for store in self.stores))

    def filter(self, mask: npt.NDArray[np.bool_]) -> DeferredText:
        return DeferredText(self.stores, self.origin[mask], self.marks[mask])

    def take(self, indices: npt.NDArray[np.int64]) -> DeferredText:
        return DeferredText(self.stores, self.origin[indices], self.marks[indices])

    def values(self, name: str, held: pa.ChunkedArray,
               rows: npt.NDArray[np.int64] | None = None) -> pa.Array:
        """Column `name` at `rows` (all rows when None): the table's value (`held`) where
        the text is held, the store's where it is not."""
        everything = rows is None
        chosen = np.arange(len(self.origin), dtype=np.int64) if rows is None else rows
        origin = self.origin[chosen]
        positions: list[npt.NDArray[np.intp]] = []
        fetched: list[pa.Array] = []
        for index, store in enumerate(self.stores):
            if name not in store.columns:
                continue
            where = np.flatnonzero((origin >= 0) & ((origin >> _SHIFT) == index))
            if len(where):
                positions.append(where)
                fetched.append(store.fetch(name, origin[where] & _ROWS))
        if len(fetched) == 1 and len(positions[0]) == len(chosen):
            return fetched[0]  # every row from one file: no scatter (a whole-column copy)
        base = held.combine_chunks() if everything else held.take(pa.array(chosen))
        if isinstance(base, pa.ChunkedArray):
            base = base.combine_chunks()
        if not fetched:
            return base
        # held values first, then each store's, and one take puts them in row order
        order = np.arange(len(chosen), dtype=np.int64)
        start = len(chosen)
        for where, values in zip(positions, fetched, strict=True):
            order[where] = np.arange(start, start + len(values), dtype=np.int64)
            start += len(values)
        return pa.concat_arrays([base, *fetched]).take(pa.array(order))

    @staticmethod
    def joined(parts: Sequence[tuple[int, DeferredText | None]]) -> DeferredText | None:
        """The text of tables put one after another: (rows, text or None) each."""
        if all(text is None for _, text in parts):
            return None
        stores: list[TextStore] = []
        origins: list[npt.NDArray[np.int64]] = []
        marks: list[npt.NDArray[np.bool_]] = []
        for rows, text in parts:
            if text is None:
                origins.append(np.full(rows, -1, np.int64))
                marks.append(np.zeros(rows, np.bool_))
                continue
            shift = np.int64(len(stores)) << _SHIFT
            origins.append(np.where(text.origin >= 0, text.origin + shift, -1))
            marks.append(text.marks)
            stores.extend(text.stores)
        return DeferredText(tuple(stores), np.concatenate(origins), np.concatenate(marks))

    @staticmethod
    def of_file(store: TextStore, rows: npt.NDArray[np.int64],
                marks: npt.NDArray[np.bool_]) -> DeferredText:
        """The text of one file's incidents: `rows` their rows in the file."""
        return DeferredText((store,), rows.astype(np.int64, copy=False), marks)
