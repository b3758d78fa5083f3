"""The columns of an incidents table (`SCHEMA`), one incident as a Python object
(`Incident`, built only for the rows reported), the points in time a selection takes
(`Moment`) and the day numbers the commitments compare (`day_number`); with the conversions
that bring outside columns to `SCHEMA`'s types. Re-exported by `treatyline.incidents`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from .errors import UsageError
from .incident_kinds import _dictionary

__all__ = ["CHUNKED_COLUMNS", "OPTIONAL_COLUMNS", "REQUIRED_COLUMNS", "SCHEMA", "DayArray",
           "Incident", "Moment", "TimePrecision", "day_number", "narrowed", "narrowed_codes",
           "widened"]


class TimePrecision(IntEnum):
    """How precisely an incident's time is known (the source's own code is kept too)."""

    MINUTE = 0
    """A time of day is given (to the minute or better)."""
    DAY = 1
    """The calendar day is known; `time` is that day's 00:00 label."""
    PERIOD = 2
    """Only a window of more than one day is known: [time, time_end)."""


_UTC_SECONDS = pa.timestamp("s", tz="UTC")
_DICT = pa.dictionary(pa.int32(), pa.string())

SCHEMA: Final = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("time", _UTC_SECONDS, nullable=False),
        pa.field("time_end", _UTC_SECONDS, nullable=False),
        pa.field("time_precision", pa.int8(), nullable=False),
        pa.field("time_precision_source", pa.int8(), nullable=False),
        pa.field("kind", _DICT, nullable=False),
        pa.field("category", _DICT, nullable=False),
        pa.field("subcategory", _DICT, nullable=False),
        pa.field("actor1", _DICT, nullable=False),
        pa.field("actor2", _DICT, nullable=False),
        pa.field("target", _DICT, nullable=False),
        pa.field("longitude", pa.float64(), nullable=False),
        pa.field("latitude", pa.float64(), nullable=False),
        pa.field("location_precision", pa.int8(), nullable=False),
        pa.field("radius_km", pa.float64(), nullable=False),
        pa.field("fatalities_best", pa.float64(), nullable=False),
        pa.field("fatalities_low", pa.float64(), nullable=False),
        pa.field("fatalities_high", pa.float64(), nullable=False),
        pa.field("place", _DICT, nullable=False),
        pa.field("admin1", _DICT, nullable=False),
        pa.field("notes", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("dataset", _DICT, nullable=False),
        pa.field("date_kind", _DICT, nullable=False),
    ],
    metadata={"treatyline": "incidents/1"},
)
"""The columns of every `Incidents` table, in order. Strings are never null ('' when not
given); floats are NaN when not given; the two source-code columns are 0 when not given.

- id: the source's event id (unique within one file).
- time, time_end: UTC seconds; [time, time_end) is the window the event happened in.
- time_precision: a `TimePrecision` code. time_precision_source: the source's own code
  (UCDP date_prec 1-5, ACLED time_precision 1-3; 0 = none).
- kind: a treatyline kind (`KINDS`); its dictionary is always `KINDS` in that order.
- category, subcategory: the source's own categories (UCDP type_of_violence '1'-'3' and '';
  ACLED event_type and sub_event_type).
- actor1, actor2: the source's actor names (UCDP side_a/side_b; ACLED actor1/actor2).
- target: ISO 3166-1 alpha-2 code of the country the event happened in, or ''. It is where
  the event took place, not a finding of who was attacked.
- longitude, latitude: WGS84 degrees.
- location_precision: the source's code (UCDP where_prec 1-7, ACLED geo_precision 1-3;
  0 = none); radius_km: the uncertainty radius derived from it (NaN when unknown).
- fatalities_best/low/high: the source's estimates (ACLED gives one number: best).
- place, admin1: the named location and first-order administrative unit as the source
  writes them. notes: the source's description. source: the citation for the row.
- dataset: the dataset's name, e.g. 'UCDP GED', 'ACLED'.
- date_kind: 'occurred' when `time` is when the event happened; 'documented' when the
  source's date is when it was recorded (a mapping's `date_kind`), which may be later.
  Optional on reading treatyline's own files (`OPTIONAL_COLUMNS` gives its default).
"""

