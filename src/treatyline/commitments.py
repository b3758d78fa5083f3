"""Commitments measured on conflict-event data: ceasefires, reductions, withdrawal
distances — with the figures, the coverage of the data, and the incidents behind them.

`measure_commitments` is the entry point; the result types (the contract the report
renders) are in `treatyline.commitment_results`, the shared machinery in
`treatyline.measuring`, each expectation's judgement in `treatyline.expectations`, and the
coverage figures in `treatyline.coverage`; this module re-exports what callers use.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

from .commitment_results import (
    CommitmentResult,
    DailyCount,
    Verdict,
    ViolatingIncident,
    Window,
    undefined_reason,
)
from .coverage import documented_mask, precision_advice, precision_summary
from .evaluation import evaluate, in_sentence
from .expectations import measure_ceasefire, measure_reduction, measure_withdrawal
from .incidents import Incidents
from .measuring import (
    DEFAULT_MIN_EVENTS,
    DEFAULT_WINDOW_DAYS,
    MAX_LISTED,
    AreaOracle,
    Context,
    Expectation,
    after_start,
    area_membership,
    day_number,
    describe_start,
    event_days,
    kind_filter,
    start_day,
)
from .record import Record
from .spec.model import Measure, Provision, Treaty

__all__ = [
    "DEFAULT_MIN_EVENTS",
    "DEFAULT_WINDOW_DAYS",
    "MAX_LISTED",
    "AreaOracle",
    "CommitmentResult",
    "DailyCount",
    "Verdict",
    "ViolatingIncident",
    "Window",
    "measure_commitments",
    "undefined_reason",
]


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
    day = start_day(provision.start)
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



# --- one commitment ----------------------------------------------------------------------------


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
               f"{describe_start(start)}" + (f" in {area_words}" if area_words else ""),
               bound]
    kinds = ", ".join(measure.events) or "every kind except 'other'"
    because.append(f"qualifying events: {kinds}"
                   + (f"; actors {', '.join(measure.actors)}" if measure.actors else ""))
    if as_of < start_day(start):
        return CommitmentResult(**base, verdict="not_started",
                                summary=f"not started: it starts on {describe_start(start)}",
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
    first, last = event_days(events)
    known = last <= day_number(as_of)  # only what had happened by as_of counts
    after, before = after_start(events, start)
    ctx = Context(provision, measure, events, first, last, known, kind_filter(events, measure),
                   area_membership(territory, provision.areas, events, as_of), after, before, as_of,
                   start, [], because)
    if expectation == "reduction":
        result = measure_reduction(ctx, base)
    elif expectation == "ceasefire":
        result = measure_ceasefire(ctx, base, territory, max_listed)
    else:
        result = measure_withdrawal(ctx, base, territory, max_listed)
    return _with_caveats(ctx, result)


def _with_caveats(ctx: Context, result: CommitmentResult) -> CommitmentResult:
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


