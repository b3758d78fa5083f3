"""How an event file's columns become incident columns.

A `ColumnMapping` names, for each incident field, the column that holds it, how to
read the dates, how to map the source's categories to incident kinds, and which
uncertainty radius each location-precision code means. The UCDP and ACLED readers
are the generic reader with a preset mapping (`sources.ucdp.UCDP_GED`,
`sources.acled.ACLED`). A mapping may be given as an object, a dict, or a YAML file::

    preset: acled            # optional: start from a preset and override
    id: event_id
    date: when
    date_format: iso         # auto | iso | mdy | dmy | named | iso+named | a %-pattern
    longitude: lon
    latitude: lat
    category: type
    kinds: {Shelling: shelling, Skirmish: clash}
    location_precision: precision
    radius_km: {1: 1, 2: 25, 3: 150}
    dataset: My monitoring data
    citation: "Monitoring mission, daily reports 2015"
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ..errors import Diagnostic, EventDataError, UsageError, did_you_mean
from ..incidents import KindMapping, check_kind_mapping, merge_kind_mappings
from ._dates import spellings_of

__all__ = ["COLUMN_ROLES", "ColumnMapping", "load_mapping"]


@dataclass(frozen=True)
class ColumnMapping:
    """Which column holds what (None: the file has no such column), and how to read it.

    Required: `id`, `date`, `longitude`, `latitude` (GeoJSON takes the coordinates from
    the geometry instead). Everything else is optional.
    """

    id: str | None = None
    date: str | None = None
    longitude: str | None = None
    latitude: str | None = None
    date_end: str | None = None
    """Last day (inclusive) of an event known only to a period (UCDP date_end)."""
    date_format: str = "auto"
    utc_offset: str | None = None
    """Fixed offset of times of day that carry no timezone, e.g. '+02:00' (default UTC)."""
    time_precision: str | None = None
    """Column with the source's own time-precision code (kept in time_precision_source)."""
    category: str | None = None
    """Column with the source's category, mapped to a kind by `kinds`."""
    subcategory: str | None = None
    kind: str | None = None
    """Column that already holds treatyline incident kinds (instead of category)."""
    actor1: str | None = None
    actor2: str | None = None
    target: str | None = None
    """Column with the country the event happened in: a name, alpha-2/3 or numeric code."""
    location_precision: str | None = None
    radius: str | None = None
    """Column with an uncertainty radius in km (instead of a precision code)."""
    fatalities: str | None = None
    fatalities_low: str | None = None
    fatalities_high: str | None = None
    place: str | None = None
    admin1: str | None = None
    notes: str | None = None
    source: str | None = None
    delimiter: str | None = None
    """CSV delimiter; by default guessed from the header (comma, semicolon or tab)."""
    kinds: KindMapping = field(default_factory=dict)
    radius_km: Mapping[int, float] = field(default_factory=dict)
    """Location-precision code → uncertainty radius in km; codes not listed are rejected
    when the table is not empty."""
    time_windows: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    """Time-precision code → (days before, days after) the given date that the event may
    have happened in (ACLED dates week- or month-level events inside the period)."""
    time_precision_codes: tuple[int, ...] = ()
    """The source's valid time-precision codes (empty: any integer)."""
    dataset: str = ""
    citation: str = ""
    """Citation used for rows whose `source` column is empty or absent."""
    required: tuple[str, ...] = ("id", "date", "longitude", "latitude")
    """Roles whose columns must be in the file."""

    def __post_init__(self) -> None:
        spellings_of(self.date_format)  # raises UsageError for an unknown format
        check_kind_mapping(self.kinds)
        if self.utc_offset is not None:
            utc_offset_minutes(self.utc_offset)

    def columns(self) -> dict[str, str]:
        """Role → column name, for the roles this mapping fills."""
        return {role: value for role in COLUMN_ROLES
                if isinstance(value := getattr(self, role), str) and value}

    def with_kinds(self, kinds: KindMapping | None) -> ColumnMapping:
        """This mapping with `kinds` laid over its kind mapping, category by category."""
        if not kinds:
            return self
        return dataclasses.replace(self, kinds=merge_kind_mappings(self.kinds, kinds))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "mapping",
                  presets: Mapping[str, ColumnMapping] | None = None) -> ColumnMapping:
        """A mapping from plain data (e.g. YAML). `preset` names a preset to start from;
        its `kinds` are then merged with the given ones."""
        names = {f.name for f in dataclasses.fields(cls)}
        problems = [Diagnostic(f"{where}: unknown mapping key {key!r}", None,
                               did_you_mean(str(key), sorted(names)))
                    for key in data if key not in names and key != "preset"]
        if problems:
            raise UsageError(problems)
        values = dict(data)
        base = cls()
        preset = values.pop("preset", None)
        if preset is not None:
            if presets is None:
                from .detect import PRESETS  # the presets import this module

                presets = PRESETS
            known = dict(presets)
            if preset not in known:
                raise UsageError([Diagnostic(f"{where}: unknown preset {preset!r} "
                                             f"(known: {', '.join(known)})", None,
                                             did_you_mean(str(preset), known))])
            base = known[preset]
        if "radius_km" in values:
            values["radius_km"] = {int(k): float(v) for k, v in values["radius_km"].items()}
        if "time_windows" in values:
            values["time_windows"] = {int(k): (int(v[0]), int(v[1]))
                                      for k, v in values["time_windows"].items()}
        for key in ("required", "time_precision_codes"):
            if key in values:
                values[key] = tuple(values[key])
        kinds = values.pop("kinds", None)
        if kinds is not None and not isinstance(kinds, Mapping):
            raise UsageError(f"{where}: kinds must be a mapping of category to kind")
        try:
            mapping = dataclasses.replace(base, **values)
        except TypeError as error:
            raise UsageError(f"{where}: {error}") from None
        return mapping.with_kinds(kinds)