OPTIONAL_COLUMNS: Final[Mapping[str, str]] = {"date_kind": "occurred"}
"""Columns that files written by earlier versions lack, with the value they then take."""
REQUIRED_COLUMNS: Final[tuple[str, ...]] = tuple(
    name for name in SCHEMA.names if name not in OPTIONAL_COLUMNS)

_NUMERIC = ("time_precision", "time_precision_source", "longitude", "latitude",
            "location_precision", "radius_km", "fatalities_best", "fatalities_low",
            "fatalities_high")
_DICTIONARY_COLUMNS = tuple(f.name for f in SCHEMA if f.type == _DICT)
_STRING_COLUMNS = tuple(f.name for f in SCHEMA if f.type == pa.string())
CHUNKED_COLUMNS: Final = frozenset(_STRING_COLUMNS)
"""The columns an `Incidents` table may hold in several chunks (one per batch read): the
plain text ones (id, notes, source), ~85% of a UCDP row's bytes. Combining them into one
buffer would hold a second copy of the largest column at the peak (source: 1.07 GB at
10^7 UCDP rows) for no gain: they are only searched (Arrow kernels take chunks) and read
for the rows shown. Every other column is one chunk, so that its NumPy view is free."""

Moment = dt.date | dt.datetime | np.datetime64
"""A point in time given to a selection: a day (its 00:00 label, as day-precision events
are stored), a timezone-aware datetime, or a NumPy datetime64 read as UTC."""


DayArray = npt.NDArray[np.int32]
"""Days as counts since 1970-01-01 (`Incidents.day_numbers`): 4 bytes a day."""
_EPOCH: Final = dt.date(1970, 1, 1)


def day_number(day: dt.date) -> np.int32:
    """`day` as a count of days since 1970-01-01, as a `DayArray` holds days."""
    return np.int32((day - _EPOCH).days)


@dataclass(frozen=True, slots=True)
class Incident:
    """One incident, built on demand for reporting (never in a hot loop)."""

    id: str
    time: dt.datetime
    time_end: dt.datetime
    time_precision: TimePrecision
    time_precision_source: int | None
    kind: str
    category: str
    subcategory: str
    actor1: str
    actor2: str
    target: str
    longitude: float
    latitude: float
    location_precision: int | None
    radius_km: float | None
    fatalities_best: float | None
    fatalities_low: float | None
    fatalities_high: float | None
    place: str
    admin1: str
    notes: str
    source: str
    dataset: str
    date_kind: str = "occurred"

    @property
    def day(self) -> dt.date:
        """The (first) day of the incident."""
        return self.time.date()

    @property
    def last_day(self) -> dt.date:
        """The last day of the window (the day before `time_end` for day data)."""
        return (self.time_end - dt.timedelta(seconds=1)).date()

    def when(self) -> str:
        """The time as a reader wants it: '2015-02-17', '2015-02-10..2015-02-11' or
        '2022-03-29 14:30Z'."""
        if self.time_precision == TimePrecision.MINUTE:
            return self.time.strftime("%Y-%m-%d %H:%MZ")
        if self.last_day == self.day:
            return self.day.isoformat()
        return f"{self.day.isoformat()}..{self.last_day.isoformat()}"


def narrowed(table: pa.Table) -> pa.Table:
    """`table` (`SCHEMA`'s columns) with each dictionary column's codes in the narrowest
    signed integers that index its values: one byte for the kinds, datasets, categories or
    countries, two for thousands of places; `SCHEMA`'s int32 otherwise. How an `Incidents`
    table holds them in memory (at 10^7 UCDP events, ~300 MB less than int32 codes); files
    and `to_arrow` keep `SCHEMA`'s int32 (`widened`). Columns already narrow are kept."""
    columns = [pa.chunked_array([narrowed_codes(column.chunk(0))])
               if column.type == _DICT and column.num_chunks == 1 else column
               for column in table.columns]
    return pa.Table.from_arrays(columns, names=table.column_names)


def narrowed_codes(array: pa.Array) -> pa.Array:
    """One column as `narrowed` holds it (any other than an int32 dictionary: as it is)."""
    if array.type != _DICT:
        return array
    width = np.min_scalar_type(-max(len(array.dictionary), 1))  # signed, as Arrow wants
    if width.itemsize >= 4:
        return array
    return pa.DictionaryArray.from_arrays(array.indices.cast(pa.from_numpy_dtype(width)),
                                          array.dictionary)


