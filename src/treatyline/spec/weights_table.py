"""Weights read from a table file (CSV) the treaty names: shares of emissions,
contributions, ... one row per party, one column per weight key.

    party,co2_1990_share
    RU,17.4
    JP,8.5

Every bad cell is an error at its file:line:column; a party's weight given both inline
(`parties[].weights`) and in the table is a contradiction naming both places."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from pathlib import Path

from ..errors import Diagnostic, Position, SpecError, did_you_mean
from ..inputs import read_input_text, resolve_named_file
from ..sourcemap import SourceMap
from ..states import is_state, suggest_state
from .model import Treaty

__all__ = ["load_weights_table"]

WeightTable = dict[str, dict[str, float]]


def load_weights_table(
    treaty: Treaty, source: SourceMap, base_dir: Path | None
) -> tuple[WeightTable, list[Diagnostic]]:
    """The weights of the treaty's `weights_table`, party → key → weight, and the problems
    found (each at its place)."""
    name = treaty.weights_table
    if name is None:
        return {}, []
    at = source.at(("weights_table",))
    try:
        path = resolve_named_file(name, base_dir or Path("."), "weights table", at, SpecError)
        label = str(Path(source.file).parent / name) if source.file else name
        text = read_input_text(path, f"weights table {name!r}", SpecError, at, label=label)
    except SpecError as error:
        return {}, list(error.diagnostics)
    table: WeightTable = {}
    problems = list(_read(text, label, treaty, source, table))
    return table, problems


def _cell_starts(line: str) -> list[int]:
    starts, quoted = [0], False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            starts.append(index + 1)
    return starts


def _read(text: str, file: str, treaty: Treaty, source: SourceMap,
          table: WeightTable) -> Iterator[Diagnostic]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    rows = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    if not rows:
        yield Diagnostic("a weights table starts with a header row: party, then one column per "
                         "weight key", Position(file, 1, 1))
        return
    header_line, header_text = rows[0]
    header = next(csv.reader(io.StringIO(header_text)))
    starts = _cell_starts(header_text)

    def cell(line: int, starts: list[int], index: int) -> Position:
        return Position(file, line, (starts[index] if index < len(starts) else 0) + 1)

    if not header or header[0].strip() != "party":
        treaty._table_keys = tuple(k.strip() for k in header[1:] if k.strip())
        yield Diagnostic(f"the first column of a weights table is 'party'; found "
                         f"{header[0] if header else ''!r}", cell(header_line, starts, 0))
        return
    keys: list[str] = []
    for index, key in enumerate(header[1:], start=1):
        key = key.strip()
        if not key:
            yield Diagnostic(f"column {index + 1} of the header has no name",
                             cell(header_line, starts, index))
        elif key in keys:
            yield Diagnostic(f"column {key!r} appears twice in the header",
                             cell(header_line, starts, index))
        keys.append(key)
    treaty._table_keys = tuple(key for key in keys if key)
    if len(keys) == 0:
        yield Diagnostic("a weights table has at least one weight column after 'party'",
                         cell(header_line, starts, 0))
        return
    codes = {p.code: i for i, p in enumerate(treaty.parties)}
    seen: dict[str, int] = {}
    for number, line in rows[1:]:
        cells = next(csv.reader(io.StringIO(line)))
        starts = _cell_starts(line)
        if len(cells) != len(header):
            yield Diagnostic(f"the row has {len(cells)} cell(s), the header {len(header)}",
                             cell(number, starts, min(len(cells), len(header))))
            continue
        party = cells[0].strip()
        if party not in codes and not (treaty.open_to == "all_states" and is_state(party)):
            yield Diagnostic(f"unknown party {party!r} in the weights table",
                             cell(number, starts, 0),
                             did_you_mean(party, codes) or suggest_state(party))
            continue
        if party in seen:
            yield Diagnostic(f"party {party!r} has a second row (the first is line {seen[party]})",
                             cell(number, starts, 0))
            continue
        seen[party] = number
        weights: dict[str, float] = {}
        for index, key in enumerate(keys, start=1):
            raw = cells[index].strip()
            if raw == "":
                continue  # no weight of this kind for this party
            try:
                value = float(raw)
            except ValueError:
                yield Diagnostic(f"{key} of {party}: {raw!r} is not a number",
                                 cell(number, starts, index))
                continue
            if not math.isfinite(value) or value < 0:
                yield Diagnostic(f"{key} of {party}: a weight is a finite number, 0 or more; "
                                 f"found {raw!r}", cell(number, starts, index))
                continue
            declared = treaty.parties[codes[party]].weights if party in codes else {}
            if key in declared:
                inline = source.at(("parties", codes[party], "weights", key))
                yield Diagnostic(f"{key} of {party} is given twice: {declared[key]:g} here and "
                                 f"{value:g} in {file}:{number}", inline)
                continue
            weights[key] = value
        table[party] = weights
