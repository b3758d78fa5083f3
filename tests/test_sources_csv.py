"""CSV readers: bad rows set aside with their line and id, good rows kept; mappings."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from treatyline.errors import EventDataError, UsageError
from treatyline.incidents import TimePrecision
from treatyline.sources import ColumnMapping, from_csv, load_mapping, read_events

Write = Callable[[str, str], Path]
DATA = Path(__file__).resolve().parent / "data"

UCDP_HEADER = ("id,date_start,date_end,date_prec,type_of_violence,side_a,side_b,country,"
               "longitude,latitude,where_prec,best,low,high,where_coordinates,adm_1,"
               "source_article\n")


def messages(found: object) -> list[str]:
    return [re.sub(r"^\S*/", "", line) for line in found.report()]  # type: ignore[attr-defined]


def test_bad_rows_are_set_aside_with_line_and_id(write: Write) -> None:
    path = write("ged.csv", UCDP_HEADER + (
        '1,1/22/2014 12:00:00 AM,1/22/2014 12:00:00 AM,1,1,Government of Ukraine,Maidan,'
        'Ukraine,30.52,50.45,1,5,5,5,Kiev city,Kiev,"a source\nover two lines"\n'
        "2,05/02/2014 00:00,05/02/2014 00:00,1,1,A,B,Ukraine,,,1,0,0,0,,,s\n"
        "3,22/01/2014 00:00,22/01/2014 00:00,1,1,A,B,Ukraine,37.5,48.0,1,0,0,0,,,s\n"
        "\n"
        "4,2/30/2014 12:00:00 AM,2/28/2014 12:00:00 AM,1,1,A,B,Ukraine,30.5,95.0,1,0,0,0,,,s\n"
        "5,05/10/2014 00:00,05/02/2014 00:00,2,1,A,B,Ukraine,37.5,48.0,9,0,0,0,,,s\n"
        "1,05/02/2014 00:00,05/02/2014 00:00,1,1,A,B,Ukraine,37.5,48.0,1,0,0,0,,,s\n"
        "7,too,few\n"
        "8,05/02/2014 00:00,05/02/2014 00:00,1,1,A,B,Ukraine,37.5,48.0,1,many,0,0,,,s\n"
        "9,2014-05-02,2014-05-03,2,3,A,Civilians,Ukraine,37.5,48.0,2,1,1,2,,,s\n"
        ",05/02/2014 00:00,05/02/2014 00:00,1,1,A,B,Ukraine,37.5,48.0,1,0,0,0,,,s\n"
    ))
    found = read_events(path)
    assert found.format == "ucdp"
    assert [row.id for row in found.incidents.rows()] == ["1", "9"]
    assert found.rows_read == 10 and found.rejected_rows == 8
    assert messages(found) == [
        "ged.csv:4: error: event 2: longitude/latitude: no coordinates",
        "ged.csv:5: error: event 3: date_start: '22/01/2014 00:00' has no month 22: dates "
        "here are read month first (M/D/YYYY), never day first",
        "ged.csv:5: error: event 3: date_end: '22/01/2014 00:00' has no month 22: dates "
        "here are read month first (M/D/YYYY), never day first",
        "ged.csv:7: error: event 4: date_start: '2/30/2014 12:00:00 AM': day 30 does not "
        "exist in 2014-02 (read month first, M/D/YYYY)",
        "ged.csv:7: error: event 4: latitude: '95.0' is outside -90..90",
        "ged.csv:8: error: event 5: date_end: '05/02/2014 00:00' is before the start "
        "'05/10/2014 00:00'",
        "ged.csv:8: error: event 5: where_prec: '9' is not one of the codes 1, 2, 3, 4, 5, 6, 7",
        "ged.csv:9: error: event 1: id: the id is used again (first at line 2)",
        "ged.csv:10: error: row has 3 fields, the header has 17; the row is set aside",
        "ged.csv:11: error: event 8: best: 'many' is not a number",
        "ged.csv:13: error: event without id: id: no event id",
    ]
    kept = found.incidents.row(1)
    assert kept.kind == "violence_against_civilians"
    assert kept.time_precision == TimePrecision.PERIOD
    assert (kept.day, kept.last_day) == (date(2014, 5, 2), date(2014, 5, 3))
    assert (kept.location_precision, kept.radius_km) == (2, 25.0)


def test_generic_csv_with_a_mapping_file() -> None:
    found = read_events(DATA / "monitoring.csv", mapping=DATA / "monitoring-mapping.yaml")
    assert found.format == "csv"
    assert found.rejected == ()
    rows = list(found.incidents.rows())
    assert [(r.id, r.day, r.kind, r.category) for r in rows] == [
        ("mm-1", date(2015, 2, 15), "shelling", "Shelling"),
        ("mm-2", date(2015, 2, 16), "other", "Heavy weapons seen"),
        ("mm-3", date(2015, 2, 17), "shelling", "Shelling"),
    ]
    assert [r.radius_km for r in rows] == [1.0, 10.0, 1.0]
    assert rows[1].fatalities_best is None
    assert rows[0].source == "Hand-written test fixture (not real reports)"
    assert rows[0].dataset == "Monitoring fixture"
    assert messages(found) == [
        "monitoring.csv:3: warning: 1 event(s) of category 'Heavy weapons seen' are not in "
        "the kind mapping; they count as 'other'"]


def test_generic_csv_with_a_dict_mapping_and_kind_column(write: Write) -> None:
    path = write("events.csv", """
        event,when,x,y,type,killed
        e1,2022-03-29T14:30,30.5,50.4,airstrike,2
        e2,2022-03-29T23:30:00,30.6,50.5,shellng,0
        e3,2022-03-30,30.7,50.6,drone_strike,
        """)
    mapping = {"id": "event", "date": "when", "longitude": "x", "latitude": "y",
               "kind": "type", "fatalities": "killed", "utc_offset": "+03:00"}
    found = from_csv(path, mapping)
    assert [r.id for r in found.incidents.rows()] == ["e1", "e3"]
    assert found.incidents.time[0] == np.datetime64("2022-03-29T11:30")
    assert found.incidents.row(0).time_precision == TimePrecision.MINUTE
    assert found.incidents.row(1).time_precision == TimePrecision.DAY
    assert messages(found) == [
        "events.csv:3: error: event e2: type: 'shellng' is not an incident kind "
        "(did you mean 'shelling'?)"]


def test_day_first_only_when_the_mapping_says_so(write: Write) -> None:
    path = write("events.csv", """
        id,date,lon,lat
        a,05/02/2014,30,50
        b,22/01/2014,30,50
        """)
    base = ColumnMapping(id="id", date="date", longitude="lon", latitude="lat")
    month_first = from_csv(path, base)
    assert [r.day for r in month_first.incidents.rows()] == [date(2014, 5, 2)]
    assert len(month_first.rejected) == 1
    day_first = from_csv(path, {"id": "id", "date": "date", "longitude": "lon",
                                "latitude": "lat", "date_format": "dmy"})
    assert [r.day for r in day_first.incidents.rows()] == [date(2014, 2, 5), date(2014, 1, 22)]


def test_mapping_mistakes_are_usage_errors(write: Write) -> None:
    path = write("events.csv", "id,date,lon,lat\na,2014-05-02,30,50\n")
    with pytest.raises(UsageError, match=r"unknown mapping key 'longitud'.*did you mean "
                                         r"'longitude'"):
        from_csv(path, {"id": "id", "date": "date", "longitud": "lon", "latitude": "lat"})
    with pytest.raises(EventDataError, match=r"names no column for: longitude"):
        from_csv(path, {"id": "id", "date": "date", "latitude": "lat"})
    with pytest.raises(UsageError, match=r"unknown date format 'ios'.*did you mean 'iso'"):
        ColumnMapping(id="id", date="date", date_format="ios")
    with pytest.raises(UsageError, match=r"did you mean 'explosion'"):
        ColumnMapping(kinds={"Bomb": "explosions"})
    with pytest.raises(UsageError, match=r"unknown preset 'acledd'"):
        from_csv(path, {"preset": "acledd"})


def test_a_csv_without_a_mapping_needs_one(write: Write) -> None:
    path = write("events.csv", "ref,when,x,y\na,2014-05-02,30,50\n")
    with pytest.raises(EventDataError, match=r"cannot tell which columns hold what.*ref, when"):
        read_events(path)
    with pytest.raises(UsageError, match=r"unknown events format 'cvs'.*did you mean 'csv'"):
        read_events(path, format="cvs")
    with pytest.raises(UsageError, match=r"no such events file"):
        read_events(path.with_name("missing.csv"))


def test_a_yaml_mapping_can_start_from_a_preset(write: Write) -> None:
    mapping_file = write("acled-mapping.yaml", """
        preset: acled
        kinds:
          Explosions/Remote violence: {"*": armed_attack}
        """)
    mapping = load_mapping(mapping_file)
    assert mapping.id == "event_id_cnty"
    found = read_events(DATA / "acled-sample.csv", mapping=mapping_file)
    kinds = [r.kind for r in found.incidents.rows()]
    assert kinds[:3] == ["armed_attack", "clash", "armed_attack"]
