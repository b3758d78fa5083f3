"""What a commitment's verdict rests on, in figures and in words: the events counted, the
events left undetermined and why, the location precision, the data's own date range, and
whether the dates are when incidents happened or when they were documented.

`commitment_coverage` fills the figures; the console and the report print
`coverage_sentence`, so that both say the same thing. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from .commitment_results import Window
from .incidents import Incidents
from .measuring import Context, touches

__all__ = ["DATE_KIND_COLUMN", "DOCUMENTED", "by_precision", "commitment_coverage",
           "coverage_sentence", "documented_mask", "precision_advice", "precision_summary",
           "undetermined_breakdown"]

DATE_KIND_COLUMN: Final = "date_kind"
"""The event-table column saying what an event's date is: 'documented' when it is the day
the incident was recorded (bodies found, damage surveyed), anything else or absent when it
is the day the incident happened."""

DOCUMENTED: Final = "documented"

BoolArray = npt.NDArray[np.bool_]


def documented_mask(events: Incidents) -> BoolArray:
    """Events whose date is a documentation date (asked of each distinct `date_kind`)."""
    return events.value_mask(DATE_KIND_COLUMN, DOCUMENTED.__eq__)


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


def precision_label(radius: float) -> str:
    return "unknown" if not np.isfinite(radius) else f"±{radius:g} km"


def by_precision(events: Incidents, mask: BoolArray) -> dict[str, int]:
    """Events in `mask` by location precision: 'unknown' (no radius) first, then each
    radius from the smallest. Counted over the table's few distinct radii (sorted once per
    table), not by sorting the events of each call."""
    codes, radii = events.distinct_numbers("radius_km")
    counts = np.bincount(codes[mask], minlength=len(radii))
    known = np.isfinite(radii)
    unknown = int(counts[~known].sum())
    out = {precision_label(float("nan")): unknown} if unknown else {}
    for radius, count in zip(radii[known].tolist(), counts[known].tolist(), strict=True):
        if count:  # -0.0 and 0.0 hash apart but share a label
            label = precision_label(radius)
            out[label] = out.get(label, 0) + int(count)
    return out


def commitment_coverage(ctx: Context, period: Window, extra: dict[str, Any] | None = None,
                        *, straddling: BoolArray | None = None) -> dict[str, Any]:
    """What the data hold at all in the period, in the area, for the filter; why the
    qualifying events that could not be judged were not (`straddling`: those whose dates
    span an edge; default: the start)."""
    events = ctx.events
    # masks combined in place: each full-length temporary is 1 byte an event
    touching = touches(ctx.first, ctx.last, period)
    touching &= ctx.known
    in_area = ctx.member == 1
    in_area &= touching
    unsure = ctx.member == -1
    unsure &= touching
    wanted = in_area & ctx.wanted
    datasets = events.values_where("dataset", touching)
    data_first = str(np.datetime64(int(ctx.first.min()), "D")) if len(events) else None
    data_last = str(np.datetime64(int(ctx.last.max()), "D")) if len(events) else None
    if straddling is None:
        straddling = ctx.member != 0
        straddling &= touching
        straddling &= ctx.wanted
        straddling &= ~ctx.after
        straddling &= ~ctx.before
    documented = int(np.count_nonzero(touching & documented_mask(events)))
    out: dict[str, Any] = {
        "datasets": datasets,
        "period": period.to_json(),
        "events_in_data": len(events),
        "data_first_day": data_first,
        "data_last_day": data_last,
        "events_in_period": int(touching.sum()),
        "in_area": int(in_area.sum()),
        "undetermined_location": int(unsure.sum()),
        "outside_area": int((touching & (ctx.member == 0)).sum()),
        "qualifying_in_area": int(wanted.sum()),
        "qualifying_undetermined_location": int((unsure & ctx.wanted).sum()),
        "undetermined": undetermined_breakdown(events, unsure & ctx.wanted, straddling),
        "by_precision": by_precision(events, touching & (ctx.member != 0)),
        "dates": "when the incidents happened" if not documented else (
            f"when the incidents were documented, for {documented:,} of the "
            f"{int(touching.sum()):,} events in the period"),
    }
    out.update(extra or {})
    return out
