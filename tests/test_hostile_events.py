"""Event files from anyone: every reader ends with events, rows set aside with their
place, or a located EventDataError/UsageError; never another exception, never a hang."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from treatyline.errors import EventDataError, TreatylineError, UsageError
from treatyline.monitor import default_event_files, load_events
from treatyline.sources import ColumnMapping, read_events

ROOT = Path(__file__).resolve().parents[1]
MINSK = ROOT / "src" / "treatyline" / "examples" / "minsk-2015"
TREATYLINE = str(Path(sys.executable).with_name("treatyline"))
HEADER = "id,date,longitude,latitude\n"


def _error(path: Path, **kwargs: Any) -> str:
    with pytest.raises(TreatylineError) as caught:
        read_events(path, **kwargs)
    return str(caught.value)


def _write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_bytes(data.encode("utf-8"))
    else:
        path.write_bytes(data)
    return path


# --- 1. CSV --------------------------------------------------------------------------

def test_cr_only_line_ends_are_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "cr.csv", HEADER.replace("\n", "\r")
                  + "1,2015-02-16,38.0,48.0\r2,2015-02-17,38.1,48.1\r2,2015-02-17,x,48\r")
    found = read_events(path)
    assert len(found.incidents) == 2
    assert [str(d).split(": error")[0].rsplit("/", 1)[-1] for d in found.rejected] == [
        "cr.csv:4"]


def test_a_huge_header_cell_is_a_located_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "big.csv", 'id,date,longitude,latitude,"' + "x" * 140_000 + '"\n')
    message = _error(path)
    assert "big.csv:1" in message and "x" * 50 not in message


def test_a_header_that_never_ends_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "long.csv", "id," + "y" * (2 << 20))
    assert "does not end within the first 1 MiB" in _error(path)


def test_a_huge_cell_in_a_row_is_refused_or_shortened(tmp_path: Path) -> None:
    path = _write(tmp_path, "cell.csv", HEADER + "1,2015-02-16,38.0," + "9" * 200_000 + "\n")
    found = read_events(path)
    (rejected,) = found.rejected
    assert "cell.csv:2" in str(rejected) and len(str(rejected)) < 400
    path = _write(tmp_path, "open.csv", HEADER + '1,2015-02-16,38.0,"48\n'
                  + "2,2015-02-16,38.0,48.0\n" * 100_000)
    try:  # a quote left open: a located refusal, or the row set aside
        found = read_events(path)
    except EventDataError as error:
        assert "open.csv" in str(error)
    else:
        assert "open.csv:2" in str(found.rejected[0])


def test_nul_bytes(tmp_path: Path) -> None:
    path = _write(tmp_path, "nulhead.csv", b"id,da\x00te,longitude,latitude\n1,2,3,4\n")
    assert "nulhead.csv:1:6: error: control character U+0000" in _error(path)
    path = _write(tmp_path, "nulcell.csv", HEADER.encode() + b"1,2015-02-16,38.0\x00,48.0\n")
    found = read_events(path)
    assert "nulcell.csv:2" in str(found.rejected[0]) and "\x00" not in str(found.rejected[0])


def test_encodings(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.csv", HEADER.encode() + b"1,2015-02-16,38.0,48.0\n" * 3
                  + b"2,2015-02-1\xff,38.0,48.0\n")
    assert "bad.csv:5:12: error: invalid UTF-8 byte 0xff" in _error(path)
    path = _write(tmp_path, "u16.csv", HEADER.encode("utf-16"))
    assert "u16.csv:1:1: error: the file is UTF-16 text" in _error(path)
    path = _write(tmp_path, "u16le.csv", HEADER.encode("utf-16-le"))
    assert "u16le.csv:1:2" in _error(path)
    path = _write(tmp_path, "u32.csv", HEADER.encode("utf-32"))
    assert "UTF-32" in _error(path)


def test_ragged_empty_header_only_and_wide(tmp_path: Path) -> None:
    path = _write(tmp_path, "ragged.csv", HEADER + "1,2015-02-16,38.0,48.0\n2,2015-02-16\n"
                  "3,2015-02-16,38.0,48.0,9\n")
    found = read_events(path)
    assert len(found.incidents) == 1
    assert [str(d).split(": error")[0].rsplit(":", 1)[-1] for d in found.rejected] == ["3", "4"]
    assert len(read_events(_write(tmp_path, "head.csv", HEADER)).incidents) == 0
    assert "empty.csv:1: error: the file is empty" in _error(_write(tmp_path, "empty.csv", ""))
    wide = ",".join(f"c{i}" for i in range(10_000))
    message = _error(_write(tmp_path, "wide.csv", wide + "\n" + wide + "\n"))
    assert "10000 columns" in message and len(message) < 600
    started = time.perf_counter()
    found = read_events(_write(tmp_path, "wide2.csv", HEADER.strip() + "," + wide + "\n"
                               + "1,2015-02-16,38.0,48.0," + ",".join("1" * 10_000) + "\n"))
    assert len(found.incidents) == 1 and time.perf_counter() - started < 10


# --- 2. no echo of a file that is not a CSV --------------------------------------------

def test_a_non_csv_first_line_is_never_echoed(tmp_path: Path) -> None:
    secret = "root:$6$saltsalt$abcdefghijklmnopqrstuvwxyz0123456789:19000:0:99999:7:::"
    path = _write(tmp_path, "shadow", secret + "\ndaemon:*:19000:0:99999:7:::\n")
    message = _error(path).split(": error: ", 1)[1]  # the path has /tmp/pytest-of-root
    assert "root" not in message and "$6$" not in message
    assert "expected" not in message or "id" in message
    assert "not a CSV header" in message
    message = _error(_write(tmp_path, "cols.csv", "alpha," + "b" * 300 + ",c,d,e,f,g,h\n"))
    assert "alpha" in message and "b" * 41 not in message and ", h" not in message


# --- 3. symlinks out of an example folder ----------------------------------------------

def _example(tmp_path: Path) -> Path:
    folder = tmp_path / "ex"
    shutil.copytree(MINSK, folder)
    return folder


def test_example_events_may_not_link_out_of_the_folder(tmp_path: Path) -> None:
    from treatyline.bundle import load_bundle

    folder = _example(tmp_path)
    (folder / "events.csv").rename(folder / "real.csv")
    outside = _write(tmp_path, "outside.csv", HEADER)
    (folder / "events.csv").symlink_to(outside)
    bundle = load_bundle(folder / "treaty.yaml")
    with pytest.raises(UsageError, match="outside the folder"):
        default_event_files(bundle, scenario=False)
    (folder / "events.csv").unlink()
    (folder / "events.csv").symlink_to("real.csv")  # inside: fine
    assert default_event_files(bundle, scenario=False) == [folder / "events.csv"]
    (folder / "events.mapping.yaml").symlink_to(_write(tmp_path, "m.yaml", "id: id\n"))
    with pytest.raises(UsageError, match=r"mapping file beside the events.*outside the folder"):
        load_events([folder / "events.csv"], None, None)


# --- 4. FIFOs ---------------------------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifos_are_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "events.csv"
    os.mkfifo(fifo)
    mapping_fifo = tmp_path / "m.yaml"
    os.mkfifo(mapping_fifo)
    events = _write(tmp_path, "ok.csv", HEADER + "1,2015-02-16,38.0,48.0\n")
    for args in (["--events", str(fifo)], ["--events", str(events), "--mapping",
                                           str(mapping_fifo)]):
        done = subprocess.run([TREATYLINE, "assess", str(MINSK), "--as-of", "2015-03-31",
                               *args], capture_output=True, text=True, timeout=60)
        assert done.returncode == 1, done.stderr
        assert "FIFO (named pipe), not a regular file" in done.stderr
        assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    with pytest.raises(UsageError, match="FIFO"):
        read_events(fifo)
    with pytest.raises(UsageError, match="FIFO"):
        read_events(events, mapping=mapping_fifo)


# --- 5. GeoJSON -------------------------------------------------------------------------

_MAPPING = {"id": "id", "date": "date", "longitude": "lon", "latitude": "lat"}


def test_geojson_whole_file_problems(tmp_path: Path) -> None:
    deep = _write(tmp_path, "deep.geojson", "[" * 1000 + "]" * 1000)
    assert "nested too deeply" in _error(deep)
    deep = _write(tmp_path, "deep2.geojson", '{"type": "FeatureCollection", "features": ['
                  + "[" * 100_000 + "]" * 100_000 + "]}")
    assert "nested too deeply" in _error(deep)
    assert "expected a GeoJSON FeatureCollection" in _error(
        _write(tmp_path, "list.geojson", "[1, 2]"))
    assert "not valid JSON" in _error(_write(tmp_path, "digits.geojson", "1" * 5000))
    assert "bad.geojson:1:3" in _error(_write(tmp_path, "bad.geojson", b'{"'
                                              + b"\xff\": 1}"))
    from treatyline.inputs import InputPolicy, input_policy

    big = _write(tmp_path, "big.geojson", '{"type": "FeatureCollection", "features": []}'
                 + " " * 4096)
    with input_policy(InputPolicy(max_bytes=1024)):
        assert "larger than" in _error(big)


def test_geojson_bad_features_are_set_aside_with_their_index(tmp_path: Path) -> None:
    def feature(geometry: Any, **properties: Any) -> dict[str, Any]:
        return {"type": "Feature", "geometry": geometry,
                "properties": {"event_id_cnty": "e", "event_date": "2015-02-16",
                               "event_type": "Battles", **properties}}

    point = {"type": "Point", "coordinates": [38.0, 48.0]}
    features: list[Any] = [
        feature(point, event_id_cnty="ok"),
        feature(None, event_id_cnty="g1"),
        feature("garbage", event_id_cnty="g2"),
        feature({"type": {"x": 1}}, event_id_cnty="g3"),
        feature({"type": "Point", "coordinates": ["a", True]}, event_id_cnty="g4"),
        feature({"type": "Point", "coordinates": [1e400, 48.0]}, event_id_cnty="g5"),
        feature({"type": "Point", "coordinates": [38.0, 95.0]}, event_id_cnty="g6"),
        feature(point, event_id_cnty={"a": 1}),
        feature(point, event_id_cnty="p2", event_date=[2015]),
        7,
    ]
    text = json.dumps({"type": "FeatureCollection", "features": features}).replace(
        "1e400", "Infinity")
    path = _write(tmp_path, "f.geojson", text.replace('"coordinates": [Infinity',
                                                      '"coordinates": [Infinity'))
    found = read_events(path)
    assert len(found.incidents) == 1
    rejected = "\n".join(str(d) for d in found.rejected)
    for index in range(2, 11):
        assert f"feature {index}," in rejected
    assert "not finite" in rejected and "outside -90..90" in rejected
    assert "is a JSON object" in rejected and "is a JSON array" in rejected
    assert "is not a JSON object" in rejected


# --- 6. mapping values ------------------------------------------------------------------

@pytest.mark.parametrize(("extra", "key"), [
    ({"id": 5}, "id"), ({"radius_km": {"a": 1}}, "radius_km"),
    ({"radius_km": {1: float("inf")}}, "radius_km"), ({"radius_km": {1: -1}}, "radius_km"),
    ({"radius_km": {1: float("nan")}}, "radius_km"), ({"radius_km": [1]}, "radius_km"),
    ({"kinds": [1, 2]}, "kinds"), ({"kinds": {"a": 1}}, "kinds"),
    ({"date_format": 5}, "date_format"), ({"utc_offset": {}}, "utc_offset"),
    ({"time_windows": {1: [1]}}, "time_windows"), ({"delimiter": 5}, "delimiter"),
    ({"required": "id"}, "required"), ({"time_precision_codes": ["x"]}, "time_precision_codes"),
    ({"preset": ["acled"]}, "preset"), ({"bogus": 1}, "bogus"),
])
def test_mapping_values_are_checked(extra: dict[str, Any], key: str) -> None:
    from treatyline.errors import Position

    data = {**_MAPPING, **extra}
    with pytest.raises(EventDataError) as caught:
        ColumnMapping.from_dict(data, where="m.yaml")
    assert str(caught.value).startswith("m.yaml: error:") and repr(key) in str(caught.value)
    with pytest.raises(EventDataError) as caught:
        ColumnMapping.from_dict(data, where="m.yaml",
                                positions=lambda name: Position("m.yaml", 7, 3))
    assert str(caught.value).startswith("m.yaml:7:3: error:")
    with pytest.raises(UsageError):  # a dict given through the API
        ColumnMapping.from_dict(data)


def test_a_bad_mapping_file_exits_1(tmp_path: Path) -> None:
    events = _write(tmp_path, "ok.csv", HEADER + "1,2015-02-16,38.0,48.0\n")
    mapping = _write(tmp_path, "m.yaml", "id: id\ndate: date\nlongitude: longitude\n"
                     "latitude: latitude\nradius_km: {a: 1}\n")
    done = subprocess.run([TREATYLINE, "assess", str(MINSK), "--as-of", "2015-03-31",
                           "--events", str(events), "--mapping", str(mapping)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "radius_km" in done.stderr and "m.yaml" in done.stderr
    assert "internal error" not in done.stderr


# --- 7. Parquet -------------------------------------------------------------------------

def test_parquet_problems(tmp_path: Path) -> None:
    fake = _write(tmp_path, "fake.parquet", "id,date\n1,2\n")
    assert "fake.parquet: error: not a readable Parquet file" in _error(fake)
    good = tmp_path / "good.parquet"
    pq.write_table(pa.table({"id": ["1", "2"], "date": [20150216, 20150217],
                             "lon": [38.0, float("inf")], "lat": ["48.0", "x"]}), good)
    found = read_events(good, mapping=_MAPPING)
    assert len(found.incidents) == 0
    rejected = "\n".join(str(d) for d in found.rejected)
    assert "row 1, event 1: date" in rejected and "row 2, event 2: lon" in rejected
    data = good.read_bytes()
    truncated = _write(tmp_path, "cut.parquet", data[: len(data) // 2] + data[-8:])
    assert "cut.parquet: error: not a readable Parquet file" in _error(truncated,
                                                                        mapping=_MAPPING)
    nested = tmp_path / "nested.parquet"
    pq.write_table(pa.table({"id": [[1]], "date": ["2015-02-16"], "lon": [38.0],
                             "lat": [48.0]}), nested)
    assert "holds list" in _error(nested, mapping=_MAPPING)


# --- 8. values in rows ------------------------------------------------------------------

EDGE = """id,date,longitude,latitude,fatalities,radius
a1,2015-02-16,38.0,inf,1,1
a2,2015-02-16,38.0,-inf,1,1
a3,2015-02-16,38.0,NaN,1,1
a4,2015-02-16,38.0,95,1,1
a5,2015-02-16,200,48,1,1
a6,0001-01-01,38.0,48.0,1,1
a7,9999-12-31,38.0,48.0,1,1
a8,2022-02-30,38.0,48.0,1,1
a9,2015-02-16,38.0,48.0,-1,1
a10,2015-02-16,38.0,48.0,1e30,1
a11,2015-02-16,38.0,48.0,abc,1
a12,2015-02-16,38.0,48.0,1,1e300
a13,2015-02-16,38.0,48.0,1,inf
a14,2015-02-17,38.0,48.0,1e999,1
ok,2015-02-18,38.0,48.0,1,1
"""


def test_impossible_values_are_set_aside_with_line_and_id(tmp_path: Path) -> None:
    found = read_events(_write(tmp_path, "edge.csv", EDGE))
    assert [row.id for row in found.incidents.rows()] == ["ok"]
    lines = {str(d).split(": error: ")[0].rsplit(":", 1)[-1]: str(d) for d in found.rejected}
    assert sorted(map(int, lines)) == list(range(2, 16))
    for line, text in lines.items():
        assert f"event a{int(line) - 1}:" in text


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_extreme_dates_do_not_reach_assess_or_report(tmp_path: Path, day: str) -> None:
    events = _write(tmp_path, "d.csv", HEADER + f"1,{day},38.0,48.0\n2,2015-02-16,38,48\n")
    done = subprocess.run([TREATYLINE, "report", str(MINSK), "--as-of", "2015-03-31",
                           "--events", str(events), "-o", str(tmp_path / "x.html")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr  # written, and the row set aside is named
    assert (tmp_path / "x.html").is_file()
    assert "d.csv:2: error: event 1: date" in done.stderr
    assert "1 event row(s) rejected" in done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    (rejected,) = read_events(events).rejected
    assert "d.csv:2: error: event 1: date" in str(rejected)
    assert "outside the years 1800-2199" in str(rejected)


def test_a_ragged_row_that_is_not_utf8_is_located_without_an_ignored_exception(
    tmp_path: Path,
) -> None:
    # found by the fuzzer: Arrow decodes the bad row to hand it to the invalid-row handler,
    # fails, prints "Exception ignored … Traceback" and quoted the row in its error
    events = _write(tmp_path, "e.csv", HEADER.encode() + b"1,2015-02-16,38,48,\xc0\"x\n")
    done = subprocess.run([TREATYLINE, "assess", str(MINSK), "--as-of", "2015-03-31",
                           "--events", str(events)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert "e.csv:2:20: error: invalid UTF-8 byte 0xc0" in done.stderr
