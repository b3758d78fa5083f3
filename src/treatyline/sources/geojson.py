"""GeoJSON point features as events (read), and incidents as GeoJSON (write).

The coordinates come from each feature's Point geometry; the other fields from its
properties, through the same `ColumnMapping` as CSV columns (UCDP and ACLED
property names are recognised, as are the properties `to_geojson` writes).

JSON has to be parsed into Python objects, so this reader builds one dict per
feature while reading (the engine's hot paths then work on the columns); use
Parquet or CSV for millions of events.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ..errors import Diagnostic, EventDataError, Position
from ..incidents import SCHEMA, Incidents, KindMapping
from ._build import Check, EventFile, Progress, build_incidents
from ._csvfile import resolve_columns
from .csvfile import as_mapping
from .mapping import ColumnMapping

__all__ = ["from_geojson", "to_geojson"]

_PROPERTY_COLUMNS = [name for name in SCHEMA.names if name not in ("longitude", "latitude")]


def from_geojson(
    path: str | Path,
    mapping: ColumnMapping | Mapping[str, Any] | None = None,
    *,
    kinds: KindMapping | None = None,
    progress: Progress | None = None,
) -> EventFile:
    """Read a GeoJSON FeatureCollection of Point features."""
    path = Path(path)
    features = _features(path, progress)
    keys: dict[str, None] = {}
    for feature in features:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if isinstance(properties, dict):
            keys.update(dict.fromkeys(properties))
    names = list(keys)
    if mapping is None:
        if set(_PROPERTY_COLUMNS) <= set(names):
            return _from_treatyline_geojson(path, features)
        from .detect import PRESETS, detect_preset

        preset = detect_preset(names)
        if preset is None:
            raise EventDataError([Diagnostic(
                "a column mapping is needed: the properties are not UCDP's, ACLED's or "
                f"treatyline's (they are: {', '.join(names[:12])})", Position(str(path)))])
        chosen = PRESETS[preset]
    else:
        chosen = as_mapping(mapping)
    chosen = dataclasses.replace(
        chosen.with_kinds(kinds), longitude=None, latitude=None,
        required=tuple(r for r in chosen.required if r not in ("longitude", "latitude")))
    columns, warnings = resolve_columns(path, names, chosen)

    raw: dict[str, pa.Array] = {}
    for role, name in columns.items():
        raw[role] = pa.array([_text(_properties(f).get(name)) for f in features], pa.string())
    longitude, latitude, kinds_of_geometry = _points(features)
    raw["longitude"] = pa.array(longitude)
    raw["latitude"] = pa.array(latitude)
    not_point = kinds_of_geometry != ""
    checks: list[Check] = [(not_point, "geometry", lambda row: (
        f"is a {kinds_of_geometry[row]}, not a Point"))]

    def locate(rows: npt.NDArray[np.int64]) -> list[tuple[Position, str]]:
        return [(Position(str(path)), f"feature {row + 1}, ") for row in rows.tolist()]

    return build_incidents(raw, chosen, path=str(path), fmt="geojson", locate=locate,
                           warnings=warnings, checks=checks)


def _features(path: Path, progress: Progress | None) -> list[Any]:
    total = path.stat().st_size
    if progress is not None:
        progress(0, total)
    try:
        with path.open(encoding="utf-8-sig") as handle:
            data = json.load(handle)
    except json.JSONDecodeError as error:
        raise EventDataError([Diagnostic(f"not valid JSON: {error.msg}",
                                         Position(str(path), error.lineno, error.colno))]) from None
    except UnicodeDecodeError:
        raise EventDataError([Diagnostic("the file is not UTF-8 text",
                                         Position(str(path)))]) from None
    if progress is not None:
        progress(total, total)
    if isinstance(data, dict) and data.get("type") == "FeatureCollection" and isinstance(
            data.get("features"), list):
        return list(data["features"])
    if isinstance(data, dict) and data.get("type") == "Feature":
        return [data]
    raise EventDataError([Diagnostic("expected a GeoJSON FeatureCollection",
                                     Position(str(path), 1))])


def _properties(feature: Any) -> dict[str, Any]:
    properties = feature.get("properties") if isinstance(feature, dict) else None
    return properties if isinstance(properties, dict) else {}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value)


def _points(features: list[Any]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64],
                                          npt.NDArray[np.str_]]:
    """Longitudes, latitudes (NaN without a geometry), and the geometry type of features
    that are not points ('' for points and for features without a geometry)."""
    n = len(features)
    longitude = np.full(n, np.nan)
    latitude = np.full(n, np.nan)
    other = np.full(n, "", dtype=object)
    for i, feature in enumerate(features):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict):
            continue
        kind = geometry.get("type")
        coordinates = geometry.get("coordinates")
        if kind == "MultiPoint" and isinstance(coordinates, list) and len(coordinates) == 1:
            kind, coordinates = "Point", coordinates[0]
        if kind != "Point":
            other[i] = str(kind)
            longitude[i] = latitude[i] = 0.0  # rejected for the geometry, not twice
            continue
        if (isinstance(coordinates, list) and len(coordinates) >= 2
                and all(isinstance(c, (int, float)) for c in coordinates[:2])):
            longitude[i], latitude[i] = float(coordinates[0]), float(coordinates[1])
    return longitude, latitude, other.astype(str)


def _from_treatyline_geojson(path: Path, features: list[Any]) -> EventFile:
    longitude, latitude, other = _points(features)
    bad = np.flatnonzero((other != "") | np.isnan(longitude) | np.isnan(latitude))
    if bad.size:
        raise EventDataError([Diagnostic(f"feature {int(bad[0]) + 1} has no Point geometry",
                                         Position(str(path)))])
    columns: dict[str, Any] = {}
    for name in _PROPERTY_COLUMNS:
        values = [_properties(f).get(name) for f in features]
        field = SCHEMA.field(name)
        if pa.types.is_floating(field.type):
            columns[name] = pa.array([np.nan if v is None else v for v in values], pa.float64())
        elif pa.types.is_integer(field.type):
            columns[name] = pa.array([0 if v is None else v for v in values], field.type)
        else:
            columns[name] = pa.array([_text(v) for v in values], pa.string())
    columns["longitude"] = pa.array(longitude)
    columns["latitude"] = pa.array(latitude)
    incidents = Incidents.from_arrow(pa.table(columns), where=str(path))
    return EventFile(path=str(path), format="geojson", incidents=incidents,
                     rows_read=len(incidents))


def to_geojson(incidents: Incidents, path: str | Path) -> None:
    """Write a FeatureCollection of Point features, the other columns as properties
    (times as ISO 8601 UTC, missing numbers as null)."""
    table = incidents.to_arrow()
    columns = {name: table.column(name).to_pylist() for name in _PROPERTY_COLUMNS}
    times = {name: np.datetime_as_string(getattr(incidents, name), unit="s")
             for name in ("time", "time_end")}
    features = []
    for i in range(len(incidents)):  # output only: one dict per feature is what JSON is
        properties: dict[str, Any] = {}
        for name in _PROPERTY_COLUMNS:
            value = columns[name][i]
            if name in times:
                value = f"{times[name][i]}Z"
            elif isinstance(value, float) and math.isnan(value):
                value = None
            properties[name] = value
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(incidents.longitude[i]),
                                                          float(incidents.latitude[i])]},
            "properties": properties,
        })
    with Path(path).open("w", encoding="utf-8") as handle:
        json.dump({"type": "FeatureCollection", "features": features}, handle,
                  ensure_ascii=False)
