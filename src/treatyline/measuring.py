"""The shared machinery of measuring one commitment on event data: the time of events
against the start and the windows, their place against the areas, what every expectation
needs about the events (`Context`), the rates, the daily series and the end of the data.
Pure; `treatyline.commitments` puts it together, `treatyline.expectations` judges.

Whole-table facts (each event's first and last day, its membership of an area, its
distance to a line) are computed once per event table and shared by every commitment
measured on it (`Incidents.day_numbers`, `Incidents.last_day_numbers`,
`Incidents.placements`). Days are compared as int32 counts since 1970-01-01 (`day_number`):
half the bytes of datetime64 for each of the table's events.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from .commitment_results import DailyCount, Window
from .incidents import KINDS, DayArray, Incidents, TimePrecision, day_number
from .spec.model import Measure, MeasureWindow, Provision

__all__ = ["DEFAULT_MIN_EVENTS", "DEFAULT_WINDOW_DAYS", "MAX_LISTED", "SERIES_MARGIN_DAYS",
           "AreaOracle", "Context", "DayArray", "Expectation", "after_start",
           "area_membership", "capped_days_after", "daily_series", "data_ends_warning",
           "day_number", "describe_start", "event_days", "first_full_day", "in_window",
           "kind_filter", "last_event_day", "measure_window", "pct_fall", "rate_of",
           "start_day", "starts_at_midnight", "touches", "weighed_total"]

DEFAULT_WINDOW_DAYS = 14
"""Baseline and after windows when the measure names none: two weeks either side."""

DEFAULT_MIN_EVENTS = {"ceasefire": 0, "reduction": 10, "withdrawal_distance": 0}
"""Fewest events in the baseline window for a verdict. A reduction measured on fewer than
ten events before the start is a percentage of noise; a ceasefire or a distance is judged on
the events after the start, so no minimum applies unless the treaty file sets one."""

MAX_LISTED = 200
"""Violating incidents listed per commitment (all are counted; the listing is for reading)."""

SERIES_MARGIN_DAYS = 28
"""Days of daily counts shown after the start when the window is open-ended."""

Expectation = Literal["ceasefire", "reduction", "withdrawal_distance"]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


class AreaOracle(Protocol):
    """What the measurement asks of the territory engine (`treatyline.territory.Territory`)."""

    def readings(self, area: str) -> list[str]: ...
    def membership(self, area: str, lons: npt.ArrayLike, lats: npt.ArrayLike,
                   radius_km: npt.ArrayLike, *, reading: str | None = None,
                   as_of: date | None = None) -> npt.NDArray[np.int8]: ...
    def distance_km(self, area: str, lons: npt.ArrayLike, lats: npt.ArrayLike, *,
                    reading: str | None = None, as_of: date | None = None) -> FloatArray: ...


# --- time ------------------------------------------------------------------------------------


def start_day(start: date | datetime) -> date:
    return start.date() if isinstance(start, datetime) else start


def starts_at_midnight(start: date | datetime) -> bool:
    """A date, or an instant at 00:00 of its own (local) day: a whole local day begins then."""
    return not isinstance(start, datetime) or start.timetz().replace(tzinfo=None) == time(0)


def first_full_day(start: date | datetime) -> date:
    """The first calendar day that lies wholly after the start."""
    day = start_day(start)
    return day if starts_at_midnight(start) else day + timedelta(days=1)


def event_days(events: Incidents) -> tuple[DayArray, DayArray]:
    """First and last day of each event's window (day labels are local days) as day
    numbers; computed once per table and shared (read-only)."""
    return events.day_numbers, events.last_day_numbers


def last_event_day(last: DayArray) -> date:
    """The latest of `last` (not empty) as a date."""
    latest: date = np.datetime64(int(last.max()), "D").astype(object)
    return latest


def after_start(events: Incidents, start: date | datetime) -> tuple[BoolArray, BoolArray]:
    """(certainly after the start, certainly before it), vectorised.

    Timed events are compared as instants. Day-precision events carry local days, so they
    are compared with the start's own local day: on a start at local midnight the start day
    is wholly after; a start later in the day leaves events on that day undetermined."""
    first, last = event_days(events)
    after_day = day_number(first_full_day(start))
    before_day = day_number(start_day(start))
    after = first >= after_day
    before = last < before_day
    if isinstance(start, datetime) and len(events):
        instant = np.datetime64(start.astimezone(UTC).replace(tzinfo=None), "s")
        timed = events.time_precision == TimePrecision.MINUTE
        after = np.where(timed, events.time >= instant, after)
        before = np.where(timed, events.time_end <= instant, before)
    return after, before


def measure_window(spec: MeasureWindow | None, start: date | datetime, *, before: bool,
            default_days: int | None, lag: int = 0) -> Window | None:
    if spec is None:
        if default_days is None:
            return None
        spec = MeasureWindow(days=default_days)
    if spec.start is not None and spec.end is not None:
        return Window(spec.start, spec.end)
    assert spec.days is not None
    if before:
        end = start_day(start) - timedelta(days=1)
        return Window(end - timedelta(days=spec.days - 1), end)
    first = first_full_day(start) + timedelta(days=lag)  # lag: days left out after the start
    return Window(first, first + timedelta(days=spec.days - 1))


def capped_days_after(day: date, days: int) -> date:
    """`day` + `days`, or the last day of the calendar if that is beyond it."""
    return day + timedelta(days=days) if (date.max - day).days >= days else date.max


def in_window(first: DayArray, last: DayArray, window: Window) -> BoolArray:
    """Events wholly inside the window (a multi-day event reaching out of it is not)."""
    out: BoolArray = first >= day_number(window.start)
    out &= last <= day_number(window.end)  # in place: one temporary mask, not two
    return out


def touches(first: DayArray, last: DayArray, window: Window) -> BoolArray:
    out: BoolArray = last >= day_number(window.start)
    out &= first <= day_number(window.end)
    return out


# --- place -----------------------------------------------------------------------------------


def area_membership(territory: AreaOracle | None, areas: Sequence[str], events: Incidents,
                    as_of: date, rows: IntArray | None = None) -> npt.NDArray[np.int8]:
    """1 certainly inside one of the areas (under every reading), 0 certainly outside all,
    -1 undetermined (the location's radius crosses a border, or the readings differ); for
    `rows` (every event when None). Each area is classified once per event table."""
    n = len(events) if rows is None else len(rows)
    if not areas or territory is None:
        return np.ones(n, np.int8)
    answers: list[list[npt.NDArray[np.int8]]] = []
    for area in areas:
        readings: list[str | None] = list(territory.readings(area)) or [None]
        answers.append([events.placements.membership(territory, area, rows, reading=r,
                                                     as_of=as_of) for r in readings])
    if len(answers) == 1 and len(answers[0]) == 1:
        return answers[0][0]  # one area, one reading: its answer as it is
    inside = np.zeros(n, bool)
    unsure = np.zeros(n, bool)
    for per_reading in answers:
        per = np.stack(per_reading)
        inside |= (per == 1).all(axis=0)
        unsure |= ~(per == 0).all(axis=0) & ~(per == 1).all(axis=0)
    return np.where(inside, 1, np.where(unsure, -1, 0)).astype(np.int8)


def weighed_total(events: Incidents, count: str) -> Callable[[BoolArray], float]:
    """What the events in a mask count for: their number, or with `count` 'fatalities' their
    fatalities (best estimate; none given: 0). Summed over the masked events only: no
    full-length array of weights (8 bytes an event) is built."""
    if count == "fatalities":
        fatalities = events.fatalities_best
        return lambda mask: float(np.nan_to_num(fatalities[mask]).sum())
    return lambda mask: float(np.count_nonzero(mask))


def kind_filter(events: Incidents, measure: Measure) -> BoolArray:
    if measure.events:
        mask = events.kind_mask(measure.events)
    else:
        mask = events.kind_codes != KINDS.index("other")
    if measure.actors:
        mask &= events.actor_mask(measure.actors)
    return mask


@dataclass
class Context:
    """What every expectation needs: the events and masks of one commitment."""

    provision: Provision
    measure: Measure
    events: Incidents
    first: DayArray
    last: DayArray
    known: BoolArray
    wanted: BoolArray
    member: npt.NDArray[np.int8]
    after: BoolArray
    before: BoolArray
    as_of: date
    start: date | datetime
    warnings: list[str]
    because: list[str]


def describe_start(start: date | datetime) -> str:
    if isinstance(start, datetime):
        return f"{start.isoformat()} ({start.astimezone(UTC):%Y-%m-%dT%H:%MZ})"
    return start.isoformat()


def rate_of(total: float, window: Window, per: str) -> float:
    days = (window.end - window.start).days + 1
    return total / days * (7 if per == "week" else 1)


def pct_fall(baseline: float, after: float) -> float:
    return (baseline - after) / baseline * 100 if baseline > 0 else float("nan")


def daily_series(ctx: Context, counted: BoolArray, window: Window) -> tuple[DailyCount, ...]:
    """Daily events and fatalities in the window, each event on its first day."""
    start = day_number(window.start)
    n_days = (window.end - window.start).days + 1
    rows = touches(ctx.first, ctx.first, window)
    rows &= counted
    offsets = ctx.first[rows].astype(np.int64) - start
    deaths = np.nan_to_num(ctx.events.fatalities_best[rows])
    counts = np.bincount(offsets, minlength=n_days)
    dead = np.bincount(offsets, weights=deaths, minlength=n_days)
    return tuple(DailyCount(window.start + timedelta(days=i), int(counts[i]), float(dead[i]))
                 for i in range(n_days))


def data_ends_warning(ctx: Context, until: date) -> str | None:
    if not len(ctx.events):
        return "the event data are empty"
    data_last = last_event_day(ctx.last)
    if data_last < until:
        return (f"the event data end on {data_last}: nothing after that day can be seen, so "
                f"the period up to {until} is only partly covered")
    return None


