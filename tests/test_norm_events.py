"""The event columns of the norms engine read from Arrow: the filters answered per distinct
value give what a search of every row's text gives, and plain arrays give the same
assessment as the Arrow table they were made from."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from treatyline import load_bundle
from treatyline.incidents import Incidents
from treatyline.norms import EventArrays, assess, event_columns
from treatyline.sources import read_events
from treatyline.territory import Territory

ROOT = Path(__file__).resolve().parents[1]
ISTANBUL = ROOT / "examples" / "istanbul-2022"

ACTOR_PAIRS = [
    ("Government of Russia (Russian Federation)", "Government of Ukraine"),
    ("Government of Ukraine", "DPR"),
    ("Civilians", ""),
    ("", "Armed forces of the Russian Federation"),
    ("Russia", "Ukraine"),
    ("A", "B"),
    ("ΑΣ", "Β"),  # noqa: RUF001 (Greek: a final sigma before the separator)
    ("Government of Russia (Russian Federation)", "Government of Ukraine"),
]


def _table() -> Incidents:
    n = len(ACTOR_PAIRS)
    return Incidents.from_columns(
        id=[f"e{i}" for i in range(n)], time=[date(2022, 3, 1 + i) for i in range(n)],
        kind=["armed_attack", "shelling", "other", "armed_attack", "clash", "clash",
              "shelling", "armed_attack"],
        longitude=np.linspace(30, 31, n), latitude=np.full(n, 50.0),
        actor1=[a for a, _ in ACTOR_PAIRS], actor2=[b for _, b in ACTOR_PAIRS],
        target=["UA", "UA", "", "UA", "RU", "", "UA", "UA"],
        source=["ucdp", "Hypothetical scenario", "", "x", "HYPOTHETICAL", "", "y", "z"],
        dataset=["UCDP GED", "UCDP GED", "demo (hypothetical)", "UCDP GED", "ACLED", "ACLED",
                 "ACLED", "UCDP GED"],
    )


def _searched(needles: list[str]) -> list[bool]:
    """The old way: every row's 'actor1 | actor2', lower-cased, searched for each needle."""
    return [any(n in f"{a} | {b}".lower() for n in needles) for a, b in ACTOR_PAIRS]


@pytest.mark.parametrize("needles", [
    ["russia"], ["ukraine", "dpr"], ["government of russia (russian federation)"],
    ["civilians"], ["nobody"], [],
    # needles that meet the separator: the joined text of each distinct pair is searched
    [" | "], ["a | b"], ["russia | "], [" | armed"], ["|"], [" "], ["ας | β"],
])
def test_actor_filter_matches_the_joined_text(needles: list[str]) -> None:
    table = _table()
    columns = event_columns(table)
    assert columns.actor_mask(needles).tolist() == _searched(needles)
    arrays = EventArrays(
        ids=np.array([f"e{i}" for i in range(len(table))], dtype=object),
        days=table.day, kinds=np.array(["x"] * len(table), dtype=object),
        actors=np.array([f"{a} | {b}" for a, b in ACTOR_PAIRS], dtype=object),
        targets=np.array([""] * len(table), dtype=object), lons=table.longitude,
        lats=table.latitude, radius_km=table.radius_km,
        hypothetical=np.zeros(len(table), bool))
    assert arrays.actor_mask(needles).tolist() == _searched(needles)


def test_kinds_targets_ids_and_the_hypothetical_mark() -> None:
    table = _table()
    columns = event_columns(table)
    assert len(columns) == len(table)
    assert columns.kind_mask(["armed_attack", "clash"]).tolist() == [
        True, False, False, True, True, True, False, True]
    assert not columns.kind_mask(["not a kind"]).any()  # matches nothing, raises nothing
    assert columns.target_mask("UA").tolist() == [
        True, True, False, True, False, False, True, True]
    assert columns.ids[np.array([6, 0])].tolist() == ["e6", "e0"]
    assert columns.targets[np.array([4, 5])].tolist() == ["RU", ""]
    # the source or the dataset says 'hypothetical', in any case
    assert columns.hypothetical.tolist() == [False, True, True, False, True, False, False,
                                             False]
    assert columns.days.dtype == np.dtype("datetime64[D]")


def test_incident_helpers_work_per_distinct_value() -> None:
    table = _table()
    assert table.value_mask("dataset", lambda v: v.startswith("ACLED")).tolist() == [
        False, False, False, False, True, True, True, False]
    assert table.values_where("dataset", table.kind_codes == 1) == ["ACLED", "UCDP GED"]
    assert table.values_where("dataset", np.zeros(len(table), bool)) == []
    radii = Incidents.from_columns(id=list("abcdef"), time=[date(2022, 1, 1)] * 6,
                                   kind=["clash"] * 6, longitude=[0.0] * 6,
                                   latitude=[0.0] * 6,
                                   radius_km=[25.0, np.nan, 1.0, 25.0, np.inf, np.nan])
    codes, values = radii.distinct_numbers("radius_km")
    assert values[:3].tolist() == [1.0, 25.0, np.inf] and np.isnan(values[3])
    assert len(values) == 4
    assert np.array_equal(values[codes], radii.radius_km, equal_nan=True)
    spans = Incidents.from_columns(
        id=["a", "b"], time=[date(2022, 1, 1), date(2022, 1, 5)], kind=["clash"] * 2,
        longitude=[0.0] * 2, latitude=[0.0] * 2,
        time_end=[date(2022, 1, 4), date(2022, 1, 6)])
    assert spans.last_day.tolist() == [date(2022, 1, 3), date(2022, 1, 5)]
    assert not spans.last_day.flags.writeable


def _old_style_arrays(incidents: Incidents) -> EventArrays:
    """What `event_columns` built before it kept the events in Arrow: every row's strings."""
    table = incidents.to_arrow()

    def strings(name: str) -> npt.NDArray[np.object_]:
        return np.asarray(table.column(name).cast("string").to_pylist(), dtype=object)

    actors = np.array([f"{a} | {b}" for a, b in zip(strings("actor1"), strings("actor2"),
                                                    strict=True)], dtype=object)
    marked = np.array(["hypothetical" in f"{s}{d}".lower()
                       for s, d in zip(strings("source"), strings("dataset"), strict=True)])
    return EventArrays(ids=strings("id"), days=incidents.day, kinds=strings("kind"),
                       actors=actors, targets=strings("target"), lons=incidents.longitude,
                       lats=incidents.latitude, radius_km=incidents.radius_km,
                       hypothetical=marked)


@pytest.mark.parametrize("as_of", [date(2023, 6, 1), date(2023, 11, 6)])
def test_arrow_columns_assess_as_the_old_arrays_did(as_of: date) -> None:
    bundle = load_bundle(ISTANBUL, scenario=True)
    events = read_events(ISTANBUL / "scenario-events.csv",
                         mapping=ISTANBUL / "scenario-events.mapping.yaml").incidents
    territory = Territory.for_treaty(bundle.treaty)
    arrow = assess(bundle.treaty, bundle.record, as_of, events=event_columns(events),
                   scope=territory)
    arrays = assess(bundle.treaty, bundle.record, as_of, events=_old_style_arrays(events),
                    scope=territory)
    assert arrow.to_json() == arrays.to_json()
    assert arrow.events_read == len(events)
    assert any(o.hypothetical for o in arrow.occasions) == (as_of >= date(2023, 6, 8))
