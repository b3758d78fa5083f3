"""The placement questions an assessment will ask of its events, known before they are
read, and their answers for one part of the events.

Placing events (membership of an area, distance to a line: `placement.Placements`) is the
dearest step of an assessment, and every answer depends on its own row alone (the point,
its radius). So the questions can be answered where the rows are read (a Dask worker, for
its partition) and the answers put together in file order: `foreseen_questions` lists what
the norms engine and the commitments will ask, as of a day, with the rows they will ask it
of (a superset: an answer not needed costs time, never correctness); `answer` answers them
for one table of incidents. A question not foreseen is answered later by the engine itself,
as it always was. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from .expectations import withdrawal_deadline
from .incidents import Incidents
from .measuring import AreaOracle, area_membership, start_day
from .spec.model import Measure, Provision, Treaty

__all__ = ["Answer", "Question", "RowChoice", "answer", "foreseen_questions"]

Kind = Literal["membership", "distance_km"]
BoolArray = npt.NDArray[np.bool_]


class Readings(Protocol):
    """What foreseeing asks of the territory engine: an area's readings."""

    def readings(self, area: str) -> list[str]: ...


@dataclass(frozen=True)
class RowChoice:
    """The rows a question will be asked of: those not certainly outside `areas` (with
    `inside`, those certainly inside them), known by `known_by` (their last day on or
    before it) and starting on or after `first_from`. Every row when nothing is set."""

    areas: tuple[str, ...] = ()
    inside: bool = False
    known_by: date | None = None
    first_from: date | None = None

    @property
    def is_every_row(self) -> bool:
        return self == RowChoice() or self == RowChoice(inside=True)


@dataclass(frozen=True)
class Question:
    """Membership of `place` under `reading`, or distance to it, as of `as_of`; asked of
    the rows any of `rows` chooses (`Placements` keys its answers the same way)."""

    kind: Kind
    place: str
    reading: str | None
    as_of: date
    rows: tuple[RowChoice, ...] = field(default=(RowChoice(),))


@dataclass(frozen=True)
class Answer:
    """A question's answers for the rows `rows` of a table (None: every row), in order."""

    question: Question
    rows: npt.NDArray[np.int64] | None
    values: npt.NDArray[np.int8] | npt.NDArray[np.float64]


def _membership(place: str, territory: Readings, as_of: date, rows: RowChoice
                ) -> list[Question]:
    readings: list[str | None] = list(territory.readings(place)) or [None]
    return [Question("membership", place, reading, as_of, (rows,)) for reading in readings]


def _of_commitment(provision: Provision, measure: Measure, territory: Readings,
                   as_of: date) -> list[Question]:
    """As `commitments._measure_one` and `expectations` ask: each area for every event; a
    withdrawal's line for the events after its deadline not outside the areas; the
    highlighted areas for the events listed (certainly inside the areas)."""
    assert provision.start is not None
    start = start_day(provision.start)
    if as_of < start:
        return []  # not started: nothing is measured
    found = [q for area in provision.areas for q in _membership(area, territory, as_of,
                                                                RowChoice())]
    listed = RowChoice(provision.areas, inside=True, known_by=as_of)
    if measure.expectation == "withdrawal_distance":
        if measure.line is None or measure.deadline is None:
            return found
        deadline = withdrawal_deadline(measure, start)
        if as_of <= deadline:
            return found  # the deadline has not passed: no distance is measured
        late = RowChoice(provision.areas, known_by=as_of, first_from=deadline + timedelta(1))
        found.append(Question("distance_km", measure.line, None, as_of, (late,)))
        listed = RowChoice(provision.areas, inside=True, known_by=as_of,
                           first_from=late.first_from)
    elif measure.expectation != "ceasefire":
        return found  # a reduction lists no events
    return found + [q for area in measure.highlight
                    for q in _membership(area, territory, as_of, listed)]


def foreseen_questions(treaty: Treaty, as_of: date, territory: Readings
                       ) -> tuple[Question, ...]:
    """What assessing `treaty` as of `as_of` asks of the events' places: the obligations'
    trigger areas (`norms`) and the measured commitments' areas, lines and highlighted
    areas (`commitments`). Questions asked twice are merged (their rows combined)."""
    asked: list[Question] = []
    for provision in treaty.provisions:
        if provision.kind == "obligation" and provision.trigger is not None and (
                provision.trigger.area is not None):
            asked.extend(_membership(provision.trigger.area, territory, as_of, RowChoice()))
        elif provision.kind == "commitment" and provision.measure is not None and (
                provision.start is not None):
            asked.extend(_of_commitment(provision, provision.measure, territory, as_of))
    merged: dict[tuple[Kind, str, str | None, date], tuple[RowChoice, ...]] = {}
    for question in asked:
        key = (question.kind, question.place, question.reading, question.as_of)
        merged[key] = tuple(dict.fromkeys(merged.get(key, ()) + question.rows))
    return tuple(Question(*key, rows) for key, rows in merged.items())


def _chosen(choice: RowChoice, incidents: Incidents, territory: AreaOracle,
            as_of: date) -> BoolArray:
    chosen = np.ones(len(incidents), np.bool_)
    if choice.known_by is not None:
        chosen &= incidents.last_day <= np.datetime64(choice.known_by, "D")
    if choice.first_from is not None:
        chosen &= incidents.day >= np.datetime64(choice.first_from, "D")
    if choice.areas:
        member = area_membership(territory, choice.areas, incidents, as_of)
        chosen &= (member == 1) if choice.inside else (member != 0)
    return chosen


def answer(questions: Sequence[Question], incidents: Incidents, territory: AreaOracle
           ) -> list[Answer]:
    """Each question answered for the rows it will be asked of in `incidents`, through
    the table's own `Placements` (an area asked twice is placed once)."""
    placements = incidents.placements
    found: list[Answer] = []
    for question in questions:
        rows: npt.NDArray[np.int64] | None = None
        if not any(choice.is_every_row for choice in question.rows):
            mask = np.zeros(len(incidents), np.bool_)
            for choice in question.rows:
                mask |= _chosen(choice, incidents, territory, question.as_of)
            rows = np.flatnonzero(mask).astype(np.int64)
        values: npt.NDArray[np.int8] | npt.NDArray[np.float64]
        if question.kind == "membership":
            values = placements.membership(territory, question.place, rows,
                                           reading=question.reading, as_of=question.as_of)
        else:
            values = placements.distance_km(territory, question.place, rows,
                                            as_of=question.as_of)
        found.append(Answer(question, rows, values.copy()))  # owned: the cache's is shared
    return found
