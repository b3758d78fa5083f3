"""A treaty's named areas as geometry, and questions about points in them.

The semantics are the `Area` model's (spec/model.py): the union of `iso`, `geojson`,
`versions` (the one in force as of the date asked), `corridor` and the `union` areas,
intersected with each `intersect` area, minus the `minus` areas, then grown or shrunk by
`buffer_km`.

Readings. An area whose border was not agreed has `readings` (each party's understanding)
and no geometry of its own: its base geometry is that of the reading asked for. An area
built from it (e.g. a guarantee scope that subtracts it) depends on the same readings, so
every question about such an area names a reading; `readings(area)` lists them, and
`readings(area) or [None]` is the loop a caller writes to ask under each. A reading name
applies to every area in the dependency tree that has readings: each of them must define it.

Everything here is pure: the only files read are the bundled boundaries and the GeoJSON
files the treaty names (relative to `treaty.base_dir`), each once.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from ..errors import Diagnostic, Position, SpecError, UsageError, did_you_mean
from ..spec.model import Area, Treaty
from . import geodesy
from .boundaries import Boundaries, UnknownBoundaryError, boundaries
from .classify import Classifier, classifier_for

__all__ = ["Territory"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Int8Array = npt.NDArray[np.int8]

EMPTY = shapely.MultiPolygon()
_VersionKey = tuple[tuple[str, date | None], ...]


class Territory:
    """The areas of one treaty, evaluated on demand and cached."""

    def __init__(self, treaty: Treaty, *, base_dir: str | Path | None = None,
                 boundary_data: Boundaries | None = None) -> None:
        self.treaty = treaty
        folder = base_dir if base_dir is not None else treaty.base_dir
        self._base_dir = Path(folder) if folder is not None else None
        self._boundaries = boundary_data
        self._files: dict[str, shapely.Geometry] = {}
        self._geoms: dict[tuple[str, str | None, _VersionKey], shapely.Geometry] = {}
        self._classifiers: dict[tuple[str, str | None, _VersionKey], Classifier] = {}
        self._lock = threading.RLock()
        self._check_cycles()

    @classmethod
    def for_treaty(cls, treaty: Treaty) -> Territory:
        return cls(treaty)

    # --- what there is ---------------------------------------------------------------------

    def areas(self) -> list[str]:
        return list(self.treaty.areas)

    def readings(self, area: str) -> list[str]:
        """Reading names this area depends on (its own and, transitively, those of the areas
        it is built from); [] if none. In order of first declaration."""
        names: dict[str, None] = {}
        for dep in self._closure(area):
            for reading in self.treaty.areas[dep].readings:
                names.setdefault(reading, None)
        return list(names)

    def versions(self, area: str) -> list[date]:
        """Dates on which this area (or one it is built from) changes shape."""
        return sorted({d for dep in self._closure(area) for d in self.treaty.areas[dep].versions})

    # --- geometry -------------------------------------------------------------------------

    def geometry(self, area: str, *, reading: str | None = None,
                 as_of: date | None = None) -> shapely.Geometry:
        """The area as lon/lat (WGS 84) geometry, usually a (Multi)Polygon."""
        self._check_reading(area, reading)
        key = (area, reading, self._version_key(area, as_of))
        with self._lock:
            return self._evaluate(area, reading, as_of, key)

    def classifier(self, area: str, *, reading: str | None = None,
                   as_of: date | None = None) -> Classifier:
        """The point classifier of the area (built once per area, reading and version)."""
        self._check_reading(area, reading)
        key = (area, reading, self._version_key(area, as_of))
        with self._lock:
            found = self._classifiers.get(key)
            if found is None:
                found = classifier_for(self._evaluate(area, reading, as_of, key))
                self._classifiers[key] = found
            return found

    def contains(self, area: str, lons: npt.ArrayLike, lats: npt.ArrayLike, *,
                 reading: str | None = None, as_of: date | None = None,
                 threads: int | None = None) -> BoolArray:
        """True where the point is in the area's interior: exactly
        `shapely.contains_xy(geometry(...), lons, lats)` (boundary points are not)."""
        found = self.classifier(area, reading=reading, as_of=as_of)
        return found.contains(lons, lats, threads=threads)

    def membership(self, area: str, lons: npt.ArrayLike, lats: npt.ArrayLike,
                   radius_km: npt.ArrayLike, *, reading: str | None = None,
                   as_of: date | None = None) -> Int8Array:
        """For points known only to within radius_km (e.g. an event geolocated to a
        district): 1 = the whole disk is inside the area, 0 = the disk is disjoint from it,
        -1 = the disk crosses the border (or the radius is NaN). A radius of 0 gives
        `contains` (a point on the border is not inside: 0)."""
        x, y, r = (np.asarray(v, dtype=np.float64) for v in (lons, lats, radius_km))
        x, y, r = np.broadcast_arrays(x, y, r)
        if (r < 0).any():
            raise UsageError("membership: radius_km must not be negative")
        inside = self.contains(area, x, y, reading=reading, as_of=as_of)
        out = inside.astype(np.int8)
        fuzzy = ~(r == 0)  # includes NaN radii
        if fuzzy.any():
            geom = self.geometry(area, reading=reading, as_of=as_of)
            idx = np.flatnonzero(fuzzy.ravel())
            dist = geodesy.boundary_distance_km(geom, x.ravel()[idx], y.ravel()[idx])
            crossing = ~(dist > r.ravel()[idx])  # the disk reaches the border; NaN: unknown
            flat = out.reshape(-1)
            flat[idx[crossing]] = -1
        return out

    def distance_km(self, area: str, lons: npt.ArrayLike, lats: npt.ArrayLike, *,
                    reading: str | None = None, as_of: date | None = None) -> FloatArray:
        """Distance on the ground (WGS 84 ellipsoid) from each point to the area: 0 inside or
        on the border, NaN for NaN coordinates. See geodesy.py for the method and its
        accuracy."""
        x, y = np.broadcast_arrays(np.asarray(lons, dtype=np.float64),
                                   np.asarray(lats, dtype=np.float64))
        inside = self.contains(area, x, y, reading=reading, as_of=as_of)
        out = np.zeros(x.shape)
        out[~np.isfinite(x) | ~np.isfinite(y)] = np.nan
        outside = np.flatnonzero((~inside & np.isfinite(x) & np.isfinite(y)).ravel())
        if len(outside):
            geom = self.geometry(area, reading=reading, as_of=as_of)
            if geom.is_empty:
                out.reshape(-1)[outside] = np.inf
            else:
                dist = geodesy.boundary_distance_km(geom, x.ravel()[outside],
                                                    y.ravel()[outside])
                out.reshape(-1)[outside] = dist
        return out

    # --- evaluation -----------------------------------------------------------------------

    def _evaluate(self, name: str, reading: str | None, as_of: date | None,
                  key: tuple[str, str | None, _VersionKey]) -> shapely.Geometry:
        found = self._geoms.get(key)
        if found is not None:
            return found
        area = self.treaty.areas[name]
        parts: list[shapely.Geometry] = []
        if area.readings:
            chosen = area.readings.get(reading) if reading is not None else None
            if chosen is None:
                raise UsageError(f"area {name!r} has no reading {reading!r}; its readings: "
                                 f"{', '.join(area.readings)}")
            assert reading is not None
            if not chosen.iso and not chosen.geojson:
                raise SpecError([Diagnostic(
                    f"reading {reading!r} of area {name!r} has no geometry (give iso or "
                    "geojson)", self._at(("areas", name, "readings", reading), key=True))])
            parts += self._iso(name, chosen.iso, ("areas", name, "readings", reading, "iso"))
            if chosen.geojson:
                parts.append(self._geojson(name, chosen.geojson,
                                           ("areas", name, "readings", reading, "geojson")))
        parts += self._iso(name, area.iso, ("areas", name, "iso"))
        if area.geojson:
            parts.append(self._geojson(name, area.geojson, ("areas", name, "geojson")))
        if area.versions:
            version = _version_on(area, as_of)
            if version is not None:
                parts.append(self._geojson(name, area.versions[version],
                                           ("areas", name, "versions", version.isoformat())))
        if area.corridor is not None:
            parts.append(self._corridor(name, area))
        for other in area.union:
            parts.append(self._sub(other, reading, as_of))
        geom = _union(parts)
        for other in area.intersect:
            geom = shapely.intersection(geom, self._sub(other, reading, as_of))
        if area.minus:
            cut = _union([self._sub(other, reading, as_of) for other in area.minus])
            geom = shapely.difference(geom, cut)
        if area.buffer_km:
            geom = geodesy.buffer_km(geom, area.buffer_km)
        geom = _tidy(geom)
        self._geoms[key] = geom
        return geom

    def _sub(self, name: str, reading: str | None, as_of: date | None) -> shapely.Geometry:
        # a reading name reaches only the areas that depend on readings
        sub_reading = reading if self.readings(name) else None
        return self._evaluate(name, sub_reading, as_of,
                              (name, sub_reading, self._version_key(name, as_of)))

    def _iso(self, area: str, codes: Sequence[str], at: tuple[str | int, ...]) -> list[
            shapely.Geometry]:
        data = self._data()
        out = []
        for i, code in enumerate(codes):
            try:
                out.append(data.geometry(code))
            except UnknownBoundaryError as exc:
                raise SpecError([Diagnostic(f"area {area!r}: {exc}", self._at((*at, i)))]) from None
        return out

    def _geojson(self, area: str, file: str, at: tuple[str | int, ...]) -> shapely.Geometry:
        if self._base_dir is None:
            raise SpecError([Diagnostic(
                f"area {area!r} uses GeoJSON file {file!r} but the treaty has no folder "
                "(load it from a file, or pass base_dir)", self._at(at))])
        path = self._base_dir / file
        key = str(path.resolve())
        found = self._files.get(key)
        if found is None:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise SpecError([Diagnostic(f"area {area!r}: GeoJSON file {file!r} not found",
                                            self._at(at))]) from None
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise SpecError([Diagnostic(f"area {area!r}: cannot read GeoJSON file "
                                            f"{file!r}: {exc}", self._at(at))]) from None
            try:
                found = _from_geojson(data)
            except ValueError as exc:
                raise SpecError([Diagnostic(f"area {area!r}: {file}: {exc}",
                                            self._at(at))]) from None
            self._files[key] = found
        return found

    def _corridor(self, name: str, area: Area) -> shapely.Geometry:
        assert area.corridor is not None
        route: list[tuple[float, float]] = []
        data = self._data()
        for i, point in enumerate(area.corridor.route):
            at = ("areas", name, "corridor", "route", i)
            if not isinstance(point, str):
                lon, lat = float(point[0]), float(point[1])
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    raise SpecError([Diagnostic(
                        f"area {name!r}: route point [{lon}, {lat}] is not [longitude, "
                        "latitude] in degrees", self._at(at))])
                route.append((lon, lat))
            elif point in self.treaty.places:
                lon, lat = self.treaty.places[point]
                route.append((float(lon), float(lat)))
            elif data.has(point):
                route.append(data.label_point(point))
            else:
                places = list(self.treaty.places)
                raise SpecError([Diagnostic(
                    f"area {name!r}: route point {point!r} is neither a place in `places` nor "
                    "a known ISO 3166 code", self._at(at), did_you_mean(point, places))])
        return geodesy.corridor(route, area.corridor.width_km)

    # --- bookkeeping ----------------------------------------------------------------------

    def _data(self) -> Boundaries:
        if self._boundaries is None:
            self._boundaries = boundaries()
        return self._boundaries

    def _at(self, path: tuple[str | int, ...], *, key: bool = False) -> Position | None:
        source = self.treaty.source_map
        return source.at(path, key=key) if source is not None else None

    def _known(self, area: str) -> Area:
        found = self.treaty.areas.get(area)
        if found is None:
            raise UsageError([Diagnostic(f"unknown area {area!r}", None,
                                         did_you_mean(area, self.treaty.areas))])
        return found

    def _closure(self, area: str) -> Iterator[str]:
        """The area and every area it is built from (each once)."""
        self._known(area)
        seen: set[str] = set()
        stack = [area]
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            yield name
            spec = self._known(name)
            stack.extend(reversed([*spec.union, *spec.intersect, *spec.minus]))

    def _check_cycles(self) -> None:
        state: dict[str, int] = {}

        def visit(name: str, path: list[str]) -> None:
            if state.get(name) == 2 or name not in self.treaty.areas:
                return
            if state.get(name) == 1:
                cycle = " -> ".join([*path[path.index(name):], name])
                raise SpecError([Diagnostic(f"areas are defined in a circle: {cycle}",
                                            self._at(("areas", name), key=True))])
            state[name] = 1
            spec = self.treaty.areas[name]
            for other in (*spec.union, *spec.intersect, *spec.minus):
                visit(other, [*path, name])
            state[name] = 2

        for name in self.treaty.areas:
            visit(name, [])

    def _check_reading(self, area: str, reading: str | None) -> None:
        names = self.readings(area)
        if reading is None and names:
            raise UsageError(
                f"area {area!r} has no agreed border: name a reading "
                f"({', '.join(names)}); each gives a different geometry")
        if reading is not None and reading not in names:
            hint = f"its readings: {', '.join(names)}" if names else "it has no readings"
            raise UsageError([Diagnostic(f"area {area!r} has no reading {reading!r}; {hint}",
                                         None, did_you_mean(reading, names))])
        if reading is not None:
            for dep in self._closure(area):
                spec = self.treaty.areas[dep]
                if spec.readings and reading not in spec.readings:
                    raise UsageError(
                        f"area {area!r} is built from {dep!r}, which has no reading "
                        f"{reading!r} (its readings: {', '.join(spec.readings)})")

    def _version_key(self, area: str, as_of: date | None) -> _VersionKey:
        key = []
        for dep in sorted(self._closure(area)):
            spec = self.treaty.areas[dep]
            if spec.versions:
                if as_of is None:
                    dates = ", ".join(d.isoformat() for d in sorted(spec.versions))
                    raise UsageError(
                        f"area {area!r} changes over time ({dep!r} has versions dated "
                        f"{dates}): give as_of")
                key.append((dep, _version_on(spec, as_of)))
        return tuple(key)


def _version_on(area: Area, as_of: date | None) -> date | None:
    """The latest version dated on or before as_of (None before the first)."""
    if as_of is None:
        return None
    dated = [d for d in area.versions if d <= as_of]
    return max(dated) if dated else None


def _union(parts: list[shapely.Geometry]) -> shapely.Geometry:
    parts = [p for p in parts if not p.is_empty]
    if not parts:
        return EMPTY
    if len(parts) == 1:
        return parts[0]
    return shapely.union_all(parts)


def _tidy(geom: shapely.Geometry) -> shapely.Geometry:
    """Drop the slivers of lower dimension that overlay operations leave on polygons."""
    if geom.geom_type != "GeometryCollection" or geom.is_empty:
        return geom
    parts = shapely.get_parts(geom)
    dims = shapely.get_dimensions(parts)
    if (dims == 2).any() and not (dims == 1).any():
        return shapely.union_all(parts[dims == 2])
    return geom


def _from_geojson(data: Any) -> shapely.Geometry:
    """Polygons and lines (reference lines) from a FeatureCollection, Feature or geometry."""
    if not isinstance(data, dict) or "type" not in data:
        raise ValueError("not a GeoJSON object")
    if data["type"] == "FeatureCollection":
        geoms = [_from_geojson(f) for f in data.get("features", [])]
        return _union(geoms)
    if data["type"] == "Feature":
        if data.get("geometry") is None:
            return EMPTY
        return _from_geojson(data["geometry"])
    if data["type"] == "GeometryCollection":
        return _union([_from_geojson(g) for g in data.get("geometries", [])])
    if data["type"] not in ("Polygon", "MultiPolygon", "LineString", "MultiLineString"):
        raise ValueError(f"{data['type']} is not an area or a line (expected Polygon, "
                         "MultiPolygon, LineString or MultiLineString)")
    try:
        geom = shapely.from_geojson(json.dumps(data))
    except shapely.errors.GEOSException as exc:
        raise ValueError(f"invalid {data['type']}: {exc}") from None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return geom
