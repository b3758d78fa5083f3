"""The incident table: columns and dtypes, selections, immutability, kinds and their mapping."""

from __future__ import annotations

import dataclasses
import importlib
from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pyarrow as pa
import pytest

from treatyline.errors import EventDataError, UsageError
from treatyline.incidents import (
    KIND_DESCRIPTIONS,
    KINDS,
    SCHEMA,
    Incident,
    Incidents,
    TimePrecision,
    map_kinds,
    merge_kind_mappings,
)
from treatyline.spec.vocabulary import INCIDENT_KINDS


def sample() -> Incidents:
    return Incidents.from_columns(
        id=["a", "b", "c", "d"],
        time=[date(2015, 2, 14), date(2015, 2, 15),
              datetime(2015, 2, 15, 10, 30, tzinfo=timezone(timedelta(hours=2))),
              date(2015, 2, 10)],
        time_end=[date(2015, 2, 15), date(2015, 2, 16),
                  datetime(2015, 2, 15, 8, 31, tzinfo=UTC), date(2015, 2, 20)],
        kind=["shelling", "clash", "shelling", "airstrike"],
        longitude=[38.4, 38.35, 37.8, 30.5],
        latitude=[48.33, 48.38, 48.0, 50.45],
        actor1=["Side A", "Side B", "Side A", "Side C"],
        actor2=["", "Side A", "", ""],
        target=["UA", "UA", "UA", "RU"],
        fatalities_best=[1, np.nan, 0, 3],
    )


def test_kind_vocabulary_is_the_spec_vocabulary_and_documented() -> None:
    assert set(KINDS) == INCIDENT_KINDS
    assert all(len(KIND_DESCRIPTIONS[kind]) > 20 for kind in KINDS)
    assert KINDS[-1] == "other"


def test_columns_have_the_schema_dtypes() -> None:
    incidents = sample()
    assert len(incidents) == 4
    assert incidents.to_arrow().schema.equals(SCHEMA, check_metadata=True)
    assert incidents.time.dtype == np.dtype("datetime64[s]")
    assert incidents.time_end.dtype == np.dtype("datetime64[s]")
    assert incidents.longitude.dtype == np.float64
    assert incidents.latitude.dtype == np.float64
    assert incidents.radius_km.dtype == np.float64
    assert incidents.time_precision.dtype == np.int8
    assert incidents.location_precision.dtype == np.int8
    # held as narrow as they fit (11 kinds: one byte); files and to_arrow keep int32
    assert incidents.kind_codes.dtype == np.int8
    # the aware datetime is converted to UTC; days stay 00:00 labels
    assert incidents.time[2] == np.datetime64("2015-02-15T08:30:00")
    assert incidents.time[1] == np.datetime64("2015-02-15T00:00:00")
    assert list(incidents.time_precision) == [
        TimePrecision.DAY, TimePrecision.DAY, TimePrecision.MINUTE, TimePrecision.PERIOD]
    assert np.isnan(incidents.fatalities_best[1])
    assert np.isnan(incidents.radius_km).all()  # no precision given: radius unknown


def test_the_table_and_its_arrays_are_immutable() -> None:
    incidents = sample()
    with pytest.raises(AttributeError):
        incidents._table = None  # type: ignore[misc]
    with pytest.raises(ValueError, match=r"read-only"):
        incidents.longitude[0] = 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        incidents.row(0).kind = "clash"  # type: ignore[misc]


def test_selections_return_new_tables() -> None:
    incidents = sample()
    shelling = incidents.of_kinds("shelling")
    assert [row.id for row in shelling.rows()] == ["a", "c"]
    assert len(incidents) == 4
    assert [r.id for r in incidents.between(date(2015, 2, 15), date(2015, 2, 16)).rows()] == [
        "b", "c"]
    assert list(incidents.time_mask(None, date(2015, 2, 15))) == [True, False, False, True]
    # the period 10-20 February overlaps the 15th though it started before it
    assert list(incidents.overlap_mask(date(2015, 2, 15), date(2015, 2, 16))) == [
        False, True, True, True]
    assert list(incidents.actor_mask(["Side A"])) == [True, True, True, False]
    assert list(incidents.target_mask(["ru"])) == [False, False, False, True]
    assert list(incidents.kind_mask(["clash", "airstrike"])) == [False, True, False, True]
    assert [r.id for r in incidents.filter(np.array([1, 0, 0, 1], bool)).rows()] == ["a", "d"]
    assert [r.id for r in incidents.sort_by_time().rows()] == ["d", "a", "b", "c"]
    assert [r.id for r in incidents.take([3, 0]).rows()] == ["d", "a"]
    codes, values = incidents.categories("actor1")
    assert [values[c] for c in codes] == ["Side A", "Side B", "Side A", "Side C"]


