"""What measuring a commitment gives: the verdict, the figures behind it, the daily series,
the violating incidents and the coverage of the data (the contract the report renders).
`treatyline.commitments` measures; this module only holds the results."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from .weekly import WeekVerdict

__all__ = ["CommitmentResult", "DailyCount", "Verdict", "ViolatingIncident", "Window",
           "undefined_reason"]

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

