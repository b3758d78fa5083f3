"""GeoJSON, Parquet and treatyline's own CSV: reading, writing, round trips; speed."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from treatyline.errors import EventDataError
from treatyline.incidents import SCHEMA, Incidents, TimePrecision
from treatyline.sources import (
    detect_format,
    from_geojson,
    from_parquet,
    from_ucdp_csv,
    read_events,
    to_csv,
    to_geojson,
    to_parquet,
)

DATA = Path(__file__).resolve().parent / "data"
GED = (Path(__file__).resolve().parents[1] / "src" / "treatyline" / "data" / "ucdp"
       / "ged-ukraine.csv")
POINTS_MAPPING = {"id": "ref", "date": "reported", "category": "what", "actor1": "by",
                  "fatalities": "deaths", "radius": "precision_km",
                  "kinds": {"Shelling": "shelling", "Skirmish": "clash"}}


@pytest.fixture(scope="module")
def ged() -> Incidents:
    return from_ucdp_csv(GED).incidents


def assert_identical(left: Incidents, right: Incidents) -> None:
    assert len(left) == len(right)
    for name in SCHEMA.names:
        a, b = left.column(name), right.column(name)
        if pa.types.is_dictionary(a.type):
            assert a.cast(pa.string()).equals(b.cast(pa.string())), name
        elif pa.types.is_floating(a.type):
            np.testing.assert_array_equal(a.to_numpy(), b.to_numpy(), err_msg=name)
        else:
            assert a.equals(b), name
    assert left == right


def test_geojson_points_through_a_mapping() -> None:
    assert detect_format(DATA / "points.geojson") == "geojson"
    found = read_events(DATA / "points.geojson", mapping=POINTS_MAPPING)
    assert found.format == "geojson"
    rows = list(found.incidents.rows())
    assert [(r.id, r.kind, r.longitude, r.latitude) for r in rows] == [
        ("m-1", "shelling", 38.4, 48.333333), ("m-2", "clash", 37.8, 48.0)]
    assert rows[0].time == datetime(2015, 2, 16, 8, 30, tzinfo=UTC)  # 10:30+02:00
    assert rows[0].time_precision == TimePrecision.MINUTE
    assert (rows[0].radius_km, rows[1].radius_km) == (5.0, None)
    assert (rows[0].fatalities_best, rows[1].fatalities_best) == (2.0, None)
    assert [re.sub(r"^\S*/", "", str(d)) for d in found.rejected] == [
        "points.geojson: error: feature 3, event m-3: geometry: is a LineString, not a Point",
        "points.geojson: error: feature 4, event m-4: geometry: no coordinates",
    ]


def test_geojson_needs_a_mapping_for_unknown_properties() -> None:
    with pytest.raises(EventDataError, match=r"a column mapping is needed.*ref, reported"):
        from_geojson(DATA / "points.geojson")


def test_geojson_errors_point_at_the_place(tmp_path: Path) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [,]}', encoding="utf-8")
    with pytest.raises(EventDataError) as caught:
        from_geojson(path)
    assert str(caught.value.diagnostics[0]).endswith(
        "bad.geojson:2:15: error: not valid JSON: Expecting value")


def test_parquet_round_trip_is_identical(ged: Incidents, tmp_path: Path) -> None:
    path = tmp_path / "ged.parquet"
    to_parquet(ged, path)
    assert detect_format(path) == "parquet"
    calls: list[tuple[int, int]] = []
    again = read_events(path, progress=lambda done, total: calls.append((done, total)))
    assert again.format == "parquet" and again.rejected == ()
    assert_identical(again.incidents, ged)
    assert calls[-1] == (len(ged), len(ged))
    assert again.incidents.to_arrow().schema.metadata == SCHEMA.metadata


def test_foreign_parquet_goes_through_the_preset(tmp_path: Path) -> None:
    table = pacsv.read_csv(GED, parse_options=pacsv.ParseOptions(newlines_in_values=True))
    path = tmp_path / "ged-typed.parquet"
    pq.write_table(table, path)  # typed columns: ints, floats, strings
    found = from_parquet(path)
    assert found.rejected == ()
    ged = from_ucdp_csv(GED).incidents
    assert (found.incidents.time == ged.time).all()
    assert (found.incidents.radius_km == ged.radius_km).all()
    assert [r.id for r in found.incidents.rows(range(2))] == ["147997", "149221"]


def test_csv_and_geojson_round_trips_are_identical(ged: Incidents, tmp_path: Path) -> None:
    csv_path = tmp_path / "events.csv"
    to_csv(ged, csv_path)
    assert detect_format(csv_path) == "treatyline-csv"
    assert_identical(read_events(csv_path).incidents, ged)
    geojson_path = tmp_path / "events.geojson"
    to_geojson(ged, geojson_path)
    feature = json.loads(geojson_path.read_text(encoding="utf-8"))["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [30.52333, 50.45]}
    assert feature["properties"]["time"] == "2014-01-22T00:00:00Z"
    assert_identical(read_events(geojson_path).incidents, ged)


def test_geojson_with_ucdp_properties_uses_the_preset(tmp_path: Path) -> None:
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [38.4, 48.33]},
                 "properties": {"id": 424251, "date_start": "2/15/2015 12:00:00 AM",
                                "date_end": "2/15/2015 12:00:00 AM", "type_of_violence": 1,
                                "where_prec": 1, "best": 5, "country": "Ukraine"}}]
    path = tmp_path / "ged.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    found = read_events(path)
    assert found.rejected == ()
    row = found.incidents.row(0)
    assert (row.id, row.day, row.kind, row.target, row.radius_km) == (
        "424251", date(2015, 2, 15), "clash", "UA", 1.0)
    # the preset's optional columns that are absent are reported, not fatal
    assert any("no column 'side_a'" in w.message for w in found.warnings)


def test_a_hundred_thousand_acled_rows_parse_without_a_python_loop(tmp_path: Path) -> None:
    n = 100_000
    rng = np.random.default_rng(7)
    days = np.datetime64("2022-02-24") + rng.integers(0, 700, n).astype("timedelta64[D]")
    table = pa.table({
        "event_id_cnty": pa.array(np.char.add("UKR", np.arange(n).astype(str))),
        "event_date": pa.array(np.datetime_as_string(days)),
        "time_precision": rng.integers(1, 4, n),
        "event_type": pa.array(np.array(["Battles", "Explosions/Remote violence"])[
            rng.integers(0, 2, n)]),
        "sub_event_type": pa.array(np.array(["Armed clash", "Shelling/artillery/missile attack"])[
            rng.integers(0, 2, n)]),
        "actor1": pa.array(np.array(["Side A", "Side B"])[rng.integers(0, 2, n)]),
        "iso": np.full(n, 804),
        "latitude": rng.uniform(44, 52, n),
        "longitude": rng.uniform(22, 40, n),
        "geo_precision": rng.integers(1, 4, n),
        "fatalities": rng.integers(0, 5, n),
    })
    path = tmp_path / "acled.csv"
    pacsv.write_csv(table, path)
    start = time.perf_counter()
    found = read_events(path)
    elapsed = time.perf_counter() - start
    assert len(found.incidents) == n and found.rejected == ()
    # ~0.3 s here; a per-row Python loop would take tens of seconds
    assert elapsed < 10
