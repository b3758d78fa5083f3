"""Two versions of an event dataset assessed side by side (I/O): read each version the
ordinary way, assess the treaty on each as of one day, and compare (`verdict_changes`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console

from .bundle import Bundle
from .errors import Diagnostic, Position, UsageError
from .monitor import monitor
from .norms import Assessment
from .revisions import DatasetVersion, dataset_versions, version_known_on
from .row_changes import RowChange, diff_rows
from .verdict_changes import VerdictComparison, compare_verdicts

__all__ = ["LISTED_ROWS", "VersionComparison", "compare_versions"]

LISTED_ROWS = 20
"""Rows listed per changed verdict in the console (--json lists every one)."""


@dataclass(frozen=True)
class VersionComparison:
    """The verdicts on two versions of one dataset, the assessments they come from, and
    what changed."""

    earlier: DatasetVersion
    later: DatasetVersion
    before: Assessment
    after: Assessment
    comparison: VerdictComparison

    def to_json(self) -> dict[str, Any]:
        return {"treaty": self.before.treaty, "from": self.earlier.to_json(),
                "to": self.later.to_json(), **self.comparison.to_json()}

    def lines(self, listed_rows: int = LISTED_ROWS) -> list[str]:
        c = self.comparison
        n = c.rows
        out = [f"{self.earlier.folder}: from {self.earlier.describe()} to "
               f"{self.later.describe()}; verdicts as of {c.as_of}",
               f"rows: {n['rows_before']:,} → {n['rows_after']:,}: {n['added']:,} added, "
               f"{n['deleted']:,} deleted, {n['moved']:,} moved, {n['redated']:,} re-dated, "
               f"{n['other']:,} otherwise changed, {n['unchanged']:,} unchanged",
               "verdicts:"]
        for provision, old, new in c.commitments:
            out.append(f"  commitment {provision}: {_transition(old, new)}")
        old_states, new_states = c.obligations
        out.append(f"  obligations: {_states(old_states)} → {_states(new_states)}")
        out.append(f"  violations of prohibitions and conditions: {c.violations[0]} → "
                   f"{c.violations[1]}")
        if not c.changes:
            out.append("no verdict or figure changed")
            return out
        out.append("changed, and the rows behind each change:")
        for change in c.changes:
            out.append(f"  {change.kind} {change.provision} ({change.subject}): "
                       f"{_transition(change.before or 'none', change.after or 'none')}")
            for name, (a, b) in change.figures.items():
                out.append(f"    {name}: {_figure(a)} → {_figure(b)}")
            if not change.rows and change.kind != "violation":
                out.append("    no changed row qualifies for it (the change comes from rows "
                           "outside its windows or areas, e.g. the data's end date)")
            for row in change.rows[:listed_rows]:
                out.append("    " + _row_line(row))
            if len(change.rows) > listed_rows:
                out.append(f"    … and {len(change.rows) - listed_rows} more row(s) "
                           "(--json lists every one)")
        return out


def _transition(old: str, new: str) -> str:
    return f"{old} → {new}" if old != new else f"{old} (unchanged)"


def _states(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {state}" for state, n in counts.items()) or "none"


def _figure(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "undefined"
    return f"{value:.4g}"


def _where(values: dict[str, Any]) -> str:
    radius = values["radius_km"]
    precision = "±?" if radius is None else f"±{radius:g} km"
    place = f" {values['place']}" if values["place"] else ""
    return (f"{values['date']} ({values['longitude']:.3f}, {values['latitude']:.3f}) "
            f"{precision}{place}")


def _row_line(row: RowChange) -> str:
    what = "+".join("re-dated" if c == "redated" else c for c in row.changes)
    if row.before is None or row.after is None:
        values = row.before or row.after
        assert values is not None
        return f"{what:<16} {row.id}: {_where(values)} [{values['kind']}]"
    return f"{what:<16} {row.id}: {_where(row.before)} → {_where(row.after)}"


def compare_versions(
    bundle: Bundle,
    folder: Path,
    as_of: date,
    *,
    known_from: date | None,
    known_to: date | None,
    mapping: Path | None = None,
    scenario: bool = False,
    console: Console | None = None,
) -> VersionComparison:
    """Assess `bundle` as of `as_of` on the versions of `folder` known on `known_from` and
    `known_to` (default: the latest version, and the one before it), and compare."""
    if known_from is not None and known_to is not None and known_from > known_to:
        raise UsageError(f"--from {known_from} is after --to {known_to}: compare an earlier "
                         "version with a later one")
    versions = dataset_versions(folder)
    later = version_known_on(versions, known_to, folder, "--to")
    if known_from is not None:
        earlier = version_known_on(versions, known_from, folder, "--from")
    else:
        older = [v for v in versions if v.obtained < later.obtained]
        if not older:
            raise UsageError([Diagnostic(
                f"no version older than {later.describe()} to compare it with; give --from",
                Position(str(folder)))])
        earlier = older[-1]
    first = monitor(bundle, as_of, events=earlier.files, mapping=mapping, scenario=scenario,
                    console=console)
    second = monitor(bundle, as_of, events=later.files, mapping=mapping, scenario=scenario,
                     console=console)
    rows = diff_rows(first.incidents, second.incidents, before_name=earlier.name,
                     after_name=later.name)
    comparison = compare_verdicts(bundle.treaty, first.assessment, second.assessment, rows,
                                  second.territory)
    return VersionComparison(earlier, later, first.assessment, second.assessment, comparison)
