"""Hostile geometry: tiny, huge, thin and degenerate areas; GeoJSON across the antimeridian,
out of range or deeply nested; distances and buffers that are not distances on the Earth.

Every classifier answer must be `shapely.contains_xy`'s, and no input may make the kernels
read outside their arrays (checked under `python -O` too, where asserts are stripped)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from treatyline import load_treaty
from treatyline.errors import SpecError
from treatyline.territory import Classifier, Territory, geodesy
from treatyline.territory.areas import _from_geojson

FloatArray = npt.NDArray[np.float64]

def non_finite(wkt: str) -> shapely.Geometry:
    """A geometry with NaN or infinite coordinates (shapely warns when it makes one)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return shapely.from_wkt(wkt)


OFF_GRID = np.array([[np.nan, 0.0], [0.0, np.nan], [np.nan, np.nan], [np.inf, 0.0],
                     [-np.inf, -np.inf], [0.0, np.inf], [1e300, 1e300], [-1e300, 1e300],
                     [1e308, -1e308], [0.0, 0.0], [-1e7, 1e7]])


def probes(geom: shapely.Geometry, rng: np.random.Generator, n: int = 400) -> tuple[
        FloatArray, FloatArray]:
    """Points around the envelope, on vertices and edges, a few ulps off them, off-grid."""
    bounds = np.asarray(geom.bounds, dtype=np.float64)
    xmin, ymin, xmax, ymax = bounds if np.isfinite(bounds).all() else (0.0, 0.0, 1.0, 1.0)
    w, h = max(xmax - xmin, 1e-12), max(ymax - ymin, 1e-12)
    parts = [np.column_stack([rng.uniform(xmin - 0.2 * w, xmax + 0.2 * w, n),
                              rng.uniform(ymin - 0.2 * h, ymax + 0.2 * h, n)]), OFF_GRID]
    vertices = shapely.get_coordinates(geom)
    vertices = vertices[np.isfinite(vertices).all(axis=1)]
    if len(vertices):
        parts.append(vertices)
        for ulps in (1, 4):
            step = np.spacing(np.abs(vertices)) * ulps
            parts.append(vertices + step * rng.choice([-1.0, 1.0], size=vertices.shape))
        line = (shapely.boundary(geom) if geom.geom_type in ("Polygon", "MultiPolygon") else
                geom if geom.geom_type in ("LineString", "MultiLineString") else None)
        if line is not None and not line.is_empty and np.isfinite(line.length) and line.length:
            on = shapely.get_coordinates(shapely.line_interpolate_point(
                line, rng.uniform(0, 1, n), normalized=True))
            parts += [on, on + np.spacing(np.abs(on)) * rng.choice([-1.0, 1.0], size=on.shape)]
        parts.append(np.column_stack([vertices[:, 0], rng.uniform(ymin, ymax, len(vertices))]))
        parts.append(np.column_stack([rng.uniform(xmin, xmax, len(vertices)), vertices[:, 1]]))
    points = np.concatenate(parts)
    return np.ascontiguousarray(points[:, 0]), np.ascontiguousarray(points[:, 1])


def assert_same(geom: shapely.Geometry, seed: int = 0, **kwargs: int) -> Classifier:
    x, y = probes(geom, np.random.default_rng(seed))
    classifier = Classifier(geom, **kwargs)
    ours = classifier.contains(x, y)
    expected = shapely.contains_xy(geom, x, y)
    bad = np.flatnonzero(ours != expected)
    assert len(bad) == 0, f"{len(bad)} differ, e.g. {x[bad[:3]]!r} {y[bad[:3]]!r}"
    return classifier


# --- 1. tiny, huge and degenerate geometries -------------------------------------------------

