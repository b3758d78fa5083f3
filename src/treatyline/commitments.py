"""Commitments measured on conflict-event data: ceasefires, reductions, withdrawal
distances — with the figures, the coverage of the data, and the incidents behind them.

This module holds the result types (the contract the report renders); the
evaluation itself is `measure_commitments`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from .calendar import DateRangeError, Offset
from .coverage import (
    documented_mask,
    precision_advice,
    precision_summary,
    undetermined_breakdown,
)
from .evaluation import evaluate, in_sentence
from .incidents import KINDS, Incidents, TimePrecision
from .record import Record
from .spec.model import Measure, MeasureWindow, Provision, Treaty
from .weekly import WeekVerdict, weekly_verdicts, window_verdicts

__all__ = [
    "DEFAULT_MIN_EVENTS",
    "DEFAULT_WINDOW_DAYS",
    "MAX_LISTED",
    "CommitmentResult",
    "DailyCount",
    "Verdict",
    "ViolatingIncident",
    "Window",
    "measure_commitments",
    "undefined_reason",
]

Verdict = Literal["kept", "not_kept", "violated", "undetermined", "not_started"]
"""kept / not_kept for reductions and distances; violated when a ceasefire or a
withdrawal line is breached by at least one qualifying event; undetermined when the
data are too thin to conclude (the warning says why); not_started before the start."""


@dataclass(frozen=True)
class Window:
    start: date
    end: date
    """Last day included."""

    def to_json(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass(frozen=True)
class DailyCount:
    day: date
    events: int
    fatalities: float

    def to_json(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "events": self.events,
                "fatalities": self.fatalities}


@dataclass(frozen=True)
class ViolatingIncident:
    id: str
    day: date
    kind: str
    longitude: float
    latitude: float
    place: str
    source: str
    fatalities: float
    note: str = ""
    """e.g. 'within 23 km of the line' for a withdrawal distance."""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "date": self.day.isoformat(), "kind": self.kind,
                "longitude": self.longitude, "latitude": self.latitude, "place": self.place,
                "source": self.source,
                # the source gave no figure: null, not NaN (JSON has none)
                "fatalities": self.fatalities if math.isfinite(self.fatalities) else None,
                "note": self.note}


@dataclass(frozen=True)
class CommitmentResult:
    provision: str
    title: str
    article: str | None
    text: str | None
    expectation: Literal["ceasefire", "reduction", "withdrawal_distance"]
    bearers: tuple[str, ...]
    area: str | None
    start: datetime
    verdict: Verdict
    summary: str
    """One sentence with the figures, e.g. 'events fell 62% (48 → 18 per week)'."""
    measure: str
    """What is counted: 'events' or 'fatalities', per day or per week."""
    baseline: Window | None
    after: Window | None
    figures: dict[str, float]
    """Named numbers behind the verdict (baseline_rate, after_rate, fall_pct, ...); NaN
    where a figure is undefined (JSON: null, with the reason in `undefined_figures`)."""
    series: tuple[DailyCount, ...]
    """Daily counts in the area around the start, for the chart."""
    violations: tuple[ViolatingIncident, ...]
    coverage: dict[str, Any]
    """What the data hold at all: events in the area and period, by location precision,
    how many were undetermined (too imprecise to place), the dataset names."""
    warnings: tuple[str, ...]
    because: tuple[str, ...]
    weeks: tuple[WeekVerdict, ...] = ()
    """A reduction's verdict week by week (the measure's `weekly`), in order."""
    windows: tuple[WeekVerdict, ...] = ()
    """A reduction's verdict in each of its further windows (the measure's `windows`)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "provision": self.provision,
            "title": self.title,
            "article": self.article,
            "text": self.text,
            "expectation": self.expectation,
            "bearers": list(self.bearers),
            "area": self.area,
            "start": self.start.isoformat(),
            "verdict": self.verdict,
            "summary": self.summary,
            "measure": self.measure,
            "baseline": self.baseline.to_json() if self.baseline else None,
            "after": self.after.to_json() if self.after else None,
            "figures": {k: (v if math.isfinite(v) else None) for k, v in self.figures.items()},
            "undefined_figures": {k: undefined_reason(k) for k, v in self.figures.items()
                                  if not math.isfinite(v)},
            "series": [d.to_json() for d in self.series],
            "violations": [v.to_json() for v in self.violations],
            "coverage": self.coverage,
            "warnings": list(self.warnings),
            "because": list(self.because),
            "weeks": [w.to_json() for w in self.weeks],
            "windows": [w.to_json() for w in self.windows],
        }


def undefined_reason(figure: str) -> str:
    """Why a figure has no value (JSON has no NaN: the figure is null, and this says why)."""
    if figure.startswith("fall_pct"):
        return ("the baseline rate is zero: a fall (or rise) from nothing is no percentage")
    return "no events to compute it from"


