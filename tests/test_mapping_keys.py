"""Column mappings: named columns must exist, values are checked where they are written,
constants, kind patterns and documentation dates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from treatyline.errors import EventDataError, TreatylineError
from treatyline.sources import ColumnMapping, read_events, to_csv, to_parquet

HEADER = "id,date,lat,lon,province,category\n"
ROWS = ("a1,2022-03-01,50.45,30.52,Kyiv,Civilian Infrastructure Damage March 2022\n"
        "a2,2022-04-02,51.50,31.30,Chernihiv,Civilian Infrastructure Damage April 2022\n"
        "a3,2022-04-03,51.50,31.30,Chernihiv,Shelling  april 2022\n"
        "a4,2022-04-05,51.50,31.30,Chernihiv,Looting\n")
BASE = "id: id\ndate: date\nlatitude: lat\nlongitude: lon\ncategory: category\n"


def _files(tmp_path: Path, mapping: str) -> tuple[Path, Path]:
    events = tmp_path / "events.csv"
    events.write_text(HEADER + ROWS, encoding="utf-8")
    path = tmp_path / "m.yaml"
    path.write_text(mapping, encoding="utf-8")
    return events, path


def _error(tmp_path: Path, mapping: str) -> list[str]:
    events, path = _files(tmp_path, mapping)
    with pytest.raises(TreatylineError) as caught:
        read_events(events, mapping=path)
    return [str(d).replace(f"{tmp_path}/", "") for d in caught.value.diagnostics]


@pytest.mark.parametrize(("key", "line"), [("location_precision: precision", 6),
                                           ("radius: radius_col", 6),
                                           ("admin1: provnce", 6)])
def test_a_named_column_the_file_lacks_is_an_error_at_the_mapping_key(
        tmp_path: Path, key: str, line: int) -> None:
    (message,) = _error(tmp_path, BASE + key + "\n")
    role, column = key.split(": ")
    assert message.startswith(f"m.yaml:{line}:{len(role) + 3}: error: mapping key {role!r}: "
                              f"no column {column!r} in events.csv")
    assert "the header has: id, date, lat, lon, province, category" in message
    if column == "provnce":
        assert message.endswith("(did you mean 'province'?)")


def test_a_preset_column_absent_is_a_warning_but_one_the_file_names_is_an_error(
        tmp_path: Path) -> None:
    events = tmp_path / "acled.csv"
    events.write_text("event_id_cnty,event_date,event_type,longitude,latitude\n"
                      "UKR1,2022-03-01,Battles,30.5,50.4\n", encoding="utf-8")
    assert any("no column 'actor1'" in w.message for w in read_events(events).warnings)
    mapping = tmp_path / "m.yaml"
    mapping.write_text("preset: acled\nactor1: actor_one\n", encoding="utf-8")
    with pytest.raises(EventDataError, match=r"m\.yaml:2:9: error: mapping key 'actor1': "
                                             r"no column 'actor_one'"):
        read_events(events, mapping=mapping)


@pytest.mark.parametrize(("text", "where", "says"), [
    ("radius_km: {a: 1}", "6:12", "'a' is not a whole-number code"),
    ("radius_km: [1]", "6:12", "a mapping of precision code to radius"),
    ("radius_km: -3", "6:12", "'-3' is not a radius in km"),
    ("kinds: {Looting: {a: [1]}}", "6:22", "'Looting / a' maps to '[1]'"),
    ("kinds: {Looting: lootng}", "6:18", "'Looting' maps to 'lootng'"),
    ("constants: {kind: shellng}", "6:19", "constant kind: 'shellng' is not an incident kind"),
    ("constants: {target: Atlantis}", "6:21", "'Atlantis' is not a country"),
    ("constants: {radius: big}", "6:21", "'big' is not a radius in km"),
    ("constants: {date: 2022-01-01}", "6:19", "'date' cannot be a constant"),
    ("constants: {country: UA}", "6:22", "'country' cannot be a constant"),
    ("constants: {admin1: {a: 1}}", "6:21", "one text or number is expected"),
    ("constants: {category: x}", "6:23", "'category' is both a column"),
    ("date_kind: reported", "6:12", "'reported' is not one of occurred, documented"),
    ("kind_patterns: {a: b}", "6:16", "a list of patterns is expected"),
    ("kind_patterns: [{regex: '(unclosed', kind: shelling}]", "6:25",
     "'(unclosed' is not a valid regular expression"),
    ("kind_patterns: [{prefix: x, glob: y, kind: other}]", "6:17", "exactly one of"),
    ("kind_patterns: [{prefix: x, kind: shellin}]", "6:35", "kind 'shellin' is not an"),
    ("kind_patterns: [{prefx: x, kind: other}]", "6:25", "unknown key 'prefx'"),
    ("country: UA", "6:10", "unknown mapping key 'country'"),
])
def test_a_wrong_value_is_an_error_at_its_place_in_the_mapping(
        tmp_path: Path, text: str, where: str, says: str) -> None:
    (message,) = _error(tmp_path, BASE + text + "\n")
    assert message.startswith(f"m.yaml:{where}: error: "), message
    assert says in message, message


def test_an_unknown_key_suggests_the_role_it_means(tmp_path: Path) -> None:
    (message,) = _error(tmp_path, BASE + "country: UA\n")
    assert message.endswith("(did you mean 'target'?)")
    (message,) = _error(tmp_path, BASE + "constants: {country: UA}\n")
    assert message.endswith("(did you mean 'target'?)")


def test_constants_patterns_and_a_documentation_date(tmp_path: Path) -> None:
    events, mapping = _files(tmp_path, BASE + (
        "admin1: province\n"
        "radius_km: 2.5\n"
        "date_kind: documented\n"
        "constants: {target: Ukraine, actor1: Russian armed forces}\n"
        "kinds: {Looting: other}\n"
        "kind_patterns:\n"
        "  - {prefix: 'civilian infrastructure damage', kind: shelling}\n"
        "  - {regex: 'Shelling (March|April) 2022', kind: shelling}\n"
        "  - {glob: '*', kind: clash}\n"))
    found = read_events(events, mapping=mapping)
    incidents = found.incidents
    assert found.rejected == () and found.warnings == ()
    assert [row.kind for row in incidents.rows()] == ["shelling", "shelling", "shelling",
                                                      "other"]
    assert set(incidents.column("target").to_pylist()) == {"UA"}
    assert set(incidents.column("actor1").to_pylist()) == {"Russian armed forces"}
    assert np.array_equal(incidents.radius_km, [2.5] * 4)
    assert incidents.row(0).date_kind == "documented"
    assert set(incidents.column("date_kind").to_pylist()) == {"documented"}


def test_the_first_matching_pattern_decides_and_unmatched_categories_are_warned(
        tmp_path: Path) -> None:
    events, mapping = _files(tmp_path, BASE + (
        "kind_patterns:\n"
        "  - {glob: 'civilian * 2022', kind: violence_against_civilians}\n"
        "  - {prefix: Civilian, kind: shelling}\n"))
    found = read_events(events, mapping=mapping)
    assert [row.kind for row in found.incidents.rows()] == [
        "violence_against_civilians", "violence_against_civilians", "other", "other"]
    assert [w.message.split(" of category ")[1].split(" are")[0] for w in found.warnings] == [
        "'Looting'", "'Shelling  april 2022'"]
    assert found.incidents.row(0).date_kind == "occurred"


def test_a_constant_kind_replaces_the_kind_mapping_and_keeps_the_category(
        tmp_path: Path) -> None:
    events, mapping = _files(tmp_path, BASE + "constants: {kind: airstrike}\n")
    found = read_events(events, mapping=mapping)
    assert {row.kind for row in found.incidents.rows()} == {"airstrike"}
    assert found.incidents.row(3).category == "Looting"


def test_date_kind_survives_every_format_and_older_files_read_as_occurred(
        tmp_path: Path) -> None:
    events, mapping = _files(tmp_path, BASE + "date_kind: documented\n")
    incidents = read_events(events, mapping=mapping).incidents
    to_csv(incidents, tmp_path / "own.csv")
    to_parquet(incidents, tmp_path / "own.parquet")
    for path in (tmp_path / "own.csv", tmp_path / "own.parquet"):
        assert read_events(path).incidents == incidents
    # a file written before the column existed
    text = (tmp_path / "own.csv").read_text(encoding="utf-8").splitlines()
    older = tmp_path / "older.csv"
    older.write_text("\n".join(line.rsplit(",", 1)[0] for line in text) + "\n",
                     encoding="utf-8")
    assert "date_kind" not in older.read_text(encoding="utf-8")
    assert {row.date_kind for row in read_events(older).incidents.rows()} == {"occurred"}


def test_a_mapping_given_in_python_is_checked_the_same_way(tmp_path: Path) -> None:
    events, _ = _files(tmp_path, "")
    mapping = ColumnMapping(id="id", date="date", latitude="lat", longitude="lon",
                            place="town")
    with pytest.raises(EventDataError, match=r"no column 'town'"):
        read_events(events, mapping=mapping)
