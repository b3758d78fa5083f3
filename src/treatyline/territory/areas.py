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

import difflib
import functools
import json
import math
import threading
from collections.abc import Iterator, Sequence
from datetime import date
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import shapely

from ..errors import Diagnostic, Position, SpecError, TreatylineError, UsageError, did_you_mean
from ..inputs import read_input_text, resolve_named_file
from ..spec.model import Area, Treaty
from .boundaries import DATA_FILE, Boundaries, UnknownBoundaryError, boundaries
from .dissolve import dissolve

if TYPE_CHECKING:
    from .classify import Classifier
    from .nearness import BorderClearance

__all__ = ["Territory", "validate_areas"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Int8Array = npt.NDArray[np.int8]

EMPTY = shapely.MultiPolygon()
_CLASSIFIER_FROM = 20_000
"""Points from which `contains` builds the area's grid classifier; fewer are answered by
GEOS's prepared geometry (the same answers: the classifier is exactly contains_xy). The grid
of the North Atlantic parties takes 0.4 s to build, and the kernels 0.3 s to load, while
GEOS answers 10,000 points there in about 20 ms."""
_CLEARANCE_FROM = 2_000
"""Points with a radius from which `membership` builds an area's border clearance: below,
measuring them all (~25 us each) costs less than building it (1-170 ms for the
examples' areas: bench/classify_bench.py)."""
_MEMBERSHIP_CHUNK = 1 << 20
"""Points `membership` and `distance_km` place at once: their temporaries are then ~100 MB
whatever the table (at 10^7 events, ~1 GB over the whole table), and a chunk is large
enough that the per-call costs (the classifier's threads, the clearance's look-ups) stay
negligible."""
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
        self._clearances: dict[tuple[str, str | None, _VersionKey], BorderClearance] = {}
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
            return self._built(area, reading, as_of, key)

    def classifier(self, area: str, *, reading: str | None = None,
                   as_of: date | None = None) -> Classifier:
        """The point classifier of the area (built once per area, reading and version)."""
        self._check_reading(area, reading)
        key = (area, reading, self._version_key(area, as_of))
        with self._lock:
            found = self._classifiers.get(key)
            if found is None:
                from .classify import classifier_for  # numba: imported when first needed

                found = classifier_for(self._built(area, reading, as_of, key))
                self._classifiers[key] = found
            return found

    def contains(self, area: str, lons: npt.ArrayLike, lats: npt.ArrayLike, *,
                 reading: str | None = None, as_of: date | None = None,
                 threads: int | None = None) -> BoolArray:
        """True where the point is in the area's interior: exactly
        `shapely.contains_xy(geometry(...), lons, lats)` (boundary points are not)."""
        self._check_reading(area, reading)
        key = (area, reading, self._version_key(area, as_of))
        with self._lock:
            found = self._classifiers.get(key)
        if found is None and np.broadcast(np.asarray(lons), np.asarray(lats)).size < \
                _CLASSIFIER_FROM:
            geom = self.geometry(area, reading=reading, as_of=as_of)
            with self._lock:
                shapely.prepare(geom)  # in place, once: GEOS's own index
            x, y = np.broadcast_arrays(np.asarray(lons, dtype=np.float64),
                                       np.asarray(lats, dtype=np.float64))
            inside: BoolArray = np.asarray(shapely.contains_xy(geom, x, y), dtype=bool)
            return inside
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
        fuzzy = int(np.count_nonzero(~(r == 0)))  # includes NaN radii
        if not fuzzy:
            return self.contains(area, x, y, reading=reading, as_of=as_of).astype(np.int8)
        out: Int8Array = np.empty(x.shape, np.int8)
        flat_out = out.reshape(-1)  # a view: out is fresh, hence contiguous
        flat_x, flat_y, flat_r = (np.ascontiguousarray(v).reshape(-1) for v in (x, y, r))
        # In chunks: settling a point takes a dozen float64 temporaries (bounds, cell
        # indices, projections), ~100 bytes a point at once over the whole table; rows are
        # independent, so the answers are the same, and the temporaries stay ~100 MB.
        for lo in range(0, len(flat_out), _MEMBERSHIP_CHUNK):
            part = slice(lo, lo + _MEMBERSHIP_CHUNK)
            flat_out[part] = self._membership_part(
                area, flat_x[part], flat_y[part], flat_r[part],
                build=fuzzy >= _CLEARANCE_FROM, reading=reading, as_of=as_of)
        return out

    def _membership_part(self, area: str, x: FloatArray, y: FloatArray, r: FloatArray, *,
                         build: bool, reading: str | None, as_of: date | None) -> Int8Array:
        """`membership` of flat arrays; `build`: whether the whole table's fuzzy points
        are enough to build the border clearance."""
        inside = self.contains(area, x, y, reading=reading, as_of=as_of)
        if not np.count_nonzero(~(r == 0)):
            return inside.astype(np.int8)
        # imported after contains, as before chunking: importing it while the bundled
        # boundaries are decoded raised the small examples' peak by ~50 MB (measured)
        from . import nearness

        geom = self.geometry(area, reading=reading, as_of=as_of)
        # Points far from the border are settled by a per-cell lower bound on their distance
        # (nearness.py), the others measured; the answers are those of
        # nearness.reference_membership. The bound costs a build, so only when it pays.
        clearance = self._clearance(area, reading, as_of, build=build)
        return nearness.membership(geom, inside, x, y, r, clearance)

    def _clearance(self, area: str, reading: str | None, as_of: date | None, *,
                   build: bool) -> BorderClearance | None:
        """The area's border clearance: built on request (`build`), otherwise only if it
        already is."""
        key = (area, reading, self._version_key(area, as_of))
        with self._lock:
            found = self._clearances.get(key)
            if found is None and build:
                from .nearness import BorderClearance

                classifier = self.classifier(area, reading=reading, as_of=as_of)
                found = BorderClearance(self._built(area, reading, as_of, key), classifier)
                self._clearances[key] = found
            return found

    def distance_km(self, area: str, lons: npt.ArrayLike, lats: npt.ArrayLike, *,
                    reading: str | None = None, as_of: date | None = None) -> FloatArray:
        """Distance on the ground (WGS 84 ellipsoid) from each point to the area: 0 inside or
        on the border, NaN for NaN coordinates. See geodesy.py for the method and its
        accuracy."""
        x, y = np.broadcast_arrays(np.asarray(lons, dtype=np.float64),
                                   np.asarray(lats, dtype=np.float64))
        out: FloatArray = np.empty(x.shape)
        flat_out = out.reshape(-1)  # a view: out is fresh, hence contiguous
        flat_x, flat_y = (np.ascontiguousarray(v).reshape(-1) for v in (x, y))
        # In chunks, as `membership`: measuring builds a GEOS point per point measured (and
        # float64 temporaries), ~100 bytes each over the whole table at once otherwise.
        for lo in range(0, len(flat_out), _MEMBERSHIP_CHUNK):
            part = slice(lo, lo + _MEMBERSHIP_CHUNK)
            flat_out[part] = self._distance_part(area, flat_x[part], flat_y[part],
                                                 reading=reading, as_of=as_of)
        return out

    def _distance_part(self, area: str, x: FloatArray, y: FloatArray, *,
                       reading: str | None, as_of: date | None) -> FloatArray:
        """`distance_km` of flat arrays."""
        inside = self.contains(area, x, y, reading=reading, as_of=as_of)
        out = np.zeros(x.shape)
        out[~np.isfinite(x) | ~np.isfinite(y)] = np.nan
        outside = np.flatnonzero(~inside & np.isfinite(x) & np.isfinite(y))
        if len(outside):
            geom = self.geometry(area, reading=reading, as_of=as_of)
            if geom.is_empty:
                out[outside] = np.inf
            else:
                out[outside] = _geodesy().boundary_distance_km(geom, x[outside], y[outside])
        return out

    # --- evaluation -----------------------------------------------------------------------

    def _built(self, name: str, reading: str | None, as_of: date | None,
               key: tuple[str, str | None, _VersionKey]) -> shapely.Geometry:
        """`_evaluate`, with a failure of the geometry engine turned into a located error."""
        try:
            return self._evaluate(name, reading, as_of, key)
        except TreatylineError:
            raise
        except (ValueError, TypeError, OverflowError, RecursionError, RuntimeError,
                shapely.errors.GEOSException) as exc:
            raise SpecError([Diagnostic(
                f"area {name!r}: its geometry cannot be built ({type(exc).__name__}: {exc})",
                self._at(("areas", name), key=True))]) from None

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
            geom = _geodesy().buffer_km(geom, area.buffer_km)
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
        where = self._at(at) or Position(str(self._base_dir / file))
        # confined to the treaty's folder (symlinks followed), a regular file, size-bounded
        path = resolve_named_file(file, self._base_dir, "GeoJSON file", where, SpecError)
        key = str(path)
        found = self._files.get(key)
        if found is None:
            label = str(self._base_dir / file)
            text = read_input_text(path, f"GeoJSON file {file!r}", SpecError, where, label)
            try:
                data = json.loads(text, parse_constant=_no_constant,
                                  parse_float=_finite_float)
            except json.JSONDecodeError as exc:
                # the parser's own words (never the file's content), at the place it stopped
                raise SpecError([Diagnostic(
                    f"area {area!r}: GeoJSON file {file!r} is not valid JSON: {exc.msg}",
                    Position(label, exc.lineno, exc.colno))]) from None
            except ValueError as exc:
                raise SpecError([Diagnostic(f"area {area!r}: GeoJSON file {file!r}: {exc}",
                                            where)]) from None
            except RecursionError:
                raise SpecError([Diagnostic(f"area {area!r}: GeoJSON file {file!r} is nested "
                                            "too deeply to be read", where)]) from None
            try:
                found = _from_geojson(data)
            except (ValueError, TypeError, KeyError, shapely.errors.GEOSException) as exc:
                raise SpecError([Diagnostic(f"area {area!r}: {file}: {exc}",
                                            where)]) from None
            except RecursionError:
                raise SpecError([Diagnostic(f"area {area!r}: GeoJSON file {file!r} is nested "
                                            "too deeply to be read", where)]) from None
            problem = _coordinates_problem(found)
            if problem:
                raise SpecError([Diagnostic(f"area {area!r}: GeoJSON file {file!r}: {problem}",
                                            where)])
            self._files[key] = found
        return found

    def _corridor(self, name: str, area: Area) -> shapely.Geometry:
        assert area.corridor is not None
        return _geodesy().corridor(self._route(name, area, self._data()), area.corridor.width_km)

    def _route(self, name: str, area: Area, data: Boundaries | _CodeIndex,
               ) -> list[tuple[float, float]]:
        """The corridor's route as (lon, lat) points; SpecError at a point it cannot place."""
        assert area.corridor is not None
        route: list[tuple[float, float]] = []
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
        return route

    def _check_inputs(self, name: str) -> list[Diagnostic]:
        """Everything an area's geometry is built from, checked without building it: its
        ISO codes, GeoJSON files (read and parsed), corridor points, readings and versions.
        With the loader's range checks on the numbers, the overlays built from inputs that
        pass cannot fail but in the geometry engine itself (which `_built` reports)."""
        area = self.treaty.areas[name]
        problems: list[Diagnostic] = []
        # the codes alone: the bundled geometry is decoded only when an area is built
        index: Boundaries | _CodeIndex = (self._boundaries if self._boundaries is not None
                                          else _code_index())

        def codes(codes: Sequence[str], at: tuple[str | int, ...]) -> None:
            for i, code in enumerate(codes):
                if not index.has(code):
                    words = (index.unknown(code) if isinstance(index, _CodeIndex)
                             else index._unknown_message(code, "code"))
                    problems.append(Diagnostic(f"area {name!r}: {words}",
                                               self._at((*at, i))))

        def attempt(check: Any, *args: Any) -> None:
            try:
                check(*args)
            except TreatylineError as error:
                where = self._at(("areas", name), key=True)
                problems.extend(Diagnostic(d.message, d.position or where, d.suggestion)
                                for d in error.diagnostics)

        codes(area.iso, ("areas", name, "iso"))
        if area.geojson:
            attempt(self._geojson, name, area.geojson, ("areas", name, "geojson"))
        for version, file in area.versions.items():
            attempt(self._geojson, name, file, ("areas", name, "versions", version.isoformat()))
        if area.corridor is not None:
            attempt(self._route, name, area, index)
        for reading_name, reading in area.readings.items():
            at = ("areas", name, "readings", reading_name)
            if not reading.iso and not reading.geojson:
                problems.append(Diagnostic(
                    f"reading {reading_name!r} of area {name!r} has no geometry (give iso or "
                    "geojson)", self._at(at, key=True)))
            codes(reading.iso, (*at, "iso"))
            if reading.geojson:
                attempt(self._geojson, name, reading.geojson, (*at, "geojson"))
        for reading_name in self.readings(name):
            attempt(self._check_reading, name, reading_name)
        return problems

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


def _geodesy() -> ModuleType:
    """territory.geodesy, imported when first needed (pyproj takes a while to load, and
    checking a treaty's areas does not need it)."""
    from . import geodesy

    return geodesy


class _CodeIndex:
    """The codes and label points of the bundled boundaries, without their geometry."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self._labels: dict[str, tuple[float, float]] = {}
        for r in records:
            self._labels.setdefault(str(r["code"]).upper(),
                                    (float(r["label"][0]), float(r["label"][1])))

    def has(self, code: str) -> bool:
        return code.upper() in self._labels

    def label_point(self, code: str) -> tuple[float, float]:
        return self._labels[code.upper()]

    def unknown(self, code: str) -> str:
        close = difflib.get_close_matches(code.upper(), list(self._labels), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        return f"no bundled boundary has the code {code!r}{hint}"


@functools.cache
def _code_index() -> _CodeIndex:
    ref = resources.files("treatyline").joinpath("data", DATA_FILE)
    with resources.as_file(ref) as path, np.load(path) as arrays:
        meta = json.loads(bytes(arrays["index"]).decode("utf-8"))
    return _CodeIndex(meta["records"])


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows (coordinates must be finite)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:30]} is too large (coordinates must be finite)")
    return value


def _coordinates_problem(geom: shapely.Geometry) -> str | None:
    """What is wrong with a geometry's coordinates as lon/lat degrees, if anything."""
    if geom.is_empty:
        return None
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        return "a coordinate is not a finite number"
    lon, lat = coords[:, 0], coords[:, 1]
    if (np.abs(lon) > 180).any() or (np.abs(lat) > 90).any():
        return "a coordinate is not [longitude, latitude] in degrees (-180..180, -90..90)"
    return None


def validate_areas(treaty: Treaty, *, base_dir: str | Path | None = None,
                   boundary_data: Boundaries | None = None, build: bool = False) -> None:
    """Check every area of the treaty as an assessment will use it; raises SpecError listing
    every problem, each at the place in the treaty file (or the GeoJSON file) that causes it.

    Checked: cycles, every ISO code against the bundled boundaries, every GeoJSON file the
    treaty names (confined, size-bounded, decoded, parsed, finite coordinates in degrees),
    every corridor point, every reading (each area built from a disputed one must define
    the same readings) and version. With `build=True`, every area is also built under each
    of its readings and as of each of its versions (the overlays and buffers: seconds on a
    treaty with large countries, so `check` does not by default). Never builds the point
    classifiers."""
    problems: dict[tuple[str, str], Diagnostic] = {}

    def add(diagnostics: Sequence[Diagnostic]) -> None:
        for d in diagnostics:
            problems.setdefault((d.message, str(d.position)), d)

    try:
        territory = Territory(treaty, base_dir=base_dir, boundary_data=boundary_data)
    except TreatylineError as error:
        raise SpecError(error.diagnostics) from None
    for name in treaty.areas:
        add(territory._check_inputs(name))
    for name in treaty.areas if build and not problems else ():
        at = territory._at(("areas", name), key=True)
        try:
            readings: list[str | None] = list(territory.readings(name)) or [None]
            days: list[date | None] = list(territory.versions(name)) or [None]
        except TreatylineError as error:
            add([Diagnostic(d.message, d.position or at, d.suggestion)
                 for d in error.diagnostics])
            continue
        for reading in readings:
            for day in days:
                try:
                    territory.geometry(name, reading=reading, as_of=day)
                except TreatylineError as error:
                    add([Diagnostic(d.message, d.position or at, d.suggestion)
                         for d in error.diagnostics])
    if problems:
        raise SpecError(list(problems.values()))


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
    return dissolve(parts)


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
    """Polygons and lines (reference lines) from a FeatureCollection, Feature or geometry.

    Every position is checked: two finite numbers, longitude in [-180, 180], latitude in
    [-90, 90]; a ring must be closed and have at least 4 positions. A ring or line with
    consecutive positions more than 180 degrees of longitude apart is drawn across the
    antimeridian (RFC 7946, section 3.1.9): it is cut there, into parts on either side. A
    ring that goes all the way round in longitude (it encloses a pole) is refused. Raises
    ValueError naming the offending member and position; walks the input iteratively, so
    deep nesting cannot exhaust the stack."""
    geoms: list[shapely.Geometry] = []
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        obj, where, depth = stack.pop()
        at = where or "top level"
        if depth > _GEOJSON_DEPTH:
            raise ValueError(f"GeoJSON objects nested more than {_GEOJSON_DEPTH} deep (at "
                             f"{_short(at, 80)})")
        if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
            raise ValueError(f"{at}: not a GeoJSON object" if where else "not a GeoJSON object")
        kind = obj["type"]
        prefix = f"{where}." if where else ""
        if kind in ("FeatureCollection", "GeometryCollection"):
            member = "features" if kind == "FeatureCollection" else "geometries"
            items = obj.get(member, [])
            if not isinstance(items, list):
                raise ValueError(f"{prefix}{member}: expected a list")
            stack.extend((item, f"{prefix}{member}[{i}]", depth + 1)
                         for i, item in reversed(list(enumerate(items))))
        elif kind == "Feature":
            if obj.get("geometry") is not None:
                stack.append((obj["geometry"], f"{prefix}geometry", depth + 1))
        elif kind in ("Polygon", "MultiPolygon", "LineString", "MultiLineString"):
            try:
                geoms.append(_geojson_geometry(kind, obj.get("coordinates"),
                                               f"{prefix}coordinates"))
            except shapely.errors.GEOSException as exc:
                raise ValueError(f"{prefix}coordinates: invalid {kind}: {exc}") from None
        else:
            raise ValueError(f"{prefix}type: {_short(kind, 40)} is not an area or a line (expected "
                             "Polygon, MultiPolygon, LineString or MultiLineString)")
    return geoms[0] if len(geoms) == 1 else _union(geoms)


_GEOJSON_DEPTH = 32
"""Features and collections nested deeper than this are refused."""


def _geojson_geometry(kind: str, coords: Any, where: str) -> shapely.Geometry:
    """One Polygon, MultiPolygon, LineString or MultiLineString from its coordinates."""
    if kind in ("Polygon", "LineString"):
        members, names = [coords], [where]
    else:
        members = _geojson_list(coords, where)
        names = [f"{where}[{i}]" for i in range(len(members))]
    if kind in ("LineString", "MultiLineString"):
        lines = [_geojson_positions(m, name, 2) for m, name in zip(members, names, strict=True)]
        steps = [_antimeridian_steps(lon, lat, name, ring=False)
                 for (lon, lat), name in zip(lines, names, strict=True)]
        for (lon, lat), k, name in zip(lines, steps, names, strict=True):
            _refuse_tangled(lon + 360.0 * k, lat, name)
        geoms = [shapely.linestrings(lon + 360.0 * k, lat) if len(lon) else shapely.LineString()
                 for (lon, lat), k in zip(lines, steps, strict=True)]
        if not any(k.any() for k in steps):
            return geoms[0] if kind == "LineString" else shapely.multilinestrings(geoms)
        return _union([_geodesy().antimeridian_cut(g, 1) for g in geoms])
    polygons = []  # per polygon: rings as (lon, lat, k)
    for member, name in zip(members, names, strict=True):
        rings = []
        for j, ring in enumerate(_geojson_list(member, name)):
            lon, lat = _geojson_positions(ring, f"{name}[{j}]", 4)
            if not len(lon):
                if j == 0:
                    break  # an empty shell: an empty polygon
                continue  # an empty hole
            if lon[0] != lon[-1] or lat[0] != lat[-1]:
                raise ValueError(f"{name}[{j}]: the ring is not closed (its first and last "
                                 "positions differ)")
            turns = _antimeridian_steps(lon, lat, f"{name}[{j}]", ring=True)
            _refuse_tangled(lon + 360.0 * turns, lat, f"{name}[{j}]")
            rings.append((lon, lat, turns))
        polygons.append(rings)
    if not any(k.any() for rings in polygons for _, _, k in rings):
        # the usual case: as drawn
        shapes = [shapely.Polygon(np.column_stack(rings[0][:2]),
                                  [np.column_stack(r[:2]) for r in rings[1:]])
                  if rings else shapely.Polygon() for rings in polygons]
        geom = shapes[0] if kind == "Polygon" else shapely.MultiPolygon(
            [g for g in shapes if not g.is_empty])
        return geom if geom.is_valid else shapely.make_valid(geom)
    # drawn across the antimeridian: each ring in a continuous longitude range (its own),
    # cut at the antimeridian, the parts moved back into [-180, 180]; holes subtracted
    parts = []
    for rings in polygons:
        if not rings:
            continue
        pieces = [_geodesy().antimeridian_cut(_valid_polygon(lon + 360.0 * k, lat), 2)
                  for lon, lat, k in rings]
        parts.append(shapely.difference(pieces[0], _union(pieces[1:]))
                     if len(pieces) > 1 else pieces[0])
    return _union(parts)


def _geojson_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list, not {type(value).__name__}")
    return value


def _geojson_positions(value: Any, where: str, minimum: int) -> tuple[FloatArray, FloatArray]:
    """Longitudes and latitudes of a list of positions, checked (none, or at least
    `minimum`)."""
    items = _geojson_list(value, where)
    if 0 < len(items) < minimum:
        raise ValueError(f"{where}: {len(items)} position{'s' if len(items) > 1 else ''}, "
                         f"at least {minimum} needed")
    lons: list[float] = []
    lats: list[float] = []
    for i, p in enumerate(items):
        if (not isinstance(p, list) or len(p) < 2 or type(p[0]) not in (int, float)
                or type(p[1]) not in (int, float)):
            raise ValueError(f"{where}[{i}]: not a position ([longitude, latitude], two "
                             "numbers)")
        lons.append(p[0])
        lats.append(p[1])
    try:
        lon = np.array(lons, dtype=np.float64)
        lat = np.array(lats, dtype=np.float64)
    except OverflowError:  # integers beyond the range of doubles
        lon = np.array([_as_float(v) for v in lons])
        lat = np.array([_as_float(v) for v in lats])
    bad = ~((np.abs(lon) <= 180.0) & (np.abs(lat) <= 90.0))  # NaN too
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        x, y = lon[i], lat[i]
        if not (np.isfinite(x) and np.isfinite(y)):
            problem = "is not finite"
        elif abs(x) > 180.0:
            problem = "longitude is outside [-180, 180]"
        else:
            problem = "latitude is outside [-90, 90]"
        raise ValueError(f"{where}[{i}]: position [{_short(repr(lons[i]), 24)}, "
                         f"{_short(repr(lats[i]), 24)}] {problem}")
    return lon, lat


_TANGLE_CHECKED_FROM = 2_000
"""Rings and lines with fewer vertices are built as they are (GEOS is quick on them)."""


def _refuse_tangled(lon: FloatArray, lat: FloatArray, where: str) -> None:
    """ValueError for a long ring or line that crosses itself more than a few times per
    hundred edges: a drawn boundary does not, and making such a tangle valid costs GEOS
    time that grows with the square of its crossings (a random 200,000-point ring: hours).
    Segments are tested in growing chunks against an STRtree, so a tangle is refused after
    a few thousand crossings and an honest boundary costs one query per edge."""
    n = len(lon) - 1
    if n < _TANGLE_CHECKED_FROM:
        return
    coords = np.stack([np.column_stack([lon[:-1], lat[:-1]]),
                       np.column_stack([lon[1:], lat[1:]])], axis=1)
    segments = shapely.linestrings(coords)
    tree = shapely.STRtree(segments)
    allowed = max(100, n // 100)
    crossings = 0
    start, chunk = 0, 16
    while start < n:
        stop = min(n, start + chunk)
        pairs = tree.query(segments[start:stop], predicate="intersects")
        first = pairs[0] + start
        # a segment meets itself and its neighbours (and, in a ring, last meets first)
        gap = np.abs(first - pairs[1])
        crossings += int(np.count_nonzero((gap > 1) & (gap != n - 1)))
        if crossings > allowed:
            raise ValueError(f"{where}: the {'line' if lon[0] != lon[-1] else 'ring'} crosses "
                             f"itself more than {allowed:,} times in its first {stop:,} of "
                             f"{n:,} edges: not a drawn boundary")
        start, chunk = stop, min(chunk * 2, 8_192)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _as_float(value: float) -> float:
    try:
        return float(value)
    except OverflowError:
        return float("inf")


def _antimeridian_steps(lon: FloatArray, lat: FloatArray, where: str, *,
                        ring: bool) -> npt.NDArray[np.int64]:
    """Per position, the number of turns (of 360 degrees) to add to its longitude to make
    the line continuous; all 0 for a line as drawn (the usual case).

    A step between consecutive positions more than 180 degrees of longitude apart, neither
    of them on the antimeridian (+-180), is drawn across the antimeridian: then every step
    is taken the short way round. Steps from or to +-180 alone are read as drawn: a
    polygon already cut at the antimeridian, a box from -180 to 50 (an edge along a
    parallel wider than 180 degrees), a polar cap drawn as a rectangle up to latitude 90.
    A ring that, taken the short way round, goes all the way round the globe encloses a
    pole: refused, unless it is drawn as such a rectangle (no crossing, a vertex at +-90)."""
    if len(lon) < 2:
        return np.zeros(len(lon), dtype=np.int64)
    d = np.diff(lon)
    anchored = (np.abs(lon[:-1]) == 180.0) | (np.abs(lon[1:]) == 180.0)
    across = bool(((np.abs(d) > 180.0) & ~anchored).any())
    turns = -np.round(d / 360.0).astype(np.int64)  # the short way round (|d| <= 180 after)
    if ring and turns.sum() != 0 and (across or not (np.abs(lat) == 90.0).any()):
        raise ValueError(
            f"{where}: the ring goes all the way round the globe in longitude (it encloses a "
            "pole), which is not supported: draw it as a polygon up to latitude 90 with "
            "edges along the antimeridian, e.g. [[-180, 70], [180, 70], [180, 90], [-180, "
            "90], [-180, 70]]")
    if not across:
        return np.zeros(len(lon), dtype=np.int64)
    k = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(turns)])
    # keep the longitudes of most positions as they are (exactly)
    values, counts = np.unique(k, return_counts=True)
    out: npt.NDArray[np.int64] = k - values[np.argmax(counts)]
    return out


def _valid_polygon(lon: FloatArray, lat: FloatArray) -> shapely.Geometry:
    geom = shapely.Polygon(np.column_stack([lon, lat]))
    return geom if geom.is_valid else shapely.make_valid(geom)
