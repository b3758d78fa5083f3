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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ..errors import (
    Diagnostic,
    EventDataError,
    Position,
    TreatylineError,
    UsageError,
    did_you_mean,
)
from ..incidents import KindMapping, check_kind_mapping, merge_kind_mappings
from ._dates import spellings_of
from ._shown import shorten

MAX_RADIUS_KM: Final = 20_040.0
"""Half the Earth's circumference: a larger uncertainty radius is not a place."""

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
                  presets: Mapping[str, ColumnMapping] | None = None,
                  positions: Callable[[str], Position | None] | None = None) -> ColumnMapping:
        """A mapping from plain data (e.g. YAML). `preset` names a preset to start from;
        its `kinds` are then merged with the given ones.

        Every value is checked for its type and range; a bad one raises EventDataError
        naming `where` (the mapping file) and the key, or UsageError when `where` is the
        default "mapping" (a dict given through the API, not a file). `positions(key)`
        gives the file:line:column of a top-level key's value when the loader kept them
        (else the error points at `where`)."""
        error_type: type[TreatylineError] = UsageError if where == "mapping" else EventDataError

        def at(key: str) -> Position:
            found = positions(key) if positions is not None else None
            return found if found is not None else Position(where)

        def fail(key: str, message: str, suggestion: str | None = None) -> TreatylineError:
            return error_type([Diagnostic(f"mapping key {key!r}: {message}", at(key),
                                          suggestion)])

        if not isinstance(data, Mapping):
            raise error_type([Diagnostic("a column mapping is a mapping of keys to values",
                                         Position(where))])
        names = {f.name for f in dataclasses.fields(cls)}
        problems = [Diagnostic(f"unknown mapping key {_shown(key)}", at(str(key)),
                               did_you_mean(str(key), sorted(names)))
                    for key in data if key not in names and key != "preset"]
        if problems:
            raise error_type(problems)
        values: dict[str, Any] = {}
        for key, value in data.items():
            values[key] = _checked(key, value, fail)
        base = cls()
        preset = values.pop("preset", None)
        if preset is not None:
            if presets is None:
                from .detect import PRESETS  # the presets import this module

                presets = PRESETS
            known = dict(presets)
            if preset not in known:
                raise fail("preset", f"unknown preset {_shown(preset)} (known: "
                                     f"{', '.join(known)})", did_you_mean(preset, known))
            base = known[preset]
        kinds = values.pop("kinds", None)
        try:
            if kinds is not None:
                check_kind_mapping(kinds, "kinds")
            mapping = dataclasses.replace(base, **values)
            return mapping.with_kinds(kinds)
        except (UsageError, EventDataError) as error:
            raise error_type([Diagnostic(d.message, d.position or Position(where),
                                         d.suggestion)
                              for d in error.diagnostics]) from None
        except (TypeError, ValueError) as error:
            raise error_type([Diagnostic(f"{error}", Position(where))]) from None


def _shown(value: Any) -> str:
    return repr(shorten(str(value)))


_TEXT_KEYS: Final = frozenset({"dataset", "citation", "preset", "date_format"})
_MAX_WINDOW_DAYS: Final = 3660


def _checked(key: str, value: Any,
             fail: Callable[..., TreatylineError]) -> Any:
    """`value` of mapping key `key`, converted to the field's type, or `fail`."""
    if key in COLUMN_ROLES:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise fail(key, f"a column name (text) is expected, not {_shown(value)}")
        return value
    if key in _TEXT_KEYS:
        if not isinstance(value, str):
            raise fail(key, f"text is expected, not {_shown(value)}")
        if key == "date_format":
            try:
                spellings_of(value)
            except UsageError as error:
                raise fail(key, error.diagnostics[0].message) from None
        return value
    if key == "utc_offset":
        if value is None:
            return None
        if not isinstance(value, str):
            raise fail(key, f"an offset like '+02:00' is expected, not {_shown(value)}")
        try:
            utc_offset_minutes(value)
        except UsageError as error:
            raise fail(key, error.diagnostics[0].message) from None
        return value
    if key == "delimiter":
        if value is None:
            return None
        if not isinstance(value, str) or len(value) != 1 or value in "\"\r\n":
            raise fail(key, f"one character (',', ';' or a tab) is expected, not {_shown(value)}")
        return value
    if key == "kinds":
        if not isinstance(value, Mapping) or not all(
                isinstance(v, (str, Mapping)) for v in value.values()):
            raise fail(key, "a mapping of category to kind (or of subcategory to kind) is "
                            "expected")
        return {str(k): ({str(s): t for s, t in v.items()} if isinstance(v, Mapping) else v)
                for k, v in value.items()}
    if key == "radius_km":
        if not isinstance(value, Mapping):
            raise fail(key, "a mapping of precision code to radius in km is expected")
        table = {}
        for code, km in value.items():
            number = _code(code)
            if number is None:
                raise fail(key, f"{_shown(code)} is not a whole-number code (0..100)")
            if isinstance(km, bool) or not isinstance(km, (int, float)) or not (
                    0 <= km <= MAX_RADIUS_KM):
                raise fail(key, f"code {number}: {_shown(km)} is not a radius in km "
                                f"(0..{MAX_RADIUS_KM:,.0f})")
            table[number] = float(km)
        return table
    if key == "time_windows":
        if not isinstance(value, Mapping):
            raise fail(key, "a mapping of precision code to [days before, days after] is "
                            "expected")
        windows = {}
        for code, pair in value.items():
            number = _code(code)
            if number is None:
                raise fail(key, f"{_shown(code)} is not a whole-number code (0..100)")
            if (not isinstance(pair, (list, tuple)) or len(pair) != 2 or not all(
                    isinstance(d, int) and not isinstance(d, bool)
                    and 0 <= d <= _MAX_WINDOW_DAYS for d in pair)):
                raise fail(key, f"code {number}: [days before, days after] is expected, "
                                f"each a whole number 0..{_MAX_WINDOW_DAYS}")
            windows[number] = (int(pair[0]), int(pair[1]))
        return windows
    if key == "time_precision_codes":
        if not isinstance(value, (list, tuple)) or any(_code(c) is None for c in value):
            raise fail(key, "a list of whole-number codes (0..100) is expected")
        return tuple(_code(c) for c in value)
    if key == "required":
        roles = ("id", "date", "longitude", "latitude", *COLUMN_ROLES)
        if not isinstance(value, (list, tuple)) or not all(
                isinstance(r, str) and r in roles for r in value):
            raise fail(key, f"a list of roles is expected (of: {', '.join(COLUMN_ROLES)})")
        return tuple(value)
    return value


def _code(value: Any) -> int | None:
    """A precision code: a whole number 0..100 (YAML keys may come as text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 3:
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and 0 <= value <= 100 else None


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
    return ColumnMapping.from_dict(data, where=str(path), presets=presets,
                                   positions=lambda key: source.at((key,)))
_FIELD_NAMES = frozenset(f.name for f in dataclasses.fields(ColumnMapping))
