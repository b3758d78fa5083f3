"""The report's map at real sizes: what it frames, what it draws up to the as-of date,
the countries around, density from many incidents on, and the hypothetical banner."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from test_report import EXAMPLES, _parse
from tiled_events import write_tiled_events
from treatyline.bundle import load_bundle
from treatyline.incidents import Incidents
from treatyline.monitor import load_events, monitor
from treatyline.norms import event_columns
from treatyline.report import build_report
from treatyline.report.context import frame_bounds
from treatyline.report.density import DENSITY_FROM, hex_bins


def _report(folder: str, as_of: date, events: Path | None = None,
            scenario: bool = False) -> str:
    """The report as the command line builds it (obligations and commitments measured)."""
    bundle = load_bundle(EXAMPLES / folder, scenario=scenario)
    seen = monitor(bundle, as_of, events=[events] if events else [], scenario=scenario)
    assessment = seen.assessment
    return build_report(bundle, assessment.as_of, assessment, list(assessment.commitments),
                        seen.incidents, seen.territory)


def _tiled(tmp_path: Path, count: int) -> tuple[Path, Incidents]:
    path = write_tiled_events(tmp_path / "ev.csv", count)
    incidents, rejected = load_events([path], None, None)
    assert not rejected and len(incidents) == count
    return path, incidents


def _view_box(html: str) -> tuple[float, float, float, float]:
    found = re.search(r'<svg id="map"[^>]* viewBox="([^"]+)"', html)
    assert found is not None
    x, y, w, h = (float(v) for v in found.group(1).split())
    return x, y, w, h


def _circles(html: str) -> list[tuple[str, float, float]]:
    return [(a["id"] or "", float(a["cx"] or 0), float(a["cy"] or 0))
            for t, a in _parse(html).tags if t == "circle" and (a.get("id") or "").startswith(
                "inc-")]


# --- frame, as-of date, countries around ---------------------------------------------------

def test_incidents_after_the_as_of_date_are_not_drawn(tmp_path: Path) -> None:
    path, incidents = _tiled(tmp_path, 600)
    as_of = date(2015, 6, 1)
    days = event_columns(incidents).days
    up_to = int(np.count_nonzero(days <= np.datetime64(as_of, "D")))
    assert 0 < up_to < len(incidents)
    html = _report("minsk-2015", as_of, path)
    assert len(_circles(html)) == up_to
    assert f"{len(incidents) - up_to:,} incident(s) dated after {as_of} are not drawn" in html
    assert f"{len(incidents)} incident(s) read, {up_to} on the map" in html


def test_the_frame_ignores_a_stray_coordinate() -> None:
    rng = np.random.default_rng(1)
    lons = np.concatenate([rng.uniform(36, 40, 500), [-120.0]])
    lats = np.concatenate([rng.uniform(46, 49, 500), [30.0]])
    west, south, east, north = frame_bounds([], lons, lats)
    assert 35.9 < west < 36.2 and 39.8 < east < 40.1 and south > 45.9 and north < 49.1
    # a few incidents are all framed, even far apart
    assert frame_bounds([], lons[-3:], lats[-3:])[0] == -120.0


def test_the_map_draws_the_countries_around() -> None:
    html = _report("istanbul-2022", date(2025, 1, 1), scenario=True)
    countries = {a["data-area"] for t, a in _parse(html).tags
                 if t == "path" and (a.get("class") or "").startswith("country ")}
    assert {"UA", "RU", "BY", "PL", "MD"} <= countries
    assert "US" not in countries and "AU" not in countries


# --- density --------------------------------------------------------------------------------

def test_hex_bins_count_every_point_once_near_its_centre() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, 500, 4000), rng.uniform(0, 300, 4000)
    cats = np.where(x > 250, "outside", "inside").astype(object)
    bins = hex_bins(x, y, cats, size=10.0)
    assert int(bins.counts.sum()) == 4000
    assert sum(int(c.sum()) for c in bins.by_category.values()) == 4000
    assert int(bins.by_category["inside"].sum()) == int(np.count_nonzero(x <= 250))
    # every point lies within the circumradius of the nearest occupied centre, and the
    # occupied centres are at least one hexagon apart
    d = np.hypot(x[:, None] - bins.x[None, :], y[:, None] - bins.y[None, :])
    assert float(d.min(axis=1).max()) <= 10.0 + 1e-9
    gaps = np.hypot(bins.x[:, None] - bins.x[None, :], bins.y[:, None] - bins.y[None, :])
    np.fill_diagonal(gaps, np.inf)
    assert float(gaps.min()) == pytest.approx(10.0 * np.sqrt(3))
    one = hex_bins(np.full(50, 7.0), np.full(50, 7.0), np.full(50, "x", dtype=object), 10.0)
    assert one.counts.tolist() == [50]


@pytest.fixture(scope="module")
def dense(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int]:
    path, incidents = _tiled(tmp_path_factory.mktemp("dense"), DENSITY_FROM + 1_000)
    as_of = date(2022, 6, 1)
    up_to = int(np.count_nonzero(event_columns(incidents).days <= np.datetime64(as_of, "D")))
    return _report("minsk-2015", as_of, path), up_to


def test_many_incidents_are_drawn_as_density(dense: tuple[str, int]) -> None:
    html, up_to = dense
    assert up_to >= DENSITY_FROM
    tags = _parse(html).tags
    hexes = [a for t, a in tags if t == "path" and "hex" in (a.get("class") or "").split()]
    assert hexes and sum(int(a["data-count"] or 0) for a in hexes) == up_to
    assert all(re.fullmatch(r"hex shade-[0-5]", a["class"] or "") for a in hexes)
    assert f"{up_to:,} incidents drawn as density" in html
    assert re.search(r"<title>\d[\d,]* incident\(s\) here\n", html)


def test_incidents_named_in_the_tables_stay_reachable(dense: tuple[str, int]) -> None:
    html, up_to = dense
    tags = _parse(html).tags
    circles = {a["id"] for t, a in tags if t == "circle" and (a.get("id") or "").startswith(
        "inc-")}
    links = [a["data-marker"] for t, a in tags
             if t == "a" and "inc-link" in (a.get("class") or "")]
    assert links and set(links) <= circles
    assert len(circles) < up_to  # the others are in the density, not one by one


def test_few_incidents_are_drawn_one_by_one(tmp_path: Path) -> None:
    html = _report("minsk-2015", date(2025, 1, 1), _tiled(tmp_path, 300)[0])
    assert 'class="hex' not in html and len(_circles(html)) == 300