TINY_AND_HUGE = [
    shapely.box(10, 10, 10 + 1e-9, 10 + 1e-9),
    shapely.box(-179.5, 89.0, -179.5 + 1e-9, 89.0 + 1e-12),
    shapely.box(3.5e6, 3.5e6, 3.5e6 + 1e-4, 3.5e6 + 1e-4),
    shapely.box(3.5e6, 3.5e6, 3.5e6 + 1e-6, 3.5e6 + 1e-5),
    shapely.box(3.5e6, -3.5e6, 3.5e6 + 1e-9, -3.5e6 + 1e-9),
    shapely.buffer(shapely.Point(3.5e6, 3.5e6), 5e-5, quad_segs=32),
    shapely.buffer(shapely.Point(1e7, -1e7), 1e-3, quad_segs=8),
    shapely.buffer(shapely.Point(0, 0), 1e-200, quad_segs=4),
    shapely.box(1e99, 1e99, 1e99 * (1 + 1e-12), 1e99 * (1 + 1e-12)),
    shapely.box(-1e150, -1e150, 1e150, 1e150),
    shapely.box(-1e-300, -1e-300, 1e-300, 1e-300),
]
DEGENERATE = [
    shapely.Polygon([(0, 0), (1, 1), (2, 2), (0, 0)]),  # collinear: zero area
    shapely.Polygon([(5, 5), (5, 5), (5, 5), (5, 5)]),  # a single point
    shapely.Polygon([(0, 0), (1e-12, 0), (1e-12, 1e-12), (0, 0)]),
    shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)]),  # a bow tie (invalid)
    shapely.Polygon([(3.5e6, 0), (3.5e6 + 1e-6, 1e-6), (3.5e6 + 2e-6, 2e-6), (3.5e6, 0)]),
    shapely.MultiPolygon(), shapely.Polygon(), shapely.GeometryCollection(),
    shapely.Point(1, 1), shapely.LineString([(0, 0), (1, 1)]),
    shapely.MultiLineString([[(0, 0), (1, 0)], [(0, 1), (1, 1)]]),
    shapely.GeometryCollection([shapely.box(0, 0, 1, 1), shapely.Point(5, 5)]),
]


@pytest.mark.parametrize("geom", TINY_AND_HUGE + DEGENERATE, ids=lambda g: g.wkt[:50])
def test_tiny_huge_and_degenerate_match_contains_xy(geom: shapely.Geometry) -> None:
    for seed in range(3):
        assert_same(geom, seed)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_non_finite_geometries_are_left_to_geos() -> None:
    classifier = assert_same(non_finite("POLYGON ((0 0, NaN 1, 1 1, 0 0))"))
    assert not classifier.indexed
    infinite = non_finite("POLYGON ((0 0, Inf 1, 1 1, 0 0))")
    classifier = Classifier(infinite)
    assert not classifier.indexed
    x, y = probes(infinite, np.random.default_rng(0))
    for i in range(len(x)):  # the same answer, or the same refusal, point by point

        def outcome(ask: Any, i: int = i) -> object:
            try:
                return bool(ask(x[i:i + 1], y[i:i + 1])[0])
            except shapely.errors.GEOSException as exc:
                return str(exc)

        assert outcome(classifier.contains) == outcome(
            lambda a, b: shapely.contains_xy(infinite, a, b))


OPTIMIZED_SCRIPT = """
import numpy as np, shapely
from treatyline.territory import Classifier
assert not __debug__
x = np.array([np.nan, 0.0, np.inf, -np.inf, 1e300, -1e300, 3.5e6 + 5e-7, 3.5e6, 10 + 5e-10])
y = np.array([0.0, np.nan, 0.0, 1e300, -1e300, np.nan, 3.5e6 + 5e-6, 3.5e6, 10 + 5e-10])
for geom in (shapely.box(3.5e6, 3.5e6, 3.5e6 + 1e-6, 3.5e6 + 1e-5),
             shapely.box(3.5e6, 3.5e6, 3.5e6 + 1e-4, 3.5e6 + 1e-4),
             shapely.box(10, 10, 10 + 1e-9, 10 + 1e-9),
             shapely.Polygon([(0, 0), (1, 1), (2, 2), (0, 0)])):
    for cells in (9, 16, 1 << 22):
        got = Classifier(geom, max_cells=cells).contains(x, y)
        assert np.array_equal(got, shapely.contains_xy(geom, x, y)), (geom, cells)
print("ok")
"""


