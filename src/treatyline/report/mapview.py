"""What the map shows: which areas (covered, excluded under each reading, commitment
areas), and each incident's category (what it triggered, or why it did not)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Final

import numpy as np
import numpy.typing as npt
import shapely

from ..commitments import CommitmentResult
from ..incidents import Incident, Incidents
from ..norms import Assessment, EventColumns, event_columns
from ..spec.model import Treaty
from ..territory import Territory
from .context import countries_in, frame_bounds
from .density import DENSITY_FROM, density_legend, hex_bins, render_density
from .svgmap import Layer, Marker, fit, render_map

__all__ = ["CATEGORIES", "MapView", "build_map", "marker_id"]

CATEGORIES: Final[dict[str, str]] = {
    "violation": "violates a measured commitment",
    "triggered": "inside the scope: set off an obligation",
    "inside": "inside the scope: set off no obligation (kind, target or date did not match)",
    "undetermined": "location too imprecise to tell whether it is inside the scope",
    "outside": "outside the scope under every reading",
    "unassessed": "no provision with an area was assessed against it",
}
"""Incident categories, in the order of precedence used to colour a marker."""


@dataclass(frozen=True)
class MapView:
    svg: str
    legend: str
    marker_ids: dict[str, str]
    """Incident id → the id of its marker element (only incidents with coordinates)."""
    counts: dict[str, int]
    """Markers per category."""
    drawn: int = 0
    """Incidents on the map, one by one or as density (those up to the as-of date)."""


def marker_id(incident: str, taken: set[str]) -> str:
    """A valid, unique element id for an incident id (ids from data may hold anything)."""
    base = "inc-" + re.sub(r"[^A-Za-z0-9_-]", "_", incident)
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


def _scope_areas(treaty: Treaty) -> list[str]:
    areas = [p.trigger.area for p in treaty.provisions
             if p.kind == "obligation" and p.trigger is not None and p.trigger.area]
    return list(dict.fromkeys(a for a in areas if a is not None))


def _commitment_areas(treaty: Treaty, commitments: Sequence[CommitmentResult]) -> list[str]:
    areas = [a for p in treaty.provisions if p.kind == "commitment" for a in p.areas]
    areas += [r.area for r in commitments if r.area]
    return list(dict.fromkeys(a for a in areas if a in treaty.areas))


def _readings(territory: Territory, area: str) -> list[str | None]:
    return list(territory.readings(area)) or [None]


def _layers(treaty: Treaty, territory: Territory, scope: list[str], commitment: list[str],
            as_of: date) -> tuple[list[Layer], list[tuple[str, str]]]:
    """The drawn areas, and the legend (css class, words) in drawing order."""
    layers: list[Layer] = []
    legend: list[tuple[str, str]] = []
    for area in scope:
        parts = [territory.geometry(area, reading=r, as_of=as_of)
                 for r in _readings(territory, area)]
        everywhere = shapely.intersection_all(parts) if len(parts) > 1 else parts[0]
        label = f"{area.replace('_', ' ')}: covered"
        if len(parts) > 1:
            label += " under every reading"
            some = shapely.difference(shapely.union_all(parts), everywhere)
            layers.append(Layer(f"{area}:some", f"{area.replace('_', ' ')}: covered under "
                                "some readings only", "covered-some", some))
        layers.insert(0, Layer(area, label, "covered", everywhere, _text(treaty, area)))
        legend.insert(0, ("covered", label))
        if len(parts) > 1:
            legend.append(("covered-some", layers[-1].label))
    style = 0
    for excluded in dict.fromkeys(m for a in scope for m in treaty.areas[a].minus):
        readings = territory.readings(excluded)
        name = excluded.replace("_", " ")
        if not readings:
            layers.append(Layer(excluded, f"excluded: {name}", "excluded",
                                territory.geometry(excluded, as_of=as_of),
                                _text(treaty, excluded)))
            if ("excluded", "excluded area") not in legend:
                legend.append(("excluded", "excluded area"))
            continue
        for reading in readings:
            spec = treaty.areas[excluded].readings[reading]
            label = f"excluded: {name}, reading {reading!r} (held by {spec.held_by})"
            css = f"excluded-reading reading-{style % 3}"
            layers.append(Layer(f"{excluded}:{reading}", label, css,
                                territory.geometry(excluded, reading=reading, as_of=as_of),
                                spec.text or ""))
            legend.append((css, label))
            style += 1
    for area in commitment:
        label = f"commitment area: {area.replace('_', ' ')}"
        layers.append(Layer(f"commitment:{area}", label, "commitment",
                            territory.geometry(area, as_of=as_of), _text(treaty, area)))
        legend.append(("commitment", label))
    return layers, legend


def _text(treaty: Treaty, area: str) -> str:
    spec = treaty.areas.get(area)
    return " ".join((spec.text or "").split()) if spec else ""


def _categories(treaty: Treaty, assessment: Assessment, commitments: Sequence[CommitmentResult],
                ids: npt.NDArray[np.object_], lons: npt.NDArray[np.float64],
                lats: npt.NDArray[np.float64], radius: npt.NDArray[np.float64],
                territory: Territory, scope: list[str]) -> npt.NDArray[np.object_]:
    """Each incident's category, with whole-array membership tests per area and reading."""
    n = len(ids)
    inside = np.zeros(n, dtype=bool)
    unsure = np.zeros(n, dtype=bool)
    for area in scope:
        for reading in _readings(territory, area):
            member = territory.membership(area, lons, lats, radius, reading=reading,
                                          as_of=assessment.as_of)
            inside |= member == 1
            unsure |= member == -1
    triggered = _among(ids, {i for o in assessment.occasions for i in o.incidents})
    violating = _among(ids, {v.id for r in commitments for v in r.violations})
    out = np.full(n, "outside" if scope else "unassessed", dtype=object)
    out[unsure & ~inside] = "undetermined"
    out[inside] = "inside"
    out[triggered] = "triggered"
    out[violating] = "violation"
    return out


