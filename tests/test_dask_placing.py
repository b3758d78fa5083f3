"""The placement questions foreseen before the events are read, answered part by part and
seeded into the combined table: the same answers as the engine's own, without a cluster
(tests/test_dask.py runs them on one)."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from treatyline.bundle import load_bundle
from treatyline.dask_placing import DatasetAnswers, Foresight, ShippedTerritory, place
from treatyline.foresight import Answer, Question, RowChoice, answer, foreseen_questions
from treatyline.incidents import Incidents
from treatyline.monitor import read_event_files
from treatyline.placement import Placements
from treatyline.territory import Territory

MINSK = Path(__file__).resolve().parents[1] / "examples" / "minsk-2015"
AS_OF = date(2015, 3, 31)


@pytest.fixture(scope="module")
def incidents() -> Incidents:
    return read_event_files([MINSK / "events.csv"], None, None).incidents


@pytest.fixture(scope="module")
def engine() -> Territory:
    return Territory.for_treaty(load_bundle(MINSK / "treaty.yaml").treaty)


def test_the_minsk_questions_are_its_areas_line_and_highlight(engine: Territory) -> None:
    asked = foreseen_questions(engine.treaty, AS_OF, engine)
    keys = {(q.kind, q.place, q.as_of) for q in asked}
    assert keys == {("membership", "conflict_zone", AS_OF),
                    ("membership", "debaltseve", AS_OF),
                    ("distance_km", "line_of_contact_2015", AS_OF)}
    distance = next(q for q in asked if q.kind == "distance_km")
    # the three withdrawals (no area of their own) ask it of the events after the
    # deadline, 15 days after their start: the same day, so one row choice
    assert distance.rows == (RowChoice(known_by=AS_OF, first_from=date(2015, 3, 3)),)
    highlight = next(q for q in asked if q.place == "debaltseve")
    assert all(choice.inside for choice in highlight.rows)


def test_before_the_deadline_no_distance_is_foreseen(engine: Territory) -> None:
    asked = foreseen_questions(engine.treaty, date(2015, 2, 20), engine)
    assert not [q for q in asked if q.kind == "distance_km"]
    assert not foreseen_questions(engine.treaty, date(2014, 1, 1), engine)  # not started


def _assert_engine_answers(found: list[Answer], incidents: Incidents,
                           engine: Territory) -> None:
    """Each answer equals what `engine` gives for the same rows of `incidents`."""
    fresh = Placements(incidents.longitude, incidents.latitude, incidents.radius_km)
    for one in found:
        q = one.question
        if q.kind == "membership":
            expected: Any = fresh.membership(engine, q.place, one.rows, reading=q.reading,
                                             as_of=q.as_of)
        else:
            expected = fresh.distance_km(engine, q.place, one.rows, as_of=q.as_of)
        np.testing.assert_array_equal(one.values, expected)


def test_answers_equal_the_engine_and_cover_the_rows_asked(
        incidents: Incidents, engine: Territory) -> None:
    asked = foreseen_questions(engine.treaty, AS_OF, engine)
    found = answer(asked, incidents, engine)
    _assert_engine_answers(found, incidents, engine)
    distance = next(one for one in found if one.question.kind == "distance_km")
    assert distance.rows is not None and 0 < len(distance.rows) < len(incidents)


def _split(incidents: Incidents, cuts: list[int]) -> list[Incidents]:
    table = incidents.to_arrow()
    edges = [0, *cuts, len(incidents)]
    return [Incidents(table.slice(lo, hi - lo)) for lo, hi in itertools.pairwise(edges)]


def test_parts_answered_apart_seed_the_whole_table(incidents: Incidents,
                                                   engine: Territory) -> None:
    asked: list[int] = []

    class Counting(Territory):
        def membership(self, area: str, lons: Any, *args: Any, **kwargs: Any) -> Any:
            asked.append(len(lons))
            return super().membership(area, lons, *args, **kwargs)

        def distance_km(self, area: str, lons: Any, *args: Any, **kwargs: Any) -> Any:
            asked.append(len(lons))
            return super().distance_km(area, lons, *args, **kwargs)

    counting = Counting(engine.treaty)
    foresight = Foresight.of(engine.treaty, AS_OF, counting)
    parts = _split(incidents, [700, 2_000])
    collected = DatasetAnswers(foresight)
    for piece in (parts[:2], parts[2:]):  # two files
        answered = [(len(p), place(foresight.shipped, foresight.questions, [p]))
                    for p in piece]
        collected.add_file(answered, None, sum(len(p) for p in piece))
    whole = Incidents(incidents.to_arrow())
    assert collected.seed(whole) > len(incidents)
    # every row the assessment asks about answered, as the engine answers
    _assert_engine_answers(answer(foresight.questions, whole, counting), incidents, engine)
    assert asked == []  # the seeded answers, not the engine's


def test_an_id_used_again_drops_its_answers_with_its_row(engine: Territory,
                                                         incidents: Incidents) -> None:
    question = Question("membership", "conflict_zone", None, AS_OF)
    foresight = Foresight((question,), ShippedTerritory.of(engine.treaty), engine)
    collected = DatasetAnswers(foresight)
    ids = pa.chunked_array([["a", "b"], ["a", "c"]])
    first = [Answer(question, None, np.array([1, 0], np.int8))]
    second = [Answer(question, None, np.array([-1, 1], np.int8))]
    collected.add_file([(2, first), (2, second)], ids, 3)  # the second "a" dropped
    table = Incidents(incidents.to_arrow().slice(0, 3))
    assert collected.seed(table) == 3
    seeded = table.placements.membership(engine, "conflict_zone", as_of=AS_OF)
    assert seeded.tolist() == [1, 0, 1]  # the answers given, not the engine's


def test_answers_that_do_not_fit_are_not_seeded(engine: Territory,
                                                incidents: Incidents) -> None:
    foresight = Foresight.of(engine.treaty, AS_OF, engine)
    collected = DatasetAnswers(foresight)
    answered = place(foresight.shipped, foresight.questions, [incidents])
    collected.add_file([(len(incidents), answered)], None, len(incidents))
    assert collected.seed(Incidents(incidents.to_arrow().slice(1))) == 0


def test_a_worker_without_the_treaty_files_answers_nothing(
        engine: Territory, incidents: Incidents, tmp_path: Path) -> None:
    foresight = Foresight.of(engine.treaty, AS_OF, engine)
    elsewhere = ShippedTerritory(engine.treaty, str(tmp_path), "elsewhere")
    assert place(elsewhere, foresight.questions, [incidents]) is None
    collected = DatasetAnswers(foresight)
    collected.add_file([(len(incidents), None)], None, len(incidents))
    assert not collected.complete
    assert collected.seed(incidents) == 0


def test_seeded_rows_are_not_asked_again(incidents: Incidents, engine: Territory) -> None:
    asked: list[int] = []

    class Counting(Territory):
        def distance_km(self, area: str, lons: Any, *args: Any, **kwargs: Any) -> Any:
            asked.append(len(lons))
            return super().distance_km(area, lons, *args, **kwargs)

    counting = Counting(engine.treaty)
    placements = Placements(incidents.longitude, incidents.latitude, incidents.radius_km)
    rows = np.arange(10, 20)
    placements.seed("distance_km", counting, "line_of_contact_2015", np.full(10, 5.0), rows,
                    as_of=AS_OF)
    found = placements.distance_km(counting, "line_of_contact_2015", np.arange(5, 25),
                                   as_of=AS_OF)
    assert asked == [10]  # rows 5-9 and 20-24 only
    assert found[5:15].tolist() == [5.0] * 10
    with pytest.raises(ValueError, match="no reading"):
        placements.seed("distance_km", counting, "x", [1.0], reading="r")
