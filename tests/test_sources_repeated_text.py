"""Text columns read dictionary-encoded give the very tables, rejections and messages
that the same columns read as strings give."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from treatyline.errors import Position
from treatyline.incidents import Incidents
from treatyline.sources import _build, from_parquet, parquet
from treatyline.sources._build import _encoded_text, _text, check_rows
from treatyline.sources._dates import parse_times
from treatyline.sources._repeated_text import REPEATED_ROLES, kept_text
from treatyline.sources.detect import PRESETS

UCDP = PRESETS["ucdp"]

# messy on purpose: white space to trim, empty and null cells, bad dates, an end before
# its start, an unknown country, values that become one once trimmed
RAW: dict[str, list[object]] = {
    "id": ["1", "2", "3", "4", "5", "6", "7", "8"],
    "date": ["1/22/2014 12:00:00 AM", " 2014-01-23", "31/02/2014", None, "2014-02-30",
             "2014-03-01", "2014-03-01 ", "2014-03-02"],
    "date_end": ["", "2014-01-24", None, "2014-01-01", "2014-03-01", "2014-02-01",
                 "2014-03-03", " "],
    "longitude": [37.8, 37.9, 38.0, 38.1, 38.2, 38.3, 38.4, 38.5],
    "latitude": [48.0, 48.1, 48.2, 48.3, 48.4, 48.5, 48.6, 48.7],
    "category": [1, 2, 3, 1, 2, 3, 1, 9],
    "actor1": ["Government of Ukraine", " Government of Ukraine ", None, "", "DPR",
               "DPR ", "LPR", "Government of Ukraine"],
    "actor2": ["DPR", "DPR", "Civilians", None, "", "Civilians", "LPR", "DPR"],
    "target": ["Ukraine", "Ukraine ", "Russia (Soviet Union)", "Atlantis", None, "",
               "Ukraine", "UA"],
    "place": ["Donetsk city", "Donetsk city", " Avdiivka", None, "", "Avdiivka",
              "Donetsk city", "Luhansk"],
    "admin1": ["Donetsk oblast", "Donetsk oblast ", "Donetsk oblast", "Luhansk oblast",
               None, "", "Luhansk oblast", "Luhansk oblast"],
    "source": ["a", "", None, "Hypothetical", "b", "c", "d", "e"],
}


def _columns(encode: bool) -> dict[str, pa.Array]:
    columns = {}
    for role, values in RAW.items():
        array = pa.array(values)
        if encode and role in REPEATED_ROLES and pa.types.is_string(array.type):
            array = pc.dictionary_encode(array)
        columns[role] = array
    return columns


def _bytes(table: pa.Table) -> bytes:
    """The table as Arrow IPC: equal bytes, equal columns (NaN included, which `equals`
    tells apart from itself)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue())


def _locate(rows: np.ndarray) -> list[tuple[Position, str]]:
    return [(Position("events.parquet"), f"row {row + 1}, ") for row in rows.tolist()]


@pytest.mark.parametrize("defer", [(), ("source",)])
def test_check_rows_on_dictionaries_gives_what_strings_give(defer: tuple[str, ...]) -> None:
    as_strings = check_rows(_columns(False), UCDP, path="events.parquet", locate=_locate,
                            defer=defer)
    as_dictionaries = check_rows(_columns(True), UCDP, path="events.parquet",
                                 locate=_locate, defer=defer)
    assert _bytes(as_dictionaries.table) == _bytes(as_strings.table)
    assert as_dictionaries.rejected == as_strings.rejected
    assert len(as_strings.rejected) >= 4  # the bad dates and the unknown category
    assert as_dictionaries.unresolved == as_strings.unresolved == {"Atlantis": (1, 3)}
    assert np.array_equal(as_dictionaries.marks if defer else [],
                          as_strings.marks if defer else [])


def test_kept_text_is_dictionary_encode_of_the_trimmed_strings() -> None:
    rng = np.random.default_rng(7)
    words = np.array([" a", "a", "b ", "c", " ", "x y", "b", "é "], object)
    for _ in range(100):
        n = int(rng.integers(0, 40))
        strings = pa.array([None if rng.random() < 0.1 else str(words[rng.integers(8)])
                            for _ in range(n)], pa.string())
        keep = rng.random(n) < 0.7
        encoded = strings.dictionary_encode()
        # a dictionary as a file may hold it: values in another order, some unused
        shuffled = pa.array(["unused", *reversed(encoded.dictionary.to_pylist())])
        remap = np.arange(len(encoded.dictionary))[::-1] + 1
        codes = pa.array(remap[encoded.indices.fill_null(0).to_numpy(zero_copy_only=False)],
                         pa.int32(), mask=encoded.indices.is_null().to_numpy(
                             zero_copy_only=False)) if n else pa.array([], pa.int32())
        from_file = pa.DictionaryArray.from_arrays(codes, shuffled)
        expected = pc.utf8_trim_whitespace(strings.fill_null("")).filter(
            pa.array(keep)).dictionary_encode()
        assert kept_text(from_file, keep).equals(expected)


