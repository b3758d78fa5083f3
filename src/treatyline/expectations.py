"""The three expectations a measured commitment may carry, each judged on the events of one
`Context`: a reduction (the rate after the start against the baseline), a ceasefire (no
qualifying event in the area after the start) and a withdrawal distance (no qualifying event
near a line after a deadline). Pure; `treatyline.commitments` chooses and calls them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

from .calendar import DateRangeError, Offset
from .commitment_results import CommitmentResult, Verdict, ViolatingIncident, Window
from .coverage import commitment_coverage
from .measuring import (
    DEFAULT_MIN_EVENTS,
    DEFAULT_WINDOW_DAYS,
    SERIES_MARGIN_DAYS,
    AreaOracle,
    BoolArray,
    Context,
    IntArray,
    area_membership,
    capped_days_after,
    daily_series,
    data_ends_warning,
    day_number,
    first_full_day,
    in_window,
    last_event_day,
    measure_window,
    pct_fall,
    rate_of,
    start_day,
    touches,
    weighed_total,
)
from .spec.model import Measure
from .weekly import weekly_verdicts, window_verdicts

__all__ = ["measure_ceasefire", "measure_reduction", "measure_withdrawal"]


def measure_reduction(ctx: Context, base: dict[str, Any]) -> CommitmentResult:
    m = ctx.measure
    baseline = measure_window(m.baseline, ctx.start, before=True, default_days=DEFAULT_WINDOW_DAYS)
    lag = m.lag_days or 0
    after = measure_window(m.after, ctx.start, before=False, default_days=DEFAULT_WINDOW_DAYS,
                           lag=lag)
    assert baseline is not None and after is not None and m.at_least_pct is not None
    complete = after.end <= ctx.as_of
    seen = after if complete else Window(after.start, max(ctx.as_of, after.start))
    qualify = ctx.known & ctx.wanted
    b_in = qualify & in_window(ctx.first, ctx.last, baseline)
    a_in = qualify & in_window(ctx.first, ctx.last, seen) & ~ctx.before
    inside, unsure = ctx.member == 1, ctx.member == -1
    total_of = weighed_total(ctx.events, m.count)
    b_n, a_n = int((b_in & inside).sum()), int((a_in & inside).sum())
    b_total = total_of(b_in & inside)
    a_total = total_of(a_in & inside)
    b_unsure = total_of(b_in & unsure)
    a_unsure = total_of(a_in & unsure)
    b_rate, a_rate = rate_of(b_total, baseline, m.per), rate_of(a_total, seen, m.per)
    change = pct_fall(b_rate, a_rate)
    # the unplaceable events could lie either side of the border: the verdict must hold at
    # both extremes (all of them inside after and none before, or the reverse)
    low = pct_fall(b_rate, rate_of(a_total + a_unsure, seen, m.per))
    high = pct_fall(rate_of(b_total + b_unsure, baseline, m.per), a_rate)
    straddle = (qualify & (ctx.member != 0) & ~in_window(ctx.first, ctx.last, baseline)
                & ~in_window(ctx.first, ctx.last, after)
                & touches(ctx.first, ctx.last, Window(baseline.start, after.end)))
    if lag:  # events wholly inside the lag are left out on purpose, not for their dates
        gap = Window(after.start - timedelta(days=lag), after.start - timedelta(days=1))
        straddle &= ~in_window(ctx.first, ctx.last, gap)
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
        anywhere = int((ctx.known & touches(ctx.first, ctx.last,
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
    ends = data_ends_warning(ctx, min(after.end, ctx.as_of))
    if ends:
        warnings.append(ends)
        if verdict in ("kept", "not_kept") and last_event_day(ctx.last) < after.end:
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
        unsure=qualify & unsure & ~ctx.before, total_of=total_of, baseline_rate=b_rate,
        baseline_rate_high=rate_of(b_total + b_unsure, baseline, m.per),
        per_week=m.per == "week", at_least_pct=m.at_least_pct,
        as_of=ctx.as_of, data_last=last_event_day(ctx.last) if len(ctx.events) else None,
        baseline_reason="too little evidence in the baseline window"
        if b_n < min_events or b_rate == 0 else "")
    weeks = weekly_verdicts(after_start=after.start, weeks=m.weekly or 0, **judged)
    day_one = first_full_day(ctx.start)  # day 1, as for the after window
    windows = window_verdicts(spans=[
        (f"days {w.from_day + 1}-{w.from_day + w.days}",
         day_one + timedelta(days=w.from_day),
         day_one + timedelta(days=w.from_day + w.days - 1)) for w in m.windows], **judged)
    return CommitmentResult(
        **base, verdict=verdict, summary=summary, baseline=baseline, after=after, weeks=weeks,
        windows=windows,
        figures=figures,
        series=daily_series(ctx, ctx.known & ctx.wanted & (ctx.member == 1), period),
        violations=(), warnings=tuple(warnings),
        coverage=commitment_coverage(
            ctx, period, {"counted": {"baseline_events": b_n, "after_events": a_n}},
            straddling=straddle),
        because=tuple(ctx.because))


def listed_incidents(ctx: Context, rows: IntArray,
                     notes: list[str]) -> tuple[ViolatingIncident, ...]:
    out = []
    for i, note in zip(rows.tolist(), notes, strict=True):
        row = ctx.events.row(i)
        out.append(ViolatingIncident(
            id=row.id, day=row.day, kind=row.kind, longitude=row.longitude,
            latitude=row.latitude, place=row.place, source=row.source or row.dataset,
            fatalities=float(row.fatalities_best or 0.0), note=note))
    return tuple(out)


def highlight_notes(ctx: Context, territory: AreaOracle | None, rows: IntArray) -> list[str]:
    """For each listed event, the highlighted areas it is (possibly) in."""
    notes = [""] * len(rows)
    if territory is None or not ctx.measure.highlight or not len(rows):
        return notes
    for area in ctx.measure.highlight:
        member = area_membership(territory, [area], ctx.events, ctx.as_of, rows)
        label = area.replace("_", " ")
        for k, value in enumerate(member.tolist()):
            word = {1: f"in {label}", -1: f"possibly in {label} (location imprecise)"}.get(value)
            if word:
                notes[k] = "; ".join(filter(None, [notes[k], word]))
    return notes


def time_order(ctx: Context, mask: BoolArray) -> IntArray:
    return time_ordered(ctx, np.flatnonzero(mask))


def time_ordered(ctx: Context, rows: IntArray) -> IntArray:
    """`rows` (ascending) by start, then end time; ties keep the row order."""
    order = np.lexsort((ctx.events.time_end[rows], ctx.events.time[rows]))
    result: IntArray = rows[order].astype(np.int64)
    return result


def measure_ceasefire(ctx: Context, base: dict[str, Any], territory: AreaOracle | None,
               max_listed: int) -> CommitmentResult:
    m = ctx.measure
    baseline = measure_window(m.baseline, ctx.start, before=True, default_days=DEFAULT_WINDOW_DAYS)
    after = measure_window(m.after, ctx.start, before=False, default_days=None)
    assert baseline is not None
    until = ctx.as_of if after is None else min(after.end, ctx.as_of)
    period_after = Window(first_full_day(ctx.start), max(until, first_full_day(ctx.start)))
    # masks combined in place: each full-length temporary is 1 byte an event
    qualify = ctx.last <= day_number(until)
    qualify &= ctx.known
    qualify &= ctx.wanted
    qualify_after = qualify & ctx.after
    violating = ctx.member == 1
    violating &= qualify_after
    unsure_place = ctx.member == -1
    unsure_place &= qualify_after
    del qualify_after
    unsure_time = ctx.member != 0
    unsure_time &= qualify
    unsure_time &= ~ctx.after
    unsure_time &= ~ctx.before
    del qualify
    b_in = in_window(ctx.first, ctx.last, baseline)
    b_in &= ctx.wanted
    b_in &= ctx.known
    b_in &= ctx.member == 1
    b_n = int(np.count_nonzero(b_in))
    del b_in
    n_viol = int(violating.sum())
    deaths = float(np.nan_to_num(ctx.events.fatalities_best[violating]).sum())
    days_with = len(np.unique(ctx.first[violating]))
    rows = time_order(ctx, violating)
    listed_rows = rows[:max_listed]
    notes = highlight_notes(ctx, territory, listed_rows)
    figures = {"violations": float(n_viol), "violation_fatalities": deaths,
               "days_with_violations": float(days_with),
               "undetermined_location": float(unsure_place.sum()),
               "undetermined_time": float(unsure_time.sum()),
               "baseline_events": float(b_n),
               "baseline_rate": rate_of(float(b_n), baseline, m.per)}
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
    ends = data_ends_warning(ctx, until)
    if ends:
        warnings.append(ends)
        if verdict == "kept":
            verdict = "undetermined"
    if verdict == "undetermined":
        summary = "undetermined: " + summary
    end = until if after is not None else min(until, period_after.start
                                               + timedelta(days=SERIES_MARGIN_DAYS - 1))
    period = Window(baseline.start, max(end, baseline.end))
    return CommitmentResult(
        **base, verdict=verdict, summary=summary, baseline=baseline,
        after=Window(period_after.start, until), figures=figures,
        series=daily_series(ctx, ctx.known & ctx.wanted & (ctx.member == 1), period),
        violations=listed_incidents(ctx, listed_rows, notes),
        coverage=commitment_coverage(ctx, Window(baseline.start, max(until, baseline.end)),
                           {"counted": {"violations": n_viol, "baseline_events": b_n}}),
        warnings=tuple(warnings), because=tuple(ctx.because))


def withdrawal_deadline(measure: Measure, start: date) -> date:
    """The day after which a withdrawal is checked: its date, or its offset after the
    start (the calendar's last day when the offset reaches beyond it: it cannot have
    passed by any as-of date). The Dask workers' foresight reads it here too."""
    assert measure.deadline is not None
    try:
        return measure.deadline if isinstance(measure.deadline, date) else (
            measure.deadline.after(start))
    except DateRangeError:
        return date.max


