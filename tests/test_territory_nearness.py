"""Border clearance (territory/nearness.py): its lower bounds never exceed the distance
`boundary_distance_km` measures, so membership with radii answers exactly as the
reference (every point measured), on random areas anywhere on the globe, on the bundled
countries, and on the UCDP extract tiled."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from treatyline.spec import load_treaty
from treatyline.territory import Classifier, Territory, boundaries, geodesy, nearness

FloatArray = npt.NDArray[np.float64]
ROOT = Path(__file__).resolve().parents[1]
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
WORLD = shapely.box(-180.0, -90.0, 180.0, 90.0)


def probe(geom: shapely.Geometry, rng: np.random.Generator,
          n: int = 1500) -> tuple[FloatArray, FloatArray]:
    """Points near the vertices (metres to hundreds of km away), in and around the
    envelope, anywhere on the globe, and points that are not on the Earth."""
    vertices = shapely.get_coordinates(geom)
    pick = vertices[rng.integers(0, len(vertices), n)]
    step = 10.0 ** rng.uniform(-5, 1, (n, 1)) * rng.normal(size=(n, 2))
    xmin, ymin, xmax, ymax = geom.bounds
    around = np.column_stack([rng.uniform(xmin - 5, xmax + 5, n),
                              rng.uniform(max(ymin - 5, -90), min(ymax + 5, 90), n)])
    world = np.column_stack([rng.uniform(-180, 180, n), rng.uniform(-90, 90, n)])
    odd = np.array([[np.nan, 0.0], [0.0, np.nan], [np.inf, 10.0], [10.0, -np.inf],
                    [200.0, 45.0], [539.0, 10.0], [541.0, 10.0], [-400.0, -30.0],
                    [0.0, 90.0], [0.0, -90.0], [180.0, 0.0], [-180.0, 0.0], [0.0, 90.5]])
    points = np.concatenate([pick + step, pick, around, world, odd])
    return np.ascontiguousarray(points[:, 0]), np.ascontiguousarray(points[:, 1])


def radii(dist: FloatArray, rng: np.random.Generator) -> FloatArray:
    """Radii of every kind: 0, NaN, inf, random, and just below and above the distance
    measured (where a bound a hair too large would change the answer)."""
    n = len(dist)
    finite = np.where(np.isfinite(dist), dist, 1.0)
    choices = [np.zeros(n), np.full(n, np.nan), np.full(n, np.inf),
               rng.uniform(0, 3000, n), 10.0 ** rng.uniform(-3, 3, n),
               finite * (1 - 1e-9), finite * (1 + 1e-9), np.nextafter(finite, 0.0)]
    which = rng.integers(0, len(choices), n)
    return np.choose(which, choices)


def check(geom: shapely.Geometry, seed: int, *, clearance: nearness.BorderClearance | None = None,
          classifier: Classifier | None = None) -> None:
    rng = np.random.default_rng(seed)
    x, y = probe(geom, rng)
    if classifier is None:
        classifier = Classifier(geom)
    if clearance is None:
        clearance = nearness.BorderClearance(geom, classifier)
    dist = geodesy.boundary_distance_km(geom, x, y)
    bound = clearance.bound_km(x, y)
    both = np.isfinite(dist) & np.isfinite(bound)
    assert (bound[both] <= dist[both]).all(), (
        f"bound above the distance at {x[both][bound[both] > dist[both]][:3]}")
    reach = clearance.reach_km(x, y)
    both = np.isfinite(dist) & np.isfinite(reach)
    assert (reach[both] >= dist[both]).all(), (
        f"reach below the distance at {x[both][reach[both] < dist[both]][:3]}")
    assert not (np.isfinite(reach) & ~np.isfinite(dist)).any()
    lower, upper = clearance.bracket_km(x, y)  # from the planar distance (planar.py)
    both = np.isfinite(dist)
    missed = (lower[both] > dist[both]) | (upper[both] < dist[both])
    assert not missed.any(), f"bracket misses the distance at {x[both][missed][:3]}"
    assert not (np.isfinite(upper) & ~np.isfinite(dist)).any()
    r = radii(dist, rng)
    inside = classifier.contains(x, y)
    fast = nearness.membership(geom, inside, x, y, r, clearance)
    expected = nearness.reference_membership(geom, inside, x, y, r)
    differ = np.flatnonzero(fast != expected)
    assert len(differ) == 0, f"{len(differ)} differ, e.g. {x[differ[:3]]} {y[differ[:3]]}"


@st.composite
def areas(draw: st.DrawFn) -> shapely.Geometry:
    """Star-shaped polygons and their unions anywhere on the globe (cut at the antimeridian
    and the poles as the bundled areas are), lines, and thin slivers."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        lon = draw(st.floats(-180, 180))
        lat = draw(st.floats(-89.9, 89.9))
        size = draw(st.sampled_from([0.01, 0.5, 5.0, 30.0]))
        count = draw(st.integers(3, 40))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        angles = np.sort(rng.uniform(0, 2 * np.pi, count))
        reach = size * rng.uniform(0.2, 1.0, count)
        ring = np.column_stack([lon + reach * np.cos(angles), lat + reach * np.sin(angles)])
        parts.append(shapely.make_valid(shapely.Polygon(ring)))
    kind = draw(st.sampled_from(["polygons", "line", "polar cap", "sliver"]))
    geom = shapely.union_all(parts)
    if kind == "line":
        geom = shapely.boundary(geom)
    elif kind == "polar cap":
        south = draw(st.booleans())
        geom = shapely.union(geom, shapely.box(-180, -90, 180, -80) if south
                             else shapely.box(-180, 80, 180, 90))
    elif kind == "sliver":
        geom = shapely.union(geom, shapely.box(-179.5, 0, 179.5, 1e-3))
    clipped = shapely.intersection(geom, WORLD)
    # a star drawn across a pole can lie wholly beyond it: no area on Earth (and the
    # geometry unclipped would have latitudes past 90°, which no boundary file holds)
    assume(not clipped.is_empty)
    return clipped