def test_off_grid_points_under_python_dash_o() -> None:
    done = subprocess.run([sys.executable, "-O", "-c", OPTIMIZED_SCRIPT], capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.strip() == "ok"


# --- 2. caps on cells and on edge lists ----------------------------------------------------

def sliver(vertices: int = 2000, width: float = 10.0, height: float = 1e-7) -> shapely.Polygon:
    xs = np.linspace(20.0, 20.0 + width, vertices // 2)
    return shapely.Polygon(np.concatenate([
        np.column_stack([xs, np.full(len(xs), 45.0)]),
        np.column_stack([xs[::-1], np.full(len(xs), 45.0 + height)])]))


def test_thin_sliver_is_cheap_and_exact() -> None:
    geom = sliver()
    Classifier(shapely.box(0, 0, 1, 1))  # the kernels, compiled or loaded
    tracemalloc.start()
    start = time.perf_counter()
    classifier = Classifier(geom)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    info = classifier.grid_info()
    # once 19 M cells, a minute and 785 MB
    assert elapsed < 2.0 and peak < 64 * 2**20, (elapsed, peak, info)
    assert info["ncols"] * info["nrows"] <= 1 << 22
    assert info["entries"] <= max(1 << 16, 32 * info["edges"])
    assert_same(geom)
    rng = np.random.default_rng(5)
    x = rng.uniform(19.9, 30.1, 20_000)
    y = rng.uniform(45.0 - 1e-7, 45.0 + 2e-7, 20_000)
    assert np.array_equal(classifier.contains(x, y), shapely.contains_xy(geom, x, y))


@pytest.mark.parametrize("max_cells", [1, 9, 16, 100, 5000])
def test_cell_cap_holds_for_every_shape(max_cells: int) -> None:
    for geom in (sliver(200), sliver(200, width=1e-7, height=10.0), shapely.box(0, 0, 1, 1)):
        classifier = assert_same(geom, max_cells=max_cells)
        info = classifier.grid_info()
        assert info["ncols"] * info["nrows"] <= max(max_cells, 9)


def test_edges_crossing_many_cells_respect_the_entry_cap() -> None:
    # a star of long spikes: every edge crosses most of the grid
    n = 4000
    angle = np.linspace(0, 2 * np.pi, n, endpoint=False)
    radius = np.where(np.arange(n) % 2 == 0, 10.0, 0.01)
    geom = shapely.Polygon(np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]))
    start = time.perf_counter()
    classifier = assert_same(geom)
    assert time.perf_counter() - start < 10.0
    info = classifier.grid_info()
    assert info["entries"] <= max(1 << 16, 32 * n)


# --- 3. random polygons against contains_xy -------------------------------------------------

SCALES = st.sampled_from([1e-9, 1e-6, 1e-3, 1.0, 50.0])
CENTRES = st.sampled_from([0.0, 10.0, 179.9, -89.9, 1e6, -3.5e6, 1e7])