def measure_withdrawal(ctx: Context, base: dict[str, Any], territory: AreaOracle | None,
                max_listed: int) -> CommitmentResult:
    m = ctx.measure
    assert m.line is not None and m.distance_km is not None and m.deadline is not None
    assert territory is not None
    deadline = withdrawal_deadline(m, start_day(ctx.start))
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
    late = ctx.first >= day_number(check_from)
    late &= ctx.known
    late &= ctx.member != 0
    rows = np.flatnonzero(late)
    del late
    # Distances and radii of the late rows only (the others are neither near nor maybe),
    # through the table's `placements`, which keeps distances asked for some rows for those
    # rows only (and takes those the Dask workers computed as they read)
    events = ctx.events
    dist = (events.placements.distance_km(territory, m.line, rows, as_of=ctx.as_of)
            if len(rows) else np.empty(0))
    radius = np.nan_to_num(ctx.events.radius_km[rows], nan=np.inf)
    # the masks below are over the late rows only (no other row is near or maybe near)
    near = (ctx.member[rows] == 1) & (dist + radius <= m.distance_km)
    maybe = ~near & (dist - radius <= m.distance_km)  # NaN distances: False
    del radius
    wanted_late = ctx.wanted[rows]
    violating = near & wanted_late
    unsure = maybe & wanted_late
    other_near = near & ~wanted_late
    kinds_in_data = int(np.count_nonzero(ctx.wanted))
    n_viol = int(np.count_nonzero(violating))
    ordered = time_ordered(ctx, rows[violating])[:max_listed]
    # ordered rows are near, hence late: their distances are found among the late rows'
    notes = [f"{d:.0f} km from {m.line.replace('_', ' ')}"
             for d in dist[np.searchsorted(rows, ordered)].tolist()]
    extra = highlight_notes(ctx, territory, ordered)
    notes = ["; ".join(filter(None, [a, b])) for a, b in zip(notes, extra, strict=True)]
    figures = {"distance_km": m.distance_km, "violations": float(n_viol),
               "undetermined_location": float(unsure.sum()),
               "other_kinds_within": float(other_near.sum()),
               "qualifying_kinds_in_data": float(kinds_in_data)}
    verdict: Verdict
    if kinds_in_data == 0:
        verdict = "undetermined"
        names = ", ".join(m.events) or "the kinds named"
        everything = np.ones(len(ctx.events), np.bool_)
        datasets = ctx.events.values_where("dataset", everything) or ["the data"]
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
    ends = data_ends_warning(ctx, ctx.as_of)
    if ends:
        warnings.append(ends)
    return CommitmentResult(
        **base, verdict=verdict, summary=summary, baseline=None, after=period, figures=figures,
        series=daily_series(ctx, ctx.known & ctx.wanted & (ctx.member == 1),
                       Window(check_from, min(ctx.as_of, capped_days_after(
                           check_from, SERIES_MARGIN_DAYS - 1)))),
        violations=listed_incidents(ctx, ordered, notes),
        coverage=commitment_coverage(ctx, period, {"counted": {"within_distance": n_viol}}),
        warnings=tuple(warnings), because=tuple(ctx.because))

