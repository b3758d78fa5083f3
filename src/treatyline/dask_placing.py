"""Placing the events where they are read: each Dask task answers the assessment's
foreseen placement questions (`foresight`) for its partition's incidents, and the driver
seeds the combined table's `Placements` with the answers, in file order, so that its own
territory engine is asked only what was not foreseen.

The workers rebuild the territory engine from the treaty (`ShippedTerritory`: the treaty
and the folder its files are named from, scattered once to every worker), once per worker
process (`territory_for`, keyed by the treaty's content hash): the engine's caches (each
area's geometry, grid classifier and border clearance) then serve every partition that
worker reads. An engine built from the same treaty answers as the driver's does, and
every answer depends on its own row alone, so the seeded answers are the driver's own.

Dask is not imported here: the task functions are plain functions of plain data.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from .errors import TreatylineError
from .foresight import Answer, Question, answer, foreseen_questions
from .incidents import Incidents
from .spec.model import Treaty

if TYPE_CHECKING:
    from .territory import Territory

__all__ = ["DatasetAnswers", "Foresight", "ShippedTerritory", "joined", "place",
           "territory_for"]

_KEPT_ENGINES: Final = 4
"""Territory engines a worker keeps (a long-lived cluster serves several treaties)."""

_engines: dict[str, Territory] = {}
_engines_lock = threading.Lock()


@dataclass(frozen=True)
class ShippedTerritory:
    """What a worker rebuilds the territory engine from: the treaty, the folder its
    GeoJSON files are named from (absolute: a worker's working folder may differ), and
    their content hash (the worker's cache key)."""

    treaty: Treaty
    base_dir: str | None
    key: str

    @classmethod
    def of(cls, treaty: Treaty) -> ShippedTerritory:
        base = None if treaty.base_dir is None else str(Path(treaty.base_dir).resolve())
        digest = hashlib.sha256(pickle.dumps((treaty, base))).hexdigest()
        return cls(treaty, base, digest)


def territory_for(shipped: ShippedTerritory) -> Territory:
    """This process's territory engine for the shipped treaty, built on first use."""
    from .territory import Territory

    with _engines_lock:
        found = _engines.get(shipped.key)
        if found is None:
            found = Territory(shipped.treaty, base_dir=shipped.base_dir)
            while len(_engines) >= _KEPT_ENGINES:
                del _engines[next(iter(_engines))]  # the oldest first
            _engines[shipped.key] = found
        return found


@dataclass(frozen=True)
class Foresight:
    """The questions an assessment will ask, what answers them on a worker, and the
    driver's engine (never shipped) the answers stand for."""

    questions: tuple[Question, ...]
    shipped: ShippedTerritory
    engine: object

    @classmethod
    def of(cls, treaty: Treaty, as_of: date, engine: Territory) -> Foresight:
        return cls(foreseen_questions(treaty, as_of, engine), ShippedTerritory.of(treaty),
                   engine)


def place(shipped: ShippedTerritory, questions: Sequence[Question],
          tables: Sequence[Incidents]) -> list[Answer] | None:
    """The questions answered for `tables`, one after the other; None when the engine
    cannot be built here (e.g. a GeoJSON file the treaty names is not on this machine):
    the driver then places the events itself, and reports what is wrong with the treaty
    if anything is."""
    try:
        territory = territory_for(shipped)
        return joined([(len(table), answer(questions, table, territory))
                       for table in tables], questions)
    except (TreatylineError, OSError):
        return None


def joined(pieces: Sequence[tuple[int, list[Answer]]], questions: Sequence[Question]
           ) -> list[Answer]:
    """Answers for consecutive tables of `rows` rows each, as answers for the tables
    put end to end."""
    found: list[Answer] = []
    for number, question in enumerate(questions):
        answers = [(rows, each[number]) for rows, each in pieces]
        values = np.concatenate([a.values for _, a in answers] or [np.zeros(0)])
        if all(a.rows is None for _, a in answers):
            found.append(Answer(question, None, values))
            continue
        offsets = np.cumsum([0] + [rows for rows, _ in answers[:-1]])
        chosen = [np.arange(rows, dtype=np.int64) if a.rows is None else a.rows
                  for rows, a in answers]
        found.append(Answer(question, np.concatenate(
            [rows + offset for rows, offset in zip(chosen, offsets, strict=True)]
            or [np.zeros(0, np.int64)]), values))
    return found


def _first_ids(ids: pa.ChunkedArray) -> npt.NDArray[np.bool_]:
    """Which rows hold the first use of their id: the rows a file's assembly keeps when
    an id is used again (`sources._parts.Assembly`)."""
    codes = ids.combine_chunks().dictionary_encode().indices.to_numpy(zero_copy_only=False)
    _, first = np.unique(codes, return_index=True)
    kept = np.zeros(len(codes), np.bool_)
    kept[first] = True
    return kept


def _kept_only(answers: list[Answer], kept: npt.NDArray[np.bool_]) -> list[Answer]:
    """Answers for the kept rows of a table, numbered among them."""
    renumbered = np.cumsum(kept) - 1
    found = []
    for one in answers:
        if one.rows is None:
            found.append(Answer(one.question, None, one.values[kept]))
        else:
            stays = kept[one.rows]
            found.append(Answer(one.question, renumbered[one.rows[stays]],
                                one.values[stays]))
    return found


class DatasetAnswers:
    """The answers of a dataset's partitions, file by file, and the seeding of the
    combined table's placements with them."""

    def __init__(self, foresight: Foresight) -> None:
        self._foresight = foresight
        self._files: list[tuple[int, list[Answer]]] = []
        self.complete = True
        """False once a partition came back without answers: nothing is seeded then."""

    def add_file(self, partitions: Sequence[tuple[int, list[Answer] | None]],
                 ids: pa.ChunkedArray | None, rows_kept: int) -> None:
        """A file's partitions' answers (with each one's incidents), given the ids of
        those incidents (None for treatyline's own files: no id is dropped) and how
        many incidents the file kept once put together."""
        if not self.complete or any(answers is None for _, answers in partitions):
            self.complete = False
            return
        questions = self._foresight.questions
        found = joined([(rows, answers) for rows, answers in partitions
                        if answers is not None], questions)
        if rows_kept != sum(rows for rows, _ in partitions):
            if ids is None:
                self.complete = False
                return
            kept = _first_ids(ids)
            if int(kept.sum()) != rows_kept:  # not the assembly's rule: do not guess
                self.complete = False
                return
            found = _kept_only(found, kept)
        self._files.append((rows_kept, found))

    def seed(self, incidents: Incidents) -> int:
        """Seed `incidents` (the files' incidents end to end) with the answers; the rows
        seeded (question by question), 0 when they do not fit."""
        files, self._files = self._files, []
        if not self.complete or sum(rows for rows, _ in files) != len(incidents):
            return 0
        placements = incidents.placements
        engine = self._foresight.engine
        seeded = 0
        for one in joined(files, self._foresight.questions):
            question = one.question
            placements.seed(question.kind, engine, question.place, one.values, one.rows,
                            reading=question.reading, as_of=question.as_of)
            seeded += len(one.values)
        return seeded
