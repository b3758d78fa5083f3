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
    constants: {target: UA}  # one value for every event (see `_mapping_extras`)
    kind_patterns: [{prefix: "Civilian Infrastructure Damage", kind: other}]
    date_kind: documented    # the date is when the event was documented

Every column the mapping names must be in the file (a preset's own optional columns
may be absent). The full reference is docs/mapping.md.
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
from ..incidents import KINDS, KindMapping, check_kind_mapping, merge_kind_mappings
from ._dates import spellings_of
from ._mapping_extras import (
    DATE_KINDS,
    KindPattern,
    check_constants,
    check_kind_patterns,
    role_alias,
)
from ._shown import shorten

MAX_RADIUS_KM: Final = 20_040.0
"""Half the Earth's circumference: a larger uncertainty radius is not a place."""

__all__ = ["COLUMN_ROLES", "ColumnMapping", "as_preset", "load_mapping"]


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
    constants: Mapping[str, str | float] = field(default_factory=dict)
    """Role → one value for every event (for a role the file has no column for)."""
    kind_patterns: tuple[KindPattern, ...] = ()
    """Category patterns → kind, tried in order after the exact `kinds`."""
    date_kind: str = "occurred"
    """'occurred' (the date is when the event happened) or 'documented' (when it was
    recorded); carried on every event as its `date_kind`."""
    optional_columns: frozenset[str] = frozenset()
    """Roles whose column may be absent from the file (then left empty, with a warning):
    a preset's columns that some exports leave out. Any other named column that is not
    in the file is an error."""
    origins: Mapping[str, Position] = field(default_factory=dict, compare=False)
    """Where each key was written (file:line:column of the mapping file), for messages."""

    def __post_init__(self) -> None:
        spellings_of(self.date_format)  # raises UsageError for an unknown format
        check_kind_mapping(self.kinds)
        if self.utc_offset is not None:
            utc_offset_minutes(self.utc_offset)
        if self.date_kind not in DATE_KINDS:
            raise UsageError(f"date_kind {self.date_kind!r} is not one of "
                             f"{', '.join(DATE_KINDS)}")
        both = sorted(set(self.constants) & set(self.columns()))
        if both:
            raise UsageError(f"{', '.join(both)}: both a column and a constant; keep one")

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
                  positions: Callable[[tuple[str | int, ...]], Position | None] | None = None,
                  ) -> ColumnMapping:
        """A mapping from plain data (e.g. YAML). `preset` names a preset to start from;
        its `kinds` are then merged with the given ones.

        Every value is checked for its type and range; a bad one raises EventDataError
        naming `where` (the mapping file) and the key, or UsageError when `where` is the
        default "mapping" (a dict given through the API, not a file). `positions(key)`
        gives the file:line:column of a key's value (a path of keys and list indices)
        when the loader kept them (else the error points at `where`)."""
        error_type: type[TreatylineError] = UsageError if where == "mapping" else EventDataError

        def at(key: str | tuple[str | int, ...]) -> Position:
            path = key if isinstance(key, tuple) else (key,)
            found = positions(path) if positions is not None else None
            return found if found is not None else Position(where)

        def fail(key: str, message: str, suggestion: str | None = None) -> TreatylineError:
            return error_type([Diagnostic(f"mapping key {key!r}: {message}", at(key),
                                          suggestion)])

        def fail_at(path: tuple[str | int, ...], message: str,
                    suggestion: str | None) -> TreatylineError:
            return error_type([Diagnostic(f"mapping key {path[0]!r}: {message}", at(path),
                                          suggestion)])

        if not isinstance(data, Mapping):
            raise error_type([Diagnostic("a column mapping is a mapping of keys to values",
                                         Position(where))])
        names = {f.name for f in dataclasses.fields(cls)} - _INTERNAL_FIELDS
        problems = [Diagnostic(f"unknown mapping key {_shown(key)}", at(str(key)),
                               role_alias(str(key)) or did_you_mean(str(key), sorted(names)))
                    for key in data if key not in names and key != "preset"]
        if problems:
            raise error_type(problems)
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key == "constants":
                values[key] = {**values.get(key, {}), **check_constants(value, fail_at)}
            elif key == "kind_patterns":
                values[key] = check_kind_patterns(value, fail_at)
            elif key == "radius_km" and _is_number(value):
                values.setdefault("constants", {})
                values["constants"] = {**values["constants"], "radius": float(value)}
                if not 0 <= value <= MAX_RADIUS_KM:
                    raise fail(key, f"{_shown(value)} is not a radius in km "
                                    f"(0..{MAX_RADIUS_KM:,.0f})")
            else:
                values[key] = _checked(key, value, fail)
            if key == "kinds":
                _check_kind_targets(values[key], fail_at)
        if isinstance(data.get("radius_km"), (int, float)) and isinstance(
                data.get("constants"), Mapping) and "radius" in data["constants"]:
            raise fail("radius_km", "the radius is also set in constants; keep one")
        for role in set(values.get("constants", {})) & set(data):
            if role in COLUMN_ROLES and data[role] is not None:
                raise fail_at(("constants", role), f"{role!r} is both a column "
                              f"({_shown(data[role])}) and a constant; keep one", None)
        if positions is not None:
            values["origins"] = {str(key): at(str(key)) for key in data}
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
            # a column the file names itself must be in the file, even over a preset
            named = {key for key in values if key in COLUMN_ROLES}
            values["optional_columns"] = base.optional_columns - named
            if "kind_patterns" in values:
                values["kind_patterns"] = (*base.kind_patterns, *values["kind_patterns"])
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


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_kind_targets(kinds: Mapping[str, Any],
                        fail: Callable[[tuple[str | int, ...], str, str | None],
                                       TreatylineError]) -> None:
    """Every kind `kinds` maps to is an incident kind (else fail at its place)."""
    for category, target in kinds.items():
        pairs = target.items() if isinstance(target, Mapping) else [(None, target)]
        for sub, kind in pairs:
            if not isinstance(kind, str) or kind not in KINDS:
                path = ("kinds", category) if sub is None else ("kinds", category, sub)
                label = category if sub is None else f"{category} / {sub}"
                raise fail(path, f"{_shown(label)} maps to {_shown(kind)}, which is not an "
                                 f"incident kind (known: {', '.join(KINDS)})",
                           did_you_mean(str(kind), KINDS))


_INTERNAL_FIELDS: Final = frozenset({"optional_columns", "origins"})
"""Fields a mapping file does not set (presets and the loader do)."""


_TEXT_KEYS: Final = frozenset({"dataset", "citation", "preset", "date_format", "date_kind"})
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
        if key == "date_kind" and value not in DATE_KINDS:
            raise fail(key, f"{_shown(value)} is not one of {', '.join(DATE_KINDS)}",
                       did_you_mean(value, DATE_KINDS))
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


def as_preset(mapping: ColumnMapping) -> ColumnMapping:
    """`mapping` with every column but the required ones optional: a dataset's exports
    may leave some out (a missing one is then a warning, not an error)."""
    return dataclasses.replace(mapping, optional_columns=frozenset(mapping.columns())
                               - set(mapping.required))


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
                                   positions=lambda path: source.at(path))
_FIELD_NAMES = frozenset(f.name for f in dataclasses.fields(ColumnMapping))
