"""The classifier answers exactly as shapely.contains_xy, on and near boundaries too."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from treatyline.territory import Classifier, boundaries

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def probe_points(geom: shapely.Geometry, rng: np.random.Generator,
                 n: int = 3000) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Random points, vertices, points on edges, and tiny offsets from edges; NaN and inf."""
    xmin, ymin, xmax, ymax = geom.bounds
    w, h = max(xmax - xmin, 1e-9), max(ymax - ymin, 1e-9)
    parts = [np.column_stack([rng.uniform(xmin - 0.1 * w, xmax + 0.1 * w, n),
                              rng.uniform(ymin - 0.1 * h, ymax + 0.1 * h, n)])]
    rings = shapely.get_rings(shapely.get_parts(geom))
    vertices = shapely.get_coordinates(rings)
    parts.append(vertices)
    boundary = shapely.boundary(geom)
    on_edges = shapely.get_coordinates(
        shapely.line_interpolate_point(boundary, rng.uniform(0, 1, n), normalized=True))
    parts.append(on_edges)
    for eps in (1e-12, 1e-10, 1e-8, 1e-6):
        sign = rng.choice([-1.0, 1.0], size=on_edges.shape)
        parts.append(on_edges + sign * eps * max(w, h) * rng.uniform(0, 1, on_edges.shape))
        parts.append(vertices + sign[: len(vertices)] * eps if len(vertices) <= n else vertices)
    # same x or y as a vertex: rays through vertices, horizontal edges
    parts.append(np.column_stack([vertices[:, 0], rng.uniform(ymin, ymax, len(vertices))]))
    parts.append(np.column_stack([rng.uniform(xmin, xmax, len(vertices)), vertices[:, 1]]))
    parts.append(np.array([[np.nan, ymin], [xmin, np.nan], [np.nan, np.nan], [np.inf, 0.0],
                           [-np.inf, -np.inf], [1e300, 1e300]]))
    points = np.concatenate(parts)
    return np.ascontiguousarray(points[:, 0]), np.ascontiguousarray(points[:, 1])


def assert_same(geom: shapely.Geometry, seed: int) -> None:
    x, y = probe_points(geom, np.random.default_rng(seed))
    ours = Classifier(geom).contains(x, y)
    expected = shapely.contains_xy(geom, x, y)
    mismatch = np.flatnonzero(ours != expected)
    assert len(mismatch) == 0, f"{len(mismatch)} differ, e.g. {x[mismatch[:3]]} {y[mismatch[:3]]}"


# rounded to a micro-degree: subnormal coordinates (5e-324) make GEOS's buffer divide by zero
coordinate = st.floats(-50, 50, allow_nan=False, allow_infinity=False).map(lambda v: round(v, 6))
point_lists = st.lists(st.tuples(coordinate, coordinate), min_size=3, max_size=40)


@st.composite
def polygons(draw: st.DrawFn) -> shapely.Geometry:
    """Polygons with holes and multipolygons, built by shapely from random points."""
    kind = draw(st.sampled_from(["hull_minus_hull", "buffered", "star", "union", "grid"]))
    pts = np.array(draw(point_lists))
    if kind == "hull_minus_hull":
        outer = shapely.convex_hull(shapely.multipoints(pts))
        inner = shapely.convex_hull(shapely.multipoints(np.array(draw(point_lists)) * 0.3))
        return shapely.difference(outer, inner)
    if kind == "buffered":  # rounded blobs, with holes where the buffers ring around
        return shapely.buffer(shapely.linestrings(pts), draw(st.floats(0.5, 5)), quad_segs=3)
    if kind == "star":  # a simple polygon from points sorted by angle
        centre = pts.mean(axis=0)
        order = np.argsort(np.arctan2(*(pts - centre).T[::-1]))
        return shapely.make_valid(shapely.Polygon(pts[order]))
    if kind == "grid":  # axis-parallel edges, collinear vertices, touching squares
        cells = [shapely.box(int(a) // 10 * 10, int(b) // 10 * 10,
                             int(a) // 10 * 10 + 10, int(b) // 10 * 10 + 10) for a, b in pts]
        return shapely.union_all(cells)
    discs = [shapely.buffer(shapely.Point(p), draw(st.floats(0.5, 8)), quad_segs=4) for p in pts]
    return shapely.union_all(discs)


@SETTINGS
@given(polygons(), st.integers(0, 2**32 - 1))
def test_random_polygons_match_contains_xy(geom: shapely.Geometry, seed: int) -> None:
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        geom = shapely.buffer(shapely.Point(0, 0), 1.0)
    assert_same(geom, seed)


def test_ukraine_scope_matches_contains_xy_on_edges() -> None:
    data = boundaries()
    scope = shapely.difference(
        data.geometry("UA"),
        shapely.union_all([data.geometry(c) for c in ("UA-43", "UA-40", "UA-14", "UA-09")]))
    assert_same(scope, 1)


def test_small_grid_and_threads_agree() -> None:
    geom = shapely.buffer(shapely.Point(30, 50), 2.0, quad_segs=64)
    x, y = probe_points(geom, np.random.default_rng(3), n=200_000)
    expected = shapely.contains_xy(geom, x, y)
    for cells in (16, 4096, 1 << 20):
        classifier = Classifier(geom, max_cells=cells)
        for threads in (1, 2):
            assert np.array_equal(classifier.contains(x, y, threads=threads), expected)


def test_shapes_and_degenerate_geometries() -> None:
    geom = shapely.box(0, 0, 1, 1)
    classifier = Classifier(geom)
    grid = classifier.contains(np.array([[0.5, 2.0], [0.0, 1.0]]), np.array([[0.5, 0.5]] * 2))
    assert grid.shape == (2, 2) and grid.tolist() == [[True, False], [False, False]]
    assert classifier.contains(np.array([]), np.array([])).shape == (0,)
    for odd in (shapely.MultiPolygon(), shapely.LineString([(0, 0), (1, 1)]),
                shapely.GeometryCollection([geom, shapely.Point(5, 5)])):
        x, y = np.array([0.5, 0.25, 5.0]), np.array([0.5, 0.75, 5.0])
        assert np.array_equal(Classifier(odd).contains(x, y), shapely.contains_xy(odd, x, y))
