"""Two versions of an event table, row by row (pure): rows matched by event id and each
difference classified.

A row of both versions is *moved* when its coordinates or location precision changed,
*re-dated* when its dates or date precision changed (both, if both), and *otherwise
changed* when any other column did (a new place name goes with a move); rows of one
version only are *added* or *deleted*. The comparison is columnar (Arrow and NumPy over
whole columns); only the rows reported become Python objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from .errors import Diagnostic, EventDataError
from .incidents import SCHEMA, Incidents

__all__ = ["ROW_CHANGES", "RowChange", "RowChangeKind", "RowDiff", "diff_rows"]

RowChangeKind = Literal["added", "deleted", "moved", "redated", "other"]
ROW_CHANGES: tuple[RowChangeKind, ...] = ("added", "deleted", "moved", "redated", "other")

_PLACE_COLUMNS = ("longitude", "latitude", "location_precision", "radius_km")
_TIME_COLUMNS = ("time", "time_end", "time_precision", "time_precision_source")
_PLACE_NAME_COLUMNS = ("place", "admin1")
"""A relocated row is renamed too: these count as moved with the coordinates, and as an
other change alone (a spelling corrected)."""
_OTHER_COLUMNS = tuple(name for name in SCHEMA.names if name not in (
    "id", *_PLACE_COLUMNS, *_TIME_COLUMNS, *_PLACE_NAME_COLUMNS))

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class RowDiff:
    """The rows of two versions matched by id: indices into `before` and `after`."""

    before: Incidents
    after: Incidents
    deleted: IntArray
    added: IntArray
    matched_before: IntArray
    matched_after: IntArray
    """Aligned: row matched_before[i] of `before` is row matched_after[i] of `after`."""
    moved: BoolArray
    redated: BoolArray
    other: BoolArray
    """Over the matched pairs."""

    @property
    def changed(self) -> BoolArray:
        """Over the matched pairs: any column changed."""
        out: BoolArray = self.moved | self.redated | self.other
        return out

    def counts(self) -> dict[str, int]:
        return {"added": len(self.added), "deleted": len(self.deleted),
                "moved": int(self.moved.sum()), "redated": int(self.redated.sum()),
                "other": int(self.other.sum()),
                "unchanged": int((~self.changed).sum()),
                "rows_before": len(self.before), "rows_after": len(self.after)}

    def changed_rows(self) -> tuple[IntArray, IntArray]:
        """(rows of `before`, rows of `after`) that were deleted, added or changed."""
        changed = self.changed
        before = np.concatenate([self.deleted, self.matched_before[changed]])
        after = np.concatenate([self.added, self.matched_after[changed]])
        return before, after

    def describe(self, rows_before: Iterable[int], rows_after: Iterable[int]
                 ) -> list[RowChange]:
        """The changes of these rows (of either version), each with its values in both."""
        partner_of_before = dict(zip(self.matched_before.tolist(),
                                     range(len(self.matched_before)), strict=True))
        partner_of_after = dict(zip(self.matched_after.tolist(),
                                    range(len(self.matched_after)), strict=True))
        pairs: dict[tuple[int | None, int | None], None] = {}
        for row in rows_before:
            pair = partner_of_before.get(row)
            pairs[(row, None if pair is None else int(self.matched_after[pair]))] = None
        for row in rows_after:
            pair = partner_of_after.get(row)
            pairs[(None if pair is None else int(self.matched_before[pair]), row)] = None
        out = []
        for old, new in pairs:
            if old is None or new is None:
                kinds: tuple[RowChangeKind, ...] = ("added",) if old is None else ("deleted",)
            else:
                pair = partner_of_before[old]
                flagged: tuple[tuple[RowChangeKind, BoolArray], ...] = (
                    ("moved", self.moved), ("redated", self.redated), ("other", self.other))
                kinds = tuple(kind for kind, flags in flagged if flags[pair])
            out.append(RowChange(
                id=str(self.after.column("id")[new].as_py() if old is None
                       else self.before.column("id")[old].as_py()),
                changes=kinds,
                before=None if old is None else _row_values(self.before, old),
                after=None if new is None else _row_values(self.after, new)))
        return sorted(out, key=lambda change: (change.first_day(), change.id))


@dataclass(frozen=True)
class RowChange:
    """One changed row, with the values a reader needs in each version (None: absent)."""

    id: str
    changes: tuple[RowChangeKind, ...]
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def first_day(self) -> str:
        values = self.before or self.after or {}
        return str(values.get("date", ""))

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "changes": list(self.changes), "before": self.before,
                "after": self.after}


def _row_values(incidents: Incidents, index: int) -> dict[str, Any]:
    row = incidents.row(index)  # only for rows reported, never the whole table
    return {"date": row.when(), "longitude": row.longitude, "latitude": row.latitude,
            "location_precision": row.location_precision, "radius_km": row.radius_km,
            "kind": row.kind, "place": row.place, "admin1": row.admin1,
            "fatalities": row.fatalities_best}


def diff_rows(before: Incidents, after: Incidents, *, before_name: str = "before",
              after_name: str = "after") -> RowDiff:
    """Match the rows of two versions by event id and classify every difference.

    Raises EventDataError when an id occurs twice in one version (rows are matched by id,
    so a repeated id cannot be told apart); `before_name`/`after_name` name the versions."""
    before_ids = before.column("id")
    after_ids = after.column("id")
    _unique_ids(before_ids, before_name)
    _unique_ids(after_ids, after_name)
    positions = pc.index_in(after_ids, value_set=before_ids)
    found = positions.is_valid().to_numpy(zero_copy_only=False)
    matched_after = np.flatnonzero(found).astype(np.int64)
    matched_before = positions.filter(positions.is_valid()).to_numpy(
        zero_copy_only=False).astype(np.int64)
    kept = np.zeros(len(before), bool)
    kept[matched_before] = True
    old, new = before.to_arrow(), after.to_arrow()

    def differs(columns: Sequence[str]) -> BoolArray:
        mask = np.zeros(len(matched_before), bool)
        for name in columns:
            mask |= _differs(old.column(name).take(matched_before),
                             new.column(name).take(matched_after))
        return mask

    moved = differs(_PLACE_COLUMNS)
    other = differs(_OTHER_COLUMNS) | (differs(_PLACE_NAME_COLUMNS) & ~moved)
    return RowDiff(before, after, np.flatnonzero(~kept).astype(np.int64),
                   np.flatnonzero(~found).astype(np.int64), matched_before, matched_after,
                   moved, differs(_TIME_COLUMNS), other)


def _unique_ids(ids: pa.Array, version: str) -> None:
    if pc.count_distinct(ids).as_py() == len(ids):
        return
    counts = pc.value_counts(ids)
    repeated = counts.filter(pc.greater(counts.field("counts"), 1))
    examples = ", ".join(repr(v["values"]) for v in repeated.to_pylist()[:5])
    raise EventDataError([Diagnostic(
        f"{version}: {len(repeated)} event id(s) occur more than once (e.g. {examples}); rows "
        "are matched across versions by id, so ids must be unique within a version")])


def _differs(left: pa.ChunkedArray | pa.Array, right: pa.ChunkedArray | pa.Array) -> BoolArray:
    """Element-wise 'not the same value' (NaN is the same as NaN)."""
    if pa.types.is_dictionary(left.type):
        left, right = left.cast(pa.string()), right.cast(pa.string())
    if pa.types.is_timestamp(left.type):
        left, right = left.cast(pa.int64()), right.cast(pa.int64())
    if pa.types.is_floating(left.type):
        a = np.asarray(left.to_numpy())
        b = np.asarray(right.to_numpy())
        same = (a == b) | (np.isnan(a) & np.isnan(b))
        result: BoolArray = ~same
        return result
    return np.asarray(pc.not_equal(left, right).to_numpy(), dtype=bool)
