"""The record: dated acts (instruments, negotiation, facts), each with a source.

Acts are immutable and kept in time order whatever order the files list them
in. Each act has two times: `date`, when it happened, and `recorded`, when it
became known (defaults to `date`). An act that cannot be accepted is rejected
with the reason and its place (file:line:column); the other acts are kept.
"""

from __future__ import annotations

import bisect
import contextlib
import csv
import datetime as dt
import functools
import gc
import io
import itertools
import json
import operator
import re
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .calendar import FIRST_DAY, LAST_DAY, DayOrTime, day_of
from .errors import Diagnostic, Position, RecordError, did_you_mean
from .inputs import check_regular_file, read_input_text
from .sourcemap import SourceMap, SyntaxProblem, load_yaml
from .spec.model import DayOrTimeField, Treaty
from .spec.referendum_checks import check_vote
from .spec.vocabulary import (
    CONSENT_KINDS,
    FACT_KIND,
    MONITORING_KINDS,
    NEGOTIATION_KINDS,
    REVOCATION_OF_CONSENT,
    REVOCATION_OF_WITHDRAWAL,
    SUCCESSION,
    WITHDRAWAL_KINDS,
)
from .states import is_state, state_name, suggest_state

__all__ = ["Act", "Delegation", "Record", "acts_from_ledger_rows", "collector_paused",
           "load_record", "record_from_rows"]


class Delegation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    head: str | None = None
    members: tuple[str, ...] = ()


class Act(BaseModel):
    """One dated act or fact, with its source."""

    # built on first use: a plain act is made without the validator (see _plain_act)
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str | None = None
    date: DayOrTimeField
    recorded: DayOrTimeField | None = Field(
        None, description="When the act became known or was recorded; defaults to date."
    )
    kind: str
    party: str | None = None
    parties: tuple[str, ...] = Field((), description="Participants (talks, meetings).")
    fact: str | None = None
    organ: str | None = Field(None, description="The organ that acted, e.g. 'Verkhovna Rada'.")
    person: str | None = None
    place: str | None = None
    host: str | None = None
    delegations: dict[str, Delegation] = Field(default_factory=dict)
    effective: DayOrTimeField | None = Field(
        None, description="denunciation/withdrawal: the later date the notification names for "
        "its effect, where the clause allows one (later_date_allowed)."
    )
    predecessor: str | None = Field(
        None, description="succession: the former state whose participation the party takes "
        "over (e.g. SU, CS)."
    )
    continuation: bool = Field(
        False, description="succession: the party continues the predecessor's participation "
        "(same standing, no new instrument), as the Russian Federation the USSR's."
    )
    disputed_by: tuple[str, ...] = Field(
        (), description="Parties that dispute the act (e.g. its validity or its effect); the "
        "status is then also shown under the reading that disregards it.")
    reading: str | None = Field(
        None, pattern=r"^[a-z0-9][a-z0-9_-]*$",
        description="disputed acts: the name of the reading that disregards the act "
        "(default: disputed); acts with the same reading are disregarded together.")
    yes_share: float | None = Field(None, ge=0, le=1)
    turnout: float | None = Field(None, ge=0, le=1)
    yes_of_electorate: float | None = Field(
        None, ge=0, le=1, description="referendum: yes votes as a share of the electorate.")
    referendum: str | None = Field(
        None, description="referendum: which declared referendum this vote is (needed when "
        "its party holds more than one).")
    text: str | None = None
    source: str = Field(min_length=1, description="Citation or URL.")
    hypothetical: bool = False
    note: str | None = None

    # where the act was read from; set by the loader, not part of the file format
    ref: str = Field("", exclude=True)
    position: Position | None = Field(None, exclude=True)
    sequence: int = Field(0, exclude=True)

    @model_validator(mode="after")
    def _recorded_not_before_date(self) -> Act:
        if self.recorded is not None and _day_time(self.recorded) < _day_time(self.date):
            raise ValueError("recorded is earlier than the date of the act")
        return self

    @property
    def day(self) -> dt.date:
        return day_of(self.date)

    @property
    def known_day(self) -> dt.date:
        """The day the act became known (`recorded`, else its own date): the knowledge
        time, as opposed to `day`, the day the law gives it effect from."""
        return day_of(self.recorded) if self.recorded is not None else self.day

    @property
    def sort_key(self) -> tuple[dt.date, int, dt.datetime | None, int]:
        # within a day, timed acts in time order come before untimed ones
        moment = self.date
        if isinstance(moment, dt.datetime):
            return (self.day, 0, moment, self.sequence)
        return (self.day, 1, None, self.sequence)

    @property
    def label(self) -> str:
        return self.id or self.ref

    def actors(self) -> tuple[str, ...]:
        if self.party:
            return (self.party, *self.parties)
        return self.parties


def _day_time(moment: DayOrTime) -> tuple[dt.date, int]:
    if isinstance(moment, dt.datetime):
        return (moment.date(), 1)
    return (moment, 0)


_DATE = operator.attrgetter("date")
_DAY_SEQUENCE = operator.attrgetter("date", "sequence")
_SORT_KEY = operator.attrgetter("sort_key")


