"""Raw columns (as read from a file) + a ColumnMapping → Incidents, rejected rows, warnings.

Every check runs over whole columns; only rows that fail get a Python message. A row
with any problem is set aside (one diagnostic per problem, naming the row's line and
id); the others are kept, in file order.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ..deferred_text import MARKED
from ..errors import Diagnostic, Position, did_you_mean
from ..incidents import KINDS, SCHEMA, Incidents, TimePrecision, map_kinds
from ._countries import to_alpha2_column
from ._dates import explain, parse_times, spellings_of
from ._mapping_extras import expand_kind_patterns
from ._parts import Check, EventFile, Locate, Part, Progress, combine_parts
from ._repeated_text import kept_text
from ._shown import shorten
from .mapping import MAX_RADIUS_KM, ColumnMapping, utc_offset_minutes

__all__ = ["Check", "EventFile", "Locate", "Progress", "build_incidents", "check_rows"]

_DAY: Final = 86_400
_DICTIONARY: Final = pa.dictionary(pa.int32(), pa.string())
"""The type of `SCHEMA`'s text columns of repeated values."""

# Bounds on values a row may hold (rows outside are set aside, not read):
FIRST_YEAR: Final = 1800
LAST_YEAR: Final = 2199
"""Event dates outside these years are refused: no conflict-event dataset reaches them, a
typo (0015 for 2015) should not pass, and dates near 0001 or 9999 would overflow the
calendar arithmetic downstream (a day after 9999-12-31 is no Python date)."""
_EARLIEST: Final = int((np.datetime64(f"{FIRST_YEAR}-01-01", "s")
                        - np.datetime64(0, "s")).astype(np.int64))
_LATEST: Final = int((np.datetime64(f"{LAST_YEAR + 1}-01-01", "s")
                      - np.datetime64(0, "s")).astype(np.int64))
MAX_FATALITIES: Final = 10_000_000.0
"""More deaths than this in one event is a data error, not an event."""
_NUMBER: Final = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


@dataclass
class _Problems:
    """Rows found bad so far, each with the messages that say why."""

    n: int
    bad: npt.NDArray[np.bool_] = field(init=False)
    items: list[tuple[npt.NDArray[np.int64], str, Callable[[int], tuple[str, str | None]]]] = (
        field(default_factory=list))

    def __post_init__(self) -> None:
        self.bad = np.zeros(self.n, np.bool_)

    def add(self, mask: npt.NDArray[np.bool_], column: str,
            message: Callable[[int], str | tuple[str, str | None]]) -> None:
        rows = np.flatnonzero(mask)
        if not rows.size:
            return
        self.bad[rows] = True

        def described(row: int) -> tuple[str, str | None]:
            result = message(row)
            return result if isinstance(result, tuple) else (result, None)

        self.items.append((rows, column, described))


def _blank(n: int) -> pa.Array:
    return pa.nulls(n, pa.string()).fill_null("")


def _text(array: pa.Array) -> pa.Array:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.cast(pa.string())
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        array = array.cast(pa.string())
    return pc.utf8_trim_whitespace(array.fill_null(""))


def _incidents_table(columns: Mapping[str, pa.Array], path: str) -> pa.Table:
    """The checked columns as a table of `SCHEMA`. They are built with its types, text
    without nulls: the conversions of `Incidents.from_arrow` would leave them as they are,
    but for the text kept as strings, dictionary-encoded here as it would be there."""
    arrays = [columns[field.name].dictionary_encode()
              if field.type == _DICTIONARY and not pa.types.is_dictionary(
                  columns[field.name].type) else columns[field.name] for field in SCHEMA]
    if any(array.type != field.type or array.null_count
           for array, field in zip(arrays, SCHEMA, strict=True)):
        return Incidents.from_arrow(pa.table(columns), where=path).to_arrow()
    return Incidents(pa.Table.from_arrays(arrays, schema=SCHEMA)).to_arrow()