# --- the measurement -------------------------------------------------------------------------

DEFAULT_WINDOW_DAYS = 14
"""Baseline and after windows when the measure names none: two weeks either side."""

DEFAULT_MIN_EVENTS = {"ceasefire": 0, "reduction": 10, "withdrawal_distance": 0}
"""Fewest events in the baseline window for a verdict. A reduction measured on fewer than
ten events before the start is a percentage of noise; a ceasefire or a distance is judged on
the events after the start, so no minimum applies unless the treaty file sets one."""

MAX_LISTED = 200
"""Violating incidents listed per commitment (all are counted; the listing is for reading)."""

_SERIES_MARGIN_DAYS = 28
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


def measure_commitments(
    treaty: Treaty,
    record: Record,
    as_of: date,
    *,
    events: Incidents | None,
    territory: AreaOracle | None,
    max_listed: int = MAX_LISTED,
) -> list[CommitmentResult]:
    """Every commitment with a `measure` block, measured on `events` as of `as_of`.

    Pure: nothing is read but the arguments. Events are judged only on what they say for
    certain: an event that may lie inside or outside the area (its location radius crosses
    the border) or before or after the start (its date window straddles it) is counted as
    undetermined, never as inside or after."""
    ev = evaluate(treaty, record)
    out: list[CommitmentResult] = []
    for provision in treaty.provisions:
        if provision.kind != "commitment" or provision.measure is None:
            continue
        if provision.start is None:
            raise ValueError(f"{provision.id}: a measured commitment needs a start")
        needs_area = bool(provision.areas) or provision.measure.line is not None
        if needs_area and territory is None:
            raise ValueError("measuring a commitment in an area needs the territory engine")
        bound = _bound_note(ev, provision)
        out.append(_measure_one(treaty, provision, provision.measure, as_of, events,
                                territory, max_listed, bound))
    return out


def _bound_note(ev: Any, provision: Provision) -> str:
    """Whether the instrument was in force for the bearers on the start day, in words: the
    measurement does not depend on it (a unilateral announcement is measured all the same)."""
    assert provision.start is not None
    day = _start_day(provision.start)
    snapshot = ev.snapshot(day)
    named: list[str] = []
    for name in provision.bearers:
        named.extend(sorted(snapshot.members(name)) if snapshot.is_group(name) else [name])
    if not named:
        return "no bearer is named"

    def bound(code: str) -> bool:
        history = ev.histories.get(code)
        return history is not None and history.bound_on(day)

    status = [f"{in_sentence(ev.party_name(b))} {'bound' if bound(b) else 'not bound'}"
              for b in dict.fromkeys(named)]
    return f"on {day}, under {ev.treaty.id}: " + "; ".join(status)


# --- time ------------------------------------------------------------------------------------


def _start_day(start: date | datetime) -> date:
    return start.date() if isinstance(start, datetime) else start


def _starts_at_midnight(start: date | datetime) -> bool:
    """A date, or an instant at 00:00 of its own (local) day: a whole local day begins then."""
    return not isinstance(start, datetime) or start.timetz().replace(tzinfo=None) == time(0)


def _first_full_day(start: date | datetime) -> date:
    """The first calendar day that lies wholly after the start."""
    day = _start_day(start)
    return day if _starts_at_midnight(start) else day + timedelta(days=1)


def _days(events: Incidents) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.datetime64]]:
    """First and last day of each event's window (day labels are local days)."""
    first = events.day.astype("datetime64[D]")
    last = (events.time_end - np.timedelta64(1, "s")).astype("datetime64[D]")
    return first, np.maximum(last, first)


def _after_start(events: Incidents, start: date | datetime) -> tuple[BoolArray, BoolArray]:
    """(certainly after the start, certainly before it), vectorised.

    Timed events are compared as instants. Day-precision events carry local days, so they
    are compared with the start's own local day: on a start at local midnight the start day
    is wholly after; a start later in the day leaves events on that day undetermined."""
    first, last = _days(events)
    after_day = np.datetime64(_first_full_day(start), "D")
    before_day = np.datetime64(_start_day(start), "D")
    after = first >= after_day
    before = last < before_day
    if isinstance(start, datetime) and len(events):
        instant = np.datetime64(start.astimezone(UTC).replace(tzinfo=None), "s")
        timed = events.time_precision == TimePrecision.MINUTE
        after = np.where(timed, events.time >= instant, after)
        before = np.where(timed, events.time_end <= instant, before)
    return after, before


