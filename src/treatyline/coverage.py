"""What a commitment's verdict rests on, in figures and in words: the events counted, the
events left undetermined and why, the location precision, the data's own date range, and
whether the dates are when incidents happened or when they were documented.

`commitments` fills the figures; the console and the report print `coverage_sentence`,
so that both say the same thing. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from .incidents import Incidents

__all__ = ["DATE_KIND_COLUMN", "DOCUMENTED", "coverage_sentence", "documented_mask",
           "precision_advice", "precision_summary", "undetermined_breakdown"]

DATE_KIND_COLUMN: Final = "date_kind"
"""The event-table column saying what an event's date is: 'documented' when it is the day
the incident was recorded (bodies found, damage surveyed), anything else or absent when it
is the day the incident happened."""

DOCUMENTED: Final = "documented"

BoolArray = npt.NDArray[np.bool_]


def documented_mask(events: Incidents) -> BoolArray:
    """Events whose date is a documentation date (none when the table has no `date_kind`)."""
    table = events.to_arrow()
    if DATE_KIND_COLUMN not in table.column_names:
        return np.zeros(len(events), np.bool_)
    values = table.column(DATE_KIND_COLUMN).combine_chunks().cast("string").fill_null("")
    found: BoolArray = np.asarray(values.to_pylist(), dtype=object) == DOCUMENTED
    return found


def undetermined_breakdown(events: Incidents, unplaced: BoolArray,
                           straddling: BoolArray) -> dict[str, int]:
    """Why qualifying events could not be judged: no location precision at all (no radius:
    nothing can be placed), a location radius reaching an area's border (or the readings of
    a disputed area differ), or dates spanning the start or a window's edge."""
    no_precision = unplaced & ~np.isfinite(events.radius_km)
    return {"no_location_precision": int(no_precision.sum()),
            "location_near_border": int((unplaced & ~no_precision).sum()),
            "dates_span_an_edge": int(straddling.sum())}


def precision_summary(count: int) -> str:
    """The verdict's one line when events cannot be placed for want of a precision."""
    return (f"{count:,} qualifying event(s) have no location precision; set their radius in "
            "the mapping (e.g. `constants: {radius: 1}`)")


def precision_advice(count: int) -> str:
    """What to do when events cannot be placed for want of a location precision."""
    return (f"{count:,} qualifying event(s) have no location precision, so none of them can "
            "be placed inside or outside the area; give them an uncertainty radius in the "
            "mapping: the same for every event (`constants: {radius: 1}` for events "
            "geolocated to a town), a column in km (`radius: COLUMN`), or a precision column "
            "(`location_precision: COLUMN`) with the km of each code (`radius_km: {1: 1, "
            "2: 25}`)")


def coverage_sentence(coverage: Mapping[str, Any]) -> str:
    """One line: the data's range, what was counted, what is undetermined and why, the
    precision, and what kind of dates the events carry."""
    parts = []
    first, last = coverage.get("data_first_day"), coverage.get("data_last_day")
    if first and last:
        parts.append(f"data {first}..{last} ({coverage.get('events_in_data', 0):,} events)")
    counted = coverage.get("counted")
    if isinstance(counted, Mapping) and counted:
        parts.append("counted: " + ", ".join(f"{v:,} {k.replace('_', ' ')}"
                                             for k, v in counted.items()))
    undetermined = coverage.get("undetermined")
    if isinstance(undetermined, Mapping):
        reasons = [f"{v:,} {k.replace('_', ' ')}" for k, v in undetermined.items() if v]
        parts.append("undetermined: " + (", ".join(reasons) if reasons else "none"))
    precision = coverage.get("by_precision")
    if isinstance(precision, Mapping) and precision:
        parts.append("precision: " + ", ".join(f"{k} {v:,}" for k, v in precision.items()))
    dates = coverage.get("dates")
    if dates:
        parts.append(f"dates: {dates}")
    return "; ".join(parts)
