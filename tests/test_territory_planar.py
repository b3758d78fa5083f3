"""Planar nearest distances (territory/planar.py): the bucket grid's ring search finds the
same nearest distance as GEOS over every segment, for points inside, around and far from
the segments, and NaN for points that are not finite."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from treatyline.territory.planar import SegmentGrid


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 3000), st.sampled_from([1.0, 1e3, 1e6]),
       st.sampled_from(["chain", "scattered", "long and short", "degenerate"]),
       st.integers(0, 2**32 - 1))
def test_nearest_as_geos(count: int, scale: float, kind: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    if kind == "chain":  # a border: each segment starts where the last ended
        ends = np.cumsum(rng.normal(size=(count + 1, 2)), axis=0) * scale
        starts, ends = ends[:-1], ends[1:]
    else:
        starts = rng.uniform(-1, 1, (count, 2)) * scale
        length = 0.01 if kind == "scattered" else 1.0
        ends = starts + rng.normal(size=(count, 2)) * scale * length
        if kind == "long and short":
            ends[: count // 10 + 1] = -starts[: count // 10 + 1] * 3
        if kind == "degenerate":  # zero-length segments and a single row or column
            ends[::2] = starts[::2]
            starts[:, 1] = starts[0, 1] if count % 2 else starts[:, 1]
    grid = SegmentGrid(starts, ends)
    box = np.abs(np.concatenate([starts, ends])).max() + scale
    near = np.concatenate([starts, ends])[rng.integers(0, 2 * count, 400)]
    points = np.concatenate([
        near + rng.normal(size=(400, 2)) * scale * 10.0 ** rng.uniform(-6, 0, (400, 1)),
        rng.uniform(-2 * box, 2 * box, (400, 2)),
        rng.uniform(-1e3 * box, 1e3 * box, (50, 2)),
        np.array([[np.nan, 0.0], [0.0, np.inf], [-np.inf, np.nan]])])
    got = grid.distance_m(points[:, 0], points[:, 1])
    lines = shapely.linestrings(np.stack([starts, ends], axis=1))
    tree = shapely.STRtree(lines)
    finite = np.isfinite(points).all(axis=1)
    _, expected = tree.query_nearest(shapely.points(points[finite]), all_matches=False,
                                     return_distance=True)
    assert np.isnan(got[~finite]).all()
    assert np.allclose(got[finite], expected, rtol=1e-12, atol=1e-9 * scale), (
        f"{np.abs(got[finite] - expected).max()} off")


def test_one_point_border() -> None:
    """An area of one point (segments of zero length) and a query on it."""
    grid = SegmentGrid(np.array([[5.0, 5.0]]), np.array([[5.0, 5.0]]))
    got = grid.distance_m(np.array([5.0, 8.0, -1e9]), np.array([5.0, 9.0, 5.0]))
    assert got.tolist() == [0.0, 5.0, 1e9 + 5.0]