def _window(spec: MeasureWindow | None, start: date | datetime, *, before: bool,
            default_days: int | None, lag: int = 0) -> Window | None:
    if spec is None:
        if default_days is None:
            return None
        spec = MeasureWindow(days=default_days)
    if spec.start is not None and spec.end is not None:
        return Window(spec.start, spec.end)
    assert spec.days is not None
    if before:
        end = _start_day(start) - timedelta(days=1)
        return Window(end - timedelta(days=spec.days - 1), end)
    first = _first_full_day(start) + timedelta(days=lag)  # lag: days left out after the start
    return Window(first, first + timedelta(days=spec.days - 1))


def _capped_days_after(day: date, days: int) -> date:
    """`day` + `days`, or the last day of the calendar if that is beyond it."""
    return day + timedelta(days=days) if (date.max - day).days >= days else date.max


def _in_window(first: npt.NDArray[np.datetime64], last: npt.NDArray[np.datetime64],
               window: Window) -> BoolArray:
    """Events wholly inside the window (a multi-day event reaching out of it is not)."""
    out: BoolArray = (first >= np.datetime64(window.start, "D")) & (
        last <= np.datetime64(window.end, "D"))
    return out


def _touches(first: npt.NDArray[np.datetime64], last: npt.NDArray[np.datetime64],
             window: Window) -> BoolArray:
    out: BoolArray = (last >= np.datetime64(window.start, "D")) & (
        first <= np.datetime64(window.end, "D"))
    return out


# --- place -----------------------------------------------------------------------------------


def _membership(territory: AreaOracle | None, areas: Sequence[str], events: Incidents,
                as_of: date) -> npt.NDArray[np.int8]:
    """1 certainly inside one of the areas (under every reading), 0 certainly outside all,
    -1 undetermined (the location's radius crosses a border, or the readings differ)."""
    n = len(events)
    if not areas or territory is None:
        return np.ones(n, np.int8)
    lons, lats = events.longitude, events.latitude
    radius = np.where(np.isfinite(events.radius_km), events.radius_km, np.nan)
    inside = np.zeros(n, bool)
    unsure = np.zeros(n, bool)
    for area in areas:
        readings: list[str | None] = list(territory.readings(area)) or [None]
        per = np.stack([territory.membership(area, lons, lats, radius, reading=r, as_of=as_of)
                        for r in readings])
        inside |= (per == 1).all(axis=0)
        unsure |= ~(per == 0).all(axis=0) & ~(per == 1).all(axis=0)
    return np.where(inside, 1, np.where(unsure, -1, 0)).astype(np.int8)


def _kind_filter(events: Incidents, measure: Measure) -> BoolArray:
    if measure.events:
        mask = events.kind_mask(measure.events)
    else:
        mask = events.kind_codes != KINDS.index("other")
    if measure.actors:
        mask &= events.actor_mask(measure.actors)
    return mask


def _precision_label(radius: float) -> str:
    return "unknown" if not np.isfinite(radius) else f"±{radius:g} km"


def _by_precision(events: Incidents, mask: BoolArray) -> dict[str, int]:
    radius = events.radius_km[mask]
    labels, counts = np.unique(np.where(np.isfinite(radius), radius, -1.0), return_counts=True)
    return {_precision_label(float(r) if r >= 0 else float("nan")): int(c)
            for r, c in zip(labels.tolist(), counts.tolist(), strict=True)}


# --- one commitment ----------------------------------------------------------------------------


@dataclass
class _Context:
    """What every expectation needs: the events and masks of one commitment."""

    provision: Provision
    measure: Measure
    events: Incidents
    first: npt.NDArray[np.datetime64]
    last: npt.NDArray[np.datetime64]
    known: BoolArray
    wanted: BoolArray
    member: npt.NDArray[np.int8]
    after: BoolArray
    before: BoolArray
    as_of: date
    start: date | datetime
    warnings: list[str]
    because: list[str]


