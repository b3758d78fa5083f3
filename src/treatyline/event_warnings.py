"""Warnings about the event data, in the one shape every output shows: a code a program
can test, a message a person can act on, and the place (file, line) it concerns.

The readers' own warnings (`EventFile.warnings`) are coded here, and the checks that need
the whole file at once (a date far from all the others) are made here. Pure: the caller
reads the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
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
    that a typo in a year does not pass unseen."""
    n = len(incidents)
    if n < 20:  # too few events to say what 'the rest' is
        return []
    days = incidents.day.astype(np.int64)
    order = np.argsort(days, kind="stable")
    ordered = days[order]
    cuts = np.flatnonzero(np.diff(ordered) > OUTLIER_GAP_DAYS) + 1
    if not cuts.size:
        return []
    groups = np.split(np.arange(n), cuts)  # positions in `ordered`
    limit = max(1, n // 100)
    small = [g for g in groups if len(g) <= limit]
    if len(small) == len(groups):  # no bulk to compare with
        return []
    flagged = np.zeros(n, np.bool_)
    for group in small:
        flagged[group] = True
    rest = ordered[~flagged]
    rest_first, rest_last = _day(int(rest.min())), _day(int(rest.max()))
    ids = incidents.chunked("id")  # Python strings only for the few ids named below
    out = []
    for group in small:
        first, last = _day(int(ordered[group[0]])), _day(int(ordered[group[-1]]))
        rows = order[group]
        shown = ", ".join(str(i) for i in ids.take(pa.array(rows[:_SHOWN_IDS])).to_pylist())
        more = f" and {len(group) - _SHOWN_IDS:,} more" if len(group) > _SHOWN_IDS else ""
        when = first if first == last else f"{first}..{last}"
        side = "after" if first > rest_last else "before"
        gap = (int(ordered[group[0]]) - int(rest.max())) if side == "after" else (
            int(rest.min()) - int(ordered[group[-1]]))
        out.append(EventWarning(
            "date-outlier",
            f"{len(group):,} event(s) dated {when}, {gap:,} days {side} all the others "
            f"({rest_first}..{rest_last}): a mistyped year? They are kept and counted "
            f"(event {shown}{more})", place))
    return out


def _day(days_since_epoch: int) -> str:
    return str(np.datetime64(days_since_epoch, "D"))

