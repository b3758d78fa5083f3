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
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ..errors import Diagnostic, EventDataError, Position
from ..incidents import OPTIONAL_COLUMNS, SCHEMA, Incidents, KindMapping
from ..inputs import decode_text, read_input_bytes
from ._build import Check, EventFile, Progress, build_incidents
from ._csvfile import resolve_columns
from ._shown import shorten
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
        if set(_PROPERTY_COLUMNS) - set(OPTIONAL_COLUMNS) <= set(names):
            return _from_treatyline_geojson(path, features)
        from .detect import PRESETS, detect_preset

        preset = detect_preset(names)
        if preset is None:
            raise EventDataError([Diagnostic(
                "a column mapping is needed: the properties are not UCDP's, ACLED's or "
                f"treatyline's ({_listed(names)})", Position(str(path)))])
        chosen = PRESETS[preset]
    else:
        chosen = as_mapping(mapping)
    chosen = dataclasses.replace(
        chosen.with_kinds(kinds), longitude=None, latitude=None,
        required=tuple(r for r in chosen.required if r not in ("longitude", "latitude")))
    columns, warnings = resolve_columns(path, names, chosen)

    raw: dict[str, pa.Array] = {}
    checks: list[Check] = []
    not_feature = np.array([not isinstance(f, dict) for f in features], np.bool_)
    checks.append((not_feature, "feature", lambda row: "is not a JSON object"))
    for role, name in columns.items():
        values = [_properties(f).get(name) for f in features]
        # an object or a list is not a cell: set aside, never turned into text
        nested = np.array([isinstance(v, (dict, list)) for v in values], np.bool_)
        raw[role] = pa.array([_text(v) for v in values], pa.string())
        if nested.any():
            checks.append((nested, name, _not_a_value(values)))
    longitude, latitude, kinds_of_geometry = _points(features)
    raw["longitude"] = pa.array(longitude)
    raw["latitude"] = pa.array(latitude)
    not_point = kinds_of_geometry != ""
    checks.append((not_point, "geometry", lambda row: (
        f"is a {kinds_of_geometry[row]}, not a Point")))
    infinite = np.isinf(longitude) | np.isinf(latitude)
    checks.append((infinite, "geometry", lambda row: "coordinates are not finite numbers"))

    def locate(rows: npt.NDArray[np.int64]) -> list[tuple[Position, str]]:
        return [(Position(str(path)), f"feature {row + 1}, ") for row in rows.tolist()]

    return build_incidents(raw, chosen, path=str(path), fmt="geojson", locate=locate,
                           warnings=warnings, checks=checks)


def _features(path: Path, progress: Progress | None) -> list[Any]:
    # read whole: size-bounded by the input policy, UTF-8 with located errors
    data_bytes = read_input_bytes(path, "events file", EventDataError)
    total = len(data_bytes)
    if progress is not None:
        progress(0, total)
    text = decode_text(data_bytes, str(path), EventDataError)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise EventDataError([Diagnostic(f"not valid JSON: {error.msg}",
                                         Position(str(path), error.lineno, error.colno))]) from None
    except RecursionError:
        raise EventDataError([Diagnostic("the JSON is nested too deeply to be GeoJSON",
                                         Position(str(path)))]) from None
    except ValueError as error:  # e.g. an integer of more than 4300 digits
        raise EventDataError([Diagnostic(f"not valid JSON: {shorten(str(error), 120)}",
                                         Position(str(path)))]) from None
    if progress is not None:
        progress(total, total)
    if isinstance(data, dict) and data.get("type") == "FeatureCollection" and isinstance(
            data.get("features"), list):
        return list(data["features"])
    if isinstance(data, dict) and data.get("type") == "Feature":
        return [data]
    raise EventDataError([Diagnostic("expected a GeoJSON FeatureCollection (an object with "
                                     '"type": "FeatureCollection" and a "features" list)',
                                     Position(str(path), 1))])


def _properties(feature: Any) -> dict[str, Any]:
    properties = feature.get("properties") if isinstance(feature, dict) else None
    return properties if isinstance(properties, dict) else {}


def _not_a_value(values: list[Any]) -> Callable[[int], str]:
    def message(row: int) -> str:
        what = "object" if isinstance(values[row], dict) else "array"
        return f"is a JSON {what}, not a text or a number"
    return message


def _listed(names: list[str]) -> str:
    shown = ", ".join(shorten(name) for name in names[:6])
    return f"the properties are: {shown}{', ...' if len(names) > 6 else ''}" if names else (
        "the features have no properties")


def _text(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value)


def _number(value: Any) -> float | None:
    """A JSON number as a float (inf for an overflowing or infinite one); None otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return math.inf
    return None if math.isnan(number) else number


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
            other[i] = shorten(kind if isinstance(kind, str) else json.dumps(kind)[:60])
            longitude[i] = latitude[i] = 0.0  # rejected for the geometry, not twice
            continue
        if isinstance(coordinates, list) and len(coordinates) >= 2:
            x, y = _number(coordinates[0]), _number(coordinates[1])
            if x is not None and y is not None:
                longitude[i], latitude[i] = x, y
    return longitude, latitude, other.astype(str)


def _from_treatyline_geojson(path: Path, features: list[Any]) -> EventFile:
    longitude, latitude, other = _points(features)
    bad = np.flatnonzero((other != "") | ~np.isfinite(longitude) | ~np.isfinite(latitude)
                         | (np.abs(longitude) > 180) | (np.abs(latitude) > 90))
    if bad.size:
        raise EventDataError([Diagnostic(
            f"feature {int(bad[0]) + 1} has no Point geometry with finite coordinates "
            "in -180..180, -90..90", Position(str(path)))])
    columns: dict[str, Any] = {}
    present = set().union(*(_properties(f) for f in features)) if features else set()
    for name in _PROPERTY_COLUMNS:
        if name in OPTIONAL_COLUMNS and name not in present:
            continue  # written by an earlier version: Incidents.from_arrow fills it
        values = [_properties(f).get(name) for f in features]
        field = SCHEMA.field(name)
        try:
            if pa.types.is_floating(field.type):
                columns[name] = pa.array([np.nan if v is None else v for v in values],
                                         pa.float64())
            elif pa.types.is_integer(field.type):
                columns[name] = pa.array([0 if v is None else v for v in values], field.type)
            else:
                nested = [i for i, v in enumerate(values) if isinstance(v, (dict, list))]
                if nested:
                    raise TypeError(f"feature {nested[0] + 1} has an object or array")
                columns[name] = pa.array([_text(v) for v in values], pa.string())
        except (pa.ArrowException, TypeError, ValueError, OverflowError) as error:
            raise EventDataError([Diagnostic(
                f"property {name!r} cannot be read as {field.type}: "
                f"{shorten(str(error), 120)}", Position(str(path)))]) from None
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