def _measure_one(treaty: Treaty, provision: Provision, measure: Measure, as_of: date,
                 events: Incidents | None, territory: AreaOracle | None, max_listed: int,
                 bound: str) -> CommitmentResult:
    assert provision.start is not None
    start = provision.start
    start_dt = start if isinstance(start, datetime) else datetime.combine(start, time(0))
    expectation: Expectation = measure.expectation
    area_words = " ∪ ".join(provision.areas) or None  # noqa: RUF001 (the union sign)
    rate_unit = "per week" if measure.per == "week" else "per day"
    what = f"{measure.count} {rate_unit}"
    base: dict[str, Any] = dict(provision=provision.id, title=provision.title or provision.id,
                article=provision.article, text=provision.text, expectation=expectation,
                bearers=tuple(provision.bearers), area=area_words, start=start_dt,
                measure=what)
    because = [f"{provision.id} ({provision.article or 'no article'}): measured from "
               f"{_describe_start(start)}" + (f" in {area_words}" if area_words else ""),
               bound]
    kinds = ", ".join(measure.events) or "every kind except 'other'"
    because.append(f"qualifying events: {kinds}"
                   + (f"; actors {', '.join(measure.actors)}" if measure.actors else ""))
    if as_of < _start_day(start):
        return CommitmentResult(**base, verdict="not_started",
                                summary=f"not started: it starts on {_describe_start(start)}",
                                baseline=None, after=None, figures={}, series=(), violations=(),
                                coverage={"events_in_data": 0 if events is None else len(events)},
                                warnings=(), because=tuple(because))
    if events is None:
        return CommitmentResult(**base, verdict="undetermined",
                                summary="no event data given: nothing can be measured",
                                baseline=None, after=None, figures={}, series=(), violations=(),
                                coverage={"events_in_data": 0},
                                warnings=("no event data given (pass an events file)",),
                                because=tuple(because))
    first, last = _days(events)
    known = last <= np.datetime64(as_of, "D")  # only what had happened by as_of counts
    after, before = _after_start(events, start)
    ctx = _Context(provision, measure, events, first, last, known, _kind_filter(events, measure),
                   _membership(territory, provision.areas, events, as_of), after, before, as_of,
                   start, [], because)
    if expectation == "reduction":
        result = _reduction(ctx, base)
    elif expectation == "ceasefire":
        result = _ceasefire(ctx, base, territory, max_listed)
    else:
        result = _withdrawal(ctx, base, territory, max_listed)
    return _with_caveats(ctx, result)


def _with_caveats(ctx: _Context, result: CommitmentResult) -> CommitmentResult:
    """Say first what stands in the way of a verdict when the data can fix it (events with
    no location precision), and that documentation dates after the start are not activity."""
    warnings = list(result.warnings)
    summary = result.summary
    undetermined = result.coverage.get("undetermined", {})
    unplaceable = int(undetermined.get("no_location_precision", 0))
    if result.verdict == "undetermined" and unplaceable:
        warnings.insert(0, precision_advice(unplaceable))
        counted = sum(result.coverage.get("counted", {}).values())
        if unplaceable > counted:  # the main reason, not one among others: say it first
            summary = f"undetermined: {precision_summary(unplaceable)}"
    documented = int((ctx.known & ctx.wanted & ctx.after & (ctx.member != 0)
                      & documented_mask(ctx.events)).sum())
    if documented:
        warnings.append(f"{documented:,} qualifying event(s) after the start are dated by when "
                        "they were documented, not when they happened: a burst of "
                        "documentation after a withdrawal (bodies found, damage recorded) is "
                        "not activity in the window")
    return replace(result, summary=summary, warnings=tuple(warnings))


def _describe_start(start: date | datetime) -> str:
    if isinstance(start, datetime):
        return f"{start.isoformat()} ({start.astimezone(UTC):%Y-%m-%dT%H:%MZ})"
    return start.isoformat()


def _rate(total: float, window: Window, per: str) -> float:
    days = (window.end - window.start).days + 1
    return total / days * (7 if per == "week" else 1)


def _pct_fall(baseline: float, after: float) -> float:
    return (baseline - after) / baseline * 100 if baseline > 0 else float("nan")


def _coverage(ctx: _Context, period: Window, extra: dict[str, Any] | None = None, *,
              straddling: BoolArray | None = None) -> dict[str, Any]:
    """What the data hold at all in the period, in the area, for the filter; why the
    qualifying events that could not be judged were not (`straddling`: those whose dates
    span an edge; default: the start)."""
    events = ctx.events
    touching = _touches(ctx.first, ctx.last, period) & ctx.known
    in_area = touching & (ctx.member == 1)
    unsure = touching & (ctx.member == -1)
    wanted = in_area & ctx.wanted
    datasets = sorted({str(d) for d in
                       np.unique(np.asarray(events.column("dataset").to_pylist(), dtype=object)
                                 [touching]).tolist()}) if touching.any() else []
    data_first = str(ctx.first.min()) if len(events) else None
    data_last = str(ctx.last.max()) if len(events) else None
    if straddling is None:
        straddling = touching & ctx.wanted & (ctx.member != 0) & ~ctx.after & ~ctx.before
    documented = int((touching & documented_mask(events)).sum())
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
        "by_precision": _by_precision(events, touching & (ctx.member != 0)),
        "dates": "when the incidents happened" if not documented else (
            f"when the incidents were documented, for {documented:,} of the "
            f"{int(touching.sum()):,} events in the period"),
    }
    out.update(extra or {})
    return out