def _marker(incident: Incident, element: str, category: str, dependent: bool,
            hypothetical: bool) -> Marker:
    lines = [f"{incident.id} · {incident.when()} · {incident.kind.replace('_', ' ')}",
             " → ".join(x for x in (incident.actor1, incident.target) if x),
             ", ".join(x for x in (incident.place, incident.admin1, incident.notes) if x),
             f"source: {incident.source}" if incident.source else "",
             CATEGORIES[category],
             "coverage depends on the reading of a disputed area" if dependent else "",
             "HYPOTHETICAL (scenario data)" if hypothetical else ""]
    return Marker(element, incident.longitude, incident.latitude, category,
                  "\n".join(x for x in lines if x))


def _among(ids: npt.NDArray[np.object_], chosen: set[str]) -> npt.NDArray[np.bool_]:
    """ids in `chosen`, by hashing (np.isin sorts object arrays: seconds at 10^5 ids)."""
    return np.fromiter((i in chosen for i in ids.tolist()), dtype=bool, count=len(ids))


def build_map(treaty: Treaty, assessment: Assessment, commitments: Sequence[CommitmentResult],
              incidents: Incidents, territory: Territory,
              columns: EventColumns | None = None) -> MapView:
    """The map of the areas and of the incidents up to the as-of date (later ones did not
    happen yet as far as the report is concerned); from DENSITY_FROM incidents on, their
    density, with the incidents named in the tables still drawn one by one."""
    scope = _scope_areas(treaty)
    layers, legend = _layers(treaty, territory, scope, _commitment_areas(treaty, commitments),
                             assessment.as_of)
    columns = event_columns(incidents) if columns is None else columns
    located = np.isfinite(columns.lons) & np.isfinite(columns.lats)
    happened = columns.days <= np.datetime64(assessment.as_of, "D")
    later = int(np.count_nonzero(located & ~happened))
    rows = np.flatnonzero(located & happened)
    cats = _categories(treaty, assessment, commitments, columns.ids[rows], columns.lons[rows],
                       columns.lats[rows], columns.radius_km[rows], territory, scope)
    linked = {i for o in assessment.occasions for i in o.incidents}
    linked |= {v.id for r in commitments for v in r.violations}
    dense = len(rows) >= DENSITY_FROM
    dependent = set(assessment.reading_dependent)
    taken: set[str] = set()
    markers: list[Marker] = []
    ids: dict[str, str] = {}
    one_by_one = (np.flatnonzero(_among(columns.ids[rows], linked)) if dense
                  else np.arange(len(rows)))
    for at in one_by_one.tolist():
        row, cat = int(rows[at]), str(cats[at])
        incident = incidents.row(row)
        element = marker_id(incident.id, taken)
        ids.setdefault(incident.id, element)
        markers.append(_marker(incident, element, cat, incident.id in dependent,
                               bool(columns.hypothetical[row])))
    # Violating incidents measured from other data than the table still belong on the map.
    for result in commitments:
        for v in result.violations:
            if v.id in ids or not (np.isfinite(v.longitude) and np.isfinite(v.latitude)):
                continue
            ids[v.id] = marker_id(v.id, taken)
            markers.append(Marker(ids[v.id], v.longitude, v.latitude, "violation",
                                  f"{v.id} · {v.day} · {v.kind}\n{v.place}\nsource: {v.source}"
                                  f"\nviolates: {result.title}" + (f"\n{v.note}" if v.note
                                                                  else "")))
    lons = np.concatenate([columns.lons[rows], [m.longitude for m in markers]])
    lats = np.concatenate([columns.lats[rows], [m.latitude for m in markers]])
    frame = frame_bounds([layer.geometry for layer in layers], lons, lats)
    proj = fit(frame, margin=0.1)  # room for the countries around
    density = ""
    counts = {c: sum(1 for m in markers if m.category == c) for c in CATEGORIES}
    extra: list[str] = []
    if dense:
        x, y = proj.xy(columns.lons[rows], columns.lats[rows])
        bins = hex_bins(x, y, cats, size=max(proj.width, proj.height) / 110)
        density = render_density(bins, CATEGORIES)
        extra += density_legend(bins, len(rows), len(markers))
    if later:
        extra.append(f"<li>{later:,} incident(s) dated after {assessment.as_of} are not "
                     "drawn</li>")
    svg = render_map(layers, markers, proj, context=countries_in(frame), density=density)
    drawn = len(rows) + len(markers) - len(one_by_one)  # plus those measured elsewhere
    return MapView(svg, _legend(legend, counts, extra), ids, counts, drawn)


def _legend(areas: list[tuple[str, str]], counts: dict[str, int],
            extra: Sequence[str] = ()) -> str:
    items = [f'<li><svg width="22" height="14"><rect class="area {escape(css)}" width="22" '
             f'height="14"/></svg> {escape(label)}</li>' for css, label in areas]
    items += [f'<li><svg width="22" height="14"><circle class="incident cat-{cat}" cx="11" '
              f'cy="7" r="5"/></svg> {escape(words)} ({counts[cat]})</li>'
              for cat, words in CATEGORIES.items() if counts[cat]]
    return '<ul class="legend">' + "".join([*items, *extra]) + "</ul>"
