"""Which verdicts changed between two versions of the event data, and because of which rows.

Pure: a function of the rows of two versions (`row_changes.diff_rows`) and of the two
assessments made on them; the territory is asked where the changed rows lie. The rows
behind a changed verdict are the changed rows that qualify for that commitment or
obligation in either version (docs/revisions.md says how each is decided).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np

from .commitments import AreaOracle, CommitmentResult
from .incidents import KINDS, Incidents
from .norms import Assessment, Obligation
from .row_changes import BoolArray, IntArray, RowChange, RowChangeKind, RowDiff
from .spec.model import Provision, Treaty

__all__ = ["VerdictChange", "VerdictComparison", "compare_verdicts"]


# --- verdicts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerdictChange:
    """A commitment, obligation or violation whose verdict or figures differ between the
    versions, with the changed rows behind it."""

    kind: Literal["commitment", "obligation", "violation"]
    provision: str
    subject: str
    before: str | None
    """The verdict or state in the earlier version; None when it did not arise there."""
    after: str | None
    figures: dict[str, tuple[float | None, float | None]]
    """A commitment's figures that changed: name → (before, after); None: undefined."""
    rows: tuple[RowChange, ...]

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "provision": self.provision, "subject": self.subject,
                "before": self.before, "after": self.after,
                "verdict_changed": self.before != self.after,
                "figures": {k: {"before": a, "after": b} for k, (a, b) in self.figures.items()},
                "rows": [r.to_json() for r in self.rows]}


@dataclass(frozen=True)
class VerdictComparison:
    """The verdicts on two versions of the event data, and what changed between them."""

    as_of: date
    rows: dict[str, int]
    """How many rows were added, deleted, moved, re-dated, otherwise changed, unchanged."""
    commitments: tuple[tuple[str, str, str], ...]
    """Every commitment: (provision, verdict before, verdict after)."""
    obligations: tuple[dict[str, int], dict[str, int]]
    """Obligations by state, before and after."""
    violations: tuple[int, int]
    changes: tuple[VerdictChange, ...]
    changed_rows: tuple[tuple[str, tuple[RowChangeKind, ...]], ...]
    """Every changed row: (id, its changes), for the JSON listing."""
    commitment_figures: tuple[tuple[dict[str, float | None], dict[str, float | None]], ...] = ()
    """Every commitment's figures before and after (None: undefined), as `commitments`."""
    obligation_states: tuple[tuple[str, str, date, str | None, str | None], ...] = ()
    """Every obligation of either version: (provision, bearer, first day of its occasion,
    state before, state after); None where it did not arise."""

    @property
    def verdicts_changed(self) -> bool:
        return any(change.before != change.after for change in self.changes)

    def to_json(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "rows": self.rows,
                "commitments": [{"provision": p, "before": a, "after": b, "changed": a != b,
                                 "figures": {"before": f[0], "after": f[1]}}
                                for (p, a, b), f in zip(self.commitments,
                                                        self.commitment_figures, strict=True)],
                "obligations": {"before": self.obligations[0], "after": self.obligations[1],
                                "each": [{"provision": p, "bearer": b,
                                          "occasion_date": d.isoformat(), "before": s0,
                                          "after": s1}
                                         for p, b, d, s0, s1 in self.obligation_states]},
                "violations": {"before": self.violations[0], "after": self.violations[1]},
                "changes": [c.to_json() for c in self.changes],
                "changed_rows": [{"id": i, "changes": list(k)} for i, k in self.changed_rows]}


def compare_verdicts(treaty: Treaty, before: Assessment, after: Assessment, rows: RowDiff,
                     territory: AreaOracle | None) -> VerdictComparison:
    """The verdicts of two assessments of one treaty on one day, made on the two versions
    in `rows`, and for each that changed the changed rows that qualify for it."""
    provisions = {p.id: p for p in treaty.provisions}
    changed_before, changed_after = rows.changed_rows()
    changes: list[VerdictChange] = []
    after_results = {c.provision: c for c in after.commitments}
    table: list[tuple[str, str, str]] = []
    figures_table = []
    for old in before.commitments:
        new = after_results[old.provision]
        table.append((old.provision, old.verdict, new.verdict))
        figures_table.append((_shown(old.figures), _shown(new.figures)))
        figures = _changed_figures(old.figures, new.figures)
        if old.verdict == new.verdict and not figures:
            continue
        provision = provisions[old.provision]
        qualify_before = _qualifying(provision, (old, new), rows.before, changed_before,
                                     territory, before.as_of)
        qualify_after = _qualifying(provision, (old, new), rows.after, changed_after,
                                    territory, after.as_of)
        changes.append(VerdictChange("commitment", old.provision, old.title, old.verdict,
                                     new.verdict, figures,
                                     tuple(rows.describe(qualify_before, qualify_after))))
    old_obligations, new_obligations = _keyed(before), _keyed(after)
    changes.extend(_obligation_changes(old_obligations, new_obligations, rows, changed_before,
                                       changed_after))
    changes.extend(_violation_changes(before, after))
    states = tuple((*key, _state(old_obligations, key), _state(new_obligations, key))
                   for key in dict.fromkeys([*old_obligations, *new_obligations]))
    return VerdictComparison(
        as_of=after.as_of, rows=rows.counts(), commitments=tuple(table),
        obligations=(_by_state(before.obligations), _by_state(after.obligations)),
        violations=(len(before.violations), len(after.violations)), changes=tuple(changes),
        changed_rows=tuple(rows.classes()), commitment_figures=tuple(figures_table),
        obligation_states=states)


def _shown(figures: Mapping[str, float]) -> dict[str, float | None]:
    """Figures as JSON has them: an undefined figure (NaN) is None."""
    return {name: value if math.isfinite(value) else None for name, value in figures.items()}