def _series(ctx: _Context, counted: BoolArray, window: Window) -> tuple[DailyCount, ...]:
    """Daily events and fatalities in the window, each event on its first day."""
    start = np.datetime64(window.start, "D")
    n_days = (window.end - window.start).days + 1
    rows = counted & _touches(ctx.first, ctx.first, window)
    offsets = (ctx.first[rows] - start).astype(np.int64)
    deaths = np.nan_to_num(ctx.events.fatalities_best[rows])
    counts = np.bincount(offsets, minlength=n_days)
    dead = np.bincount(offsets, weights=deaths, minlength=n_days)
    return tuple(DailyCount(window.start + timedelta(days=i), int(counts[i]), float(dead[i]))
                 for i in range(n_days))


def _data_ends_warning(ctx: _Context, until: date) -> str | None:
    if not len(ctx.events):
        return "the event data are empty"
    data_last = ctx.last.max().astype(object)
    if data_last < until:
        return (f"the event data end on {data_last}: nothing after that day can be seen, so "
                f"the period up to {until} is only partly covered")
    return None


def _reduction(ctx: _Context, base: dict[str, Any]) -> CommitmentResult:
    m = ctx.measure
    baseline = _window(m.baseline, ctx.start, before=True, default_days=DEFAULT_WINDOW_DAYS)
    lag = m.lag_days or 0
    after = _window(m.after, ctx.start, before=False, default_days=DEFAULT_WINDOW_DAYS, lag=lag)
    assert baseline is not None and after is not None and m.at_least_pct is not None
    complete = after.end <= ctx.as_of
    seen = after if complete else Window(after.start, max(ctx.as_of, after.start))
    qualify = ctx.known & ctx.wanted
    b_in = qualify & _in_window(ctx.first, ctx.last, baseline)
    a_in = qualify & _in_window(ctx.first, ctx.last, seen) & ~ctx.before
    inside, unsure = ctx.member == 1, ctx.member == -1
    weights = (np.nan_to_num(ctx.events.fatalities_best) if m.count == "fatalities"
               else np.ones(len(ctx.events)))
    b_n, a_n = int((b_in & inside).sum()), int((a_in & inside).sum())
    b_total = float(weights[b_in & inside].sum())
    a_total = float(weights[a_in & inside].sum())
    b_unsure = float(weights[b_in & unsure].sum())
    a_unsure = float(weights[a_in & unsure].sum())
    b_rate, a_rate = _rate(b_total, baseline, m.per), _rate(a_total, seen, m.per)
    change = _pct_fall(b_rate, a_rate)
    # the unplaceable events could lie either side of the border: the verdict must hold at
    # both extremes (all of them inside after and none before, or the reverse)
    low = _pct_fall(b_rate, _rate(a_total + a_unsure, seen, m.per))
    high = _pct_fall(_rate(b_total + b_unsure, baseline, m.per), a_rate)
    straddle = (qualify & (ctx.member != 0) & ~_in_window(ctx.first, ctx.last, baseline)
                & ~_in_window(ctx.first, ctx.last, after)
                & _touches(ctx.first, ctx.last, Window(baseline.start, after.end)))
    if lag:  # events wholly inside the lag are left out on purpose, not for their dates
        gap = Window(after.start - timedelta(days=lag), after.start - timedelta(days=1))
        straddle &= ~_in_window(ctx.first, ctx.last, gap)
    straddling = int(straddle.sum())
    figures = {"baseline_total": b_total, "after_total": a_total,
               "baseline_events": float(b_n), "after_events": float(a_n),
               "baseline_rate": b_rate, "after_rate": a_rate, "fall_pct": change,
               "fall_pct_low": low, "fall_pct_high": high,
               "baseline_undetermined": b_unsure, "after_undetermined": a_unsure,
               "at_least_pct": m.at_least_pct}
    min_events = m.min_events if m.min_events is not None else DEFAULT_MIN_EVENTS["reduction"]
    warnings = ctx.warnings
    unit = "per week" if m.per == "week" else "per day"
    ctx.because.append(f"baseline {baseline.start}..{baseline.end}, after "
                       f"{after.start}..{after.end}; {m.count} {unit} certainly inside the "
                       "area; kept if the rate after is at least "
                       f"{m.at_least_pct:g}% below the baseline rate"
                       + (f"; the {lag} day(s) from the start before the after window are "
                          "left out (lag_days)" if lag else ""))
    verdict: Verdict
    if b_n < min_events or b_rate == 0:
        verdict = "undetermined"
        anywhere = int((ctx.known & _touches(ctx.first, ctx.last,
                                             Window(baseline.start, after.end))).sum())
        warnings.append(f"too little evidence: {b_n} qualifying event(s) placed inside the "
                        f"area in the baseline window ({baseline.start}..{baseline.end}); "
                        f"at least {min_events} are needed to measure a reduction (the data "
                        f"hold {anywhere} event(s) of any kind, anywhere, from "
                        f"{baseline.start} to {after.end})")
    elif not complete:
        verdict = "undetermined"
        warnings.append(f"the after window ends on {after.end}, after the as-of date "
                        f"{ctx.as_of}: figures cover {seen.start}..{seen.end} only")
    else:
        verdict = "kept" if change >= m.at_least_pct else "not_kept"
        if (low >= m.at_least_pct) != (high >= m.at_least_pct):
            verdict = "undetermined"
            warnings.append(f"{int(b_unsure + a_unsure)} {m.count} could not be placed inside "
                            f"or outside the area; depending on where they were, the fall is "
                            f"{low:.0f}% to {high:.0f}%, either side of {m.at_least_pct:g}%")
    if straddling:
        warnings.append(f"{straddling} event(s) with dates spanning a window's edge were not "
                        "counted in either window")
    ends = _data_ends_warning(ctx, min(after.end, ctx.as_of))
    if ends:
        warnings.append(ends)
        if verdict in ("kept", "not_kept") and ctx.last.max().astype(object) < after.end:
            verdict = "undetermined"
    fmt = "{:.1f}" if m.per == "day" else "{:.0f}"
    if np.isfinite(change):
        direction = "fell" if change >= 0 else "rose"
        summary = (f"{m.count} {unit} {direction} {abs(change):.0f}% "
                   f"({fmt.format(b_rate)} → {fmt.format(a_rate)}); promised: at least "
                   f"{m.at_least_pct:g}% fewer")
    else:
        summary = f"no qualifying {m.count} inside the area in the baseline window"
    if verdict == "undetermined":
        summary = "undetermined: " + summary
    period = Window(baseline.start, after.end)
    judged: dict[str, Any] = dict(
        first=ctx.first, last=ctx.last, inside=qualify & inside & ~ctx.before,
        unsure=qualify & unsure & ~ctx.before, weights=weights, baseline_rate=b_rate,
        baseline_rate_high=_rate(b_total + b_unsure, baseline, m.per),
        per_week=m.per == "week", at_least_pct=m.at_least_pct,
        as_of=ctx.as_of, data_last=ctx.last.max().astype(object) if len(ctx.events) else None,
        baseline_reason="too little evidence in the baseline window"
        if b_n < min_events or b_rate == 0 else "")
    weeks = weekly_verdicts(after_start=after.start, weeks=m.weekly or 0, **judged)
    start_day = _first_full_day(ctx.start)  # day 1, as for the after window
    windows = window_verdicts(spans=[
        (f"days {w.from_day + 1}-{w.from_day + w.days}",
         start_day + timedelta(days=w.from_day),
         start_day + timedelta(days=w.from_day + w.days - 1)) for w in m.windows], **judged)
    return CommitmentResult(
        **base, verdict=verdict, summary=summary, baseline=baseline, after=after, weeks=weeks,
        windows=windows,
        figures=figures, series=_series(ctx, ctx.known & ctx.wanted & (ctx.member == 1), period),
        violations=(), warnings=tuple(warnings),
        coverage=_coverage(ctx, period, {"counted": {"baseline_events": b_n, "after_events": a_n}},
                           straddling=straddle),
        because=tuple(ctx.because))