def widened(table: pa.Table) -> pa.Table:
    """`table` with `SCHEMA`'s types (int32 dictionary codes) where `narrowed` narrowed
    them (a copy of those columns; the others as they are)."""
    columns = [column if column.type == field.type or not pa.types.is_dictionary(column.type)
               else column.cast(field.type)
               for column, field in zip(table.columns, SCHEMA, strict=True)]
    return pa.Table.from_arrays(columns, schema=SCHEMA)


def fits_schema(schema: pa.Schema) -> bool:
    """Whether `schema` is `SCHEMA` up to the width of the dictionary codes."""
    if schema.names != SCHEMA.names:
        return False
    for field, expected in zip(schema, SCHEMA, strict=True):
        if pa.types.is_dictionary(field.type) and expected.type == _DICT:
            if field.type.value_type != pa.string() or not pa.types.is_signed_integer(
                    field.type.index_type):
                return False
        elif field.type != expected.type:
            return False
    return True


def _conform(column: pa.Array, field: pa.Field) -> pa.Array:
    """`column` as `field`'s type, with the 'not given' value in place of nulls."""
    if field.type == _DICT:
        return _dictionary(column).cast(_DICT)
    if pa.types.is_string(field.type):
        if pa.types.is_dictionary(column.type):
            column = column.cast(pa.string())
        return column.cast(pa.string()).fill_null("")
    if pa.types.is_floating(field.type):
        return column.cast(pa.float64()).fill_null(np.nan)
    if pa.types.is_integer(field.type):
        return column.cast(field.type).fill_null(0)
    if pa.types.is_timestamp(field.type):
        if column.null_count:
            raise ValueError(f"{column.null_count} empty times")
        if pa.types.is_timestamp(column.type) and column.type.tz is None:
            column = column.cast(pa.timestamp(column.type.unit, tz="UTC"))
        return column.cast(field.type)
    raise ValueError(f"no conversion to {field.type}")


def _column(field: pa.Field, value: Any, n: int) -> pa.Array:
    if value is None:
        if field.type == _DICT:
            return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)),
                                                  pa.array([""]))
        if pa.types.is_string(field.type):
            return pa.array([""] * n, pa.string())
        if pa.types.is_floating(field.type):
            return pa.array(np.full(n, np.nan))
        return pa.array(np.zeros(n, np.int8), field.type)
    if isinstance(value, (pa.Array, pa.ChunkedArray)):
        array = value
    elif field.type == _DICT or pa.types.is_string(field.type):
        if isinstance(value, np.ndarray):
            array = pa.array(value.astype(str), pa.string())
        else:
            array = pa.array([str(v) for v in value], pa.string())
    else:
        array = pa.array(np.asarray(value))
    if len(array) != n:
        raise UsageError(f"column {field.name!r} has {len(array)} values, 'time' has {n}")
    return array


def _seconds(moment: Moment) -> np.datetime64:
    if isinstance(moment, np.datetime64):
        converted: np.datetime64 = moment.astype("datetime64[s]")
        return converted
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise UsageError(f"{moment.isoformat()} has no timezone; give an aware datetime "
                             "(e.g. tzinfo=datetime.UTC) or a date")
        utc = moment.astimezone(dt.UTC).replace(tzinfo=None)
        return np.datetime64(utc, "s")
    if isinstance(moment, dt.date):
        return np.datetime64(moment.isoformat(), "s")
    raise UsageError(f"{moment!r} is not a date, an aware datetime or a datetime64")


def _seconds_array(
    values: Any, name: str
) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.bool_]]:
    """UTC seconds, and whether each value carried a time of day."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = values.to_numpy(zero_copy_only=False)
    array = np.asarray(values)
    if np.issubdtype(array.dtype, np.datetime64):
        unit = np.datetime_data(array.dtype)[0]
        timed = np.full(len(array), unit not in ("Y", "M", "W", "D"))
        return array.astype("datetime64[s]"), timed
    out = np.empty(len(array), "datetime64[s]")
    timed = np.zeros(len(array), np.bool_)
    for i, value in enumerate(array.tolist()):  # small inputs only (tests, programs)
        out[i] = _seconds(value)
        timed[i] = isinstance(value, dt.datetime)
    return out, timed


def _datetime(value: np.datetime64) -> dt.datetime:
    seconds = int(value.astype("datetime64[s]").astype(np.int64))
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)
