"""Commitments measured on conflict-event data: ceasefires, reductions, withdrawal
distances — with the figures, the coverage of the data, and the incidents behind them.

This module holds the result types (the contract the report renders); the
evaluation itself is `measure_commitments`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

__all__ = [
    "CommitmentResult",
    "DailyCount",
    "Verdict",
    "ViolatingIncident",
    "Window",
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
                "source": self.source, "fatalities": self.fatalities, "note": self.note}


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
    """Named numbers behind the verdict (baseline_rate, after_rate, change_pct, ...)."""
    series: tuple[DailyCount, ...]
    """Daily counts in the area around the start, for the chart."""
    violations: tuple[ViolatingIncident, ...]
    coverage: dict[str, Any]
    """What the data hold at all: events in the area and period, by location precision,
    how many were undetermined (too imprecise to place), the dataset names."""
    warnings: tuple[str, ...]
    because: tuple[str, ...]

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
            "figures": self.figures,
            "series": [d.to_json() for d in self.series],
            "violations": [v.to_json() for v in self.violations],
            "coverage": self.coverage,
            "warnings": list(self.warnings),
            "because": list(self.because),
        }