def _changed_figures(old: Mapping[str, float], new: Mapping[str, float]
                     ) -> dict[str, tuple[float | None, float | None]]:
    before, after = _shown(old), _shown(new)
    pairs = {name: (before.get(name), after.get(name)) for name in dict.fromkeys([*old, *new])}
    return {name: pair for name, pair in pairs.items() if pair[0] != pair[1]}


def _qualifying(provision: Provision, results: Sequence[CommitmentResult], events: Incidents,
                rows: IntArray, territory: AreaOracle | None, as_of: date) -> list[int]:
    """The rows (of `events`) that a commitment counts in either result's windows: of its
    kinds and actors, not certainly outside its areas, and touching a measured window. A
    withdrawal distance counts events of every kind near its line (its figures count the
    other kinds too), after the deadline."""
    measure = provision.measure
    windows = [w for r in results for w in (r.baseline, r.after, *r.weeks, *r.windows)
               if w is not None]
    if measure is None or not windows or not len(rows):
        return []
    chosen = events.take(rows)
    first = chosen.day.astype("datetime64[D]")
    last = np.maximum((chosen.time_end - np.timedelta64(1, "s")).astype("datetime64[D]"),
                      first)
    start = np.datetime64(min(w.start for w in windows), "D")
    end = np.datetime64(min(max(w.end for w in windows), as_of), "D")
    mask: BoolArray = (last >= start) & (first <= end)
    if measure.expectation != "withdrawal_distance":
        mask &= (chosen.kind_mask(measure.events) if measure.events
                 else chosen.kind_codes != KINDS.index("other"))
        if measure.actors:
            mask &= chosen.actor_mask(measure.actors)
    if territory is not None and provision.areas:
        mask &= _maybe_inside(territory, provision.areas, chosen, as_of)
    if territory is not None and measure.line is not None and measure.distance_km is not None:
        distance = territory.distance_km(measure.line, chosen.longitude, chosen.latitude,
                                         as_of=as_of)
        radius = np.nan_to_num(chosen.radius_km, nan=np.inf)
        mask &= (distance - radius) <= measure.distance_km  # NaN distance: False
    return [int(r) for r in rows[mask]]


def _maybe_inside(territory: AreaOracle, areas: Sequence[str], events: Incidents,
                  as_of: date) -> BoolArray:
    """Not certainly outside every area under every reading."""
    maybe = np.zeros(len(events), bool)
    for area in areas:
        readings: list[str | None] = [*territory.readings(area)] or [None]
        for reading in readings:
            maybe |= territory.membership(area, events.longitude, events.latitude,
                                          events.radius_km, reading=reading,
                                          as_of=as_of) != 0
    return maybe


ObligationKey = tuple[str, str, date]
Keyed = dict[ObligationKey, tuple[Obligation, tuple[str, ...]]]


def _keyed(assessment: Assessment) -> Keyed:
    """Obligations by (provision, bearer, first day of the occasion), with the incidents
    of the occasion: occasion ids are numbered in order, so a deleted occasion renumbers
    the later ones, while their first days stay."""
    occasions = {o.id: o for o in assessment.occasions}
    out = {}
    for obligation in assessment.obligations:
        occasion = occasions.get(obligation.occasion)
        day = occasion.day if occasion is not None else obligation.due_from
        incidents = occasion.incidents if occasion is not None else ()
        out[(obligation.provision, obligation.bearer, day)] = (obligation, incidents)
    return out


def _state(obligations: Keyed, key: ObligationKey) -> str | None:
    found = obligations.get(key)
    return found[0].state if found else None


def _obligation_changes(old: Keyed, new: Keyed, rows: RowDiff, changed_before: IntArray,
                        changed_after: IntArray) -> list[VerdictChange]:
    before_ids = rows.before.column("id").take(changed_before).to_pylist()
    after_ids = rows.after.column("id").take(changed_after).to_pylist()
    out = []
    for key in dict.fromkeys([*old, *new]):
        was, now = old.get(key), new.get(key)
        state_before, state_after = _state(old, key), _state(new, key)
        if state_before == state_after:
            continue
        obligation = (now or was)[0]  # type: ignore[index]
        # the rows behind it: changed rows among the incidents of its occasion in either
        incidents_before = set(was[1]) if was else set()
        incidents_after = set(now[1]) if now else set()
        behind_before = [int(r) for r, i in zip(changed_before.tolist(), before_ids,
                                                 strict=True) if i in incidents_before]
        behind_after = [int(r) for r, i in zip(changed_after.tolist(), after_ids,
                                                strict=True) if i in incidents_after]
        subject = (f"{obligation.bearer} {obligation.bearer_name}, occasion of {key[2]}")
        out.append(VerdictChange("obligation", obligation.provision, subject, state_before,
                                 state_after, {},
                                 tuple(rows.describe(behind_before, behind_after))))
    return out


def _violation_changes(before: Assessment, after: Assessment) -> list[VerdictChange]:
    """Violations of prohibitions and conditions come from the record's acts, so event
    versions leave them as they are; listed should they differ all the same."""
    def key(v: Any) -> tuple[str, str, str | None, date, str]:
        return (v.provision, v.kind, v.party, v.day, v.act)

    old = {key(v) for v in before.violations}
    new = {key(v) for v in after.violations}
    return [VerdictChange("violation", k[0], f"{k[1]} by {k[2] or 'a party'} on {k[3]} "
                          f"({k[4]})", "violated" if k in old else None,
                          "violated" if k in new else None, {}, ())
            for k in sorted(old ^ new, key=str)]


def _by_state(obligations: Iterable[Obligation]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for obligation in obligations:
        counts[obligation.state] = counts.get(obligation.state, 0) + 1
    return dict(sorted(counts.items()))