@st.composite
def hostile_polygons(draw: st.DrawFn) -> shapely.Geometry:
    cx, cy, scale = draw(CENTRES), draw(CENTRES), draw(SCALES)
    n = draw(st.integers(3, 30))
    unit = np.array(draw(st.lists(st.tuples(st.floats(-1, 1), st.floats(-1, 1)),
                                  min_size=n, max_size=n)))
    aspect = draw(st.sampled_from([1.0, 1.0, 1e-6, 1e6]))
    pts = np.column_stack([cx + unit[:, 0] * scale * aspect, cy + unit[:, 1] * scale])
    kind = draw(st.sampled_from(["hull", "hull_minus_hull", "star", "multi", "raw", "grid"]))
    if kind == "hull":
        return shapely.convex_hull(shapely.multipoints(pts))
    if kind == "hull_minus_hull":
        inner = np.column_stack([cx + (pts[:, 0] - cx) * 0.3, cy + (pts[:, 1] - cy) * 0.3])
        return shapely.difference(shapely.convex_hull(shapely.multipoints(pts)),
                                  shapely.convex_hull(shapely.multipoints(inner[::2])))
    if kind == "star":
        centre = pts.mean(axis=0)
        order = np.argsort(np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0]))
        return shapely.make_valid(shapely.Polygon(pts[order]))
    if kind == "multi":
        half = len(pts) // 2
        hulls = [shapely.convex_hull(shapely.multipoints(pts[:half])),
                 shapely.convex_hull(shapely.multipoints(pts[half:] + np.array(
                     [3 * scale * aspect, 0.0])))]
        return shapely.MultiPolygon([h for h in hulls if h.geom_type == "Polygon"])
    if kind == "grid":  # axis-parallel edges, collinear vertices, touching cells
        step = scale / 4
        i, j = np.floor((pts[:, 0] - cx) / step), np.floor((pts[:, 1] - cy) / step)
        return shapely.union_all(shapely.box(cx + i * step, cy + j * step,
                                             cx + (i + 1) * step, cy + (j + 1) * step))
    return shapely.Polygon(pts)  # as drawn: possibly invalid, degenerate


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_polygons(), st.integers(0, 2**32 - 1),
       st.sampled_from([9, 64, 4096, 1 << 22]))
def test_hostile_polygons_match_contains_xy(geom: shapely.Geometry, seed: int,
                                            max_cells: int) -> None:
    assert_same(geom, seed, max_cells=max_cells)


# --- 4. GeoJSON: the antimeridian, ranges, nesting -----------------------------------------

def polygon(*rings: list[list[float]]) -> dict[str, object]:
    return {"type": "Polygon", "coordinates": list(rings)}


ACROSS = [[170, 60], [-170, 60], [-170, 70], [170, 70], [170, 60]]


def test_box_across_the_antimeridian_is_cut_not_read_the_long_way() -> None:
    geom = _from_geojson(polygon(ACROSS))
    assert geom.is_valid and geom.area == pytest.approx(200.0)
    assert geom.bounds == (-180.0, 60.0, 180.0, 70.0)
    x = np.array([175.0, -175.0, 179.999, 0.0, 160.0])
    y = np.full(5, 65.0)
    assert Classifier(geom).contains(x, y).tolist() == [True, True, True, False, False]


def test_antimeridian_with_holes_multipolygons_features_and_lines() -> None:
    hole = [[175, 62], [-175, 62], [-175, 68], [175, 68], [175, 62]]
    geom = _from_geojson(polygon(ACROSS, hole))
    assert geom.area == pytest.approx(200.0 - 60.0)
    x, y = np.array([172.0, 178.0, -178.0, -172.0]), np.full(4, 65.0)
    assert shapely.contains_xy(geom, x, y).tolist() == [True, False, False, True]
    # a hole on one side only, in a shell across
    geom = _from_geojson(polygon(ACROSS, [[-178, 62], [-172, 62], [-172, 68], [-178, 68],
                                          [-178, 62]]))
    assert geom.area == pytest.approx(200.0 - 36.0)
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "MultiPolygon", "coordinates": [
             [ACROSS], [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]]}}]}
    geom = _from_geojson(collection)
    assert geom.area == pytest.approx(201.0)
    assert shapely.contains_xy(geom, [175, -175, 0.5, 0], [65, 65, 0.5, 65]).tolist() == [
        True, True, True, False]
    line = _from_geojson({"type": "LineString", "coordinates": [[170, 0], [-170, 2]]})
    assert line.length == pytest.approx(2 * np.hypot(10, 1))
    assert line.bounds == (-180.0, 0.0, 180.0, 2.0)


