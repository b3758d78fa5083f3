"""The territory API: area algebra, readings, versions, corridors, buffers, distances."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import pytest
import shapely

from treatyline import load_treaty
from treatyline.errors import SpecError, UsageError
from treatyline.spec.model import Treaty
from treatyline.territory import Territory, boundaries

ROOT = Path(__file__).resolve().parents[1]
GEOD = pyproj.Geod(ellps="WGS84")

BASE: dict[str, Any] = {
    "id": "t",
    "title": "Test treaty",
    "parties": [{"code": "UA"}, {"code": "RU"}],
    "procedure": {"signature": {}},
    "entry_into_force": {"when": {"including": {"parties": ["UA"]}}},
}


def make_treaty(folder: Path, areas: dict[str, Any], *, places: dict[str, Any] | None = None,
                files: dict[str, Any] | None = None) -> Treaty:
    """Write GeoJSON `files` and a treaty (JSON is YAML) into `folder`, and load it."""
    for name, data in (files or {}).items():
        (folder / name).write_text(json.dumps(data), encoding="utf-8")
    doc = {**BASE, "areas": areas, **({"places": places} if places else {})}
    path = folder / "treaty.yaml"
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return load_treaty(path)


def box(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {"type": "Feature", "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


# --- the reference treaty ------------------------------------------------------------------

KYIV = (30.5234, 50.4501)
DONETSK = (37.8028, 48.0159)
SIMFEROPOL = (34.1024, 44.9521)
SEVASTOPOL = (33.6396, 44.5182)  # the label point of UA-40 (the city centre is on the bay)
LVIV = (24.0297, 49.8397)


@pytest.fixture(scope="module")
def istanbul() -> Territory:
    return Territory.for_treaty(load_treaty(ROOT / "examples" / "istanbul-2022" / "treaty.yaml"))


def test_areas_and_readings(istanbul: Territory) -> None:
    assert "guarantee_scope" in istanbul.areas()
    assert istanbul.readings("ukraine") == []
    assert istanbul.readings("certain_areas_donetsk_luhansk") == ["ua", "ru"]
    # the scope subtracts an area with readings: it has the same readings
    assert istanbul.readings("guarantee_scope") == ["ua", "ru"]


def test_reading_must_be_named(istanbul: Territory) -> None:
    with pytest.raises(UsageError, match="name a reading \\(ua, ru\\)"):
        istanbul.geometry("guarantee_scope")
    with pytest.raises(UsageError, match="no reading 'uk'"):
        istanbul.geometry("guarantee_scope", reading="uk")
    with pytest.raises(UsageError, match="has no readings"):
        istanbul.geometry("ukraine", reading="ru")
    with pytest.raises(UsageError, match=r"unknown area 'ukriane'.*did you mean 'ukraine'"):
        istanbul.geometry("ukriane")


def test_guarantee_scope_under_the_russian_reading(istanbul: Territory) -> None:
    data = boundaries()
    expected = shapely.difference(
        shapely.union_all([data.geometry(c) for c in data.units_of("UA")]),
        shapely.union_all([data.geometry(c) for c in ("UA-43", "UA-40", "UA-14", "UA-09")]),
    )
    scope = istanbul.geometry("guarantee_scope", reading="ru")
    assert shapely.equals(scope, expected)
    lon, lat = np.array([KYIV, DONETSK, SIMFEROPOL, SEVASTOPOL, LVIV]).T
    inside = istanbul.contains("guarantee_scope", lon, lat, reading="ru")
    assert inside.tolist() == [True, False, False, False, True]
    assert istanbul.contains("ukraine", lon, lat).all()  # Crimea and Sevastopol included


def test_contains_is_contains_xy(istanbul: Territory) -> None:
    rng = np.random.default_rng(7)
    geom = istanbul.geometry("guarantee_scope", reading="ua")
    xmin, ymin, xmax, ymax = geom.bounds
    lon, lat = rng.uniform(xmin, xmax, 50_000), rng.uniform(ymin, ymax, 50_000)
    ours = istanbul.contains("guarantee_scope", lon, lat, reading="ua")
    assert np.array_equal(ours, shapely.contains_xy(geom, lon, lat))


def test_membership_and_distance(istanbul: Territory) -> None:
    lon, lat = np.array([KYIV, DONETSK, LVIV, SIMFEROPOL]).T
    radius = np.array([10.0, 10.0, 200.0, 0.0])
    got = istanbul.membership("guarantee_scope", lon, lat, radius, reading="ru")
    # Kyiv is ~90 km from the nearest border of the scope (Belarus), Donetsk well outside
    # it, Lviv within 200 km of Poland, Simferopol outside with radius 0
    assert got.tolist() == [1, 0, -1, 0]
    dist = istanbul.distance_km("guarantee_scope", lon, lat, reading="ru")
    assert dist[0] == 0 and dist[2] == 0
    assert 10 < dist[1] < 120 and 0 < dist[3] < 200


# --- algebra on small treaties ----------------------------------------------------------------


def test_union_minus_intersect_buffer(tmp_path: Path) -> None:
    treaty = make_treaty(tmp_path, {
        "a": {"geojson": "a.geojson"},
        "b": {"geojson": "b.geojson"},
        "both": {"union": ["a", "b"]},
        "overlap": {"union": ["a"], "intersect": ["b"]},
        "a_only": {"union": ["a"], "minus": ["b"]},
        "grown": {"union": ["a"], "buffer_km": 20},
        "shrunk": {"union": ["a"], "buffer_km": -20},
    }, files={"a.geojson": box(30, 48, 32, 50), "b.geojson": box(31, 49, 33, 51)})
    t = Territory.for_treaty(treaty)
    a, b = t.geometry("a"), t.geometry("b")
    assert shapely.equals(t.geometry("both"), shapely.union(a, b))
    assert shapely.equals(t.geometry("overlap"), shapely.intersection(a, b))
    assert shapely.equals(t.geometry("a_only"), shapely.difference(a, b))
    # 20 km east of a's eastern edge (32 E) at 49 N, measured on the ellipsoid
    lon15, lat15, _ = GEOD.fwd(32, 49, 90, 15_000)
    lon25, lat25, _ = GEOD.fwd(32, 49, 90, 25_000)
    assert t.contains("grown", [lon15, lon25], [lat15, lat25]).tolist() == [True, False]
    lon15, lat15, _ = GEOD.fwd(32, 49, 270, 15_000)  # 15 km inside a's eastern edge
    lon25, lat25, _ = GEOD.fwd(32, 49, 270, 25_000)
    assert t.contains("shrunk", [lon15, lon25], [lat15, lat25]).tolist() == [False, True]


def test_corridor_width_in_km(tmp_path: Path) -> None:
    places = {"start": [30.0, 49.0], "end": [31.0, 49.5]}
    treaty = make_treaty(tmp_path, {
        "road": {"corridor": {"route": ["start", "end"], "width_km": 20}},
        "via_codes": {"corridor": {"route": ["UA-30", "UA-74", [31.5, 51.5]], "width_km": 5}},
    }, places=places)
    t = Territory.for_treaty(treaty)
    # from the middle of the route, perpendicular to it: 9 km is in, 11 km is out
    azimuth, _, length = GEOD.inv(30.0, 49.0, 31.0, 49.5)
    mid_lon, mid_lat, az_mid = GEOD.fwd(30.0, 49.0, azimuth, length / 2)
    points = [GEOD.fwd(mid_lon, mid_lat, az_mid + side, km * 1000)[:2]
              for side in (90, -90) for km in (9, 11)]
    lon, lat = np.array(points).T
    assert t.contains("road", lon, lat).tolist() == [True, False, True, False]
    dist = t.distance_km("road", lon, lat)
    assert dist[0] == 0 and dist[2] == 0
    assert dist[1] == pytest.approx(1.0, abs=0.02) and dist[3] == pytest.approx(1.0, abs=0.02)
    kyiv = boundaries().label_point("UA-30")
    assert t.contains("via_codes", [kyiv[0]], [kyiv[1]]).tolist() == [True]


def test_versions(tmp_path: Path) -> None:
    treaty = make_treaty(tmp_path, {
        "line": {"versions": {"2015-02-15": "v1.geojson", "2016-01-01": "v2.geojson"}},
        "zone": {"union": ["line"], "buffer_km": 1},
    }, files={"v1.geojson": box(30, 48, 31, 49), "v2.geojson": box(30, 48, 32, 49)})
    t = Territory.for_treaty(treaty)
    assert t.versions("zone") == [date(2015, 2, 15), date(2016, 1, 1)]
    assert t.geometry("line", as_of=date(2015, 2, 14)).is_empty
    assert shapely.get_num_coordinates(t.geometry("line", as_of=date(2015, 2, 15))) == 5
    x = [31.5]
    y = [48.5]
    assert t.contains("zone", x, y, as_of=date(2015, 12, 31)).tolist() == [False]
    assert t.contains("zone", x, y, as_of=date(2016, 1, 1)).tolist() == [True]
    with pytest.raises(UsageError, match="give as_of"):
        t.geometry("zone")


def test_reference_line_buffer(tmp_path: Path) -> None:
    line = {"type": "LineString", "coordinates": [[37.0, 47.0], [38.0, 48.5]]}
    treaty = make_treaty(tmp_path, {"zone": {"geojson": "line.geojson", "buffer_km": 15}},
                         files={"line.geojson": line})
    t = Territory.for_treaty(treaty)
    assert t.geometry("zone").geom_type == "Polygon"
    assert t.contains("zone", [37.5], [47.75]).tolist() == [True]


def test_unknown_iso_and_place_name_the_area(tmp_path: Path) -> None:
    treaty = make_treaty(tmp_path, {"bad_iso": {"iso": ["UA-99"]}})
    t = Territory.for_treaty(treaty)
    with pytest.raises(SpecError, match=r"area 'bad_iso'.*UA-99") as caught:
        t.geometry("bad_iso")
    assert caught.value.diagnostics[0].position is not None
    assert caught.value.diagnostics[0].position.line is not None
    # an unknown place name, or a point off the globe, is rejected by the loader
    with pytest.raises(SpecError, match=r"route\.1\.0: Input should be less than or equal to "
                       r"180"):
        make_treaty(tmp_path, {
            "bad_point": {"corridor": {"route": [[30, 49], [310, 49]], "width_km": 5}}})


def test_bad_geojson_is_a_spec_error(tmp_path: Path) -> None:
    (tmp_path / "p.geojson").write_text('{"type": "Point", "coordinates": [30, 49]}')
    treaty = make_treaty(tmp_path, {"p": {"geojson": "p.geojson"}})
    with pytest.raises(SpecError, match="Point is not an area or a line"):
        Territory.for_treaty(treaty).geometry("p")


def test_cycle_is_a_spec_error(tmp_path: Path) -> None:
    treaty = make_treaty(tmp_path, {"a": {"union": ["b"]}, "b": {"minus": ["a"]}})
    with pytest.raises(SpecError, match="in a circle"):
        Territory.for_treaty(treaty)


def test_reading_without_geometry(tmp_path: Path) -> None:
    treaty = make_treaty(tmp_path, {
        "disputed": {"readings": {"x": {"held_by": "UA"}, "y": {"held_by": "RU",
                                                              "iso": ["UA-14"]}}},
    })
    t = Territory.for_treaty(treaty)
    assert t.contains("disputed", [DONETSK[0]], [DONETSK[1]], reading="y").tolist() == [True]
    with pytest.raises(SpecError, match="reading 'x' of area 'disputed' has no geometry"):
        t.geometry("disputed", reading="x")


def test_membership_radius_zero_is_contains(tmp_path: Path) -> None:
    treaty = make_treaty(tmp_path, {"a": {"geojson": "a.geojson"}},
                         files={"a.geojson": box(30, 48, 32, 50)})
    t = Territory.for_treaty(treaty)
    lon = np.array([31.0, 32.0, 33.0, 31.0, 31.0, np.nan])
    lat = np.array([49.0, 49.0, 49.0, 49.0, 49.0, 49.0])
    radius = np.array([0.0, 0.0, 0.0, 50.0, 120.0, 1.0])
    assert t.membership("a", lon, lat, radius).tolist() == [1, 0, 0, 1, -1, -1]
    dist = t.distance_km("a", [33.0, np.nan], [49.0, 49.0])
    expected = GEOD.inv(33.0, 49.0, 32.0, 49.0)[2] / 1000
    assert dist[0] == pytest.approx(expected, rel=1e-3)  # the nearest point is (32, ~49)
    assert np.isnan(dist[1])
