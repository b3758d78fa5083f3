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
from .incidents import SCHEMA, Incidents, TimePrecision

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

    def classes(self) -> list[tuple[str, tuple[RowChangeKind, ...]]]:
        """Every changed row's id and classes, without its values (a whole-table listing:
        columns are taken at once, no row becomes an object)."""
        out: list[tuple[str, tuple[RowChangeKind, ...]]] = [
            (i, ("deleted",)) for i in self.before.column("id").take(self.deleted).to_pylist()]
        out += [(i, ("added",)) for i in self.after.column("id").take(self.added).to_pylist()]
        pairs = np.flatnonzero(self.changed)
        ids = self.after.column("id").take(self.matched_after[pairs]).to_pylist()
        flags = zip(self.moved[pairs].tolist(), self.redated[pairs].tolist(),
                    self.other[pairs].tolist(), strict=True)
        names: tuple[RowChangeKind, ...] = ("moved", "redated", "other")
        out += [(i, tuple(n for n, f in zip(names, flag, strict=True) if f))
                for i, flag in zip(ids, flags, strict=True)]
        return out

    def describe(self, rows_before: Iterable[int], rows_after: Iterable[int]
                 ) -> list[RowChange]:
        """The changes of these rows (of either version), each with its values in both,
        in the order of their first day."""
        olds, news = self._pairs(np.fromiter(rows_before, np.int64),
                                 np.fromiter(rows_after, np.int64))
        before_values = iter(_rows_values(self.before, olds[olds >= 0]))
        after_values = iter(_rows_values(self.after, news[news >= 0]))
        pair_of_before = np.full(len(self.before), -1, np.int64)
        pair_of_before[self.matched_before] = np.arange(len(self.matched_before))
        flagged: tuple[tuple[RowChangeKind, BoolArray], ...] = (
            ("moved", self.moved), ("redated", self.redated), ("other", self.other))
        out = []
        for old, new in zip(olds.tolist(), news.tolist(), strict=True):
            if old < 0 or new < 0:
                kinds: tuple[RowChangeKind, ...] = ("added",) if old < 0 else ("deleted",)
            else:
                pair = pair_of_before[old]
                kinds = tuple(kind for kind, flags in flagged if flags[pair])
            before = next(before_values) if old >= 0 else None
            after = next(after_values) if new >= 0 else None
            identity = (after if before is None else before)
            assert identity is not None
            out.append(RowChange(str(identity.pop("id")), kinds, before, after))
            if before is not None and after is not None:
                after.pop("id")
        return sorted(out, key=lambda change: (change.first_day(), change.id))

    def _pairs(self, rows_before: IntArray, rows_after: IntArray) -> tuple[IntArray, IntArray]:
        """(row of before, row of after) for each row given, with its partner in the other
        version (-1: none), each pair once."""
        partner_after = np.full(len(self.before), -1, np.int64)
        partner_after[self.matched_before] = self.matched_after
        partner_before = np.full(len(self.after), -1, np.int64)
        partner_before[self.matched_after] = self.matched_before
        olds = np.concatenate([rows_before, partner_before[rows_after]])
        news = np.concatenate([partner_after[rows_before], rows_after])
        if not len(olds):
            return olds, news
        pairs = np.unique(np.stack([olds, news]), axis=1)
        return pairs[0], pairs[1]


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


def _rows_values(incidents: Incidents, indices: IntArray) -> list[dict[str, Any]]:
    """The values a reader needs of these rows (id, date as `Incident.when` writes it,
    place, precision, kind, fatalities), taken column by column."""
    if len(indices) == 0:  # NumPy's string functions cannot size an empty result
        return []
    chosen = incidents.take(indices)
    first = chosen.day.astype("datetime64[D]")
    last = np.maximum((chosen.time_end - np.timedelta64(1, "s")).astype("datetime64[D]"),
                      first)
    timed = np.char.replace(np.datetime_as_string(chosen.time, unit="m"), "T", " ")
    span = np.where(first == last, first.astype(str),
                    np.char.add(np.char.add(first.astype(str), ".."), last.astype(str)))
    when = np.where(chosen.time_precision == TimePrecision.MINUTE, np.char.add(timed, "Z"),
                    span)
    radius = chosen.radius_km
    deaths = chosen.fatalities_best
    columns = {
        "id": chosen.column("id").to_pylist(),
        "date": when.tolist(),
        "longitude": chosen.longitude.tolist(),
        "latitude": chosen.latitude.tolist(),
        # the source gave no code (0) or no figure (NaN): null, as Incident has it
        "location_precision": _nullable(chosen.location_precision,
                                        chosen.location_precision == 0),
        "radius_km": _nullable(radius, np.isnan(radius)),
        "kind": chosen.column("kind").to_pylist(),
        "place": chosen.column("place").to_pylist(),
        "admin1": chosen.column("admin1").to_pylist(),
        "fatalities": _nullable(deaths, np.isnan(deaths)),
    }
    return [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(),
                                                                       strict=True)]


def _nullable(values: npt.NDArray[Any], missing: BoolArray) -> list[Any]:
    return [None if gap else value
            for value, gap in zip(values.tolist(), missing.tolist(), strict=True)]


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