def _listed(ctx: _Context, rows: IntArray, notes: list[str]) -> tuple[ViolatingIncident, ...]:
    out = []
    for i, note in zip(rows.tolist(), notes, strict=True):
        row = ctx.events.row(i)
        out.append(ViolatingIncident(
            id=row.id, day=row.day, kind=row.kind, longitude=row.longitude,
            latitude=row.latitude, place=row.place, source=row.source or row.dataset,
            fatalities=float(row.fatalities_best or 0.0), note=note))
    return tuple(out)


def _highlight_notes(ctx: _Context, territory: AreaOracle | None, rows: IntArray) -> list[str]:
    """For each listed event, the highlighted areas it is (possibly) in."""
    notes = [""] * len(rows)
    if territory is None or not ctx.measure.highlight or not len(rows):
        return notes
    chosen = ctx.events.take(rows)
    for area in ctx.measure.highlight:
        member = _membership(territory, [area], chosen, ctx.as_of)
        label = area.replace("_", " ")
        for k, value in enumerate(member.tolist()):
            word = {1: f"in {label}", -1: f"possibly in {label} (location imprecise)"}.get(value)
            if word:
                notes[k] = "; ".join(filter(None, [notes[k], word]))
    return notes


def _order(ctx: _Context, mask: BoolArray) -> IntArray:
    rows = np.flatnonzero(mask)
    order = np.lexsort((ctx.events.time_end[rows], ctx.events.time[rows]))
    result: IntArray = rows[order].astype(np.int64)
    return result


