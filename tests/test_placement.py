"""Placements: each event's membership of an area and distance to a line asked of the
territory engine once per event table, and the same answers as asking about all rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from treatyline import load_bundle
from treatyline.commitments import measure_commitments
from treatyline.norms import assess, event_columns
from treatyline.placement import Placements
from treatyline.sources import read_events
from treatyline.territory import Territory

ROOT = Path(__file__).resolve().parents[1]
MINSK = ROOT / "examples" / "minsk-2015"
ISTANBUL = ROOT / "examples" / "istanbul-2022"


class _Ruler:
    """A made-up engine: inside east of the meridian, undetermined without a radius; the
    distance is the longitude. Records every question it is asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str, str | None, list[float]]] = []

    def membership(self, area: str, lons: npt.NDArray[np.float64],
                   lats: npt.NDArray[np.float64], radius_km: npt.NDArray[np.float64], *,
                   reading: str | None = None,
                   as_of: date | None = None) -> npt.NDArray[np.int8]:
        self.asked.append(("membership", area, reading, np.asarray(lons).tolist()))
        out = (np.asarray(lons) > 0).astype(np.int8)
        out[np.isnan(radius_km)] = -1
        return out

    def distance_km(self, area: str, lons: npt.NDArray[np.float64],
                    lats: npt.NDArray[np.float64], *, reading: str | None = None,
                    as_of: date | None = None) -> npt.NDArray[np.float64]:
        self.asked.append(("distance_km", area, reading, np.asarray(lons).tolist()))
        return np.abs(np.asarray(lons, dtype=np.float64)) * 100


LONS = np.array([-2.0, -1.0, 1.0, 2.0, 3.0])
LATS = np.zeros(5)
RADII = np.array([0.0, 1.0, np.nan, 5.0, 0.0])


def test_rows_are_asked_once_and_answers_equal_asking_all() -> None:
    ruler = _Ruler()
    placements = Placements(LONS, LATS, RADII)
    first = placements.membership(ruler, "east", np.array([3, 0]))
    assert first.tolist() == [1, 0]
    whole = placements.membership(ruler, "east")
    assert whole.tolist() == [0, 0, -1, 1, 1]
    assert whole.tolist() == _Ruler().membership("east", LONS, LATS, RADII).tolist()
    assert not whole.flags.writeable  # shared by every caller
    again = placements.membership(ruler, "east", np.array([4, 1, 4]))
    assert again.tolist() == [1, 0, 1]
    # the second question asked only about the rows the first had not
    assert [q[3] for q in ruler.asked] == [[2.0, -2.0], [-1.0, 1.0, 3.0]]


def test_every_row_at_once_is_asked_of_the_columns_themselves() -> None:
    ruler = _Ruler()
    placements = Placements(LONS, LATS, RADII)
    placements.membership(ruler, "east")
    assert ruler.asked == [("membership", "east", None, LONS.tolist())]


def test_areas_readings_as_of_dates_and_engines_are_kept_apart() -> None:
    ruler, other = _Ruler(), _Ruler()
    placements = Placements(LONS, LATS, RADII)
    for engine, area, reading, as_of in [
        (ruler, "east", None, None), (ruler, "west", None, None),
        (ruler, "east", "ua", None), (ruler, "east", None, date(2022, 1, 1)),
        (other, "east", None, None),
    ]:
        placements.membership(engine, area, reading=reading, as_of=as_of)
        placements.membership(engine, area, reading=reading, as_of=as_of)
    assert len(ruler.asked) == 4 and len(other.asked) == 1


def test_distances_are_asked_once_per_line() -> None:
    ruler = _Ruler()
    placements = Placements(LONS, LATS, RADII)
    rows = np.array([1, 4])
    assert placements.distance_km(ruler, "line", rows).tolist() == [100.0, 300.0]
    assert placements.distance_km(ruler, "line", rows).tolist() == [100.0, 300.0]
    assert placements.distance_km(ruler, "other line", rows).tolist() == [100.0, 300.0]
    assert [q[:2] for q in ruler.asked] == [("distance_km", "line"),
                                            ("distance_km", "other line")]