@SETTINGS
@given(areas(), st.integers(0, 2**32 - 1))
def test_random_areas_anywhere(geom: shapely.Geometry, seed: int) -> None:
    check(geom, seed)


@functools.cache
def country(code: str) -> tuple[shapely.Geometry, Classifier, nearness.BorderClearance]:
    geom = boundaries().geometry(code)
    classifier = Classifier(geom)
    return geom, classifier, nearness.BorderClearance(geom, classifier)


# the examples' countries and units, and those across the antimeridian, up to the poles,
# with long straight borders, and far north
COUNTRIES = ["UA", "UA-14", "UA-09", "UA-43", "RU", "FJ", "KI", "AQ", "US", "CA", "NO", "GB",
             "IS", "TR", "EG", "GL"]


@settings(max_examples=24, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(COUNTRIES), st.integers(0, 2**32 - 1))
def test_bundled_countries(code: str, seed: int) -> None:
    geom, classifier, clearance = country(code)
    check(geom, seed, clearance=clearance, classifier=classifier)


def test_ucdp_extract_tiled_every_membership_equal() -> None:
    """The assess path (`Territory.membership`, which builds the clearance for this many
    points) against the reference, on every area of the examples the events fall in."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from assess_bench import tiled_table
    finally:
        sys.path.remove(str(ROOT / "bench"))
    from treatyline.sources.ucdp import UCDP_WHERE_PREC_RADIUS_KM

    table = tiled_table(30_000)
    x = table.column("longitude").to_numpy().astype(np.float64)
    y = table.column("latitude").to_numpy().astype(np.float64)
    codes = table.column("where_prec").to_numpy()
    r = np.array([UCDP_WHERE_PREC_RADIUS_KM[int(c)] for c in codes])
    settled = 0
    for example, area, reading in [("minsk-2015", "conflict_zone", None),
                                   ("minsk-2015", "debaltseve", None),
                                   ("minsk-2015", "line_of_contact_2015", None),
                                   ("istanbul-2022", "guarantee_scope", "ru"),
                                   ("istanbul-2022", "kyiv_direction", None)]:
        territory = Territory.for_treaty(load_treaty(ROOT / "examples" / example / "treaty.yaml"))
        got = territory.membership(area, x, y, r, reading=reading)
        geom = territory.geometry(area, reading=reading)
        inside = territory.contains(area, x, y, reading=reading)
        expected = nearness.reference_membership(geom, inside, x, y, r)
        assert (got == expected).all(), f"{example} {area}: {(got != expected).sum()} differ"
        clearance = territory._clearance(area, reading, None, build=False)
        assert clearance is not None  # 30,000 points: built
        clear, crossing = clearance.settle(x, y, r)
        settled += int((clear | crossing).sum())
    assert settled > 0.6 * 5 * len(x)  # most points are settled without measuring


def test_memory_is_four_bytes_a_cell() -> None:
    _, classifier, clearance = country("UA")
    frame = classifier.frame()
    assert frame is not None
    assert clearance.nbytes == 4 * frame.ncols * frame.nrows


def test_empty_and_unbounded() -> None:
    """An empty area: no bound, every point with a radius undetermined (as the reference);
    an area reaching farther than the projection allows: no bound, exact answers."""
    x = np.array([0.0, 10.0, np.nan])
    y = np.array([0.0, 10.0, 0.0])
    r = np.array([1.0, 0.0, 5.0])
    empty = shapely.MultiPolygon()
    clearance = nearness.BorderClearance(empty, None)
    clear, crossing = clearance.settle(x, y, r)
    assert not clear.any() and crossing.all()  # an empty area's distances are NaN: -1
    inside = np.zeros(3, dtype=bool)
    assert nearness.membership(empty, inside, x, y, r, clearance).tolist() == [-1, 0, -1]
    # two specks on opposite sides of the globe: the projection's centre is ~10,000 km from
    # each, within the limit; a speck and a continent-wide band reach beyond it
    wide = shapely.union(shapely.box(-179, -60, 179, -59), shapely.box(0, 70, 1, 71))
    check(wide, 7)


@pytest.mark.parametrize("radius", [0.5, 25.0, 150.0])
def test_far_points_settled_without_a_grid(radius: float) -> None:
    """A line has no grid: points far from its box are settled by the box alone."""
    line = shapely.LineString([(30.0, 48.0), (31.0, 48.5)])
    clearance = nearness.BorderClearance(line, None)
    x = np.array([30.5, 40.0, -150.0])
    y = np.array([48.25, 48.0, -40.0])
    clear, crossing = clearance.settle(x, y, np.full(3, radius))
    assert clear.tolist() == [False, True, True]
    assert not crossing.any()  # no grid: no upper bound
    dist = geodesy.boundary_distance_km(line, x, y)
    assert (clearance.bound_km(x, y) <= dist).all()


def test_separable_bound_is_tight_and_below() -> None:
    """The cell bound counts rows and columns together, each at its ground width: points
    5-60 km from Donetsk oblast's border get a bound of ~0.9 of their distance (the
    chessboard bound alone gave ~0.6), and never more than it."""
    geom, _, clearance = country("UA-14")
    rng = np.random.default_rng(3)
    xmin, ymin, xmax, ymax = geom.bounds
    x = rng.uniform(xmin, xmax, 40_000)
    y = rng.uniform(ymin, ymax, 40_000)
    dist = geodesy.boundary_distance_km(geom, x, y)
    bound = clearance.bound_km(x, y)
    assert (bound <= dist).all()
    band = (dist > 5) & (dist < 60)
    assert band.sum() > 5000
    assert np.median(bound[band] / dist[band]) > 0.85


def test_wide_disks_far_from_a_small_area_cross() -> None:
    """Off the grid, a disk that holds the whole area is -1 without measuring (the bound
    through the projection's centre); a disk that does not reach it stays open or clear."""
    geom = shapely.box(38.0, 48.0, 38.2, 48.1)
    classifier = Classifier(geom)
    clearance = nearness.BorderClearance(geom, classifier)
    x = np.array([36.0, 36.0, 30.0])
    y = np.array([48.0, 48.0, 40.0])
    r = np.array([300.0, 100.0, 300.0])
    dist = geodesy.boundary_distance_km(geom, x, y)
    reach = clearance.reach_km(x, y)
    assert (reach >= dist).all() and reach[0] < dist[0] + 20.0
    clear, crossing = clearance.settle(x, y, r)
    assert crossing.tolist() == [True, False, False]
    assert clear.tolist() == [False, True, True]


def test_outer_grid_around_a_small_area() -> None:
    """A small area gets a wider, coarser grid: points up to 150 km off the classifier's
    grid get cell bounds from it (valid, and settling most of them), a large one none."""
    small = shapely.intersection(boundaries().geometry("UA-14"),
                                 shapely.box(37.9, 47.9, 38.5, 48.3))
    classifier = Classifier(small)
    clearance = nearness.BorderClearance(small, classifier)
    frame = classifier.frame()
    assert frame is not None
    assert clearance.nbytes > 4 * frame.ncols * frame.nrows  # the outer grid's cells too
    rng = np.random.default_rng(5)
    x = rng.uniform(36.5, 40.0, 20_000)
    y = rng.uniform(47.0, 49.2, 20_000)
    dist = geodesy.boundary_distance_km(small, x, y)
    lower, upper = clearance.bound_km(x, y), clearance.reach_km(x, y)
    assert (lower <= dist).all() and (upper >= dist).all()
    off = (x < frame.x0) | (x > frame.x0 + frame.ncols / frame.sx)
    r = np.full(len(x), 25.0)
    clear, crossing = clearance.settle(x, y, r)
    assert off.sum() > 10_000 and (clear | crossing)[off].mean() > 0.9
    _, ua_classifier, large = country("UA")
    ua_frame = ua_classifier.frame()
    assert ua_frame is not None
    assert large.nbytes == 4 * ua_frame.ncols * ua_frame.nrows  # no outer grid


def test_membership_in_chunks_equals_the_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """`Territory.membership` places large tables in chunks (to bound its temporaries): cut
    small, with a chunk whose radii are all 0 and a final short chunk, the answers and the
    shape are those of one pass over the whole."""
    from treatyline.territory import areas

    rng = np.random.default_rng(5)
    n = 6_001
    x = rng.uniform(36.0, 40.5, n)
    y = rng.uniform(46.5, 49.5, n)
    r = rng.choice([0.0, 1.0, 25.0, 50.0, np.nan], n)
    r[1000:2000] = 0.0  # a chunk of precise points: `contains` alone
    territory = Territory.for_treaty(load_treaty(ROOT / "examples" / "minsk-2015" / "treaty.yaml"))
    whole = territory.membership("conflict_zone", x, y, r)
    assert (whole == 1).any() and (whole == 0).any() and (whole == -1).any()
    monkeypatch.setattr(areas, "_MEMBERSHIP_CHUNK", 1000)
    fresh = Territory.for_treaty(load_treaty(ROOT / "examples" / "minsk-2015" / "treaty.yaml"))
    chunked = fresh.membership("conflict_zone", x, y, r)
    assert chunked.dtype == np.int8 and (chunked == whole).all()
    grid = fresh.membership("conflict_zone", x[:6000].reshape(60, 100),
                            y[:6000].reshape(60, 100), r[:6000].reshape(60, 100))
    assert grid.shape == (60, 100) and (grid.ravel() == whole[:6000]).all()


def test_distance_in_chunks_equals_the_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """`Territory.distance_km` measures in chunks too: cut small, with NaN coordinates and
    points inside, the distances and the shape are those of one pass."""
    from treatyline.territory import areas

    rng = np.random.default_rng(6)
    n = 3_001
    x = rng.uniform(36.0, 40.5, n)
    y = rng.uniform(46.5, 49.5, n)
    x[::97] = np.nan
    treaty = load_treaty(ROOT / "examples" / "minsk-2015" / "treaty.yaml")
    whole = Territory.for_treaty(treaty).distance_km("conflict_zone", x, y)
    assert (whole == 0).any() and (whole > 0).any() and np.isnan(whole).any()
    monkeypatch.setattr(areas, "_MEMBERSHIP_CHUNK", 500)
    fresh = Territory.for_treaty(treaty)
    chunked = fresh.distance_km("conflict_zone", x, y)
    np.testing.assert_array_equal(chunked, whole)
    grid = fresh.distance_km("conflict_zone", x[:3000].reshape(30, 100), y[:3000].reshape(30, 100))
    assert grid.shape == (30, 100)
    np.testing.assert_array_equal(grid.ravel(), whole[:3000])
