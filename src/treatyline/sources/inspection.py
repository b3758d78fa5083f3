"""What a reader sees in an events file, for `treatyline events inspect`: the format, which
column (or constant) feeds each field, the kinds found, the rows set aside and why, the
date range and how precisely the events are placed.

The first thing to run on a new file: it shows whether the mapping says what the user
means before any verdict rests on it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np

from ..errors import Diagnostic
from ..incidents import KINDS
from ._build import EventFile
from ._csvfile import read_header
from .detect import PRESETS, _by_name, column_mapping, detect_format, read_events
from .mapping import ColumnMapping

__all__ = ["EXAMPLES_PER_REASON", "Inspection", "inspect_events"]

EXAMPLES_PER_REASON: Final = 3
"""Rows shown for each reason rows were set aside (the counts are always complete)."""
_CATEGORIES_SHOWN: Final = 20

_EVENT_PREFIX = re.compile(r"^(?:feature \d+, |row \d+, )?(?:event without id|event [^:]*): ")
_PARTICULARS = re.compile(r"'[^']*'|\"[^\"]*\"|\d+")


@dataclass(frozen=True)
class SetAside:
    """Rows set aside for one reason: how many, and a few of them."""

    reason: str
    count: int
    examples: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class Inspection:
    """What reading `path` gave (see `inspect_events`)."""

    path: str
    format: str
    mapping: str
    """Where the column mapping came from: a file, a preset, the column names, or none."""
    columns: Mapping[str, str]
    """Field → 'column NAME' or 'constant VALUE'."""
    rows_read: int
    events: int
    kinds: Mapping[str, int]
    categories: tuple[tuple[str, str, int], ...]
    """(category, kind it maps to, rows), most frequent first."""
    categories_total: int
    set_aside: tuple[SetAside, ...]
    rows_set_aside: int
    first_day: str | None
    last_day: str | None
    date_kinds: Mapping[str, int]
    precision: tuple[tuple[str, int], ...]
    """(how events are placed, events): a precision code and its radius, or 'no radius'."""
    warnings: tuple[Diagnostic, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.path, "format": self.format, "mapping": self.mapping,
            "columns": dict(self.columns), "rows_read": self.rows_read,
            "events": self.events, "kinds": dict(self.kinds),
            "categories": [{"category": c, "kind": k, "rows": n}
                           for c, k, n in self.categories],
            "categories_total": self.categories_total,
            "rows_set_aside": self.rows_set_aside,
            "set_aside": [{"reason": s.reason, "rows": s.count,
                           "examples": [d.to_json() for d in s.examples]}
                          for s in self.set_aside],
            "date_range": {"first": self.first_day, "last": self.last_day},
            "date_kinds": dict(self.date_kinds),
            "location_precision": [{"placed": p, "events": n} for p, n in self.precision],
            "warnings": [d.to_json() for d in self.warnings],
        }

    def lines(self) -> list[str]:
        """The inspection as plain lines for a terminal."""
        out = [f"{self.path}: {self.format}; mapping: {self.mapping}",
               f"rows read: {self.rows_read:,}; events kept: {self.events:,}; "
               f"set aside: {self.rows_set_aside:,}"]
        if self.columns:
            out.append("columns:")
            width = max(len(role) for role in self.columns)
            out += [f"  {role:<{width}}  ← {source}" for role, source in self.columns.items()]
        out.append("kinds:")
        out += [f"  {kind:<26} {count:>8,}" for kind, count in self.kinds.items()] or [
            "  (no events)"]
        if self.categories:
            shown = len(self.categories)
            more = (f" ({shown} of {self.categories_total} shown; all in --json)"
                    if self.categories_total > shown else "")
            out.append(f"categories → kind{more}:")
            out += [f"  {count:>8,}  {category!r} → {kind}"
                    for category, kind, count in self.categories]
        if self.first_day is not None:
            kinds = ", ".join(f"{kind} ({count:,})" for kind, count in self.date_kinds.items())
            out.append(f"dates: {self.first_day} .. {self.last_day}; dates are when the "
                       f"event {kinds}")
        out.append("location precision:")
        out += [f"  {placed:<34} {count:>8,}" for placed, count in self.precision] or [
            "  (no events)"]
        if self.set_aside:
            out.append(f"rows set aside ({self.rows_set_aside:,}):")
            for group in self.set_aside:
                out.append(f"  {group.count:>8,}  {group.reason}")
                out += [f"            e.g. {d.position}: {d.message}" if d.position
                        else f"            e.g. {d.message}" for d in group.examples]
        for warning in self.warnings:
            where = f"{warning.position}: " if warning.position else ""
            hint = f" (did you mean {warning.suggestion!r}?)" if warning.suggestion else ""
            out.append(f"{where}warning: {warning.message}{hint}")
        return out


def _chosen_mapping(path: Path, fmt: str, mapping: Path | None
                    ) -> tuple[ColumnMapping | None, str]:
    """The mapping `read_events` will use, and where it comes from."""
    if mapping is not None:
        return column_mapping(mapping), str(mapping)
    if fmt in PRESETS:
        return PRESETS[fmt], f"the {fmt} preset"
    if fmt == "csv":
        found = _by_name(read_header(path)[0])
        if found is not None:
            return found, "columns named like the fields"
    if fmt == "treatyline-csv":
        return None, "treatyline's own columns"
    return None, "as the reader detects it"


def inspect_events(path: Path, mapping: Path | None = None) -> Inspection:
    """Read `path` (with `mapping`, or as `treatyline assess` would) and describe it.
    Raises EventDataError or UsageError when the mapping or the file cannot be used."""
    fmt = detect_format(path)
    chosen, origin = _chosen_mapping(path, fmt, mapping)
    read = read_events(path, mapping=chosen)
    columns: dict[str, str] = {}
    if chosen is not None:
        for role, name in chosen.columns().items():
            columns[role] = f"column {name!r}"
        for role, value in chosen.constants.items():
            columns[role] = f"constant {value!r}"
        if chosen.kind_patterns:
            columns["kind patterns"] = "; ".join(p.describe() + f" → {p.kind}"
                                                 for p in chosen.kind_patterns)
    return _described(read, fmt, origin, columns)


def _described(read: EventFile, fmt: str, origin: str, columns: dict[str, str]
               ) -> Inspection:
    incidents = read.incidents
    kind_counts = np.bincount(incidents.kind_codes, minlength=len(KINDS))
    kinds = {KINDS[i]: int(n) for i in np.argsort(-kind_counts, kind="stable")
             if (n := kind_counts[i])}
    cat_codes, cat_names = incidents.categories("category")
    pairs = Counter(zip(cat_codes.tolist(), incidents.kind_codes.tolist(), strict=True))
    categories = tuple((cat_names[c], KINDS[k], n) for (c, k), n in pairs.most_common()
                       if cat_names[c])
    date_codes, date_names = incidents.categories("date_kind")
    date_kinds = {f"{'occurred' if n == 'occurred' else 'was documented'}":
                  int(np.sum(date_codes == i)) for i, n in enumerate(date_names)
                  if np.any(date_codes == i)}
    first = last = None
    if len(incidents):
        first = str(incidents.time.min().astype("datetime64[D]"))
        last = str((incidents.time_end.max() - np.timedelta64(1, "s")).astype("datetime64[D]"))
    return Inspection(
        path=read.path, format=fmt, mapping=origin, columns=columns,
        rows_read=read.rows_read, events=len(incidents), kinds=kinds,
        categories=categories[:_CATEGORIES_SHOWN], categories_total=len(categories),
        set_aside=_set_aside(read.rejected), rows_set_aside=read.rejected_rows,
        first_day=first, last_day=last, date_kinds=date_kinds,
        precision=_precision(incidents.location_precision, incidents.radius_km),
        warnings=read.warnings)


def _set_aside(rejected: tuple[Diagnostic, ...]) -> tuple[SetAside, ...]:
    groups: dict[str, list[Diagnostic]] = {}
    for diagnostic in rejected:
        reason = _PARTICULARS.sub("…", _EVENT_PREFIX.sub("", diagnostic.message))
        groups.setdefault(reason, []).append(diagnostic)
    ordered = sorted(groups.items(), key=lambda item: -len(item[1]))
    return tuple(SetAside(reason, len(found), tuple(found[:EXAMPLES_PER_REASON]))
                 for reason, found in ordered)


def _precision(codes: np.ndarray[Any, Any], radius: np.ndarray[Any, Any]
               ) -> tuple[tuple[str, int], ...]:
    """Events by (precision code, radius): how each is placed on the map."""
    counts: Counter[tuple[int, float]] = Counter(
        zip(codes.tolist(), np.nan_to_num(radius, nan=-1.0).tolist(), strict=True))
    found = []
    for (code, km), n in sorted(counts.items(), key=lambda item: (item[0][1] < 0, item[0])):
        code_text = f"code {code}, " if code else ""
        placed = (f"{code_text}within {km:g} km" if km >= 0 else
                  f"{code_text}no radius: inside an area? undetermined (set radius_km)")
        found.append((placed, n))
    return tuple(found)