def _encoded_text(array: pa.Array) -> pa.DictionaryArray:
    """`_text` of a column of repeated values (categories, countries), dictionary-encoded
    as `dictionary_encode` encodes it; a dictionary or whole-number column is converted
    and trimmed once per distinct value."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_integer(array.type):
        array = pc.dictionary_encode(array)
    if pa.types.is_dictionary(array.type):
        return kept_text(array, np.ones(len(array), np.bool_))
    return _text(array).dictionary_encode()


def _floats(array: pa.Array) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Values (NaN where empty) and a mask of cells that are not numbers."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_integer(array.type) and not array.null_count:
        # whole numbers with every cell written (UCDP's precisions and deaths): all valid
        values = array.cast(pa.float64()).to_numpy(zero_copy_only=False)
        return values, np.zeros(len(array), np.bool_)
    if pa.types.is_integer(array.type) or pa.types.is_floating(array.type):
        values = array.cast(pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False)
        valid = array.is_valid().to_numpy(zero_copy_only=False)
        invalid = valid & np.isinf(values)  # NaN in a number column means missing
        return np.where(invalid, np.nan, values), invalid
    text = _text(array)
    empty = pc.equal(pc.utf8_length(text), 0)
    filled = pc.if_else(empty, pa.scalar("nan"), text)
    try:
        values = pc.cast(filled, pa.float64()).to_numpy(zero_copy_only=False)
        # 'nan', 'inf', '1e999' cast too: a written cell must be a finite number
        invalid = ~np.isfinite(values) & ~empty.to_numpy(zero_copy_only=False)
        return np.where(invalid, np.nan, values), invalid
    except pa.ArrowInvalid:
        pass
    valid = pc.or_(pc.match_substring_regex(text, _NUMBER), empty)
    values = pc.cast(pc.if_else(valid, filled, pa.scalar("nan")), pa.float64()).to_numpy(
        zero_copy_only=False)
    invalid = ~valid.to_numpy(zero_copy_only=False) | (
        np.isinf(values))  # '1e999' matches the pattern but is no finite number
    return np.where(invalid, np.nan, values), invalid


def _codes(array: pa.Array) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Integer codes (0 where empty) and a mask of cells that are not whole numbers."""
    values, invalid = _floats(array)
    fractional = ~np.isnan(values) & (np.floor(values) != values)
    huge = ~np.isnan(values) & (np.abs(values) > 100)
    invalid = invalid | fractional | huge
    return np.where(np.isnan(values) | invalid, 0, values).astype(np.int64), invalid


def _value(array: pa.Array, row: int) -> str:
    """The cell, for a message: cut to 40 characters, control characters escaped."""
    value = array[row].as_py()
    return "" if value is None else shorten(str(value))


def _says(array: pa.Array, what: str) -> Callable[[int], str]:
    """A message maker: row → "'<the cell>' <what>"."""
    return lambda row: f"{_value(array, row)!r} {what}"


def build_incidents(
    raw: Mapping[str, pa.Array],
    mapping: ColumnMapping,
    *,
    path: str,
    fmt: str,
    locate: Locate,
    earlier: Sequence[Diagnostic] = (),
    warnings: Sequence[Diagnostic] = (),
    rows_read: int | None = None,
    checks: Sequence[Check] = (),
) -> EventFile:
    """Check and convert the raw columns (role → array, roles as in ColumnMapping).

    `earlier` are rejections the reader already made (e.g. a CSV row with too many
    fields); `rows_read` counts them in. `checks` are the reader's own row checks
    (e.g. a GeoJSON feature that is not a point).
    """
    part = check_rows(raw, mapping, path=path, locate=locate, checks=checks)
    return combine_parts([part], mapping, path=path, fmt=fmt, locate=locate,
                         earlier=earlier, warnings=warnings, rows_read=rows_read)


