"""Kilometres on the ground: buffers, corridors and distances for lon/lat geometries.

Choices, and why:

* Buffers and corridors are built in an azimuthal equidistant projection (AEQD, WGS 84)
  centred on the geometry, then projected back after densifying the result (so that the
  straight edges of the projected buffer stay close to the curve on the ground). AEQD keeps
  distances from its centre exact; for other pairs of points its scale error grows as
  (d/R)^2/6 with d the distance from the centre: under 0.2% within 1,000 km, which is a
  100 m error on a 50 km buffer of an area the size of Ukraine. A state-sized area is fine;
  a continent-sized one is not (the error is ~2% at 3,000 km) - use smaller areas there.
* Distances to an area's boundary are measured on the WGS 84 ellipsoid (pyproj's `Geod`,
  i.e. Karney's geodesics: exact to the nanometre), from the point to the boundary point
  that is nearest in the area's AEQD projection. The projection is only used to *find* the
  nearest boundary point, so its small distortion can at worst pick a neighbouring
  boundary point whose distance differs by that 0.2% - never an error in the measured
  length itself. A spherical (haversine) distance would be simpler but is off by up to
  0.5% (the Earth's flattening), which is more than the projection's error here.
"""

from __future__ import annotations

import itertools
import threading
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pyproj
import shapely

__all__ = [
    "antimeridian_cut",
    "boundary_distance_km",
    "boundary_index",
    "buffer_km",
    "corridor",
    "geodesic_km",
    "local_projection",
]

FloatArray = npt.NDArray[np.float64]
_GEOD = pyproj.Geod(ellps="WGS84")
_DENSIFY_M = 1_000.0
"""Longest edge (in the projection) of a buffer before it is projected back."""
MAX_KM = 10_000.0
"""Largest buffer distance and corridor width: a quarter of the way round the Earth. The
local projection folds over at half way (~20,000 km from its centre), and a buffer's
outline is densified to 1 km edges, so a much larger distance would be nonsense and
could exhaust memory."""
_MAX_LON = 540.0
"""Longitudes beyond this (or latitudes beyond +-90, or non-finite values) are not points
on the Earth: their distances are NaN."""