def test_bad_selections_are_usage_errors() -> None:
    incidents = sample()
    with pytest.raises(UsageError, match=r"did you mean 'shelling'"):
        incidents.of_kinds("shellng")
    with pytest.raises(UsageError, match=r"no timezone"):
        incidents.between(datetime(2015, 2, 15), None)
    with pytest.raises(UsageError, match=r"4 booleans"):
        incidents.filter(np.ones(3, bool))
    with pytest.raises(UsageError, match=r"did you mean 'latitude'"):
        incidents.column("lattitude")


def test_concat_unifies_categories_and_keeps_kind_codes() -> None:
    first = sample()
    second = Incidents.from_columns(id=["z"], time=[date(2022, 3, 29)], kind=["explosion"],
                                    longitude=[31.3], latitude=[51.5], actor1=["Other side"])
    both = Incidents.concat([first, second, Incidents.empty()])
    assert len(both) == 5
    assert [r.actor1 for r in both.rows()][-2:] == ["Side C", "Other side"]
    assert both.kind_codes[-1] == KINDS.index("explosion")
    assert both.to_arrow().column("kind").num_chunks == 1
    assert len(Incidents.concat([])) == 0


def test_arrow_round_trip_and_equality() -> None:
    incidents = sample()
    again = Incidents.from_arrow(incidents.to_arrow())
    assert again == incidents
    assert again != incidents.take([0, 1, 2])
    # plain strings instead of dictionaries are accepted and encoded
    plain = incidents.to_arrow().set_column(
        SCHEMA.get_field_index("kind"), "kind",
        incidents.to_arrow().column("kind").cast(pa.string()))
    assert Incidents.from_arrow(plain) == incidents


def test_from_arrow_names_missing_columns_and_bad_kinds() -> None:
    table = sample().to_arrow()
    renamed = table.rename_columns(["lattitude" if n == "latitude" else n
                                    for n in table.column_names])
    with pytest.raises(EventDataError, match=r"missing incident column 'latitude'.*did you mean "
                                             r"'lattitude'"):
        Incidents.from_arrow(renamed)
    kinds = pa.array(["shelling", "shellng", "clash", "clash"]).dictionary_encode()
    with pytest.raises(EventDataError, match=r"'shellng' is not an incident kind"):
        Incidents.from_arrow(table.set_column(SCHEMA.get_field_index("kind"), "kind", kinds))


def test_row_view_for_reporting() -> None:
    row = sample().row(-1)
    assert isinstance(row, Incident)
    assert row.id == "d"
    assert row.time == datetime(2015, 2, 10, tzinfo=UTC)
    assert row.last_day == date(2015, 2, 19)
    assert row.when() == "2015-02-10..2015-02-19"
    assert row.fatalities_low is None
    assert row.location_precision is None
    assert sample().row(2).when() == "2015-02-15 08:30Z"
    with pytest.raises(IndexError):
        sample().row(4)


def test_kind_mapping_by_category_and_subcategory() -> None:
    mapping = {"Battles": {"Armed clash": "clash", "*": "ground_assault"},
               "violence against  CIVILIANS": "violence_against_civilians"}
    category = pa.array(["Battles", "Battles", "Violence against civilians", "Riots", "Riots"])
    sub = pa.array(["armed clash", "Government regains territory", "Attack", "Mob", "Mob"])
    codes, unmapped = map_kinds(category, sub, mapping)
    assert [KINDS[c] for c in codes] == [
        "clash", "ground_assault", "violence_against_civilians", "other", "other"]
    assert unmapped == {("Riots", "Mob"): (2, 3)}


def test_kind_mapping_override_and_validation() -> None:
    merged = merge_kind_mappings({"1": "clash", "3": "violence_against_civilians"},
                                 {"1": "armed_attack"})
    assert merged == {"1": "armed_attack", "3": "violence_against_civilians"}
    with pytest.raises(UsageError, match=r"did you mean 'airstrike'"):
        map_kinds(pa.array(["x"]), None, {"x": "air_strike"})


@pytest.mark.parametrize("module", [
    "treatyline.incidents", "treatyline.incident_kinds", "treatyline.incident_schema",
    "treatyline.sources", "treatyline.sources.mapping",
    "treatyline.sources.ucdp", "treatyline.sources.acled", "treatyline.sources.csvfile",
    "treatyline.sources.geojson", "treatyline.sources.parquet", "treatyline.sources.detect",
])
def test_public_names_exist(module: str) -> None:
    imported = importlib.import_module(module)
    assert len(imported.__all__) == len(set(imported.__all__))
    for name in imported.__all__:
        assert hasattr(imported, name), f"{module}.__all__ names missing {name}"