def _ceasefire(ctx: _Context, base: dict[str, Any], territory: AreaOracle | None,
               max_listed: int) -> CommitmentResult:
    m = ctx.measure
    baseline = _window(m.baseline, ctx.start, before=True, default_days=DEFAULT_WINDOW_DAYS)
    after = _window(m.after, ctx.start, before=False, default_days=None)
    assert baseline is not None
    until = ctx.as_of if after is None else min(after.end, ctx.as_of)
    period_after = Window(_first_full_day(ctx.start), max(until, _first_full_day(ctx.start)))
    in_time = ctx.known & (ctx.last <= np.datetime64(until, "D"))
    qualify = ctx.wanted & in_time
    violating = qualify & ctx.after & (ctx.member == 1)
    unsure_place = qualify & ctx.after & (ctx.member == -1)
    unsure_time = qualify & ~ctx.after & ~ctx.before & (ctx.member != 0)
    b_in = ctx.wanted & ctx.known & _in_window(ctx.first, ctx.last, baseline) & (ctx.member == 1)
    b_n = int(b_in.sum())
    n_viol = int(violating.sum())
    deaths = float(np.nan_to_num(ctx.events.fatalities_best[violating]).sum())
    days_with = len(np.unique(ctx.first[violating]))
    rows = _order(ctx, violating)
    listed_rows = rows[:max_listed]
    notes = _highlight_notes(ctx, territory, listed_rows)
    figures = {"violations": float(n_viol), "violation_fatalities": deaths,
               "days_with_violations": float(days_with),
               "undetermined_location": float(unsure_place.sum()),
               "undetermined_time": float(unsure_time.sum()),
               "baseline_events": float(b_n),
               "baseline_rate": _rate(float(b_n), baseline, m.per)}
    for area in m.highlight:
        figures[f"violations_in_{area}"] = float(sum(f"in {area.replace('_', ' ')}" in n
                                                     and "possibly" not in n for n in notes))
    ctx.because.append(f"every qualifying event certainly inside the area and certainly after "
                       f"the start, up to {until}, is a violation")
    warnings = ctx.warnings
    if n_viol > max_listed:
        warnings.append(f"listing the first {max_listed} of {n_viol} violating events")
    min_events = m.min_events if m.min_events is not None else DEFAULT_MIN_EVENTS["ceasefire"]
    verdict: Verdict
    if n_viol:
        verdict = "violated"
        summary = (f"{n_viol} qualifying event(s) in the area after the start "
                   f"({period_after.start}..{until}), on {days_with} day(s), "
                   f"{deaths:g} fatalities (best estimate)")
    else:
        verdict = "kept"
        summary = f"no qualifying event in the area from {period_after.start} to {until}"
        if unsure_place.any() or unsure_time.any():
            verdict = "undetermined"
            warnings.append(f"{int(unsure_place.sum())} event(s) after the start could not be "
                            f"placed inside or outside the area and {int(unsure_time.sum())} "
                            "could not be placed before or after the start")
        if b_n < min_events:
            verdict = "undetermined"
            warnings.append(f"too little evidence: the data place only {b_n} qualifying event(s) "
                            f"in the area in the baseline window ({baseline.start}.."
                            f"{baseline.end}); at least {min_events} are needed before the "
                            "absence of events afterwards means anything")
    ends = _data_ends_warning(ctx, until)
    if ends:
        warnings.append(ends)
        if verdict == "kept":
            verdict = "undetermined"
    if verdict == "undetermined":
        summary = "undetermined: " + summary
    end = until if after is not None else min(until, period_after.start
                                               + timedelta(days=_SERIES_MARGIN_DAYS - 1))
    period = Window(baseline.start, max(end, baseline.end))
    return CommitmentResult(
        **base, verdict=verdict, summary=summary, baseline=baseline,
        after=Window(period_after.start, until), figures=figures,
        series=_series(ctx, ctx.known & ctx.wanted & (ctx.member == 1), period),
        violations=_listed(ctx, listed_rows, notes),
        coverage=_coverage(ctx, Window(baseline.start, max(until, baseline.end)),
                           {"counted": {"violations": n_viol, "baseline_events": b_n}}),
        warnings=tuple(warnings), because=tuple(ctx.because))