class LocalProjection:
    """Forward and inverse AEQD transforms centred on (lon_0, lat_0)."""

    def __init__(self, lon_0: float, lat_0: float) -> None:
        self.lon_0, self.lat_0 = lon_0, lat_0
        crs = pyproj.CRS.from_proj4(
            f"+proj=aeqd +lat_0={lat_0:.8f} +lon_0={lon_0:.8f} +datum=WGS84 +units=m +no_defs"
        )
        self._fwd = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self._inv = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        self._lock = threading.Lock()  # pyproj transformers are not thread-safe

    def forward(self, geom: shapely.Geometry) -> shapely.Geometry:
        with self._lock:
            return shapely.transform(geom, lambda xy: np.column_stack(
                self._fwd.transform(xy[:, 0], xy[:, 1])), include_z=False)

    def inverse(self, geom: shapely.Geometry) -> shapely.Geometry:
        with self._lock:
            return shapely.transform(geom, lambda xy: np.column_stack(
                self._inv.transform(xy[:, 0], xy[:, 1])), include_z=False)

    def forward_xy(self, lons: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
        with self._lock:
            x, y = self._fwd.transform(lons, lats)
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def inverse_xy(self, xs: FloatArray, ys: FloatArray) -> tuple[FloatArray, FloatArray]:
        with self._lock:
            lon, lat = self._inv.transform(xs, ys)
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


@lru_cache(maxsize=64)
def _projection(lon_0: float, lat_0: float) -> LocalProjection:
    return LocalProjection(lon_0, lat_0)


def local_projection(geom: shapely.Geometry) -> LocalProjection:
    """The AEQD projection centred on the middle of the geometry's envelope (for a
    geometry in parts on either side of the antimeridian, which does not reach the prime
    meridian, the middle of its envelope across the antimeridian)."""
    xmin, ymin, xmax, ymax = geom.bounds
    lon_0 = (xmin + xmax) / 2
    if xmin < 0 < xmax and xmax - xmin > 180 and not shapely.intersects(
            geom, shapely.LineString([(0.0, -90.0), (0.0, 90.0)])):
        lons = shapely.get_coordinates(geom)[:, 0]
        east = np.where(lons < 0, lons + 360.0, lons)
        if east.max() - east.min() < xmax - xmin:
            lon_0 = (east.min() + east.max()) / 2
            lon_0 = lon_0 - 360.0 if lon_0 > 180 else lon_0
    return _projection(round(lon_0, 4), round((ymin + ymax) / 2, 4))


def antimeridian_cut(geom: shapely.Geometry, dim: int) -> shapely.Geometry:
    """A lon/lat geometry drawn in a continuous longitude range (perhaps beyond +-180),
    cut at the antimeridian, each part moved back into [-180, 180]; only the parts of
    dimension `dim` are kept. ValueError for a polygon 360 degrees wide or more."""
    if geom.is_empty:
        return geom
    xmin, _, xmax, _ = geom.bounds
    if dim == 2 and xmax - xmin >= 360.0:
        raise ValueError("a polygon spans 360 degrees of longitude or more")
    out: list[shapely.Geometry] = []
    for turn in range(int(np.floor((xmin + 180.0) / 360.0)),
                      int(np.floor((xmax + 180.0) / 360.0)) + 1):
        shift = 360.0 * turn
        part = shapely.intersection(geom, shapely.box(shift - 180.0, -91.0, shift + 180.0, 91.0))
        pieces = [g for g in shapely.get_parts(part) if shapely.get_dimensions(g) == dim]
        if turn:
            offset = np.array([shift, 0.0])
            pieces = [shapely.transform(g, lambda xy, o=offset: xy - o) for g in pieces]
        out += pieces
    if not out:
        return shapely.MultiPolygon() if dim == 2 else shapely.MultiLineString()
    return out[0] if len(out) == 1 else shapely.union_all(out)


def _back_to_lonlat(proj: LocalProjection, projected: shapely.Geometry,
                    what: str) -> shapely.Geometry:
    """A polygonal geometry in the projection, back in lon/lat: valid, and cut at the
    antimeridian where it crosses it (each vertex's longitude is taken within 180 degrees
    of the projection's centre, then the parts beyond +-180 are moved back)."""
    poles = proj.forward_xy(np.array([0.0, 0.0]), np.array([90.0, -90.0]))
    if shapely.intersects_xy(projected, *poles).any():
        raise ValueError(f"{what} reaches a pole, which is not supported (keep it at least "
                         "the buffer's distance away from latitude +-90)")
    back = proj.inverse(projected)
    lon_0 = proj.lon_0

    def continuous(xy: FloatArray) -> FloatArray:
        lon = xy[:, 0].copy()
        lon[lon - lon_0 > 180.0] -= 360.0
        lon[lon - lon_0 < -180.0] += 360.0
        return np.column_stack([lon, xy[:, 1]])

    shifted = shapely.transform(back, continuous)
    xmin, _, xmax, _ = shifted.bounds
    if xmin >= -180.0 and xmax <= 180.0:  # the usual case: as projected back
        return shapely.make_valid(back)
    return antimeridian_cut(shapely.make_valid(shifted), 2)


def buffer_km(geom: shapely.Geometry, km: float) -> shapely.Geometry:
    """Grow (km > 0) or shrink (km < 0) a lon/lat geometry by a distance on the ground.
    Raises ValueError for a distance that is not finite or exceeds MAX_KM, or a geometry
    with coordinates that are not longitudes and latitudes."""
    km = _distance("buffer", km, allow_negative=True)
    if km == 0 or geom.is_empty:
        return geom
    _check_lonlat("buffer", shapely.get_coordinates(geom))
    proj = local_projection(geom)
    projected = proj.forward(geom)
    grown = shapely.buffer(projected, km * 1000.0, quad_segs=16)
    grown = shapely.segmentize(grown, _DENSIFY_M)
    return _back_to_lonlat(proj, grown, f"a buffer of {km} km")


def corridor(route: list[tuple[float, float]], width_km: float) -> shapely.Geometry:
    """The area within width_km / 2 of a route (lon/lat points joined by geodesics).
    Raises ValueError for fewer than two points, points that are not [longitude,
    latitude], or a width that is not positive, finite and at most MAX_KM."""
    width_km = _distance("corridor width", width_km, allow_negative=False)
    if len(route) < 2:
        raise ValueError(f"corridor: a route needs at least two points, not {len(route)}")
    try:
        points = np.array(route, dtype=np.float64).reshape(len(route), 2)
    except (TypeError, ValueError):
        raise ValueError("corridor: route points must be [longitude, latitude] pairs of "
                         "numbers") from None
    _check_lonlat("corridor route", points)
    route = [(float(x), float(y)) for x, y in points]
    # the route's legs are geodesics: densify on the ground before projecting, so that a
    # long leg follows the geodesic rather than the projection's straight line
    lons, lats = _densify_geodesic(route, _DENSIFY_M)
    if (np.abs(np.diff(points[:, 0])) > 180.0).any():  # a leg across the antimeridian
        proj = local_projection(shapely.multipoints(np.column_stack([lons, lats])))
    else:
        proj = local_projection(shapely.LineString(route))
    xs, ys = proj.forward_xy(lons, lats)
    band = shapely.buffer(shapely.LineString(np.column_stack([xs, ys])),
                          width_km * 500.0, quad_segs=16)
    band = shapely.segmentize(band, _DENSIFY_M)
    return _back_to_lonlat(proj, band, "the corridor")


def _distance(what: str, km: float, *, allow_negative: bool) -> float:
    try:
        value = float(km)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: {km!r} is not a number of km") from None
    if not np.isfinite(value) or abs(value) > MAX_KM or (value <= 0 and not allow_negative):
        allowed = f"-{MAX_KM:,.0f} to {MAX_KM:,.0f}" if allow_negative else (
            f"more than 0 and at most {MAX_KM:,.0f}")
        raise ValueError(f"{what}: {value} km is not a distance on the Earth (allowed: "
                         f"{allowed} km)")
    return value


def _check_lonlat(what: str, coords: FloatArray) -> None:
    """ValueError unless every (lon, lat) is finite, |lon| <= 180 and |lat| <= 90."""
    lon, lat = coords[:, 0], coords[:, 1]
    bad = ~((np.abs(lon) <= 180.0) & (np.abs(lat) <= 90.0))  # NaN too
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{what}: point {i} [{lon[i]}, {lat[i]}] is not [longitude, "
                         "latitude] in degrees (longitude -180 to 180, latitude -90 to 90)")


def _on_earth(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    ok: npt.NDArray[np.bool_] = (np.abs(lon) <= _MAX_LON) & (np.abs(lat) <= 90.0)
    return ok


def _densify_geodesic(route: list[tuple[float, float]], step_m: float) -> tuple[FloatArray,
                                                                                 FloatArray]:
    lons: list[float] = [route[0][0]]
    lats: list[float] = [route[0][1]]
    for (lon1, lat1), (lon2, lat2) in itertools.pairwise(route):
        _, _, dist = _GEOD.inv(lon1, lat1, lon2, lat2)
        n = int(dist // step_m)
        if n > 0:
            for lon, lat in _GEOD.npts(lon1, lat1, lon2, lat2, n):
                lons.append(lon)
                lats.append(lat)
        lons.append(lon2)
        lats.append(lat2)
    return np.array(lons), np.array(lats)


def geodesic_km(lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike,
                lat2: npt.ArrayLike) -> FloatArray:
    """Distance on the WGS 84 ellipsoid, in km, element by element; NaN where a point is
    not on the Earth (a coordinate not finite, |latitude| > 90 or |longitude| > 540)."""
    a, b, c, d = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64)
                                       for v in (lon1, lat1, lon2, lat2)))
    shape = a.shape
    a, b, c, d = (np.ascontiguousarray(v).ravel() for v in (a, b, c, d))
    ok = _on_earth(a, b) & _on_earth(c, d)
    out = np.full(a.shape, np.nan)
    if ok.any():
        _, _, metres = _GEOD.inv(a[ok], b[ok], c[ok], d[ok])
        out[ok] = np.asarray(metres, dtype=np.float64) / 1000.0
    return out.reshape(shape)


