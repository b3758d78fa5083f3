"""Warnings about the event data, in the one shape every output shows: a code a program
can test, a message a person can act on, and the place (file, line) it concerns.

The readers' own warnings (`EventFile.warnings`) are coded here, and the checks that need
the whole file at once (a date far from all the others) are made here. Pure: the caller
reads the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from .errors import Diagnostic
from .incidents import Incidents

__all__ = ["OUTLIER_GAP_DAYS", "WARNING_CODES", "EventWarning", "coded", "date_outliers"]

WARNING_CODES: Final = {
    "no-kind-column": "the mapping names no kind or category column: every incident is "
                      "'other', which no measure counts by default",
    "category-not-mapped": "a category the kind mapping does not name: its events are 'other'",
    "unknown-country": "a country name treatyline does not know: the events' target is empty",
    "missing-column": "a column the mapping names is not in the file: the field is empty",
    "date-outlier": "events dated far from all the others (a mistyped year?)",
    "reader": "another remark of the reader",
}
"""Every code a warning may carry, with what it means (rendered in the docs)."""

OUTLIER_GAP_DAYS: Final = 180
"""Events separated from the bulk of a file by more than this many days with no event in
between, and fewer than 1% of the file, are named as outliers: one 2024 row in a 2022 log."""

_SHOWN_IDS: Final = 5


@dataclass(frozen=True)
class EventWarning:
    """Something kept but worth knowing about the event data."""

    code: str
    message: str
    place: str | None = None
    """'file:line' or 'file' (None when it concerns no file)."""

    def __str__(self) -> str:
        return f"{self.place}: warning: {self.message}" if self.place else (
            f"warning: {self.message}")

    def to_json(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "place": self.place}


_MESSAGE_CODES: Final = (
    ("the mapping names no kind or category column", "no-kind-column"),
    ("are not in the kind mapping", "category-not-mapped"),
    ("not a country treatyline knows", "unknown-country"),
    ("no column ", "missing-column"),
)


def coded(diagnostic: Diagnostic) -> EventWarning:
    """A reader's warning with its code (read from the shape of its message: the readers
    word each kind of warning in one way)."""
    code = next((c for text, c in _MESSAGE_CODES if text in diagnostic.message), "reader")
    hint = f" (did you mean {diagnostic.suggestion!r}?)" if diagnostic.suggestion else ""
    place = str(diagnostic.position) if diagnostic.position else None
    return EventWarning(code, diagnostic.message + hint, place)


def date_outliers(incidents: Incidents, place: str) -> list[EventWarning]:
    """Groups of events dated more than `OUTLIER_GAP_DAYS` away from the rest of the file,
    each fewer than 1% of its events. They are kept and counted; the warning names them so
    that a typo in a year does not pass unseen.

    Lean on memory (it runs on the whole file at the read's peak): the days as int32, one
    sorted copy, and row positions for the outlying rows only, not an argsort of all."""
    n = len(incidents)
    if n < 20:  # too few events to say what 'the rest' is
        return []
    days = _days(incidents.time)
    ordered = np.sort(days)
    cuts = np.flatnonzero(np.diff(ordered) > OUTLIER_GAP_DAYS) + 1
    if not cuts.size:
        return []
    # groups: runs of `ordered` with no gap inside, between consecutive bounds
    bounds = np.concatenate([[0], cuts, [n]])
    sizes = np.diff(bounds)
    limit = max(1, n // 100)
    small = sizes <= limit
    if small.all() or not small.any():  # no bulk to compare with, or no outlier
        return []
    bulk = np.flatnonzero(~small)
    rest_min = int(ordered[bounds[bulk[0]]])
    rest_max = int(ordered[bounds[bulk[-1] + 1] - 1])
    firsts = ordered[bounds[:-1]]
    lasts = ordered[bounds[1:] - 1]
    del ordered
    shown = _first_rows(days, firsts, small)
    rest_first, rest_last = _day(rest_min), _day(rest_max)
    ids = incidents.chunked("id")  # Python strings only for the few ids named below
    out = []
    for group in np.flatnonzero(small).tolist():
        low, high, size = int(firsts[group]), int(lasts[group]), int(sizes[group])
        first, last = _day(low), _day(high)
        named = ", ".join(str(i) for i in ids.take(pa.array(shown[group])).to_pylist())
        more = f" and {size - _SHOWN_IDS:,} more" if size > _SHOWN_IDS else ""
        when = first if first == last else f"{first}..{last}"
        side = "after" if first > rest_last else "before"
        gap = (low - rest_max) if side == "after" else (rest_min - high)
        out.append(EventWarning(
            "date-outlier",
            f"{size:,} event(s) dated {when}, {gap:,} days {side} all the others "
            f"({rest_first}..{rest_last}): a mistyped year? They are kept and counted "
            f"(event {named}{more})", place))
    return out


_Days = npt.NDArray[np.signedinteger[Any]]
"""Days since 1970: int32, or int64 for days too far for it."""

_BLOCK: Final = 1 << 20
"""Rows converted or looked up at a time (temporaries of a few MB, not the file's)."""
_INT32_DAYS: Final = 1 << 30
"""Days since 1970 held as int32 within this (about 2.9 million years either way), so
that the difference of two stays in int32 too."""


def _days(time: npt.NDArray[np.datetime64]) -> _Days:
    """Each incident's day (since 1970, floored as datetime64[D] floors), block by block;
    int32 unless a day lies too far for it."""
    if not len(time):
        return np.zeros(0, np.int32)
    span = np.array([time.min(), time.max()]).astype("datetime64[D]").astype(np.int64)
    wide = bool(np.abs(span).max() >= _INT32_DAYS)
    days: _Days = np.empty(len(time), np.int64) if wide else np.empty(len(time), np.int32)
    for start in range(0, len(time), _BLOCK):
        block = time[start:start + _BLOCK].astype("datetime64[D]")
        days[start:start + _BLOCK] = block.astype(np.int64)
    return days


def _first_rows(days: _Days, firsts: _Days, small: npt.NDArray[np.bool_]
                ) -> dict[int, npt.NDArray[np.int64]]:
    """For each small group, the rows of its first `_SHOWN_IDS` events by day, then row
    (the order a stable sort by day gives). A row's group is the last whose first day is
    not after the row's day (groups are runs of the sorted days)."""
    rows: list[npt.NDArray[np.int64]] = []
    groups: list[npt.NDArray[np.int64]] = []
    for start in range(0, len(days), _BLOCK):
        group = np.searchsorted(firsts, days[start:start + _BLOCK], side="right") - 1
        outlying = np.flatnonzero(small[group])
        rows.append(outlying + start)
        groups.append(group[outlying])
    row = np.concatenate(rows)
    of = np.concatenate(groups)
    order = np.lexsort((row, days[row], of))
    row, of = row[order], of[order]
    starts = np.flatnonzero(np.r_[True, of[1:] != of[:-1]]).tolist()
    ends = [*starts[1:], len(row)]
    return {int(of[s]): row[s:min(s + _SHOWN_IDS, e)] for s, e in zip(starts, ends, strict=True)}


def _day(days_since_epoch: int) -> str:
    return str(np.datetime64(days_since_epoch, "D"))