def test_dates_of_a_dictionary_column_are_those_of_its_strings() -> None:
    dates = pa.array(RAW["date"], pa.string())
    plain = parse_times(dates, ("iso", "mdy", "named"))
    encoded = parse_times(pc.dictionary_encode(dates), ("iso", "mdy", "named"))
    for name in ("seconds", "timed", "problem", "spelling"):
        assert np.array_equal(getattr(plain, name), getattr(encoded, name))


def test_a_parquet_file_reads_the_same_with_its_text_columns_dictionary_encoded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = {"id": "id", "date": "date_start", "date_end": "date_end",
             "longitude": "longitude", "latitude": "latitude", "category": "type_of_violence",
             "actor1": "side_a", "actor2": "side_b", "target": "country",
             "place": "where_coordinates", "admin1": "adm_1", "source": "source_article"}
    table = pa.table({names[role]: pa.array(values) for role, values in RAW.items()})
    plain, encoded = tmp_path / "plain.parquet", tmp_path / "encoded.parquet"
    pq.write_table(table, plain, use_dictionary=False)
    pq.write_table(table, encoded)
    mapping = {**{role: name for role, name in names.items()}, "kinds": dict(UCDP.kinds)}
    second = from_parquet(encoded, mapping)
    assert parquet._repeated_text_columns(parquet.plan_parquet(encoded, mapping))
    monkeypatch.setattr(parquet, "_repeated_text_columns", lambda plan: [])  # as strings
    first = from_parquet(plain, mapping)
    assert _bytes(first.incidents.to_arrow()) == _bytes(second.incidents.to_arrow())
    assert [str(d) for d in first.rejected] == [
        str(d).replace("encoded.parquet", "plain.parquet") for d in second.rejected]


@pytest.mark.parametrize("column", [
    pa.array([3, 1, None, 3, 2, 1], pa.int64()),
    pa.array([" b", "a", None, "b", "", "a "]),
    pc.dictionary_encode(pa.array([" b", "a", None, "b", "", "a "])),
    pa.array([], pa.int32()),
])
def test_encoded_text_is_the_trimmed_text_dictionary_encoded(column: pa.Array) -> None:
    plain = column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column
    assert _encoded_text(column).equals(_text(plain).dictionary_encode())


def test_rows_without_a_source_read_back_the_citation(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    table = pa.table({"id": ["1", "2", "3"], "date_start": ["2014-01-22"] * 3,
                      "longitude": [37.8, 37.9, 38.0], "latitude": [48.0, 48.1, 48.2],
                      "source_article": ["a report", "", None]})
    pq.write_table(table, path)
    mapping = {"id": "id", "date": "date_start", "longitude": "longitude",
               "latitude": "latitude", "source": "source_article",
               "citation": "a hypothetical citation"}
    deferred = from_parquet(path, mapping).incidents
    eager = from_parquet(path, mapping, defer_text=False).incidents
    assert deferred.held()[1] is not None and eager.held()[1] is None
    sources = [deferred.row(i).source for i in range(3)]
    assert sources == [eager.row(i).source for i in range(3)]
    assert sources == ["a report", "a hypothetical citation", "a hypothetical citation"]


@pytest.mark.parametrize("encode", [False, True])
def test_the_table_built_is_the_one_from_arrow_makes_of_the_columns(
        encode: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    built = check_rows(_columns(encode), UCDP, path="events.parquet", locate=_locate)

    def through_from_arrow(columns: dict[str, pa.Array], path: str) -> pa.Table:
        return Incidents.from_arrow(pa.table(columns), where=path).to_arrow()

    monkeypatch.setattr(_build, "_incidents_table", through_from_arrow)
    converted = check_rows(_columns(encode), UCDP, path="events.parquet", locate=_locate)
    assert _bytes(built.table) == _bytes(converted.table)
    assert built.table.schema.equals(converted.table.schema, check_metadata=True)
