"""Where the events of one table lie with respect to the treaty's areas and lines, each
answer computed at most once.

Membership of an area and distance to a line are the dearest questions asked of an event
table (a geodesic distance to a border for every imprecise point), and one assessment asks
the same ones several times: the commitments over the same area, the obligations whose
trigger names it, the highlighted places of each listing. A `Placements` belongs to one
immutable event table (`Incidents.placements`); it keeps, per (question, territory engine,
area, reading, as-of), the answer for every row asked so far, and asks the engine only
about the rows not yet answered. Rows are independent (each point is classified on its own),
so answers for a subset equal the answers the whole table would give, and answers found
elsewhere for some rows (a Dask worker's, for its partition: `seed`) stand for the engine's.
Pure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["AreaMembership", "LineDistance", "Placements"]

IntArray = npt.NDArray[np.intp]
Rows = IntArray | slice
Question = Literal["membership", "distance_km"]


class AreaMembership(Protocol):
    """What placing events asks of the territory engine for an area."""

    def membership(self, area: str, lons: npt.NDArray[np.float64],
                   lats: npt.NDArray[np.float64], radius_km: npt.NDArray[np.float64], *,
                   reading: str | None = None,
                   as_of: date | None = None) -> npt.NDArray[np.int8]: ...


class LineDistance(Protocol):
    """What placing events asks of the territory engine for a line."""

    def distance_km(self, area: str, lons: npt.NDArray[np.float64],
                    lats: npt.NDArray[np.float64], *, reading: str | None = None,
                    as_of: date | None = None) -> npt.NDArray[np.float64]: ...


@dataclass
class _Answers:
    engine: object
    """The engine asked (kept so that its id, part of the key, cannot be reused)."""
    values: npt.NDArray[Any]
    done: npt.NDArray[np.bool_]


class Placements:
    """Membership and distances of one table's events, each row asked of the engine once.

    The engine is part of the key by identity: two engines may read an area differently."""

    __slots__ = ("_answers", "_lats", "_lons", "_radius_km")

    def __init__(self, lons: npt.NDArray[np.float64], lats: npt.NDArray[np.float64],
                 radius_km: npt.NDArray[np.float64]) -> None:
        self._lons, self._lats, self._radius_km = lons, lats, radius_km
        self._answers: dict[tuple[Any, ...], _Answers] = {}

    def membership(self, engine: AreaMembership, area: str, rows: IntArray | None = None, *,
                   reading: str | None = None, as_of: date | None = None
                   ) -> npt.NDArray[np.int8]:
        """1 inside, 0 outside, -1 undetermined (see `Territory.membership`) for `rows`
        (every row when None), in that order."""
        def ask(missing: Rows) -> npt.NDArray[Any]:
            return engine.membership(area, self._lons[missing], self._lats[missing],
                                     self._radius_km[missing], reading=reading, as_of=as_of)

        found: npt.NDArray[np.int8] = self._answer(
            _key("membership", engine, area, reading, as_of), engine, rows, ask)
        return found

    def distance_km(self, engine: LineDistance, line: str, rows: IntArray | None = None, *,
                    as_of: date | None = None) -> npt.NDArray[np.float64]:
        """Distance on the ground from each of `rows` to `line` (see `Territory.distance_km`)."""
        def ask(missing: Rows) -> npt.NDArray[Any]:
            return engine.distance_km(line, self._lons[missing], self._lats[missing],
                                      as_of=as_of)

        found: npt.NDArray[np.float64] = self._answer(
            _key("distance_km", engine, line, None, as_of), engine, rows, ask)
        return found

    def seed(self, question: Question, engine: object, place: str, values: npt.ArrayLike,
             rows: IntArray | None = None, *, reading: str | None = None,
             as_of: date | None = None) -> None:
        """Take `values` as `engine`'s answers to `question` for `rows` (every row when
        None), as if it had given them: it is not asked about those rows again. The
        caller vouches that they are its answers (e.g. a copy of it, built from the same
        treaty, gave them for the same points). A distance has no reading."""
        if question == "distance_km" and reading is not None:
            raise ValueError("a distance to a line has no reading")
        answers = self._answers_of(_key(question, engine, place, reading, as_of), engine)
        where: Rows = slice(None) if rows is None else np.asarray(rows, np.intp)
        answers.values[where] = values
        answers.done[where] = True

    def _answers_of(self, key: tuple[Any, ...], engine: object) -> _Answers:
        answers = self._answers.get(key)
        if answers is None or answers.engine is not engine:
            n = len(self._lons)
            dtype = np.int8 if key[0] == "membership" else np.float64
            answers = _Answers(engine, np.zeros(n, dtype), np.zeros(n, np.bool_))
            self._answers[key] = answers
        return answers

    def _answer(self, key: tuple[Any, ...], engine: object, rows: IntArray | None,
                ask: Callable[[Rows], npt.NDArray[Any]]) -> npt.NDArray[Any]:
        answers = self._answers_of(key, engine)
        wanted = None if rows is None else np.asarray(rows, np.intp)
        missing: Rows
        if wanted is None and not answers.done.any():
            # every row, none answered yet (the common case): a slice, not an index array
            # of 8 bytes a row, and the columns as they are, not a copy of each
            missing = slice(None)
        else:
            missing = np.flatnonzero(~answers.done) if wanted is None else (
                wanted[~answers.done[wanted]])
            if len(missing) == len(self._lons):
                missing = slice(None)
        if len(self._lons) if isinstance(missing, slice) else len(missing):
            answers.values[missing] = ask(missing)
            answers.done[missing] = True
        if wanted is None:
            whole = answers.values.view()
            whole.flags.writeable = False  # shared by every caller: nobody may change it
            return whole
        return answers.values[wanted]


def _key(question: Question, engine: object, place: str, reading: str | None,
         as_of: date | None) -> tuple[Any, ...]:
    """The engine is part of the key by identity: two engines may read an area differently."""
    return (question, id(engine), place, reading, as_of)