def test_polygons_as_drawn_are_kept() -> None:
    # a box wider than 180 degrees, from the antimeridian: the NATO example's region
    nato = polygon([[-180, 23.44], [50, 23.44], [50, 90], [-180, 90], [-180, 23.44]])
    assert _from_geojson(nato).area == pytest.approx(230 * (90 - 23.44))
    # already cut at the antimeridian (RFC 7946's recommended form)
    cut = {"type": "MultiPolygon", "coordinates": [
        [[[170, 60], [180, 60], [180, 70], [170, 70], [170, 60]]],
        [[[-180, 60], [-170, 60], [-170, 70], [-180, 70], [-180, 60]]]]}
    assert _from_geojson(cut).area == pytest.approx(200.0)
    # a polar cap drawn as a rectangle, and a band all the way round
    cap = polygon([[-180, 70], [0, 70], [180, 70], [180, 90], [-180, 90], [-180, 70]])
    assert _from_geojson(cap).area == pytest.approx(360 * 20)
    band = polygon([[-180, 60], [180, 60], [180, 70], [-180, 70], [-180, 60]])
    assert _from_geojson(band).area == pytest.approx(3600)


@pytest.mark.parametrize("ring", [
    [[0, 70], [120, 70], [-120, 70], [0, 70]],
    [[-180, 70], [-90, 70], [0, 70], [90, 70], [180, 70], [-180, 70]],
    [[10, -70], [130, -70], [-110, -70], [10, -70]],
])
def test_rings_round_a_pole_are_refused(ring: list[list[float]]) -> None:
    with pytest.raises(ValueError, match="encloses a pole"):
        _from_geojson(polygon(ring))


@pytest.mark.parametrize(("coords", "message"), [
    ([[0, 0], [200, 0], [0, 1], [0, 0]], r"coordinates\[0\]\[1\]: .*longitude"),
    ([[0, 0], [1, 0], [0, -90.5], [0, 0]], r"coordinates\[0\]\[2\]: .*latitude"),
    ([[0, 0], [1, 0], [0, float("nan")], [0, 0]], r"coordinates\[0\]\[2\]: .*not finite"),
    ([[0, 0], [float("inf"), 0], [0, 1], [0, 0]], r"coordinates\[0\]\[1\]: .*not finite"),
    ([[0, 0], [1, 0], [0, 10**400], [0, 0]], r"coordinates\[0\]\[2\]: "),
    ([[0, 0], [1, 0], [0, "1"], [0, 0]], r"coordinates\[0\]\[2\]: not a position"),
    ([[0, 0], [1, 0], [0, True], [0, 0]], r"coordinates\[0\]\[2\]: not a position"),
    ([[0, 0], [1, 0], [0], [0, 0]], r"coordinates\[0\]\[2\]: not a position"),
    ([[0, 0], [1, 0], [0, 1]], r"coordinates\[0\]: 3 positions"),
    ([[0, 0], [1, 0], [0, 1], [0, 0.5]], r"coordinates\[0\]: the ring is not closed"),
])
def test_bad_coordinates_are_located(coords: list[list[object]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _from_geojson(polygon(coords))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="features\\[1\\].geometry." + message):
        _from_geojson({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": None},
            {"type": "Feature", "geometry": polygon(coords)}]})  # type: ignore[arg-type]


def test_deep_nesting_is_a_value_error() -> None:
    nested: object = [0, 0]
    for _ in range(1000):
        nested = [nested]
    for kind in ("Polygon", "MultiPolygon", "LineString", "MultiLineString"):
        with pytest.raises(ValueError, match="coordinates"):
            _from_geojson({"type": kind, "coordinates": nested})
    collection: dict[str, object] = polygon([[0, 0], [1, 0], [1, 1], [0, 0]])
    for _ in range(1000):
        collection = {"type": "GeometryCollection", "geometries": [collection]}
    with pytest.raises(ValueError, match="nested more than"):
        _from_geojson(collection)