def check_rows(
    raw: Mapping[str, pa.Array],
    mapping: ColumnMapping,
    *,
    path: str,
    locate: Locate,
    first_row: int = 0,
    checks: Sequence[Check] = (),
    defer: Collection[str] = (),
) -> Part:
    """The checks and conversions of `build_incidents` on one batch of a file's rows
    (the file's rows `first_row`, `first_row + 1`, ...): its incidents, rejected rows and
    tallies, to be combined with the file's other batches by `combine_parts`. Ids used
    again are found there, across the whole file.

    The text roles in `defer` ('notes', 'source') that the batch has are left out of the
    incidents ('' in their place): the part carries instead each kept row's file row and
    whether its source contains `MARKED`, and the text is read back from the file for
    the rows shown (`deferred_text`)."""
    file_locate = locate

    def in_file(rows: npt.NDArray[np.int64]) -> list[tuple[Position, str]]:
        return file_locate(rows + first_row)

    locate = in_file

    names = mapping.columns()
    for role in ("longitude", "latitude"):
        names.setdefault(role, "geometry")  # GeoJSON: coordinates from the geometry
    n = len(raw["id"])
    if mapping.constants:  # a constant is a column with one value, checked as any other
        raw = {**raw, **{role: pa.array([str(value)] * n, pa.string())
                         for role, value in mapping.constants.items()}}
        names.update({role: f"{role} (constant)" for role in mapping.constants})
    problems = _Problems(n)
    for mask, column, message in checks:
        problems.add(mask, column, message)
    unmapped: dict[tuple[str, str], tuple[int, int]] = {}
    no_kind_column = False

    ids = _text(raw["id"])
    problems.add(pc.equal(pc.utf8_length(ids), 0).to_numpy(zero_copy_only=False),
                 names["id"], lambda row: "no event id")

    # --- time ----------------------------------------------------------------------
    spellings = spellings_of(mapping.date_format)
    offset = utc_offset_minutes(mapping.utc_offset) if mapping.utc_offset else 0
    start = parse_times(raw["date"], spellings, offset)
    problems.add(start.problem != 0, names["date"],
                 lambda row: explain(_value(raw["date"], row), spellings))
    first = start.seconds
    timed = start.timed
    last = first
    last_timed = timed
    if "date_end" in raw:
        end = parse_times(raw["date_end"], spellings, offset)
        given = end.problem != 1  # 1 = empty: the event is one day (or instant) long
        problems.add(given & (end.problem != 0), names["date_end"],
                     lambda row: explain(_value(raw["date_end"], row), spellings))
        last = np.where(given & (end.problem == 0), end.seconds, first)
        last_timed = np.where(given & (end.problem == 0), end.timed, timed)
        # compare instants when both ends have a time of day, else calendar days
        before = (start.problem == 0) & (end.problem == 0) & given & np.where(
            timed & last_timed, last < first, last // _DAY < first // _DAY)
        problems.add(before, names["date_end"], lambda row: (
            f"{_value(raw['date_end'], row)!r} is before the start "
            f"{_value(raw['date'], row)!r}"))
    time_end = np.where(timed, np.maximum(last, first) + 60, last - last % _DAY + _DAY)

    source_time_code = np.zeros(n, np.int64)
    if "time_precision" in raw:
        source_time_code, invalid = _codes(raw["time_precision"])
        column = names["time_precision"]
        problems.add(invalid, column,
                     lambda row: f"{_value(raw['time_precision'], row)!r} is not a whole number")
        if mapping.time_precision_codes:
            unknown = ~invalid & (source_time_code != 0) & ~np.isin(
                source_time_code, mapping.time_precision_codes)
            valid = ", ".join(str(c) for c in mapping.time_precision_codes)
            problems.add(unknown, column, lambda row: (
                f"{_value(raw['time_precision'], row)!r} is not one of the codes {valid}"))
        for code, (days_before, days_after) in mapping.time_windows.items():
            widen = source_time_code == code
            first = np.where(widen, first - days_before * _DAY, first)
            time_end = np.where(widen, time_end + days_after * _DAY, time_end)
    outside = ((start.problem == 0) & ((first < _EARLIEST) | (time_end > _LATEST)))
    problems.add(outside, names["date"], lambda row: (
        f"{_value(raw['date'], row)!r} is outside the years {FIRST_YEAR}-{LAST_YEAR}"))
    first = np.where(outside, 0, first)
    time_end = np.where(outside, _DAY, time_end)
    span = time_end - first
    precision = np.where(span > _DAY, TimePrecision.PERIOD,
                         np.where(timed, TimePrecision.MINUTE, TimePrecision.DAY))

    # --- place ---------------------------------------------------------------------
    longitude, lon_invalid = _floats(raw["longitude"]) if "longitude" in raw else (
        np.full(n, np.nan), np.zeros(n, np.bool_))
    latitude, lat_invalid = _floats(raw["latitude"]) if "latitude" in raw else (
        np.full(n, np.nan), np.zeros(n, np.bool_))
    lon_name = names.get("longitude", "longitude")
    lat_name = names.get("latitude", "latitude")
    if "longitude" in raw:
        problems.add(lon_invalid, lon_name,
                     lambda row: f"{_value(raw['longitude'], row)!r} is not a number")
    if "latitude" in raw:
        problems.add(lat_invalid, lat_name,
                     lambda row: f"{_value(raw['latitude'], row)!r} is not a number")
    no_lon = np.isnan(longitude) & ~lon_invalid
    no_lat = np.isnan(latitude) & ~lat_invalid
    both = lon_name if lon_name == lat_name else f"{lon_name}/{lat_name}"
    problems.add(no_lon & no_lat, both, lambda row: "no coordinates")
    problems.add(no_lon & ~no_lat, lon_name, lambda row: "no longitude")
    problems.add(no_lat & ~no_lon, lat_name, lambda row: "no latitude")
    with np.errstate(invalid="ignore"):
        problems.add(np.abs(latitude) > 90, lat_name, lambda row: (
            f"{_value(raw['latitude'], row)!r} is outside -90..90"))
        problems.add(np.abs(longitude) > 180, lon_name, lambda row: (
            f"{_value(raw['longitude'], row)!r} is outside -180..180"))

    location_code = np.zeros(n, np.int64)
    radius = np.full(n, np.nan)
    if "location_precision" in raw:
        location_code, invalid = _codes(raw["location_precision"])
        column = names["location_precision"]
        problems.add(invalid, column, lambda row: (
            f"{_value(raw['location_precision'], row)!r} is not a whole number"))
        if mapping.radius_km:
            table = np.full(101, np.nan)
            for code, km in mapping.radius_km.items():
                if 0 <= code <= 100:
                    table[code] = km
            known = ~np.isnan(table[np.clip(location_code, 0, 100)])
            valid = ", ".join(str(c) for c in sorted(mapping.radius_km))
            problems.add(~invalid & (location_code != 0) & ~known, column, lambda row: (
                f"{_value(raw['location_precision'], row)!r} is not one of the codes {valid}"))
            radius = table[np.clip(location_code, 0, 100)]
    if "radius" in raw:
        given, invalid = _floats(raw["radius"])
        problems.add(invalid, names["radius"],
                     lambda row: f"{_value(raw['radius'], row)!r} is not a number")
        with np.errstate(invalid="ignore"):
            problems.add(given < 0, names["radius"],
                         lambda row: f"{_value(raw['radius'], row)!r} is negative")
            problems.add(given > MAX_RADIUS_KM, names["radius"], lambda row: (
                f"{_value(raw['radius'], row)!r} km is more than half the Earth's "
                f"circumference ({MAX_RADIUS_KM:,.0f} km)"))
        radius = np.where(np.isnan(given), radius, given)

    # --- fatalities ------------------------------------------------------------------
    deaths: dict[str, npt.NDArray[np.float64]] = {}
    for role in ("fatalities", "fatalities_low", "fatalities_high"):
        if role not in raw:
            deaths[role] = np.full(n, np.nan)
            continue
        values, invalid = _floats(raw[role])
        problems.add(invalid, names[role], _says(raw[role], "is not a number"))
        with np.errstate(invalid="ignore"):
            problems.add(values < 0, names[role], _says(raw[role], "is negative"))
            problems.add(values > MAX_FATALITIES, names[role], _says(
                raw[role], f"is more than {MAX_FATALITIES:,.0f} deaths in one event"))
        deaths[role] = values

    # --- kind ------------------------------------------------------------------------
    if "kind" in raw:
        kinds_text = _text(raw["kind"])
        encoded = kinds_text.dictionary_encode()
        values = encoded.dictionary.to_pylist()
        lut = np.array([KINDS.index(v) if v in KINDS else -1 for v in values] or [0], np.int32)
        kind_codes = lut[encoded.indices.to_numpy(zero_copy_only=False)] if n else (
            np.zeros(0, np.int32))
        problems.add(kind_codes < 0, names["kind"], lambda row: (
            f"{_value(raw['kind'], row)!r} is not an incident kind",
            did_you_mean(_value(raw["kind"], row), KINDS)))
        kind_codes = np.where(kind_codes < 0, 0, kind_codes).astype(np.int32)
        category = _text(raw["category"]) if "category" in raw else _text(
            _blank(n))
    elif "category" in raw:
        category = _encoded_text(raw["category"])
        subcategory = _encoded_text(raw["subcategory"]) if "subcategory" in raw else None
        kinds = mapping.kinds
        if mapping.kind_patterns:  # its dictionary: the distinct values, as pc.unique
            kinds = expand_kind_patterns(kinds, mapping.kind_patterns,
                                         category.dictionary.to_pylist())
        kind_codes, unmapped = map_kinds(category, subcategory, kinds)
    else:
        kind_codes = np.full(n, KINDS.index("other"), np.int32)
        category = _blank(n)
        no_kind_column = not (mapping.kind or mapping.category)

    # --- target ------------------------------------------------------------------------
    keep = ~problems.bad
    keep_array = pa.array(keep, pa.bool_())
    unresolved: dict[str, tuple[int, int]] = {}
    if "target" in raw:
        target, unresolved = to_alpha2_column(_encoded_text(raw["target"]))
        target = target.filter(keep_array)
    else:
        target = None

    # --- assemble --------------------------------------------------------------------
    kept = int(keep.sum())

    def strings(role: str) -> pa.Array:
        if role not in raw:
            return _blank(kept)
        if role in ("notes", "source"):  # long free text: kept as written, not trimmed
            array = raw[role]
            if isinstance(array, pa.ChunkedArray):
                array = array.combine_chunks()
            return array.cast(pa.string()).fill_null("").filter(keep_array)
        array = raw[role]
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if pa.types.is_dictionary(array.type):  # each distinct value trimmed once
            return kept_text(array, keep)
        return _text(array).filter(keep_array)

    deferred = [role for role in ("notes", "source") if role in defer and role in raw]
    # a deferred source is never built: only whether it holds MARKED is kept
    source = _blank(kept) if "source" in deferred else _cited(strings("source"),
                                                              mapping.citation)
    columns: dict[str, Any] = {
        "id": ids.filter(keep_array),
        "time": pa.array(first[keep].astype("datetime64[s]"), SCHEMA.field("time").type),
        "time_end": pa.array(time_end[keep].astype("datetime64[s]"),
                             SCHEMA.field("time_end").type),
        "time_precision": pa.array(precision[keep].astype(np.int8)),
        "time_precision_source": pa.array(source_time_code[keep].astype(np.int8)),
        "kind": pa.DictionaryArray.from_arrays(pa.array(kind_codes[keep], pa.int32()),
                                               pa.array(KINDS, pa.string())),
        "category": (kept_text(category, keep) if pa.types.is_dictionary(category.type)
                     else category.filter(keep_array)),
        "subcategory": strings("subcategory"),
        "actor1": strings("actor1"),
        "actor2": strings("actor2"),
        "target": target if target is not None else strings("target"),
        "longitude": pa.array(longitude[keep]),
        "latitude": pa.array(latitude[keep]),
        "location_precision": pa.array(location_code[keep].astype(np.int8)),
        "radius_km": pa.array(radius[keep]),
        "fatalities_best": pa.array(deaths["fatalities"][keep]),
        "fatalities_low": pa.array(deaths["fatalities_low"][keep]),
        "fatalities_high": pa.array(deaths["fatalities_high"][keep]),
        "place": strings("place"),
        "admin1": strings("admin1"),
        "notes": strings("notes"),
        "source": source,
        "dataset": pa.DictionaryArray.from_arrays(pa.array(np.zeros(kept, np.int32)),
                                                  pa.array([mapping.dataset])),
        "date_kind": pa.DictionaryArray.from_arrays(pa.array(np.zeros(kept, np.int32)),
                                                    pa.array([mapping.date_kind])),
    }
    origin = marks = None
    if deferred:
        origin = np.flatnonzero(keep).astype(np.int64) + first_row
        marks = (_marked_sources(raw["source"], mapping.citation)[keep] if "source" in deferred
                 else _marked(_cited(source, mapping.citation)))
        blank = _blank(kept)  # one '' column for both: its offsets are shared
        columns.update({role: blank for role in deferred})
    return Part(
        table=_incidents_table(columns, path), offset=first_row, rows=n, origin=origin, marks=marks,
        rejected=tuple((row + first_row, diagnostic)
                       for row, diagnostic in _diagnostics(problems, ids, locate)),
        unmapped={pair: (count, row + first_row) for pair, (count, row) in unmapped.items()},
        unresolved={name: (count, row + first_row)
                    for name, (count, row) in unresolved.items()},
        no_kind_column=no_kind_column)


def _cited(source: pa.Array, citation: str) -> pa.Array:
    """The source column with the mapping's citation where a row gives none."""
    if not citation:
        return source
    return pc.if_else(pc.equal(pc.utf8_length(source), 0), pa.scalar(citation), source)


def _marked(text: pa.Array) -> npt.NDArray[np.bool_]:
    """Whether each cell contains `MARKED`, in any case (False for a null)."""
    found = pc.match_substring(text, MARKED, ignore_case=True).fill_null(False)
    return found.to_numpy(zero_copy_only=False).astype(np.bool_)  # type: ignore[no-any-return]


def _marked_sources(raw_source: pa.Array, citation: str) -> npt.NDArray[np.bool_]:
    """`_marked` of `_cited` of the file's source column, for every row of the batch,
    without building the cited column: a row with no source of its own is marked as the
    citation is, the others as their own text is."""
    if isinstance(raw_source, pa.ChunkedArray):
        raw_source = raw_source.combine_chunks()
    text = raw_source.cast(pa.string())
    own = _marked(text)
    if not citation:
        return own
    empty = pc.equal(pc.utf8_length(text), 0).fill_null(True).to_numpy(
        zero_copy_only=False).astype(np.bool_)
    if not empty.any():
        return own
    return np.where(empty, _marked(pa.array([citation], pa.string()))[0], own)


def _diagnostics(problems: _Problems, ids: pa.Array,
                 locate: Locate) -> list[tuple[int, Diagnostic]]:
    """One diagnostic per problem of each bad row, with the row (in the batch)."""
    if not problems.items:
        return []
    bad_rows = np.flatnonzero(problems.bad)
    places = dict(zip(bad_rows.tolist(), locate(bad_rows), strict=True))
    found: list[tuple[int, int, Diagnostic]] = []
    for order, (rows, column, describe) in enumerate(problems.items):
        for row in rows.tolist():
            where, prefix = places[row]
            event_id = _value(ids, row)
            who = f"event {event_id}" if event_id else "event without id"
            message, suggestion = describe(row)
            found.append((row, order, Diagnostic(f"{prefix}{who}: {column}: {message}",
                                                 where, suggestion)))
    found.sort(key=lambda item: (item[0], item[1]))
    return [(row, diagnostic) for row, _, diagnostic in found]