class _BoundaryIndex:
    """The boundary of an area in its local projection, as segments in an STRtree."""

    def __init__(self, geom: shapely.Geometry) -> None:
        self.projection = local_projection(geom)
        lonlat = _linework(geom)
        lines = self.projection.forward(lonlat)
        parts = shapely.get_parts(shapely.get_parts(lines))
        coords, part = shapely.get_coordinates(parts, return_index=True)
        ll = shapely.get_coordinates(shapely.get_parts(shapely.get_parts(lonlat)))
        same = part[:-1] == part[1:]
        starts, ends = coords[:-1][same], coords[1:][same]
        ll_starts, ll_ends = ll[:-1][same], ll[1:][same]
        if len(starts) == 0:  # only points: zero-length segments
            starts, ends = coords, coords
            ll_starts, ll_ends = ll, ll
        else:
            # an area cut at the antimeridian has edges along it that are not its border
            seam = _internal_seams(geom, ll_starts, ll_ends)
            if seam.any() and not seam.all():
                starts, ends = starts[~seam], ends[~seam]
                ll_starts, ll_ends = ll_starts[~seam], ll_ends[~seam]
        # the segments' ends in the projection (metres) and in lon/lat, in the same order:
        # nearness.py bounds the distances measured here from below
        self.planar_ends: tuple[FloatArray, FloatArray] = (starts, ends)
        self.lonlat_ends: tuple[FloatArray, FloatArray] = (ll_starts, ll_ends)
        self.segments = shapely.linestrings(np.stack([starts, ends], axis=1))
        self.tree = shapely.STRtree(self.segments)


