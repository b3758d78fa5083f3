"""A reduction judged week by week (each week from the start of the after window), or in
further windows after the start, against the same baseline, each with its own verdict, so
that "not kept in the first two weeks, kept from week three" shows instead of being
averaged into one number. Pure."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from .incidents import DayArray, day_number

__all__ = ["WeekVerdict", "weekly_verdicts", "window_verdicts"]

WeekState = Literal["kept", "not_kept", "undetermined"]


@dataclass(frozen=True)
class WeekVerdict:
    week: int
    """1 for the first week of the after window."""
    start: date
    end: date
    """Last day included."""
    total: float
    """Events (or fatalities) certainly inside the area in the week."""
    rate: float
    fall_pct: float
    """Positive for a fall from the baseline rate, negative for a rise; NaN if undefined."""
    verdict: WeekState
    reason: str
    """Why the week is undetermined ('' otherwise)."""
    label: str = ""
    """For a window other than a week: 'days 15-28' (counted from the start's day)."""

    def to_json(self) -> dict[str, Any]:
        return {"week": self.week, **({"label": self.label} if self.label else {}),
                "start": self.start.isoformat(), "end": self.end.isoformat(),
                "total": self.total, "rate": self.rate,
                "fall_pct": self.fall_pct if math.isfinite(self.fall_pct) else None,
                "verdict": self.verdict, "reason": self.reason}

    def describe(self, per: str) -> str:
        """'week 1 (2022-03-29..2022-04-04): 4.0 per day, fell 67%: kept'."""
        change = ("no figure" if not math.isfinite(self.fall_pct) else
                  f"{'fell' if self.fall_pct >= 0 else 'rose'} {abs(self.fall_pct):.0f}%")
        verdict = self.verdict.replace("_", " ")
        why = f" ({self.reason})" if self.reason else ""
        return (f"{self.label or f'week {self.week}'} ({self.start}..{self.end}): "
                f"{self.rate:.1f} {per}, "
                f"{change}: {verdict}{why}")


def weekly_verdicts(*, after_start: date, weeks: int, per_week: bool,
                    **judged: Any) -> tuple[WeekVerdict, ...]:
    """Each of `weeks` weeks from `after_start`, judged as `window_verdicts` does."""
    spans = [("", after_start + timedelta(days=7 * k), after_start + timedelta(days=7 * k + 6))
             for k in range(weeks)]
    return window_verdicts(spans=spans, per_week=per_week, **judged)


def window_verdicts(
    *,
    spans: Sequence[tuple[str, date, date]],
    first: DayArray,
    last: DayArray,
    inside: npt.NDArray[np.bool_],
    unsure: npt.NDArray[np.bool_],
    total_of: Callable[[npt.NDArray[np.bool_]], float],
    baseline_rate: float,
    baseline_rate_high: float,
    per_week: bool,
    at_least_pct: float,
    as_of: date,
    data_last: date | None,
    baseline_reason: str,
) -> tuple[WeekVerdict, ...]:
    """Each span's (label, first day, last day) rate of the qualifying events `inside`
    (certainly in the area) and the fall from the baseline. A window is undetermined when
    the baseline is (`baseline_reason`), when it has not ended by `as_of` or the data end
    before it, or when the `unsure` events could move its fall across `at_least_pct` (as
    for the whole after window)."""
    out = []
    scale = 1.0 if per_week else 1 / 7
    for k, (label, start, end) in enumerate(spans):
        days = (end - start).days + 1
        within = first >= day_number(start)
        within &= last <= day_number(end)
        total = total_of(within & inside)
        doubtful = total_of(within & unsure)
        rate = total * scale * 7 / days
        fall = _fall(baseline_rate, rate)
        low = _fall(baseline_rate, (total + doubtful) * scale * 7 / days)
        high = _fall(baseline_rate_high, rate)
        reason = ""
        if baseline_reason:
            reason = baseline_reason
        elif end > as_of:
            reason = f"the window ends after the as-of date {as_of}"
        elif data_last is None or data_last < end:
            reason = "the data end before the window does"
        elif (low >= at_least_pct) != (high >= at_least_pct):
            reason = (f"events that cannot be placed put the fall at {low:.0f}% to "
                      f"{high:.0f}%")
        verdict: WeekState = "undetermined" if reason else (
            "kept" if fall >= at_least_pct else "not_kept")
        out.append(WeekVerdict(k + 1, start, end, total, rate, fall, verdict, reason, label))
    return tuple(out)


def _fall(baseline: float, after: float) -> float:
    return (baseline - after) / baseline * 100 if baseline > 0 else float("nan")
