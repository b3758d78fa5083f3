"""The fast union of tiling polygons gives the same polygon as a full overlay: on real
neighbouring countries, on overlapping parts (which must take the overlay path), on
non-polygons, and on random grids of squares with random overlaps."""

from __future__ import annotations

import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from treatyline.territory.boundaries import boundaries
from treatyline.territory.dissolve import dissolve


def same(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    return shapely.is_valid(a) and shapely.symmetric_difference(a, b).area <= 1e-9 * max(
        b.area, 1e-12)


def test_neighbouring_countries_dissolve_to_the_overlay_union() -> None:
    countries = boundaries()
    parts = [countries.geometry(code) for code in ("BE", "NL", "LU", "FR", "DE", "PL", "CZ")]
    merged = dissolve(parts)
    assert same(merged, shapely.union_all(parts))
    # the shared borders are gone: Belgium's border with the Netherlands is inside
    border = shapely.intersection(shapely.boundary(parts[0]), shapely.boundary(parts[1]))
    longest = max(shapely.get_parts(shapely.line_merge(border)), key=lambda line: line.length)
    on_border = shapely.line_interpolate_point(longest, 0.5, normalized=True)
    assert shapely.distance(shapely.boundary(parts[0]), on_border) < 1e-9
    assert shapely.distance(shapely.boundary(merged), on_border) > 1e-3


def test_overlapping_parts_take_the_overlay_path() -> None:
    a, b = shapely.box(0, 0, 2, 2), shapely.box(1, 1, 3, 3)
    merged = dissolve([a, b])
    assert same(merged, shapely.union_all([a, b])) and merged.area == 7


def test_lines_and_points_are_united_too() -> None:
    parts = [shapely.box(0, 0, 1, 1), shapely.LineString([(2, 0), (3, 1)]), shapely.Point(5, 5)]
    assert shapely.equals(dissolve(parts), shapely.union_all(parts))


@settings(max_examples=60, deadline=None)
@given(cells=st.sets(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=2, max_size=20),
       grow=st.lists(st.tuples(st.integers(0, 19), st.sampled_from([0.0, 0.0, 0.5, 1.0])),
                     max_size=4))
def test_random_squares_give_the_overlay_union(
        cells: set[tuple[int, int]], grow: list[tuple[int, float]]) -> None:
    squares = [shapely.box(x, y, x + 1, y + 1) for x, y in sorted(cells)]
    for index, by in grow:  # some squares grow into their neighbours: overlaps
        if index < len(squares) and by:
            squares[index] = shapely.box(*(v + d for v, d in zip(
                squares[index].bounds, (0, 0, by, by), strict=True)))
    assert same(dissolve(squares), shapely.union_all(squares))
