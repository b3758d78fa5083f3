"""Property tests of the scope algebra on random areas and random points."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_territory import make_treaty
from treatyline.territory import Territory

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

lon = st.floats(29.0, 33.0, allow_nan=False)
lat = st.floats(47.0, 51.0, allow_nan=False)


@st.composite
def areas(draw: st.DrawFn) -> dict[str, Any]:
    """A GeoJSON polygon (possibly with a hole, possibly several parts) near Ukraine."""
    points = draw(st.lists(st.tuples(lon, lat), min_size=3, max_size=12))
    shape = shapely.convex_hull(shapely.multipoints(points))
    if shapely.get_dimensions(shape) < 2 or shape.area < 1e-6:
        shape = shapely.box(30, 48, 31, 49)
    if draw(st.booleans()):
        shape = shapely.union(shape, shapely.buffer(shapely.Point(draw(lon), draw(lat)), 0.5))
    if draw(st.booleans()):
        shape = shapely.difference(shape, shapely.buffer(shape.centroid, 0.2))
    return {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(shape)}


def territory(a: dict[str, Any], b: dict[str, Any], folder: Path) -> Territory:
    treaty = make_treaty(folder, {
        "a": {"geojson": "a.geojson"},
        "b": {"geojson": "b.geojson"},
        "a_or_b": {"union": ["a", "b"]},
        "b_or_a": {"union": ["b", "a"]},
        "a_and_b": {"union": ["a"], "intersect": ["b"]},
        "b_and_a": {"union": ["b"], "intersect": ["a"]},
        "a_minus_b": {"union": ["a"], "minus": ["b"]},
        "a_10": {"union": ["a"], "buffer_km": 10},
        "a_30": {"union": ["a"], "buffer_km": 30},
        "a_less_10": {"union": ["a"], "buffer_km": -10},
    }, files={"a.geojson": a, "b.geojson": b})
    return Territory.for_treaty(treaty)


@SETTINGS
@given(areas(), areas(), st.integers(0, 2**32 - 1))
def test_scope_algebra_laws(a: dict[str, Any], b: dict[str, Any], seed: int) -> None:
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as folder:
        t = territory(a, b, Path(folder))
        x, y = rng.uniform(28.5, 33.5, 4000), rng.uniform(46.5, 51.5, 4000)
        # and points close to the boundaries of a and b, where the laws are most fragile
        for name in ("a", "b"):
            edge = shapely.boundary(t.geometry(name))
            on = shapely.get_coordinates(
                shapely.line_interpolate_point(edge, rng.uniform(0, 1, 500), normalized=True))
            on += rng.choice([-1, 1], size=on.shape) * 10.0 ** rng.uniform(-8, -5, on.shape)
            x, y = np.concatenate([x, on[:, 0]]), np.concatenate([y, on[:, 1]])
        # Overlay operations put the nodes where A's and B's edges cross at the nearest
        # doubles, so within ~1e-14 degrees of those edges no floating-point overlay can keep
        # the laws exactly; they are checked for points more than 1e-9 degrees (0.1 mm) away.
        edges = shapely.union(shapely.boundary(t.geometry("a")), shapely.boundary(t.geometry("b")))
        clear = ~shapely.dwithin(edges, shapely.points(x, y), 1e-9)
        x, y = x[clear], y[clear]

        def inside(area: str) -> np.ndarray:
            return t.contains(area, x, y)

        in_a, in_b = inside("a"), inside("b")
        assert not (inside("a_minus_b") & in_b).any()  # A - B never contains a point of B
        assert not (inside("a_minus_b") & ~in_a).any()
        assert np.array_equal(inside("a_or_b"), inside("b_or_a"))  # commutativity
        assert np.array_equal(inside("a_and_b"), inside("b_and_a"))
        assert not (inside("a_and_b") & ~in_a).any()  # A n B within A
        assert not (in_a & ~inside("a_or_b")).any()  # A within A u B
        assert not (in_b & ~inside("a_or_b")).any()
        # buffers grow with the distance: -10 km within A within +10 km within +30 km
        assert not (inside("a_less_10") & ~in_a).any()
        assert not (in_a & ~inside("a_10")).any()
        assert not (inside("a_10") & ~inside("a_30")).any()
        # and the km are km on the ground: every point of +10 km is within ~10 km of A
        grown = inside("a_10") & ~in_a
        if grown.any():
            dist = t.distance_km("a", x[grown], y[grown])
            assert dist.max() <= 10.05