def _withdrawal(ctx: _Context, base: dict[str, Any], territory: AreaOracle | None,
                max_listed: int) -> CommitmentResult:
    m = ctx.measure
    assert m.line is not None and m.distance_km is not None and m.deadline is not None
    assert territory is not None
    start_day = _start_day(ctx.start)
    try:
        deadline = m.deadline if isinstance(m.deadline, date) else m.deadline.after(start_day)
    except DateRangeError:
        deadline = date.max  # beyond the calendar: it cannot have passed by any as-of date
    base = {**base, "area": base["area"] or m.line}
    how = (f"{m.deadline.describe()} the start" if isinstance(m.deadline, Offset)
           else "a fixed date")
    ctx.because.append(f"after the deadline {deadline} ({how}), no qualifying event within "
                       f"{m.distance_km:g} km of {m.line}")
    if m.weapons:
        ctx.because.append(f"weapon classes named by the clause: {m.weapons}")
    warnings = ctx.warnings
    warnings.append("an event's location is where the fighting or the impact was recorded, "
                    "not where a weapon stood: an event near the line does not show that a "
                    "weapon was inside the zone, nor does its absence show that none was")
    if ctx.as_of <= deadline:
        return CommitmentResult(
            **base, verdict="undetermined",
            summary=f"the withdrawal deadline ({deadline}) has not passed as of {ctx.as_of}",
            baseline=None, after=None, figures={"distance_km": m.distance_km}, series=(),
            violations=(), coverage={"events_in_data": len(ctx.events)},
            warnings=tuple(warnings), because=tuple(ctx.because))
    check_from = deadline + timedelta(days=1)  # deadline < as_of <= date.max
    period = Window(check_from, ctx.as_of)
    late = ctx.known & (ctx.first >= np.datetime64(check_from, "D")) & (ctx.member != 0)
    dist = np.full(len(ctx.events), np.nan)
    rows = np.flatnonzero(late)
    if len(rows):
        chosen = ctx.events.take(rows)
        dist[rows] = territory.distance_km(m.line, chosen.longitude, chosen.latitude,
                                           as_of=ctx.as_of)
    radius = np.nan_to_num(ctx.events.radius_km, nan=np.inf)
    near = late & (ctx.member == 1) & (dist + radius <= m.distance_km)
    maybe = late & ~near & (dist - radius <= m.distance_km)  # NaN distances compare False
    violating = near & ctx.wanted
    unsure = maybe & ctx.wanted
    other_near = near & ~ctx.wanted
    kinds_in_data = int(ctx.wanted.sum())
    n_viol = int(violating.sum())
    ordered = _order(ctx, violating)[:max_listed]
    notes = [f"{d:.0f} km from {m.line.replace('_', ' ')}" for d in dist[ordered].tolist()]
    extra = _highlight_notes(ctx, territory, ordered)
    notes = ["; ".join(filter(None, [a, b])) for a, b in zip(notes, extra, strict=True)]
    figures = {"distance_km": m.distance_km, "violations": float(n_viol),
               "undetermined_location": float(unsure.sum()),
               "other_kinds_within": float(other_near.sum()),
               "qualifying_kinds_in_data": float(kinds_in_data)}
    verdict: Verdict
    if kinds_in_data == 0:
        verdict = "undetermined"
        names = ", ".join(m.events) or "the kinds named"
        datasets = sorted(set(ctx.events.column("dataset").to_pylist())) or ["the data"]
        warnings.insert(0, f"the data ({', '.join(datasets)}) hold no event of the kinds that "
                           f"could show these weapons ({names}): they do not record the means "
                           f"used, so they cannot show whether the withdrawal was carried out; "
                           f"{int(other_near.sum())} event(s) of other kinds lie within "
                           f"{m.distance_km:g} km of the line after the deadline")
        summary = (f"undetermined: the data cannot show weapon classes; "
                   f"{int(other_near.sum())} event(s) of other kinds within "
                   f"{m.distance_km:g} km of the line after {deadline}")
    elif n_viol:
        verdict = "violated"
        summary = (f"{n_viol} qualifying event(s) within {m.distance_km:g} km of the line "
                   f"after the deadline ({deadline})")
    elif unsure.any():
        verdict = "undetermined"
        summary = (f"undetermined: {int(unsure.sum())} event(s) may lie within "
                   f"{m.distance_km:g} km of the line (location imprecise)")
    else:
        verdict = "kept"
        summary = (f"no qualifying event within {m.distance_km:g} km of the line from "
                   f"{check_from} to {ctx.as_of}")
    if n_viol > max_listed:
        warnings.append(f"listing the first {max_listed} of {n_viol} events")
    ends = _data_ends_warning(ctx, ctx.as_of)
    if ends:
        warnings.append(ends)
    return CommitmentResult(
        **base, verdict=verdict, summary=summary, baseline=None, after=period, figures=figures,
        series=_series(ctx, ctx.known & ctx.wanted & (ctx.member == 1),
                       Window(check_from, min(ctx.as_of, _capped_days_after(
                           check_from, _SERIES_MARGIN_DAYS - 1)))),
        violations=_listed(ctx, ordered, notes),
        coverage=_coverage(ctx, period, {"counted": {"within_distance": n_viol}}),
        warnings=tuple(warnings), because=tuple(ctx.because))
