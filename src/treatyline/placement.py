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
from dataclasses import dataclass, field
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


@dataclass
class _SparseAnswers:
    """Answers for some rows only: the rows, sorted, and their values."""

    engine: object
    rows: IntArray = field(default_factory=lambda: np.empty(0, np.intp))
    values: npt.NDArray[np.float64] = field(default_factory=lambda: np.empty(0))

    def _positions(self, wanted: IntArray) -> tuple[IntArray, npt.NDArray[np.bool_]]:
        at = np.searchsorted(self.rows, wanted)
        clipped = np.minimum(at, max(len(self.rows) - 1, 0))
        found = (at < len(self.rows)) & (self.rows[clipped] == wanted) if len(
            self.rows) else np.zeros(len(wanted), np.bool_)
        return clipped, found

    def has(self, wanted: IntArray) -> npt.NDArray[np.bool_]:
        return self._positions(wanted)[1]

    def values_of(self, wanted: IntArray) -> npt.NDArray[np.float64]:
        at, found = self._positions(wanted)
        if not found.all():
            raise KeyError("a row was not answered")
        return self.values[at]

    def merge(self, rows: IntArray, values: npt.NDArray[np.float64]) -> None:
        keep = ~self.has(rows)
        merged_rows = np.concatenate([self.rows, rows[keep]])
        merged_values = np.concatenate([self.values, values[keep]])
        order = np.argsort(merged_rows, kind="stable")
        self.rows, self.values = merged_rows[order], merged_values[order]


class Placements:
    """Membership and distances of one table's events, each row asked of the engine once.

    The engine is part of the key by identity: two engines may read an area differently."""

    __slots__ = ("_answers", "_lats", "_lons", "_radius_km")

    def __init__(self, lons: npt.NDArray[np.float64], lats: npt.NDArray[np.float64],
                 radius_km: npt.NDArray[np.float64]) -> None:
        self._lons, self._lats, self._radius_km = lons, lats, radius_km
        self._answers: dict[tuple[Any, ...], _Answers | _SparseAnswers] = {}

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

        key = _key("distance_km", engine, line, None, as_of)
        if rows is None:
            found: npt.NDArray[np.float64] = self._answer(key, engine, rows, ask)
            return found
        return self._sparse_answer(key, engine, np.asarray(rows, np.intp), ask)

    def seed(self, question: Question, engine: object, place: str, values: npt.ArrayLike,
             rows: IntArray | None = None, *, reading: str | None = None,
             as_of: date | None = None) -> None:
        """Take `values` as `engine`'s answers to `question` for `rows` (every row when
        None), as if it had given them: it is not asked about those rows again. The
        caller vouches that they are its answers (e.g. a copy of it, built from the same
        treaty, gave them for the same points). A distance has no reading."""
        if question == "distance_km" and reading is not None:
            raise ValueError("a distance to a line has no reading")
        key = _key(question, engine, place, reading, as_of)
        if question == "distance_km" and rows is not None:
            sparse = self._sparse_of(key, engine)
            sparse.merge(np.asarray(rows, np.intp), np.asarray(values, np.float64))
            return
        answers = self._answers_of(key, engine)
        where: Rows = slice(None) if rows is None else np.asarray(rows, np.intp)
        answers.values[where] = values
        answers.done[where] = True

    def _sparse_of(self, key: tuple[Any, ...], engine: object) -> _SparseAnswers:
        sparse_key = ("sparse", *key)
        answers = self._answers.get(sparse_key)
        if not isinstance(answers, _SparseAnswers) or answers.engine is not engine:
            answers = _SparseAnswers(engine)
            self._answers[sparse_key] = answers
        return answers

    def _sparse_answer(self, key: tuple[Any, ...], engine: object, wanted: IntArray,
                       ask: Callable[[Rows], npt.NDArray[Any]]) -> npt.NDArray[np.float64]:
        """Distances for some rows (a withdrawal asks only of the rows after its deadline):
        kept for those rows only, not as a full-length array and mask per line (90 MB at
        10^7 events). Answers given for all rows (`rows=None`) are used when there."""
        dense = self._answers.get(key)
        if isinstance(dense, _Answers) and dense.engine is engine and dense.done[wanted].all():
            found: npt.NDArray[np.float64] = dense.values[wanted]
            return found
        sparse = self._sparse_of(key, engine)
        missing = np.unique(wanted[~sparse.has(wanted)])
        if len(missing):
            sparse.merge(missing, np.asarray(ask(missing), np.float64))
        return sparse.values_of(wanted)

    def _answers_of(self, key: tuple[Any, ...], engine: object) -> _Answers:
        answers = self._answers.get(key)
        if not isinstance(answers, _Answers) or answers.engine is not engine:
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
