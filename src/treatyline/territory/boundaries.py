"""The bundled boundaries: countries by ISO 3166-1 alpha-2, first-level units by ISO 3166-2.

Built by scripts/build_boundaries.py from Natural Earth 1:10m (public domain); the file
format is described there. A country's geometry is its internationally recognised territory:
the build replaces Natural Earth's point of view where the two differ (`overrides()` lists the
changes; e.g. UA includes UA-43 Crimea and UA-40 Sevastopol, and RU excludes them).

The file is read once, on first use; each geometry is built on first request and kept.
"""

from __future__ import annotations

import json
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import shapely

from .dissolve import dissolve

__all__ = ["Boundaries", "Feature", "UnknownBoundaryError", "boundaries"]

DATA_FILE = "boundaries.npz"


class UnknownBoundaryError(LookupError):
    """No bundled boundary has this code or name (the message offers the closest ones)."""


@dataclass(frozen=True, slots=True)
class Feature:
    """One bundled polygon: a country or a first-level unit."""

    index: int
    kind: Literal["country", "unit"]
    code: str
    names: dict[str, str]
    label: tuple[float, float]
    """A point inside the feature: Natural Earth's label point for units, a point on the
    surface for countries (lon, lat)."""
    country: str
    """ISO 3166-1 alpha-2 of the country this belongs to (in Natural Earth's data)."""

    @property
    def name(self) -> str:
        return self.names.get("en") or self.code