def territory(folder: Path, name: str, geojson: dict[str, Any]) -> Territory:
    (folder / f"{name}.geojson").write_text(json.dumps(geojson), encoding="utf-8")
    doc = {"id": "t", "title": "Test treaty", "parties": [{"code": "UA"}],
           "procedure": {"signature": {}},
           "entry_into_force": {"when": {"including": {"parties": ["UA"]}}},
           "areas": {name: {"geojson": f"{name}.geojson"}}}
    (folder / "treaty.yaml").write_text(json.dumps(doc), encoding="utf-8")
    return Territory.for_treaty(load_treaty(folder / "treaty.yaml"))


def test_out_of_range_geojson_is_a_located_spec_error(tmp_path: Path) -> None:
    zone = territory(tmp_path, "zone", polygon([[0, 0], [1, 0], [1, 91], [0, 0]]))
    with pytest.raises(SpecError, match=r"zone.geojson: coordinates\[0\]\[2\]"):
        zone.geometry("zone")


def test_antimeridian_area_through_territory(tmp_path: Path) -> None:
    sea = territory(tmp_path, "sea", polygon(ACROSS))
    assert sea.contains("sea", [175.0, 0.0], [65.0, 65.0]).tolist() == [True, False]


# --- 5. geodesy ------------------------------------------------------------------------------

@pytest.mark.parametrize("km", [1e9, -1e9, float("nan"), float("inf"), -float("inf"), 20_001])
def test_buffers_that_are_not_distances_on_earth(km: float) -> None:
    with pytest.raises(ValueError, match="km"):
        geodesy.buffer_km(shapely.box(30, 50, 31, 51), km)


@pytest.mark.parametrize(("route", "width"), [
    ([(30.0, 50.0)], 10.0), ([], 10.0), ([(30.0, 50.0), (float("nan"), 50.0)], 10.0),
    ([(1e300, 0.0), (31.0, 50.0)], 10.0), ([(30.0, 50.0), (31.0, 95.0)], 10.0),
    ([(30.0, 50.0), (31.0, 50.0)], float("inf")), ([(30.0, 50.0), (31.0, 50.0)], float("nan")),
    ([(30.0, 50.0), (31.0, 50.0)], 1e9), ([(30.0, 50.0), (31.0, 50.0)], 0.0),
])
def test_corridors_that_are_not_on_earth(route: list[tuple[float, float]], width: float) -> None:
    with pytest.raises(ValueError, match="corridor"):
        geodesy.corridor(route, width)


def test_corridor_with_repeated_points_and_distances_of_odd_points() -> None:
    band = geodesy.corridor([(30.0, 50.0), (30.0, 50.0), (31.0, 50.0)], 10.0)
    assert band.is_valid and not band.is_empty
    dot = geodesy.corridor([(30.0, 50.0), (30.0, 50.0)], 10.0)
    assert dot.is_valid and dot.area > 0
    lon = np.array([np.nan, np.inf, 1e300, 30.5, 0.0])
    lat = np.array([0.0, 0.0, 1e300, 95.0, 0.0])
    dist = geodesy.boundary_distance_km(shapely.box(30, 50, 31, 51), lon, lat)
    assert np.isnan(dist[:4]).all() and dist[4] > 5000
    km = geodesy.geodesic_km(lon, lat, 0.0, 0.0)
    assert np.isnan(km[:4]).all() and km[4] == 0.0
    assert geodesy.geodesic_km(1.0, 0.0, 0.0, 0.0).shape == ()


