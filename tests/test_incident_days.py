"""Day numbers (int32 days since 1970-01-01) against the datetime64 days they stand for,
the narrow codes of `distinct_numbers`, `values_where`, and the split of the incidents
modules (every public name still importable from `treatyline.incidents`)."""

from __future__ import annotations

import datetime as dt

import numpy as np

import treatyline.incident_kinds as kinds_module
import treatyline.incident_schema as schema_module
import treatyline.incidents as incidents_module
from treatyline.commitment_results import Window
from treatyline.incidents import Incidents, day_number
from treatyline.measuring import in_window, last_event_day, touches


def _table(starts: list[str], ends: list[str], **columns: object) -> Incidents:
    time = np.array(starts, "datetime64[s]")
    return Incidents.from_columns(
        id=[f"e{i}" for i in range(len(starts))], time=time,
        time_end=np.array(ends, "datetime64[s]"), kind=["clash"] * len(starts),
        longitude=[30.0] * len(starts), latitude=[50.0] * len(starts), **columns)


def test_day_numbers_are_the_days_of_the_datetime64_columns() -> None:
    events = _table(
        ["1969-12-31T23:59:59", "1970-01-01T00:00:00", "2015-02-15T12:00:00",
         "1900-03-01T00:00:00", "2015-02-20T00:00:00"],
        ["1970-01-01T00:00:00", "1970-01-02T00:00:00", "2015-02-15T13:00:00",
         "1900-03-04T00:00:00", "2015-02-20T00:00:00"])
    first, last = events.day_numbers, events.last_day_numbers
    assert first.dtype == np.int32 and last.dtype == np.int32
    assert first.tolist() == [-1, 0, 16481, -25508, 16486]
    # the day before time_end, never before the first day (an empty window: its own day)
    assert last.tolist() == [-1, 0, 16481, -25506, 16486]
    expected_first = events.time.astype("datetime64[D]")
    expected_last = np.maximum((events.time_end - np.timedelta64(1, "s"))
                               .astype("datetime64[D]"), expected_first)
    assert (events.day == expected_first).all() and (events.last_day == expected_last).all()
    assert (first.astype("datetime64[D]") == expected_first).all()
    assert not first.flags.writeable and not last.flags.writeable


def test_day_number_and_windows_compare_as_dates_do() -> None:
    assert day_number(dt.date(1970, 1, 1)) == 0
    assert day_number(dt.date(2015, 2, 15)) == 16481
    assert day_number(dt.date(1969, 12, 31)) == -1
    events = _table(["2015-02-14", "2015-02-15", "2015-02-16"],
                    ["2015-02-15", "2015-02-17", "2015-02-17"])
    first, last = events.day_numbers, events.last_day_numbers
    window = Window(dt.date(2015, 2, 15), dt.date(2015, 2, 16))
    assert in_window(first, last, window).tolist() == [False, True, True]
    assert touches(first, last, Window(dt.date(2015, 2, 16), dt.date(2015, 2, 20))
                   ).tolist() == [False, True, True]
    assert last_event_day(last) == dt.date(2015, 2, 16)


def test_distinct_numbers_codes_are_the_narrowest_unsigned_integers() -> None:
    radii = [25.0, 1.0, np.nan, 1.0, 5.0]
    events = _table(["2015-02-14"] * 5, ["2015-02-15"] * 5, radius_km=radii)
    codes, values = events.distinct_numbers("radius_km")
    assert codes.dtype == np.uint8
    assert values[:3].tolist() == [1.0, 5.0, 25.0] and np.isnan(values[3])
    assert codes.tolist() == [2, 0, 3, 0, 1]


def test_values_where_names_the_values_of_the_rows_chosen() -> None:
    events = _table(["2015-02-14"] * 3, ["2015-02-15"] * 3,
                    dataset=["UCDP GED", "ACLED", "UCDP GED"])
    assert events.values_where("dataset", np.array([True, False, True])) == ["UCDP GED"]
    assert events.values_where("dataset", np.ones(3, np.bool_)) == ["ACLED", "UCDP GED"]
    assert events.values_where("dataset", np.zeros(3, np.bool_)) == []


def test_the_split_modules_names_are_importable_from_incidents() -> None:
    for module in (kinds_module, schema_module):
        for name in module.__all__:
            assert getattr(incidents_module, name) is getattr(module, name), name
            assert name in incidents_module.__all__, name