@dataclass(frozen=True)
class Record:
    """The accepted acts in time order, and the rejected ones with their reasons."""

    acts: tuple[Act, ...]
    rejected: tuple[Diagnostic, ...] = ()
    files: tuple[str, ...] = ()
    new_parties: Mapping[str, str] = field(default_factory=dict)
    """States not declared in the treaty that acceded, or made another act of its procedure
    while accession is open to any state (code → name)."""
    _timed: bool = field(default=False, init=False, repr=False, compare=False)
    """Whether an act is dated with a time of day (the acts are then ordered by sort_key)."""
    _base: weakref.ref[Record] | None = field(default=None, init=False, repr=False,
                                              compare=False)
    _added: tuple[Act, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        acts = self.acts
        timed = any(isinstance(moment, dt.datetime) for moment in map(_DATE, acts))
        if timed:
            ordered = tuple(sorted(acts, key=_SORT_KEY))
        else:  # days only: the same order as sort_key's, with a key made in C
            ordered = tuple(sorted(acts, key=_DAY_SEQUENCE))
        object.__setattr__(self, "acts", ordered)
        object.__setattr__(self, "_timed", timed)

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_base": None}  # a weak reference does not pickle

    def appended(self, acts: Iterable[Act], new_parties: Mapping[str, str] | None = None
                 ) -> Record:
        """This record with `acts` added, in the order `Record((*self.acts, *acts), ...)`
        gives them (each after the acts it ties with), without sorting again: each is put
        in its place by bisection. The rejected rows and files are kept; `new_parties` is
        added to this record's. The record made knows it was made from this one (while
        this one lives): its evaluation resumes this one's (treatyline.evaluation_pass)."""
        added = tuple(acts)
        timed = self._timed or any(isinstance(act.date, dt.datetime) for act in added)
        key = _SORT_KEY if timed else _DAY_SEQUENCE  # one order where both apply
        keys = [key(act) for act in (*self.acts[-1:], *added)]
        if all(earlier <= later for earlier, later in itertools.pairwise(keys)):
            ordered = self.acts + added  # the common case: each after the last
        else:
            in_place = list(self.acts)
            for act in added:  # each after the acts it ties with, as a stable sort puts it
                in_place.insert(bisect.bisect_right(in_place, key(act), key=key), act)
            ordered = tuple(in_place)
        made = Record.__new__(Record)
        values = {"acts": ordered, "rejected": self.rejected, "files": self.files,
                  "new_parties": ({**self.new_parties, **new_parties} if new_parties
                                  else dict(self.new_parties)),
                  "_timed": timed, "_base": weakref.ref(self), "_added": added}
        for name, value in values.items():
            object.__setattr__(made, name, value)
        return made

    @property
    def appended_to(self) -> tuple[Record, tuple[Act, ...]] | None:
        """The record this one was made from by `appended`, and the acts it added; None
        for a record made otherwise, or once that record is gone."""
        base = self._base() if self._base is not None else None
        return (base, self._added) if base is not None else None

    @property
    def is_hypothetical(self) -> bool:
        return any(a.hypothetical for a in self.acts)

    def as_known_on(self, known_on: dt.date) -> Record:
        """The record as it stood at the end of `known_on`: the acts recorded on or before
        that day. An act keeps its own date whatever its receipt, so an instrument dated
        before it became known counts from its date once known (the law goes by the act's
        date, not by the order of receipt). Rejected rows are kept: they carry no date."""
        known = tuple(act for act in self.acts if act.known_day <= known_on)
        if len(known) == len(self.acts):
            return self
        parties = {code: name for code, name in self.new_parties.items()
                   if any(act.party == code for act in known)}
        return Record(known, self.rejected, self.files, parties)

    def unknown_on(self, known_on: dt.date) -> tuple[Act, ...]:
        """The acts recorded after `known_on` (those `as_known_on` leaves out)."""
        return tuple(act for act in self.acts if act.known_day > known_on)

    def merged(self, other: Record) -> Record:
        return Record(
            self.acts + other.acts,
            self.rejected + other.rejected,
            self.files + other.files,
            {**self.new_parties, **other.new_parties},
        )


EMPTY_RECORD = Record(())


# --- loading --------------------------------------------------------------------------------


def load_record(paths: str | Path | Sequence[str | Path], treaty: Treaty) -> Record:
    """Read record files (YAML, CSV, JSON Lines, or a ledger bundle ending in .tlbundle,
    verified first) and check each act against the treaty."""
    if isinstance(paths, str | Path):
        paths = [paths]
    acts: list[Act] = []
    rejected: list[Diagnostic] = []
    files: list[str] = []
    new_parties: dict[str, str] = {}
    sequence = 0
    checker = _ActChecker(treaty)
    with collector_paused():
        for raw in paths:
            path = Path(raw)
            check_regular_file(path, "record file", RecordError)
            if path.suffix.lower() == ".tlbundle":  # a depositary's ledger, verified
                from .ledger.bundle_file import bundle_record  # the ledger imports this

                ledger = bundle_record(path, treaty)
                acts.extend(ledger.acts)
                new_parties.update(ledger.new_parties)
                sequence += max((act.sequence for act in ledger.acts), default=-1) + 1
                files.append(str(path))
                continue
            rows, hypothetical = _read_rows(path)
            _acts_from_rows(rows, checker, hypothetical, sequence, acts, rejected, new_parties)
            sequence += len(rows)
            files.append(str(path))
        return Record(tuple(acts), tuple(rejected), tuple(files), new_parties)  # sorted once


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a record is read: the tens of thousands of
    new (acyclic) objects would otherwise set off repeated full collections, each walking
    every object alive (the treaty, pycountry's tables), and nearly double the time.

    On the way out the new objects go straight to the oldest generation (a freeze and
    unfreeze moves them there without looking at them): left in the youngest, the first
    allocation after `gc.enable()` walks all of them (4 per act: the act, its fields and
    their set, its position) only to find them alive, then again in the middle generation
    — about 90 ms of a 20,000-act load, a quarter of it. A garbage cycle young at that
    moment (made by the load or before it) is still collected, by the next full collection.
    Skipped when the program has frozen objects of its own (a server before it forks):
    unfreezing would hand them back to the collector."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


Row = tuple[dict[str, Any], str, Position, "RowLocator"]


class RowLocator:
    """Finds the position of a field of one row (for error messages)."""

    def __init__(self, source: SourceMap | None, base: tuple[str | int, ...],
                 csv_columns: dict[str, Position] | None = None) -> None:
        self.source, self.base, self.csv_columns = source, base, csv_columns

    def at(self, field_name: str | None, row_position: Position, *, key: bool = False) -> Position:
        if field_name is None:
            return row_position
        if self.source is not None:
            return self.source.at((*self.base, field_name), key=key)
        if self.csv_columns is not None and field_name in self.csv_columns:
            return self.csv_columns[field_name]
        return row_position


_RECORD_KEYS = ("acts", "hypothetical", "title", "note", "source")


def _read_rows(path: Path) -> tuple[list[Row], bool]:
    if path.suffix.lower() == ".csv":
        return _read_csv(path), False
    if path.suffix.lower() == ".jsonl":
        return _read_jsonl(path)
    if path.suffix.lower() not in {".yaml", ".yml"}:
        raise RecordError([Diagnostic("a record is a .yaml, .yml, .csv or .jsonl file",
                                      Position(str(path)))])
    try:
        loaded = load_yaml(path, what="record file", error=RecordError)
    except SyntaxProblem as problem:
        raise RecordError([problem.diagnostic]) from None
    data, source = loaded.data, loaded.source
    hypothetical = False
    base: tuple[str | int, ...] = ()
    if isinstance(data, dict):
        unknown = [key for key in data if key not in _RECORD_KEYS]
        if unknown:
            name = str(sorted(unknown, key=str)[0])
            raise RecordError([Diagnostic(
                f"unknown field {name!r} in a record file; expected acts, hypothetical, "
                "title, note, source", source.at((name,), key=True),
                did_you_mean(name, _RECORD_KEYS))])
        hypothetical = data.get("hypothetical", False)
        if not isinstance(hypothetical, bool):
            raise RecordError([Diagnostic("hypothetical is true or false",
                                          source.at(("hypothetical",)))])
        for name in ("title", "note", "source"):
            if data.get(name) is not None and not isinstance(data[name], str):
                raise RecordError([Diagnostic(f"{name} is a text", source.at((name,)))])
        default_source = data.get("source")
        acts = data.get("acts", [])
        acts = [] if acts is None else acts
        base = ("acts",)
    else:
        default_source = None
        acts = data if data is not None else []
    if not isinstance(acts, list):
        raise RecordError([Diagnostic(
            "acts must be a list (- {date: ..., kind: ..., ...})", source.at(base))])
    rows: list[Row] = []
    for index, item in enumerate(acts):
        at = source.at((*base, index))
        if not isinstance(item, dict):
            rows.append(({"__not_a_mapping__": item}, f"{path.name}:{at.line}", at,
                         RowLocator(source, (*base, index))))
            continue
        if default_source and "source" not in item:
            item = {**item, "source": default_source}
        rows.append((item, f"{path.name}:{at.line}", at, RowLocator(source, (*base, index))))
    return rows, hypothetical


_CSV_LIST_FIELDS = {"parties", "disputed_by"}
_CSV_FIELDS = frozenset(name for name, info in Act.model_fields.items() if not info.exclude)
"""The columns a CSV record may have: the act's fields (not the loader's own)."""


class _CsvRowLocator(RowLocator):
    """Positions of one CSV row's cells, worked out only when a message needs one."""

    def __init__(self, file: str, raw: str, start: int, header: dict[str, int]) -> None:
        super().__init__(None, ())
        self.file, self.raw, self.start, self.header = file, raw, start, header

    def at(self, field_name: str | None, row_position: Position, *, key: bool = False) -> Position:
        index = self.header.get(field_name) if field_name is not None else None
        if index is None:
            return row_position
        return self.cell(index)

    def cell(self, index: int) -> Position:
        starts = _field_starts(self.raw)
        # a cell the row does not have: just after its end
        offset = starts[index] if index < len(starts) else len(self.raw)
        line = self.start + self.raw.count("\n", 0, offset)
        return Position(self.file, line, offset - (self.raw.rfind("\n", 0, offset) + 1) + 1)


class _CsvFileLocator(RowLocator):
    """The positions of the cells of a file's well-formed rows, one locator for them all:
    the row is the one starting on the line of the position asked about."""

    def __init__(self, file: str, lines: list[str], header: dict[str, int]) -> None:
        super().__init__(None, ())
        self.file, self.lines, self.header = file, lines, header
        self.ends: dict[int, int] = {}
        """The last line of each row that spans several (a quoted cell with a line break)."""

    def row(self, start: int) -> _CsvRowLocator:
        end = self.ends.get(start, start)
        raw = self.lines[start - 1] if end == start else "\n".join(self.lines[start - 1: end])
        return _CsvRowLocator(self.file, raw, start, self.header)

    def at(self, field_name: str | None, row_position: Position, *, key: bool = False) -> Position:
        if row_position.line is None:
            return row_position
        return self.row(row_position.line).at(field_name, row_position, key=key)


def _read_csv(path: Path) -> list[Row]:
    file = path.name
    text = read_input_text(path, "record file", RecordError, label=file)
    # one line ending: CR-only and CRLF files read like LF ones, and lines count alike
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    reader = csv.reader(io.StringIO(text, newline=""))
    previous_end = 0
    try:
        header = next(reader, None)
        while header == []:  # blank lines before the header
            previous_end = reader.line_num
            header = next(reader, None)
        if header is None:
            raise RecordError([Diagnostic(
                "a CSV record starts with a header row (date,kind,party,...,source)",
                Position(file, 1, 1))])
        header_line = previous_end + 1
        previous_end = reader.line_num
        header_raw = "\n".join(lines[header_line - 1: previous_end])
        header_cells = _CsvRowLocator(file, header_raw, header_line, {})
        problems: list[Diagnostic] = []
        seen: dict[str, int] = {}
        for index, name in enumerate(header):
            if not name.strip():
                problems.append(Diagnostic(f"column {index + 1} of the header has no name",
                                           header_cells.cell(index)))
            elif name in seen:
                problems.append(Diagnostic(f"column {name!r} appears twice in the header",
                                           header_cells.cell(index)))
            seen.setdefault(name, index)
        if problems:
            raise RecordError(problems)  # the CLI caps repeated messages when printing
        known = {name: index for name, index in seen.items() if name in _CSV_FIELDS}
        known_cells = tuple(known.items())
        lists = [name for name in known if name in _CSV_LIST_FIELDS]
        unknown = [(index, name) for name, index in seen.items() if name not in _CSV_FIELDS]
        width = len(header)
        rows: list[Row] = []
        # the well-formed rows share one locator, which finds a row's cells only when a
        # message needs them; with it and the cells gathered by one comprehension, a row
        # is read in 3.4 us instead of 4.2 (CPU time, 20,000 rows)
        shared = _CsvFileLocator(file, lines, known)
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not cells:
                continue  # a blank line
            if start != previous_end:
                shared.ends[start] = previous_end
            position = Position(file, start, 1)
            ref = f"{file}:{start}"
            if len(cells) != width:
                locator = shared.row(start)
                where = locator.cell(min(len(cells), width)) if cells else position
                rows.append(({"__not_a_row__": (
                    f"act {ref}: the row has {len(cells)} cell(s), the header "
                    f"{width}")}, ref, where, locator))
                continue
            # the non-empty cells in the header's order; delegations stay a text, which
            # validation rejects (not a mapping)
            cleaned: dict[str, Any] = {name: cells[index] for name, index in known_cells
                                       if cells[index] != ""}
            for name in lists:
                if name in cleaned:
                    cleaned[name] = [v.strip() for v in cleaned[name].split(";") if v.strip()]
            if "hypothetical" in cleaned:
                cleaned["hypothetical"] = (cleaned["hypothetical"].strip().lower()
                                           in {"true", "yes", "1"})
            if unknown:
                filled = [(index, name) for index, name in unknown if cells[index] != ""]
                if filled:
                    index, name = filled[0]
                    more = (f" (and {len(filled) - 1} more unknown column(s))"
                            if len(filled) > 1 else "")
                    locator = shared.row(start)
                    rows.append(({"__not_a_row__": f"act {ref}: unknown field {name!r}{more}"},
                                 ref, locator.cell(index), locator))
                    continue
            rows.append((cleaned, ref, position, shared))
    except csv.Error as exc:
        start = previous_end + 1
        raw = "\n".join(lines[start - 1: max(start, reader.line_num)])
        limit = csv.field_size_limit()
        if "field limit" in str(exc):
            starts = [*_field_starts(raw), len(raw) + 1]
            index = next((i for i in range(len(starts) - 1)
                          if starts[i + 1] - starts[i] > limit), 0)
            where = _CsvRowLocator(file, raw, start, {}).cell(index)
            message = f"a cell is longer than {limit:,} characters"
        else:
            where = Position(file, max(start, 1), 1)
            message = f"not a well-formed CSV row: {exc}"
        raise RecordError([Diagnostic(message, where)]) from None
    return rows


# --- JSON Lines ---------------------------------------------------------------------------

MAX_JSONL_LINE = 1_000_000
"""Characters in one line of a JSON Lines record (an act is a few hundred)."""
_JSONL_HEADER_KEYS = ("hypothetical", "title", "note", "source")


class _JsonProblemError(ValueError):
    pass


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        name = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise _JsonProblemError(f"duplicate key {name!r}")
    return found


def _json_constant(name: str) -> Any:
    raise _JsonProblemError(f"{name} is not a number JSON allows")


_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_JSON = json.JSONDecoder(object_pairs_hook=_json_object, parse_constant=_json_constant)
_scan_json: Callable[[str, int], tuple[Any, int]] = _JSON.scan_once  # type: ignore[attr-defined]
"""The decoder's scanner: a value from an index, and the index after it."""


class _JsonRowLocator(RowLocator):
    """Positions of the fields of one JSON line, worked out only when a message needs one."""

    def __init__(self, file: str, line: int, raw: str) -> None:
        # RowLocator's attributes are not used: `at` is overridden
        self.source, self.base, self.csv_columns = None, (), None
        self.file, self.line, self.raw = file, line, raw

    def at(self, field_name: str | None, row_position: Position, *, key: bool = False) -> Position:
        if field_name is None:
            return row_position
        found = self._fields().get(field_name)
        if found is None:
            return row_position
        return Position(self.file, self.line, (found[0] if key else found[1]) + 1)

    def _fields(self) -> dict[str, tuple[int, int]]:
        """Key → (offset of the key, offset of its value), for the top-level object."""
        raw = self.raw
        found: dict[str, tuple[int, int]] = {}
        index = _skip_space(raw, 0)
        if raw[index:index + 1] != "{":
            return {}
        index = _skip_space(raw, index + 1)
        try:
            while raw[index:index + 1] == '"':
                name, end = _scanstring(raw, index + 1)
                colon = _skip_space(raw, end)
                value = _skip_space(raw, colon + 1)
                found.setdefault(name, (index, value))
                _, end = _JSON.raw_decode(raw, value)
                comma = _skip_space(raw, end)
                if raw[comma:comma + 1] != ",":
                    break
                index = _skip_space(raw, comma + 1)
        except (ValueError, RecursionError):
            pass
        return found


class _JsonFileLocator(RowLocator):
    """The positions of the fields of a file's lines, one locator for them all rather than
    one made for each line (with the scanner called directly, a line is read in 3.0 us of
    CPU instead of 4.4): the line is the one of the position asked about."""

    def __init__(self, file: str, lines: list[str]) -> None:
        super().__init__(None, ())
        self.file, self.lines = file, lines

    def at(self, field_name: str | None, row_position: Position, *, key: bool = False) -> Position:
        number = row_position.line
        if number is None:
            return row_position
        raw = self.lines[number - 1]
        if raw.endswith("\r"):
            raw = raw[:-1]
        return _JsonRowLocator(self.file, number, raw).at(field_name, row_position, key=key)


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _read_jsonl(path: Path) -> tuple[list[Row], bool]:
    """One act per line, a JSON object with the fields of a YAML act. The first line may
    instead be a header, {"record": {"hypothetical": ..., "title": ..., "note": ...,
    "source": ...}}, with the meaning of the same keys in a YAML record. Blank lines are
    skipped. A line that is not a JSON object is rejected at its place; the others are kept."""
    file = path.name
    text = read_input_text(path, "record file", RecordError, label=file)
    rows: list[Row] = []
    hypothetical, default_source = False, None
    first = True
    decode, scan = _JSON.decode, _scan_json
    lines = text.split("\n")
    shared = _JsonFileLocator(file, lines)
    for number, raw in enumerate(lines, start=1):
        if raw.endswith("\r"):
            raw = raw[:-1]
        stripped = raw.lstrip(" \t\r")
        if not stripped or stripped.isspace():
            continue
        column = len(raw) - len(stripped) + 1
        position = Position(file, number, column)
        ref = f"{file}:{number}"
        if len(raw) > MAX_JSONL_LINE:
            rows.append(({"__not_a_row__": (
                f"act {ref}: the line is longer than {MAX_JSONL_LINE:,} characters")},
                ref, position, RowLocator(None, ())))
            first = False
            continue
        try:
            # the decoder's scanner on the line as it stands (what `decode` does after its
            # own two wrappers, 1.0 us a line instead of 1.7); anything else that line
            # holds (trailing text, an error) is read again by `decode`, for its message
            try:
                data, end = scan(raw, column - 1)
            except (ValueError, StopIteration, RecursionError):
                end = -1
            if end != len(raw):
                data = decode(raw)
        except json.JSONDecodeError as exc:
            rows.append(({"__not_a_row__": f"act {ref}: not well-formed JSON: {exc.msg}"},
                         ref, Position(file, number, exc.colno), RowLocator(None, ())))
            first = False
            continue
        except RecursionError:
            rows.append(({"__not_a_row__": f"act {ref}: JSON nested too deeply"},
                         ref, position, RowLocator(None, ())))
            first = False
            continue
        except ValueError as exc:  # a duplicate key, NaN, an integer of 5,000 digits
            rows.append(({"__not_a_row__": f"act {ref}: {exc}"}, ref, position,
                         RowLocator(None, ())))
            first = False
            continue
        if first and isinstance(data, dict) and "record" in data:
            header = _JsonRowLocator(file, number, raw)
            hypothetical, default_source = _jsonl_header(data, header, position)
            first = False
            continue
        first = False
        if not isinstance(data, dict):
            rows.append(({"__not_a_mapping__": data}, ref, position, shared))
            continue
        if default_source and "source" not in data:
            data["source"] = default_source
        rows.append((data, ref, position, shared))
    return rows, hypothetical


def _jsonl_header(data: dict[str, Any], locator: _JsonRowLocator,
                  position: Position) -> tuple[bool, str | None]:
    if len(data) != 1:
        name = sorted(k for k in data if k != "record")[0]
        raise RecordError([Diagnostic(
            f"the header line of a JSON Lines record holds only \"record\"; found {name!r}",
            locator.at(name, position, key=True))])
    header = data["record"]
    where = locator.at("record", position)
    if not isinstance(header, dict):
        raise RecordError([Diagnostic(
            "record is a mapping (hypothetical, title, note, source)", where)])
    unknown = sorted(k for k in header if k not in _JSONL_HEADER_KEYS)
    if unknown:
        raise RecordError([Diagnostic(
            f"unknown field {unknown[0]!r} in the record header; expected hypothetical, "
            "title, note, source", where, did_you_mean(unknown[0], _JSONL_HEADER_KEYS))])
    hypothetical = header.get("hypothetical", False)
    if not isinstance(hypothetical, bool):
        raise RecordError([Diagnostic("hypothetical is true or false", where)])
    for name in ("title", "note", "source"):
        if header.get(name) is not None and not isinstance(header[name], str):
            raise RecordError([Diagnostic(f"{name} is a text", where)])
    return hypothetical, header.get("source")


def _field_starts(line: str) -> list[int]:
    """Character offsets where each CSV field of a row starts."""
    starts, quoted = [0], False
    for match in _QUOTE_OR_COMMA.finditer(line):
        if match.group() == '"':
            quoted = not quoted
        elif not quoted:
            starts.append(match.end())
    return starts


_QUOTE_OR_COMMA = re.compile(r'[",]')


def record_from_rows(
    rows: Sequence[Row], treaty: Treaty, *, hypothetical: bool = False, first_sequence: int = 0
) -> Record:
    """Validate rows into acts; a bad row is rejected with its reason, the rest kept."""
    acts: list[Act] = []
    rejected: list[Diagnostic] = []
    new_parties: dict[str, str] = {}
    _acts_from_rows(rows, _ActChecker(treaty), hypothetical, first_sequence, acts, rejected,
                    new_parties)
    return Record(tuple(acts), tuple(rejected), (), new_parties)


def acts_from_ledger_rows(
    rows: Sequence[Row], indices: Sequence[int], treaty: Treaty, acts: list[Act],
    rejected: list[Diagnostic], new_parties: dict[str, str],
) -> None:
    """Validate a ledger's rows (`recorded` on their day of receipt) into `acts`, each with
    its entry's index as its sequence (the order of acts on one day is the log's), checked
    as `record_from_rows` checks them, appended in log order: no record is made (the caller
    makes one of all its acts, sorted once)."""
    _acts_from_rows(rows, _ActChecker(treaty), False, 0, acts, rejected, new_parties,
                    sequences=indices)


def _acts_from_rows(
    rows: Sequence[Row], checker: _ActChecker, hypothetical: bool, first_sequence: int,
    acts: list[Act], rejected: list[Diagnostic], new_parties: dict[str, str],
    sequences: Sequence[int] | None = None,
) -> None:
    for offset, (data, ref, position, locator) in enumerate(rows):
        if "__not_a_mapping__" in data:
            rejected.append(Diagnostic("an act is a mapping (date, kind, party, source...)",
                                       position))
            continue
        if "__not_a_row__" in data:
            rejected.append(Diagnostic(str(data["__not_a_row__"]), position))
            continue
        sequence = first_sequence + offset if sequences is None else sequences[offset]
        act = _plain_act(data, ref, position, sequence, hypothetical)
        if act is None:
            payload = {**data, "ref": ref, "position": position, "sequence": sequence}
            if hypothetical:
                payload["hypothetical"] = True
            try:
                act = Act.model_validate(payload)
            except ValidationError as exc:
                rejected.extend(_validation_problems(exc, ref, position, locator))
                continue
        problems = list(checker.check(act, locator, position))
        if problems:
            rejected.extend(problems)
            continue
        if act.party and act.party not in checker.codes and checker.may_accede(act):
            # an acting undeclared state (the evaluation settles, in time order, whether it
            # acceded first: it needs the state among the parties)
            new_parties[act.party] = state_name(act.party) or act.party
        acts.append(act)


def _validation_problems(
    exc: ValidationError, ref: str, position: Position, locator: RowLocator
) -> Iterator[Diagnostic]:
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else None
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            yield Diagnostic(
                f"act {ref}: unknown field {name!r}", locator.at(name, position, key=True),
                did_you_mean(name or "", Act.model_fields))
        elif error["type"] == "missing":
            yield Diagnostic(f"act {ref}: missing required field {name!r}", position)
        else:
            where = f"{name}: " if name else ""
            yield Diagnostic(f"act {ref}: {where}{message}", locator.at(name, position))


# --- the fast path: a plain, well-formed row becomes an act without pydantic's validation.
# Anything else (a time, a number, a mapping, a value of the wrong type, an empty source)
# goes through `Act.model_validate`, which gives the located messages.

_ACT_TEMPLATE: dict[str, Any] = {
    name: None if info.is_required() else info.get_default(call_default_factory=False)
    for name, info in Act.model_fields.items()
}
"""Every field of an act, in order, with its default (None for the required ones)."""
_PLAIN_TEXT = frozenset({"id", "kind", "party", "fact", "organ", "person", "place", "host",
                         "text", "source", "note", "referendum"})
_PLAIN_FIELDS = _PLAIN_TEXT | {"date", "recorded", "parties", "hypothetical"}
_TEXT_ONLY = frozenset({str})
_TEXT_OR_NONE = frozenset({str, type(None)})
_set = object.__setattr__


def _plain_act(data: dict[str, Any], ref: str, position: Position, sequence: int,
               hypothetical: bool) -> Act | None:
    """The act of a plain row (texts, a YYYY-MM-DD date in range, a list of texts as
    `parties`), built as `Act.model_validate` would build it; None for any other row."""
    if not _PLAIN_FIELDS.issuperset(data):
        return None
    if not _TEXT_OR_NONE.issuperset(map(type, data.values())):  # checked in C: most rows
        for name, value in data.items():
            if name in _PLAIN_TEXT and type(value) is not str and value is not None:
                return None
    raw_day = data.get("date")
    if type(raw_day) is not str or type(data.get("kind")) is not str:
        return None
    day = _plain_day(raw_day)
    if day is None:
        return None
    recorded = data.get("recorded")
    if recorded is not None:  # a day too (a ledger's acts: the day of receipt)
        if type(recorded) is not str:
            return None
        recorded = _plain_day(recorded)
        if recorded is None or recorded < day:
            return None  # the validator says why
    source = data.get("source")
    if type(source) is not str or not source:
        return None
    parties = data.get("parties", ())
    if type(parties) is list or type(parties) is tuple:
        # the types checked in C: 0.15 us an act less than all() over a generator
        if not _TEXT_ONLY.issuperset(map(type, parties)):
            return None
        parties = tuple(parties)
    else:
        return None
    flag = data.get("hypothetical", False)
    if type(flag) is not bool:
        return None
    values = _ACT_TEMPLATE.copy()  # in field order; `data` has only known fields
    values.update(data)
    values["date"], values["parties"], values["delegations"] = day, parties, {}
    if recorded is not None:
        values["recorded"] = recorded
    values["ref"], values["position"], values["sequence"] = ref, position, sequence
    given = {*data, "ref", "position", "sequence"}
    if hypothetical:
        values["hypothetical"] = True
        given.add("hypothetical")
    act: Act = Act.__new__(Act)
    _set(act, "__dict__", values)
    _set(act, "__pydantic_fields_set__", given)
    _set(act, "__pydantic_extra__", None)
    _set(act, "__pydantic_private__", None)
    return act


@functools.lru_cache(maxsize=1 << 16)
def _plain_day(text: str) -> dt.date | None:
    """The day of a YYYY-MM-DD text within the accepted range; None for anything else."""
    if not _PLAIN_DAY.match(text):
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


_PLAIN_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


class _ActChecker:
    """Checks that an act fits the treaty: known kind, known party, declared fact."""

    def __init__(self, treaty: Treaty) -> None:
        self.treaty = treaty
        self.codes = {p.code for p in treaty.parties}
        self.kinds = (
            set(treaty.procedure) | set(treaty.act_kinds) | NEGOTIATION_KINDS | MONITORING_KINDS
            | {FACT_KIND} | ({"referendum"} if treaty.referendums else set())
            | _revocations_allowed(treaty)
        )

    def check(self, act: Act, locator: RowLocator, position: Position) -> Iterator[Diagnostic]:
        ref = act.ref

        def at(name: str) -> Position:
            return locator.at(name, position)

        if act.kind in _REVOCATIONS and act.kind not in self.kinds:
            what = ("an instrument of consent" if act.kind == REVOCATION_OF_CONSENT
                    else "a withdrawal or denunciation")
            yield Diagnostic(f"act {ref}: {act.kind} revokes {what}, and this treaty's "
                             "procedure has none", at("kind"))
            return
        if act.kind not in self.kinds:
            yield Diagnostic(
                f"act {ref}: act kind {act.kind!r} is not defined by this treaty's procedure "
                "and is not a negotiation act", at("kind"), did_you_mean(act.kind, self.kinds))
            return
        is_procedure = (act.kind in self.treaty.procedure or act.kind == "referendum"
                        or act.kind in _REVOCATIONS)
        if act.kind == FACT_KIND:
            if act.fact is None:
                yield Diagnostic(f"act {ref}: a fact act names the fact (fact: ...)",
                                 at("kind"))
            elif act.fact not in self.treaty.facts:
                yield Diagnostic(f"act {ref}: unknown fact {act.fact!r}", at("fact"),
                                 did_you_mean(act.fact, self.treaty.facts))
        if is_procedure and act.party is None and act.kind != "termination":
            yield Diagnostic(f"act {ref}: a {act.kind} needs the party that made it",
                             at("kind"))
        if act.party is not None and act.party not in self.codes and not self.may_accede(act):
            if self._open_to_states(act) and not is_state(act.party):
                yield Diagnostic(f"act {ref}: {act.party!r} is not a party to this treaty, nor a "
                                 "state code (ISO 3166-1, or ISO 3166-3 for a former state)",
                                 at("party"), suggest_state(act.party))
            else:
                yield Diagnostic(f"act {ref}: {act.party!r} is not a party to this treaty",
                                 at("party"), did_you_mean(act.party, self.codes))
        yield from check_succession_fields(act, self.codes, at)
        for code in act.disputed_by:
            if code not in self.codes and not is_state(code):
                yield Diagnostic(f"act {ref}: unknown party {code!r} disputing the act",
                                 at("disputed_by"),
                                 did_you_mean(code, self.codes) or suggest_state(code))
            elif code == act.party:
                yield Diagnostic(f"act {ref}: {code!r} cannot dispute its own act",
                                 at("disputed_by"))
        if act.reading is not None and not act.disputed_by:
            yield Diagnostic(f"act {ref}: a reading is named only for a disputed act "
                             "(disputed_by: [...])", at("reading"))
        for participant in act.parties:
            if participant not in self.codes and not _is_state(participant):
                yield Diagnostic(f"act {ref}: unknown participant {participant!r}",
                                 at("parties"), did_you_mean(participant, self.codes))
        for code in act.delegations:
            if code not in self.codes and not _is_state(code):
                yield Diagnostic(f"act {ref}: delegation of unknown party {code!r}",
                                 at("delegations"), did_you_mean(code, self.codes))
        if act.effective is not None and act.kind != SUCCESSION:
            step = self.treaty.procedure.get(act.kind)
            if step is None or not step.later_date_allowed:
                yield Diagnostic(
                    f"act {ref}: only a notice whose clause allows a later date "
                    "(later_date_allowed) may name an effective date", at("effective"))
            elif day_of(act.effective) < act.day:
                yield Diagnostic(f"act {ref}: the effective date {day_of(act.effective)} is "
                                 f"before the notice itself ({act.day})", at("effective"))
        if act.kind == "referendum":
            yield from check_vote(self.treaty, act, at)
        elif act.referendum is not None or act.yes_of_electorate is not None:
            name = "referendum" if act.referendum is not None else "yes_of_electorate"
            yield Diagnostic(f"act {ref}: only a referendum act has {name}", at(name))

    def may_accede(self, act: Act) -> bool:
        """Whether a state the treaty does not declare may make this act: when the treaty
        is open to all states (`open_to: all_states`), when the act's own step is open to
        any state, or when accession is (any later act of the procedure: whether it acceded
        first is settled by the evaluation, in time order, whatever order the files list
        acts in)."""
        if act.party is None or not is_state(act.party):
            return False
        if act.kind not in self.treaty.procedure and act.kind not in _REVOCATIONS:
            return False
        return self._open_to_states(act)

    def _open_to_states(self, act: Act) -> bool:
        if self.treaty.open_to == "all_states":
            return True
        step = self.treaty.procedure.get(act.kind)
        if step is not None and step.open_to == "any_state":
            return True
        accession = self.treaty.procedure.get("accession")
        return accession is not None and accession.open_to == "any_state"


_REVOCATIONS = frozenset({REVOCATION_OF_CONSENT, REVOCATION_OF_WITHDRAWAL})


def _revocations_allowed(treaty: Treaty) -> set[str]:
    """The revocations a record may hold: of consent when the procedure has an instrument
    of consent, of a notice when it has withdrawal or denunciation."""
    kinds = set(treaty.procedure)
    signature = treaty.procedure.get("signature")
    allowed = set()
    if kinds & CONSENT_KINDS or (signature is not None and signature.definitive):
        allowed.add(REVOCATION_OF_CONSENT)
    if kinds & WITHDRAWAL_KINDS:
        allowed.add(REVOCATION_OF_WITHDRAWAL)
    return allowed


def _is_state(code: str) -> bool:
    return is_state(code)


def check_succession_fields(
    act: Act, codes: set[str], at: Callable[[str], Position]
) -> Iterator[Diagnostic]:
    """A succession names its predecessor, a state other than the party; only a succession
    may name one, or be a continuation."""
    ref = act.ref
    if act.kind != SUCCESSION:
        if act.predecessor is not None:
            yield Diagnostic(f"act {ref}: only a succession names a predecessor",
                             at("predecessor"))
        if act.continuation:
            yield Diagnostic(f"act {ref}: only a succession can be a continuation",
                             at("continuation"))
        return
    if act.predecessor is None:
        yield Diagnostic(f"act {ref}: a succession names the predecessor state whose "
                         "participation it takes over (predecessor: ...)", at("kind"))
    elif act.predecessor == act.party:
        yield Diagnostic(f"act {ref}: {act.predecessor!r} cannot succeed itself",
                         at("predecessor"))
    elif act.predecessor not in codes and not is_state(act.predecessor):
        yield Diagnostic(f"act {ref}: unknown predecessor {act.predecessor!r}",
                         at("predecessor"),
                         did_you_mean(act.predecessor, codes) or suggest_state(act.predecessor))
    if act.effective is not None and day_of(act.effective) > act.day:
        yield Diagnostic(f"act {ref}: a succession takes effect on or before its "
                         f"notification; {day_of(act.effective)} is after {act.day}",
                         at("effective"))


def acts_of_kind(acts: Iterable[Act], kinds: Iterable[str]) -> list[Act]:
    wanted = set(kinds)
    return [a for a in acts if a.kind in wanted]