def test_buffers_and_corridors_across_the_antimeridian_are_cut() -> None:
    grown = geodesy.buffer_km(shapely.box(178, 60, 179.5, 61), 100)
    assert grown.is_valid and grown.bounds[0] == -180.0 and grown.bounds[2] == 180.0
    assert grown.area < 20  # not the long way round (once ~970 square degrees)
    assert shapely.contains_xy(grown, [179.0, -179.9, 0.0], [60.5, 60.5, 60.5]).tolist() == [
        True, True, False]
    band = geodesy.corridor([(170.0, 60.0), (-170.0, 60.0)], 20)
    assert shapely.contains_xy(band, [175.0, -175.0, 0.0], [60.3, 60.3, 60.5]).tolist() == [
        True, True, False]
    # an area already cut at the antimeridian: projected around 180, not around 0
    bering = _from_geojson(polygon(ACROSS))
    assert geodesy.local_projection(bering).lon_0 == 180.0
    assert shapely.contains_xy(geodesy.buffer_km(bering, 50), [175.0, 0.0, -171.0],
                               [59.8, 65.0, 70.3]).tolist() == [True, False, True]
    # measured in a projection centred on the area (once centred on longitude 0); the true
    # distance is 111.4 km, the rest is the straight edges of the projection (see geodesy)
    dist = geodesy.boundary_distance_km(bering, np.array([175.0]), np.array([59.0]))
    assert 111.0 < dist[0] < 125.0


def test_buffers_reaching_a_pole_are_refused() -> None:
    with pytest.raises(ValueError, match="reaches a pole"):
        geodesy.buffer_km(shapely.box(-10, 85, 10, 89.9), 500)


def test_projection_centre_of_areas_across_either_meridian() -> None:
    # parts on either side of the antimeridian: centred there; a box over the prime
    # meridian from the antimeridian (the NATO region): its envelope's middle
    assert geodesy.local_projection(_from_geojson(polygon(ACROSS))).lon_0 == 180.0
    nato = _from_geojson(polygon([[-180, 23.44], [50, 23.44], [50, 90], [-180, 90],
                                  [-180, 23.44]]))
    assert geodesy.local_projection(nato).lon_0 == -65.0


def test_the_cut_at_the_antimeridian_is_not_a_border() -> None:
    bering = _from_geojson(polygon(ACROSS))
    dist = geodesy.boundary_distance_km(bering, np.array([179.99, -179.99]),
                                        np.array([65.0, 65.0]))
    assert (dist > 200).all()  # the nearest border is 5 degrees of longitude away
    # an area that ends at the antimeridian does have a border there
    east = shapely.box(170, 60, 180, 70)
    assert geodesy.boundary_distance_km(east, np.array([179.99]), np.array([65.0]))[0] < 1


@pytest.mark.parametrize("kind", ["Polygon", "LineString"])
def test_a_tangle_of_random_points_is_refused_in_bounded_time(kind: str) -> None:
    """A 200,001-point random ring or line crosses itself ~10^10 times: making it valid
    (or cutting it at the antimeridian) took GEOS hours; it is refused in well under a
    second."""
    rng = np.random.default_rng(7)
    points = np.column_stack([rng.uniform(20, 40, 200_000), rng.uniform(44, 52, 200_000)])
    if kind == "Polygon":
        points = np.vstack([points, points[:1]])
    coordinates = points.tolist()
    started = time.perf_counter()
    with pytest.raises(ValueError, match="crosses itself more than"):
        _from_geojson({"type": kind,
                       "coordinates": [coordinates] if kind == "Polygon" else coordinates})
    assert time.perf_counter() - started < 10


def test_real_boundaries_are_not_tangles() -> None:
    from treatyline.territory import boundaries

    for code in ("RU", "CA", "NO"):
        for polygon in shapely.get_parts(boundaries().geometry(code)):
            ring = np.asarray(polygon.exterior.coords)
            geojson = {"type": "Polygon", "coordinates": [ring.tolist()]}
            assert not _from_geojson(geojson).is_empty