def _internal_seams(geom: shapely.Geometry, starts: FloatArray,
                    ends: FloatArray) -> npt.NDArray[np.bool_]:
    """Segments along the antimeridian (longitude +-180) with the area on both sides: a
    cut made to keep the area within [-180, 180], not a border."""
    seam: npt.NDArray[np.bool_] = (np.abs(starts[:, 0]) == 180.0) & (starts[:, 0] == ends[:, 0])
    if seam.any():
        idx = np.flatnonzero(seam)
        mid = (starts[idx, 1] + ends[idx, 1]) / 2
        near = 180.0 - 1e-9
        seam[idx] = (shapely.intersects_xy(geom, np.full(len(idx), near), mid)
                     & shapely.intersects_xy(geom, np.full(len(idx), -near), mid))
    return seam


def _linework(geom: shapely.Geometry) -> shapely.Geometry:
    """Boundaries of the polygonal parts, and the lines and points themselves."""
    parts = shapely.get_parts(shapely.get_parts(geom))
    return shapely.GeometryCollection(
        [shapely.boundary(p) if shapely.get_dimensions(p) == 2 else p for p in parts]
    )


_INDEXES: dict[bytes, _BoundaryIndex] = {}
_INDEX_LOCK = threading.Lock()


def boundary_index(geom: shapely.Geometry) -> _BoundaryIndex:
    """The projected boundary segments `boundary_distance_km` measures against (shared,
    kept for the 16 most recently used geometries)."""
    return _index_for(geom)


def _index_for(geom: shapely.Geometry) -> _BoundaryIndex:
    key = shapely.to_wkb(geom)
    with _INDEX_LOCK:
        found = _INDEXES.get(key)
    if found is None:
        found = _BoundaryIndex(geom)
        with _INDEX_LOCK:
            if len(_INDEXES) >= 16:
                _INDEXES.pop(next(iter(_INDEXES)))
            _INDEXES[key] = found
    return found


def boundary_distance_km(geom: shapely.Geometry, lons: FloatArray, lats: FloatArray,
                         *, chunk: int = 1 << 18) -> FloatArray:
    """Distance on the ground (km) from each point to the boundary of an area (to the
    geometry itself for lines); NaN for an empty geometry, and for points not on the Earth
    (a coordinate NaN or infinite, |latitude| > 90 or |longitude| > 540)."""
    out = np.full(lons.shape, np.nan)
    if geom.is_empty:
        return out
    index = _index_for(geom)
    for lo in range(0, len(lons), chunk):
        lon = lons[lo:lo + chunk]
        lat = lats[lo:lo + chunk]
        ok = _on_earth(lon, lat)
        if not ok.any():
            continue
        x, y = index.projection.forward_xy(lon[ok], lat[ok])
        points = shapely.points(x, y)
        which, nearest = index.tree.query_nearest(points, all_matches=False)
        # nearest point of the nearest segment, back on the ellipsoid, measured there
        foot = shapely.get_coordinates(
            shapely.shortest_line(index.segments[nearest], points[which])
        )[::2]
        flon, flat = index.projection.inverse_xy(foot[:, 0], foot[:, 1])
        dist = np.empty(len(x))
        dist[which] = geodesic_km(lon[ok][which], lat[ok][which], flon, flat)
        part = out[lo:lo + chunk]
        part[ok] = dist
    return out
