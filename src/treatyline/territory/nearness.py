"""How near points are to an area's border, at least: membership without a query per point.

`membership` says, for points known only to within r km, whether the disk of radius r lies
inside the area (1), outside it (0) or crosses its border (-1). The exact answer
(`reference_membership`) measures every point's distance to the border with
`geodesy.boundary_distance_km`: a nearest-segment query, a shortest line and a geodesic per
point, about 25 us each. Most points are much farther from any border than their radius.
`BorderClearance` gives each point a LOWER BOUND on the distance `boundary_distance_km`
would return for it; where the bound exceeds the radius, the answer is the point's
`contains` and nothing is measured. It also gives an UPPER BOUND: where that is within
the radius, the answer is -1. The other points (near the border compared with their
radius) are measured as before, so the answers are identical to `reference_membership`
wherever the bounds hold - and they always do:

1. What is measured. `boundary_distance_km` projects the boundary's segments into the
   area's azimuthal equidistant projection (AEQD, WGS 84), takes there the point F of a
   segment nearest to the projected point p, and returns the geodesic distance G(p, Q) to
   Q = AEQD^-1(F). Whichever segment the query picks, Q lies on S, the inverse image of the
   projected segments.
2. S is covered by samples. Each projected segment is cut into pieces of planar length at
   most h; the pieces' ends are the samples (a segment's own ends are the area's vertices,
   the others are projected back). The inverse AEQD never lengthens a curve: in geodesic
   polar coordinates about the centre the ellipsoid's metric is dr^2 + m(r)^2 dt^2 and the
   plane's dr^2 + r^2 dt^2, and the reduced length m(r) <= r on a surface of positive
   curvature (the ellipsoid's is positive everywhere; Sturm comparison with m'' = 0) up to
   the first conjugate point, about pi * b = 19,970 km from the centre. Every vertex is
   required within _MAX_RADIUS_M of the centre, so every point of the straight projected
   segments is. Then the image of the straight piece from F to its nearest end F_k is a
   curve of length <= |F - F_k| <= h / 2, so G(Q_k, Q) <= h / 2, and by the triangle
   inequality G(p, Q) >= min_k G(p, Q_k) - h / 2.
3. A sphere below the ellipsoid. In geodetic latitude phi and longitude lam the WGS 84
   metric is M^2 dphi^2 + N^2 cos^2(phi) dlam^2 with M >= a(1 - e^2) (the meridional radius
   at the equator) and N >= a. The sphere of radius R = a(1 - e^2) in the same coordinates,
   R^2 (dphi^2 + cos^2(phi) dlam^2), is pointwise no longer, so every curve is at least as
   long on the ellipsoid, and G(p, q) >= R * theta(p, q), theta the central angle.
4. Angles from separations. hav(theta) = hav(dphi) + cos(phi_p) cos(phi_q) hav(dlam), hav
   increasing on [0, pi]: |dphi| >= beta gives theta >= beta; a circular |dlam| >= alpha
   gives theta >= 2 asin sqrt(cos(phi_p) cos(phi_q) hav(alpha)).
5. Per grid cell. The samples are marked in the point classifier's grid, in every cell
   their position can fall in given the rounding of the cell index (`_MARGIN`); samples
   off the grid in the margin cell they clamp to, which is nearer to every inner cell than
   they are. A chessboard distance transform gives each cell the distance k (in cells,
   the larger of rows and columns) to the nearest marked cell. A point p of an inner cell
   (its index rounded likewise) is then, from every sample, at least (k - 1) whole cells
   away in latitude (beta) or in longitude; both longitudes lie within +-180, so the
   circular difference is at least min((k - 1) cells, 180 - |lam_p|) (alpha), and in that
   case phi_q is within beta of the cell's latitudes. Step 4, with the smallest cosines
   over those latitudes, gives theta; the cell's bound is R * theta - h / 2 - 1 m (the
   metre covers the rounding of the projections and geodesics, each far below a
   millimetre), floored to 0.1 km, stored as uint16. The margin ring's bound is 0.
6. Far points. Every sample lies in the samples' lon/lat box, so for any point on the
   Earth step 4 gives both terms at once: hav(theta) >= hav(beta) + cos(phi_p) *
   cos(phi_far) * hav(alpha), with beta and alpha the point's latitude and circular
   longitude distances to the box. This settles points off the grid, and every point of
   an area without a grid (lines, geometries GEOS answers for).

7. From above. G(p, Q) <= |AEQD(p) - F| (the inverse image of the straight planar path
   from AEQD(p) to F is no longer than it, as in step 2), and |AEQD(p) - F| <= |AEQD(p) -
   F_k| for every sample, F being the nearest point of the projected segments. A second
   chessboard transform, over the samples on the grid each marked in the cell of its
   computed index, gives each cell a sample within k + 1 cells (and the rounding) in
   both latitude and longitude, so a path from p along its parallel, then along the
   sample's meridian, of length L <= R' (k + 1) (ch + cos(phi_p) cw) (in radians; R' =
   a / sqrt(1 - e^2) bounds both radii of curvature) reaches it. The forward AEQD
   stretches no curve by more than K = (r / b) / sin(r / b) where r bounds the distance
   from the centre along it (the reduced length m(r) >= b sin(r / b), the Gaussian
   curvature 1 / (M N) being at most 1 / b^2: Rauch comparison), and r <= rho_max + L,
   rho_max the samples' largest distance from the centre. So G(p, Q) <= K L (plus a
   metre), stored rounded up; cells with nothing better, and the margin ring: none.

8. The points left. Their planar distance d to the projected segments (found exactly by
   planar.py's bucket grid, ~0.3 us a point, where STRtree.query_nearest costs ~3-5 us)
   brackets the distance measured: d / K <= G(p, Q) <= d (planar.py's docstring, from
   steps 2 and 7), less and plus the metre of step 5.
9. From above, off the grid. |AEQD(p) - F| <= |AEQD(p)| + |F| = G(c, p) + |F| (c the
   centre, whose distances AEQD keeps), |F| <= rho_max (the segments' ends are within it,
   so their points are), and G(c, p) <= R' theta(c, p) on the sphere of radius R' above
   the ellipsoid (M, N <= R': the converse of step 3). With step 7's first inequality,
   G(p, Q) <= R' theta(c, p) + rho_max (plus a metre): one haversine a point, which
   answers -1 for points whose wide disk holds the whole area, however far from its grid
   (a bound through the nearest of 8 extreme samples settles a few more but costs 8x).

A point is clear when max(cell bound, box bound) > radius: then `boundary_distance_km`
> radius, and the exact path would have answered `contains` (1 or 0). It is crossing
when its upper bound <= radius, or the exact answer is -1 whatever is measured (NaN or
infinite radius, not on the Earth, empty area). The others are bracketed (step 8), and
only those whose bracket holds the radius (26 and 46 of the 10^6 UCDP points tiled, on
minsk-2015's two areas) are measured, by the reference's own code.

Memory: 4 bytes per grid cell (at most 16 MB for the classifier's largest grid of 2^22
cells), as much per cell of the outer grid of a small area (at most 8 MB), and the
projected segments in their buckets (~50 bytes a segment); the samples are dropped once
the grids are built.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import shapely

from .cell_bounds import (
    _B_KM,
    _FAR,
    _MAX_RADIUS_M,
    _R_KM,
    _R_UP_KM,
    _SLACK_KM,
    _UNIT_KM,
    cell_bounds,
    cell_units,
)
from .planar import SegmentGrid

if TYPE_CHECKING:
    from .classify import Classifier, GridFrame
    from .geodesy import LocalProjection

__all__ = ["BorderClearance", "membership", "reference_membership"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Int8Array = npt.NDArray[np.int8]

_MAX_SAMPLES = 1 << 21
"""Samples per area at most: the pieces grow longer (h) on larger boundaries."""
_MIN_PIECE_KM = 0.25


class BorderClearance:
    """Lower bounds on `geodesy.boundary_distance_km` for one area (module docstring).

    Built from the area's geometry and, when it has a grid, its point classifier: the grid
    gives the bound near the area, the samples' box far from it. An area whose projected
    vertices lie beyond _MAX_RADIUS_M from the projection's centre (half the globe) gets
    no bound at all (`settled` is all False: every point is measured)."""

    def __init__(self, geometry: shapely.Geometry, classifier: Classifier | None) -> None:
        self._frame: GridFrame | None = None
        self._near = self._reach = np.zeros(0, dtype=np.uint16)
        self._outer: GridFrame | None = None  # a coarser, wider grid around small areas
        self._outer_near = self._outer_reach = np.zeros(0, dtype=np.uint16)
        self._box: tuple[float, float, float, float] | None = None
        self._segments: SegmentGrid | None = None
        self._centre: FloatArray | None = None
        self._rho_km = math.inf
        self._projection: LocalProjection | None = None
        self.loss_km = math.inf
        self.is_empty = bool(geometry.is_empty)
        if self.is_empty:
            return
        from . import geodesy  # pyproj: imported when first needed

        index = geodesy.boundary_index(geometry)
        (starts, ends), (ll_starts, ll_ends) = index.planar_ends, index.lonlat_ends
        if len(starts) == 0 or not (np.isfinite(starts).all() and np.isfinite(ends).all()):
            return
        rho_m = float(max(np.hypot(*starts.T).max(), np.hypot(*ends.T).max()))
        if rho_m > _MAX_RADIUS_M:
            return
        self._projection = index.projection
        self._segments = SegmentGrid(starts, ends)
        frame = classifier.frame() if classifier is not None else None
        samples = _samples(index.projection, starts, ends, ll_starts, ll_ends,
                           _piece_km(frame))
        if samples is None:
            return
        lons, lats, self.loss_km = samples
        self._box = (float(lons.min()), float(lats.min()), float(lons.max()),
                     float(lats.max()))
        # the upper bound off the grid (step 9)
        self._centre = np.radians([index.projection.lon_0, index.projection.lat_0])
        self._rho_km = rho_m / 1000.0
        if frame is not None:
            self._frame = frame
            self._near, self._reach = cell_bounds(frame, lons, lats, self.loss_km,
                                                   self._rho_km, self._box)
            self._outer = _outer_frame(self._box, frame)
            if self._outer is not None:
                self._outer_near, self._outer_reach = cell_bounds(
                    self._outer, lons, lats, self.loss_km, self._rho_km, self._box)

    @property
    def nbytes(self) -> int:
        """Memory held (the per-cell bounds)."""
        return int(self._near.nbytes + self._reach.nbytes + self._outer_near.nbytes
                   + self._outer_reach.nbytes)

    def bound_km(self, lons: FloatArray, lats: FloatArray,
                 radius_km: FloatArray | None = None) -> FloatArray:
        """Per point, a lower bound on its `boundary_distance_km` (0 where nothing better
        is known; NaN for points not on the Earth). With `radius_km`, the box bound (step
        6) is only computed where the cell's does not exceed the radius (the bound may then
        be lower elsewhere, never higher): it costs ~0.09 s a million points, the cells'
        0.01 s."""
        out: FloatArray = np.zeros(lons.shape)
        if self._box is None:
            out[:] = np.nan
            return out
        with np.errstate(invalid="ignore"):  # infinite coordinates: NaN, as they should
            if (frame := self._frame) is not None:
                out = cell_units(self._near, frame, lons, lats).astype(np.float64) * _UNIT_KM
                if self._outer is not None:
                    outer = cell_units(self._outer_near, self._outer, lons, lats)
                    np.maximum(out, outer.astype(np.float64) * _UNIT_KM, out=out)
            where = slice(None) if radius_km is None else np.flatnonzero(~(out > radius_km))
            box = _box_bound(self._box, lons[where], lats[where]) - self.loss_km - _SLACK_KM
            out[where] = np.maximum(out[where], box)  # NaN where not on the Earth
        return out

    def reach_km(self, lons: FloatArray, lats: FloatArray,
                 radius_km: FloatArray | None = None) -> FloatArray:
        """Per point, an upper bound on its `boundary_distance_km` (inf where none is
        known: no grid, beyond _MAX_RADIUS_M, not on the Earth). With
        `radius_km`, the centre's bound (step 9) is only computed where the cell's is
        above the radius."""
        out: FloatArray = np.full(lons.shape, np.inf)
        for cells, frame in ((self._reach, self._frame), (self._outer_reach, self._outer)):
            if frame is not None:
                units = cell_units(cells, frame, lons, lats)
                found = units.astype(np.float64) * _UNIT_KM
                found[units == _FAR] = np.inf
                np.minimum(out, found, out=out)
        if self._centre is not None and self._frame is not None:  # areas with a grid only
            with np.errstate(invalid="ignore"):
                where = slice(None) if radius_km is None else np.flatnonzero(out > radius_km)
            out[where] = np.minimum(out[where], self._centre_reach(lons[where], lats[where]))
        out[~_on_earth(lons, lats)] = np.inf
        return out

    def _centre_reach(self, lons: FloatArray, lats: FloatArray) -> FloatArray:
        """Step 9: R' * theta(c, p) + rho_max (inf where that is beyond _MAX_RADIUS_M or
        the point is NaN)."""
        assert self._centre is not None
        c_lam, c_phi = self._centre
        phi = np.radians(lats)
        with np.errstate(invalid="ignore"):  # infinite coordinates: NaN, then inf
            hav = (np.sin((phi - c_phi) / 2.0) ** 2 + np.cos(phi) * math.cos(c_phi)
                   * np.sin((np.radians(lons) - c_lam) / 2.0) ** 2)
            to_centre = _R_UP_KM * 2.0 * np.arcsin(np.sqrt(np.clip(hav, 0.0, 1.0)))
            out: FloatArray = np.where(to_centre < _MAX_RADIUS_M / 1000.0,
                                       to_centre * (1.0 + 1e-12) + self._rho_km + _SLACK_KM,
                                       np.inf)
        return out

    def settle(self, lons: FloatArray, lats: FloatArray,
               radius_km: FloatArray) -> tuple[BoolArray, BoolArray]:
        """(clear, crossing) per point with a non-zero radius. clear: provably farther from
        the border than its radius (`boundary_distance_km` > radius; the answer is the
        point's `contains`). crossing: the exact answer is -1 whatever is measured - the
        border provably within the radius, a NaN or infinite radius, a point not on the
        Earth (|latitude| > 90, |longitude| > 540, NaN) or an empty area (its distance is
        NaN). Neither: measure."""
        on_earth = _on_earth(lons, lats)
        lower = self.bound_km(lons, lats, radius_km)
        upper = self.reach_km(lons, lats, np.where(lower > radius_km, np.inf, radius_km))
        with np.errstate(invalid="ignore"):
            clear: BoolArray = (lower > radius_km) & on_earth
            crossing: BoolArray = (upper <= radius_km) | ~np.isfinite(radius_km) | ~on_earth
        if self.is_empty:
            crossing[:] = True
        return clear & ~crossing, crossing

    def bracket_km(self, lons: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Per point, (lower, upper) bounds on its `boundary_distance_km` from the planar
        distance d to the projected border (planar.py): d / K - 1 m and d + 1 m; (0, inf)
        where they do not hold or nothing is known (no segments, a point beyond
        _MAX_RADIUS_M of the projection's centre or not on the Earth)."""
        lower: FloatArray = np.zeros(lons.shape)
        upper: FloatArray = np.full(lons.shape, np.inf)
        if self._segments is None or self._projection is None or not len(lons):
            return lower, upper
        ok = _on_earth(lons, lats)
        xs, ys = self._projection.forward_xy(lons[ok], lats[ok])
        d_km = self._segments.distance_m(xs, ys) / 1000.0
        x_km = np.hypot(xs, ys) / 1000.0 + d_km  # bounds the distance from the centre
        with np.errstate(invalid="ignore", divide="ignore"):
            usable = (x_km < _MAX_RADIUS_M / 1000.0) & np.isfinite(d_km)
            angle = x_km / _B_KM
            stretch = np.where(angle > 1e-6, angle / np.sin(angle), 1.0 + angle * angle)
            low = np.where(usable, d_km / stretch - _SLACK_KM, 0.0)
            high = np.where(usable, d_km + _SLACK_KM, np.inf)
        lower[ok] = np.maximum(low, 0.0)
        upper[ok] = high
        return lower, upper

_OUTER_AREA_KM = 500.0
"""Areas whose samples' box is at most this tall and wide (on the ground) get an outer
grid: around them, most points with the UCDP radii (up to 600 km) are off the classifier's
grid, which hugs the area."""
_OUTER_KM = 150.0
"""How far the outer grid reaches beyond the samples' box, at least."""
_OUTER_CELL_KM = 2.0
"""The outer grid's cells. Measured with separable.py's window (both at once): 1 km cells
and W = 96 left 33k of debaltseve's points open at 10^6 events and built in 59 ms; 2 km
and W = 32 leave 57k (~0.03 s more to bracket) and build in 16 ms."""
_KM_PER_DEGREE = 111.4
"""Above a degree of latitude on the ground (110.6-111.7 km): the outer grid's extent
errs on the wide side. Its size is a choice, not a bound: any grid gives valid bounds."""


def _outer_frame(box: tuple[float, float, float, float], inner: GridFrame,
                 ) -> GridFrame | None:
    """A grid of ~2 km cells over the samples' box widened by _OUTER_KM, for a small area
    away from the poles and the antimeridian (None otherwise, or when the classifier's
    grid is as coarse)."""
    xmin, ymin, xmax, ymax = box
    lat_far = max(abs(ymin), abs(ymax)) + _OUTER_KM / 100.0
    if lat_far >= 80.0:
        return None
    cos_far = math.cos(math.radians(lat_far))
    height = (ymax - ymin) * _KM_PER_DEGREE
    width = (xmax - xmin) * _KM_PER_DEGREE  # along the equator: the widest
    if max(height, width) > _OUTER_AREA_KM:
        return None
    dy = _OUTER_KM / 100.0  # degrees: 100 km a degree or less
    dx = _OUTER_KM / (100.0 * cos_far)
    x0, x1, y0, y1 = xmin - dx, xmax + dx, ymin - dy, ymax + dy
    if x0 <= -180.0 or x1 >= 180.0:
        return None
    sy = _KM_PER_DEGREE / _OUTER_CELL_KM
    sx = sy * math.cos(math.radians(max(abs(ymin), abs(ymax))))
    if sy >= inner.sy and sx >= inner.sx:
        return None
    ncols, nrows = math.ceil((x1 - x0) * sx) + 1, math.ceil((y1 - y0) * sy) + 1
    if ncols * nrows > 1 << 21:
        return None
    from .classify import GridFrame

    return GridFrame(x0, y0, sx, sy, ncols, nrows)


def _piece_km(frame: GridFrame | None) -> float:
    """The longest piece (h) a boundary segment is cut into: about a cell's height on the
    ground (a finer cut cannot help the cell's bound), at least _MIN_PIECE_KM."""
    if frame is None:
        return 1.0
    return max(_MIN_PIECE_KM, 0.5 * _R_KM * math.radians(min(1.0 / frame.sx, 1.0 / frame.sy)))


def _samples(projection: object, starts: FloatArray, ends: FloatArray, ll_starts: FloatArray,
             ll_ends: FloatArray, piece_km: float,
             ) -> tuple[FloatArray, FloatArray, float] | None:
    """Longitudes and latitudes of the samples of S (step 2), and h / 2."""
    length_km = np.hypot(*(ends - starts).T) / 1000.0
    piece_km = max(piece_km, float(length_km.sum()) / _MAX_SAMPLES)
    pieces = np.maximum(np.ceil(length_km / piece_km), 1.0).astype(np.int64)
    loss_km = float((length_km / pieces).max()) / 2.0
    # interior sample k of segment s: starts + k / pieces * (ends - starts), k in 1..pieces-1
    inner = pieces - 1
    seg = np.repeat(np.arange(len(pieces)), inner)
    k = np.arange(len(seg)) - np.repeat(np.cumsum(inner) - inner, inner) + 1
    t = (k / pieces[seg])[:, None]
    planar = starts[seg] + t * (ends[seg] - starts[seg])
    lon_in, lat_in = projection.inverse_xy(planar[:, 0], planar[:, 1])  # type: ignore[attr-defined]
    lons = np.concatenate([ll_starts[:, 0], ll_ends[:, 0], lon_in])
    lats = np.concatenate([ll_starts[:, 1], ll_ends[:, 1], lat_in])
    if not (np.isfinite(lons).all() and np.isfinite(lats).all()):
        return None  # a sample did not project back: no bound (every point measured)
    lons = (lons + 180.0) % 360.0 - 180.0  # within [-180, 180), as step 5 assumes
    return lons, np.clip(lats, -90.0, 90.0), loss_km


def _box_bound(box: tuple[float, float, float, float], lons: FloatArray,
               lats: FloatArray) -> FloatArray:
    """R * (a lower bound on the central angle from each point to any point of the box),
    step 6; NaN for points not on the Earth."""
    xmin, ymin, xmax, ymax = box
    lon = (lons + 180.0) % 360.0 - 180.0  # NaN stays NaN
    beta = np.maximum(np.maximum(lats - ymax, ymin - lats), 0.0)
    east = np.abs((lon - xmax + 180.0) % 360.0 - 180.0)
    west = np.abs((lon - xmin + 180.0) % 360.0 - 180.0)
    alpha = np.where((lon >= xmin) & (lon <= xmax), 0.0, np.minimum(east, west))
    cos_far = max(min(math.cos(math.radians(ymin)), math.cos(math.radians(ymax))), 0.0)
    cos_p = np.maximum(np.cos(np.radians(lats)), 0.0)
    hav = (np.sin(np.radians(beta) / 2.0) ** 2
           + cos_p * cos_far * np.sin(np.radians(np.minimum(alpha, 180.0)) / 2.0) ** 2)
    theta = 2.0 * np.arcsin(np.sqrt(np.minimum(hav, 1.0)))
    out: FloatArray = _R_KM * theta
    out[~_on_earth(lons, lats)] = np.nan
    return out


def _on_earth(lons: FloatArray, lats: FloatArray) -> BoolArray:
    """Where `boundary_distance_km` measures (elsewhere its distance is NaN)."""
    found: BoolArray = (np.abs(lons) <= 540.0) & (np.abs(lats) <= 90.0)
    return found


def reference_membership(geometry: shapely.Geometry, inside: BoolArray, lons: FloatArray,
                         lats: FloatArray, radius_km: FloatArray) -> Int8Array:
    """The exact answer, measuring every point with a non-zero radius (flat arrays): 1 where
    `inside` and the border is farther than the radius, 0 where outside and farther, -1
    where the disk reaches the border or the radius or distance is NaN."""
    return membership(geometry, inside, lons, lats, radius_km, None)


def membership(geometry: shapely.Geometry, inside: BoolArray, lons: FloatArray,
               lats: FloatArray, radius_km: FloatArray,
               clearance: BorderClearance | None) -> Int8Array:
    """`reference_membership` without measuring the points `clearance` settles or
    brackets (flat arrays; identical answers)."""
    from . import geodesy  # pyproj: imported when first needed

    out = inside.astype(np.int8)
    idx = np.flatnonzero(~(radius_km == 0))  # NaN radii too
    if len(idx) and clearance is not None:
        clear, crossing = clearance.settle(lons[idx], lats[idx], radius_km[idx])
        out[idx[crossing]] = -1
        idx = idx[~(clear | crossing)]
        # the rest: bracketed by their planar distance, measured only in the thin band
        # where that cannot decide
        lower, upper = clearance.bracket_km(lons[idx], lats[idx])
        r = radius_km[idx]
        out[idx[upper <= r]] = -1
        idx = idx[~((lower > r) | (upper <= r))]
    if len(idx):
        dist = geodesy.boundary_distance_km(geometry, lons[idx], lats[idx])
        out[idx[~(dist > radius_km[idx])]] = -1  # the disk reaches the border; NaN: unknown
    return out