class _Counting:
    """The real territory engine, counting the rows asked about per question."""

    def __init__(self, territory: Territory) -> None:
        self.territory = territory
        self.rows: dict[tuple[str, str, str | None], int] = {}

    def _count(self, what: str, area: str, reading: str | None, lons: Any) -> None:
        key = (what, area, reading)
        self.rows[key] = self.rows.get(key, 0) + len(np.asarray(lons))

    def readings(self, area: str) -> list[str]:
        return self.territory.readings(area)

    def membership(self, area: str, lons: Any, lats: Any, radius_km: Any, *,
                   reading: str | None = None, as_of: date | None = None
                   ) -> npt.NDArray[np.int8]:
        self._count("membership", area, reading, lons)
        return self.territory.membership(area, lons, lats, radius_km, reading=reading,
                                         as_of=as_of)

    def distance_km(self, area: str, lons: Any, lats: Any, *, reading: str | None = None,
                    as_of: date | None = None) -> npt.NDArray[np.float64]:
        self._count("distance_km", area, reading, lons)
        return self.territory.distance_km(area, lons, lats, reading=reading, as_of=as_of)


def test_minsk_classifies_each_event_once_for_all_five_commitments() -> None:
    bundle = load_bundle(MINSK)
    as_of = date(2015, 3, 31)
    territory = Territory.for_treaty(bundle.treaty)
    plain = measure_commitments(bundle.treaty, bundle.record, as_of,
                                events=read_events(MINSK / "events.csv").incidents,
                                territory=territory)
    events = read_events(MINSK / "events.csv").incidents
    counting = _Counting(territory)
    shared = measure_commitments(bundle.treaty, bundle.record, as_of, events=events,
                                 territory=counting)
    assert [r.to_json() for r in shared] == [r.to_json() for r in plain]
    # the ceasefire and the reduction are over the same area: one classification
    assert counting.rows[("membership", "conflict_zone", None)] == len(events)
    # the three withdrawals measure the same events against the same line: once
    [(line, asked)] = [(key, n) for key, n in counting.rows.items() if key[0] == "distance_km"]
    assert line[1] == "line_of_contact_2015" and 0 < asked <= len(events)
    # the highlighted listings never ask about a row twice
    assert counting.rows[("membership", "debaltseve", None)] <= len(events)


def test_obligations_and_commitments_share_the_classification() -> None:
    bundle = load_bundle(ISTANBUL, scenario=True)
    as_of = date(2023, 11, 6)

    def scenario_events() -> Any:
        return read_events(ISTANBUL / "scenario-events.csv",
                           mapping=ISTANBUL / "scenario-events.mapping.yaml").incidents

    territory = Territory.for_treaty(bundle.treaty)
    plain = assess(bundle.treaty, bundle.record, as_of, events=event_columns(scenario_events()),
                   scope=territory)
    events = scenario_events()
    counting = _Counting(territory)
    first = assess(bundle.treaty, bundle.record, as_of, events=event_columns(events),
                   scope=counting)
    measure_commitments(bundle.treaty, bundle.record, as_of, events=events,
                        territory=counting)
    again = assess(bundle.treaty, bundle.record, as_of, events=event_columns(events),
                   scope=counting)
    assert first.to_json() == again.to_json() == plain.to_json()
    assert first.occasions  # the trigger's area was classified ...
    assert ("membership", "guarantee_scope", "ua") in counting.rows
    assert all(n <= len(events) for n in counting.rows.values())  # ... each row once


def test_distances_asked_for_some_rows_are_kept_for_those_rows_only() -> None:
    lons = np.linspace(30.0, 40.0, 50)
    lats = np.full(50, 48.0)
    table = Placements(lons, lats, np.zeros(50))
    asked: list[int] = []

    class Engine:
        def distance_km(self, area: str, x: Any, y: Any, *, reading: str | None = None,
                        as_of: Any = None) -> Any:
            asked.append(len(x))
            return np.asarray(x, np.float64) * 2

    engine = Engine()
    first = table.distance_km(engine, "line", np.array([7, 3, 3, 40]))
    assert list(first) == list(lons[[7, 3, 3, 40]] * 2) and asked == [3]
    again = table.distance_km(engine, "line", np.array([40, 3, 11]))
    assert list(again) == list(lons[[40, 3, 11]] * 2) and asked == [3, 1]
    table.seed("distance_km", engine, "line", np.array([-1.0]), np.array([20]))
    assert table.distance_km(engine, "line", np.array([20]))[0] == -1.0 and asked == [3, 1]
    assert not any(isinstance(a, np.ndarray) and a.size == 50
                   for answers in table._answers.values() for a in vars(answers).values())