COLUMN_ROLES: Final[tuple[str, ...]] = (
    "id", "date", "date_end", "time_precision", "category", "subcategory", "kind",
    "actor1", "actor2", "target", "longitude", "latitude", "location_precision", "radius",
    "fatalities", "fatalities_low", "fatalities_high", "place", "admin1", "notes", "source",
)
"""The mapping fields that name a column, in the order diagnostics list them."""


def utc_offset_minutes(text: str) -> int:
    """'+02:00' → 120; 'UTC'/'Z' → 0."""
    cleaned = text.strip().upper()
    if cleaned in {"UTC", "Z", "+00:00", "00:00"}:
        return 0
    if len(cleaned) in (5, 6) and cleaned[0] in "+-":
        digits = cleaned[1:].replace(":", "")
        if len(digits) == 4 and digits.isdigit():
            hours, minutes = int(digits[:2]), int(digits[2:])
            if hours <= 23 and minutes <= 59:
                return (hours * 60 + minutes) * (-1 if cleaned[0] == "-" else 1)
    raise UsageError(f"utc_offset {text!r} is not an offset like '+02:00' or 'UTC'")


def load_mapping(path: str | Path, presets: Mapping[str, ColumnMapping] | None = None
                 ) -> ColumnMapping:
    """A `ColumnMapping` from a YAML file (see the module docstring)."""
    from ..sourcemap import SyntaxProblem, load_yaml

    path = Path(path)
    try:
        loaded = load_yaml(path, what="mapping file", error=UsageError)
    except SyntaxProblem as problem:
        raise EventDataError([problem.diagnostic]) from None
    data, source = loaded.data, loaded.source
    if not isinstance(data, Mapping):
        raise EventDataError([Diagnostic("a mapping file is a YAML mapping of keys",
                                         source.at(()))])
    problems = [Diagnostic(f"{key}: {shape}", source.at((key,)))
                for key, value in data.items()
                if (shape := _shape_problem(str(key), value)) is not None]
    if problems:
        raise EventDataError(problems)
    return ColumnMapping.from_dict(data, where=str(path), presets=presets)


def _shape_problem(key: str, value: Any) -> str | None:
    """What is wrong with the type of a mapping file's value, if anything (the values
    themselves are checked by `ColumnMapping`)."""
    def number(v: Any) -> bool:
        return isinstance(v, int | float) and not isinstance(v, bool)

    def code(k: Any) -> bool:
        return (isinstance(k, int) and not isinstance(k, bool)) or (
            isinstance(k, str) and k.strip().lstrip("+-").isdigit())

    if key == "kinds":
        ok = isinstance(value, dict) and all(
            isinstance(target, str) or (isinstance(target, dict) and all(
                isinstance(kind, str) for kind in target.values()))
            for target in value.values())
        return None if ok else "a mapping of category to kind (or of subcategory to kind)"
    if key == "radius_km":
        ok = isinstance(value, dict) and all(code(k) and number(v) for k, v in value.items())
        return None if ok else "a mapping of precision code (a whole number) to km"
    if key == "time_windows":
        ok = isinstance(value, dict) and all(
            code(k) and isinstance(v, list) and len(v) == 2 and all(
                isinstance(d, int) and not isinstance(d, bool) for d in v)
            for k, v in value.items())
        return None if ok else "a mapping of precision code to [days before, days after]"
    if key == "time_precision_codes":
        ok = isinstance(value, list) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value)
        return None if ok else "a list of whole numbers"
    if key == "required":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return None if ok else "a list of column roles"
    if key in _FIELD_NAMES or key == "preset":
        if value is None or isinstance(value, str):
            return None
        return "a text (in quotes if YAML reads it otherwise)"
    return None  # unknown keys are reported by ColumnMapping.from_dict


_FIELD_NAMES = frozenset(f.name for f in dataclasses.fields(ColumnMapping))