def _fold(text: str) -> str:
    """Case- and accent-insensitive key for names ("Kyiv", "KYIV", "Kýiv" agree)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


class Boundaries:
    """Lookup of bundled countries and units; geometries are lon/lat WGS 84 MultiPolygons."""

    def __init__(self, arrays: Any) -> None:
        meta = json.loads(bytes(arrays["index"]).decode("utf-8"))
        self.provenance: str = meta["provenance"]
        self._overrides: dict[str, dict[str, Any]] = meta["overrides"]
        self._scale = float(meta["scale"])
        self.features: tuple[Feature, ...] = tuple(
            Feature(
                index=i,
                kind=r["kind"],
                code=r["code"],
                names=dict(r["names"]),
                label=(float(r["label"][0]), float(r["label"][1])),
                country=r["code"] if r["kind"] == "country" else r["country"],
            )
            for i, r in enumerate(meta["records"])
        )
        self._by_code: dict[str, list[int]] = {}
        for f in self.features:
            # Natural Earth gives some units a shared code (e.g. the 9 cantons of BA-BIH)
            self._by_code.setdefault(f.code, []).append(f.index)
        self._by_name_index: dict[str, set[int]] | None = None  # built on first `find`
        self._coords = _decode_coords(arrays, self._scale)
        self._offsets = (
            np.asarray(arrays["ring_offsets"]),
            np.asarray(arrays["poly_offsets"]),
            np.asarray(arrays["geom_offsets"]),
        )
        self._geoms: dict[int, shapely.Geometry] = {}
        self._lock = threading.Lock()

    # --- lookup -------------------------------------------------------------------------

    def codes(self, kind: Literal["country", "unit"] | None = None) -> list[str]:
        return sorted({f.code for f in self.features if kind is None or f.kind == kind})

    def units_of(self, country: str) -> list[str]:
        """ISO 3166-2 codes of a country's first-level units, by code prefix (so UA's 27
        units include UA-43 and UA-40 whatever Natural Earth's point of view)."""
        prefix = country.upper() + "-"
        return sorted({f.code for f in self.features if f.kind == "unit"
                       and f.code.startswith(prefix)})

    def has(self, code: str) -> bool:
        return code.upper() in self._by_code

    def features_for(self, code: str) -> list[Feature]:
        indices = self._by_code.get(code.upper())
        if indices is None:
            raise UnknownBoundaryError(self._unknown_message(code, "code"))
        return [self.features[i] for i in indices]

    def find(self, name: str) -> Feature:
        """A feature by code or by name (en, uk, ru, or Natural Earth's transliteration)."""
        if name.upper() in self._by_code and len(self._by_code[name.upper()]) == 1:
            return self.features[self._by_code[name.upper()][0]]
        found = self._by_name().get(_fold(name), set())
        if len(found) == 1:
            return self.features[next(iter(found))]
        if len(found) > 1:
            codes = sorted({self.features[i].code for i in found})
            countries = [self.features[i] for i in found if self.features[i].kind == "country"]
            if len(countries) == 1:  # "Georgia": the country over the US state
                return countries[0]
            raise UnknownBoundaryError(f"{name!r} is ambiguous: it names {', '.join(codes)}")
        raise UnknownBoundaryError(self._unknown_message(name, "name"))

    def _by_name(self) -> dict[str, set[int]]:
        if self._by_name_index is None:
            index: dict[str, set[int]] = {}
            for f in self.features:
                for alias in f.names.values():
                    index.setdefault(_fold(alias), set()).add(f.index)
            self._by_name_index = index
        return self._by_name_index

    def label_point(self, code: str) -> tuple[float, float]:
        """(lon, lat) of a point inside the country or unit (the first, for a shared code)."""
        return self.features_for(code)[0].label

    def overrides(self) -> dict[str, str]:
        """Countries whose territory differs from Natural Earth's admin-0, and why."""
        return {code: rule["basis"] for code, rule in self._overrides.items()}

    # --- geometry ------------------------------------------------------------------------

    def geometry(self, code: str) -> shapely.Geometry:
        """The (Multi)Polygon of a country or unit, lon/lat WGS 84."""
        parts = [self._geometry(f.index) for f in self.features_for(code)]
        if len(parts) == 1:
            return parts[0]
        return dissolve(parts)

    def _geometry(self, index: int) -> shapely.Geometry:
        geom = self._geoms.get(index)
        if geom is None:
            with self._lock:
                rings, polys, geoms = self._offsets
                p0, p1 = int(geoms[index]), int(geoms[index + 1])
                r0, r1 = int(polys[p0]), int(polys[p1])
                c0, c1 = int(rings[r0]), int(rings[r1])
                offsets = (rings[r0:r1 + 1] - c0, polys[p0:p1 + 1] - r0,
                           np.array([0, p1 - p0], dtype=np.int64))
                (geom,) = shapely.from_ragged_array(
                    shapely.GeometryType.MULTIPOLYGON, self._coords[c0:c1], offsets
                )
                if len(geom.geoms) == 1:
                    geom = geom.geoms[0]
                self._geoms[index] = geom
        return geom

    def _unknown_message(self, word: str, what: str) -> str:
        import difflib

        pool = list(self._by_code) if what == "code" else [
            f.names.get("en", f.code) for f in self.features
        ]
        close = difflib.get_close_matches(word.upper() if what == "code" else word, pool, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        return f"no bundled boundary has the {what} {word!r}{hint}"


def _decode_coords(arrays: Any, scale: float) -> npt.NDArray[np.float64]:
    """Undo the build's zigzag byte planes and delta encoding (lossless)."""
    zigzag = np.ascontiguousarray(np.asarray(arrays["xy_planes"]).T).view(np.uint32).ravel()
    flat = (zigzag >> 1).astype(np.int64) ^ -(zigzag & 1).astype(np.int64)
    n = len(flat) // 2
    coords = np.empty((n, 2))
    coords[:, 0] = np.cumsum(flat[:n]) / scale
    coords[:, 1] = np.cumsum(flat[n:]) / scale
    coords[np.asarray(arrays["exact_index"])] = np.asarray(arrays["exact_xy"])
    return coords


@cache
def boundaries() -> Boundaries:
    """The bundled boundaries, read from the package on first use."""
    ref = resources.files("treatyline").joinpath("data", DATA_FILE)
    with resources.as_file(ref) as path, np.load(path) as arrays:
        return Boundaries({k: arrays[k] for k in arrays.files})
