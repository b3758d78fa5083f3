"""Dates of event files, parsed a whole column at a time.

Spellings (a reader says which it accepts, in this order):

- ``iso``: ``2014-01-22``, ``2014-01-22T14:30``, ``2014-01-22 14:30:00+02:00``, ``...Z``
- ``mdy``: month first, as UCDP writes them: ``1/22/2014 12:00:00 AM``, ``05/02/2014 00:00``
- ``dmy``: day first (only when a mapping asks for it; never guessed)
- ``named``: ``29 March 2022``, ``29-Mar-2022`` (older ACLED exports)
- a strptime pattern containing ``%`` (e.g. ``%d.%m.%Y``), parsed by Arrow

A slash date is never read day-first unless the format says ``dmy``: an ambiguous
``05/02/2014`` is 2 May 2014, and ``22/01/2014`` is rejected (there is no month 22),
not silently turned around. Times without a timezone are read as UTC (or with the
mapping's fixed UTC offset); a bare midnight (UCDP writes ``12:00:00 AM`` on every
date) counts as no time of day.

The regular expressions run in Arrow's RE2 over whole columns; Python's `re` runs the
same patterns only to explain the rows that failed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UsageError, did_you_mean
from ._repeated_text import filled_codes

__all__ = ["SPELLINGS", "Times", "describe_format", "explain", "parse_times", "spellings_of"]

_TIME = (r"(?:(?:[T ]|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?"
         r"\s*(?P<ap>[AaPp][Mm])?\s*(?P<tz>Z|(?P<tzs>[+-])(?P<tzh>\d{2}):?(?P<tzm>\d{2}))?)?")

PATTERNS: Final[dict[str, str]] = {
    "iso": r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})" + _TIME + "$",
    "mdy": r"^(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})" + _TIME + "$",
    "dmy": r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})" + _TIME + "$",
    "named": r"^(?P<d>\d{1,2})[ -](?P<mon>[A-Za-z]{3,9})\.?,?[ -](?P<y>\d{4})" + _TIME + "$",
}

SPELLINGS: Final[dict[str, str]] = {
    "iso": "YYYY-MM-DD (optionally THH:MM[:SS] and Z or +HH:MM)",
    "mdy": "M/D/YYYY, month first (optionally H:MM[:SS] [AM|PM])",
    "dmy": "D/M/YYYY, day first",
    "named": "D Month YYYY (e.g. 29 March 2022)",
}

_PRESETS: Final[dict[str, tuple[str, ...]]] = {"auto": ("iso", "mdy", "named")}

_MONTHS: Final = [
    "january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december",
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    "", "", "", "", "", "", "", "", "sept", "", "", "",
]
_MONTH_SET = pa.array(_MONTHS, pa.string())

OK, EMPTY, SPELLING, MONTH, DAY, TIME = 0, 1, 2, 3, 4, 5


def spellings_of(date_format: str) -> tuple[str, ...]:
    """The spellings a format names ("auto", "iso", "iso+named", ...); a strptime pattern
    comes back as itself. Raises UsageError for unknown names."""
    if "%" in date_format:
        return (date_format,)
    if date_format in _PRESETS:
        return _PRESETS[date_format]
    names = tuple(part.strip() for part in date_format.split("+"))
    for name in names:
        if name not in PATTERNS:
            raise UsageError(f"unknown date format {name!r} (known: auto, "
                             f"{', '.join(PATTERNS)}, or a strptime pattern with %)"
                             + _hint(name))
    return names


def _hint(name: str) -> str:
    hint = did_you_mean(name, [*PATTERNS, *_PRESETS])
    return f"; did you mean {hint!r}?" if hint else ""


def describe_format(spellings: tuple[str, ...]) -> str:
    return " or ".join(SPELLINGS.get(name, name) for name in spellings)


@dataclass(frozen=True, slots=True)
class Times:
    """One parsed column: UTC epoch seconds (0 where bad), whether a time of day was
    given, a problem code (0 = fine), and which spelling matched (-1 = none)."""

    seconds: npt.NDArray[np.int64]
    timed: npt.NDArray[np.bool_]
    problem: npt.NDArray[np.int8]
    spelling: npt.NDArray[np.int8]


def _ints(array: pa.Array) -> npt.NDArray[np.int64]:
    filled = pc.if_else(pc.equal(pc.utf8_length(array), 0), pa.scalar("0"), array)
    return pc.cast(filled, pa.int64()).to_numpy(zero_copy_only=False)  # type: ignore[no-any-return]


def parse_times(values: pa.Array, spellings: tuple[str, ...], utc_offset_minutes: int = 0) -> Times:
    """Parse a string column; see the module docstring for the spellings."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_dictionary(values.type):  # read dictionary-encoded: each value once
        dictionary, codes = filled_codes(values)
        return _each(_parse(dictionary, spellings, utc_offset_minutes), codes)
    text = values.cast(pa.string()).fill_null("")
    if len(text) > _DISTINCT_FROM:
        # event dates repeat (a year has 365 days): parse each distinct value once
        encoded = text.dictionary_encode()
        if len(encoded.dictionary) * 2 < len(text):
            distinct = _parse(encoded.dictionary, spellings, utc_offset_minutes)
            return _each(distinct, encoded.indices.to_numpy(zero_copy_only=False))
    return _parse(text, spellings, utc_offset_minutes)


def _each(distinct: Times, index: npt.NDArray[np.integer]) -> Times:
    """The rows' times from their distinct values' (`index`: each row's value)."""
    return Times(distinct.seconds[index], distinct.timed[index], distinct.problem[index],
                 distinct.spelling[index])


_DISTINCT_FROM: Final = 10_000


def _parse(values: pa.Array, spellings: tuple[str, ...], utc_offset_minutes: int) -> Times:
    text = pc.utf8_trim_whitespace(values)
    n = len(text)
    problem = np.zeros(n, np.int8)
    spelling = np.full(n, -1, np.int8)
    empty = pc.equal(pc.utf8_length(text), 0).to_numpy(zero_copy_only=False)
    problem[empty] = EMPTY
    remaining = ~empty
    if len(spellings) == 1 and "%" in spellings[0]:
        return _strptime(text, spellings[0], problem, remaining, utc_offset_minutes)

    parts = {name: np.zeros(n, np.int64) for name in ("y", "m", "d", "H", "M", "S", "tzh", "tzm")}
    has_time = np.zeros(n, np.bool_)
    ampm = np.zeros(n, np.int8)  # 0 none, 1 AM, 2 PM
    has_tz = np.zeros(n, np.bool_)
    tz_sign = np.ones(n, np.int64)
    if spellings and spellings[0] == "iso":
        _iso_days_fast(text, remaining, parts, spelling)
    for k, name in enumerate(spellings):
        todo = np.flatnonzero(remaining)
        if not todo.size:
            break
        subset = text if todo.size == n else text.take(pa.array(todo))
        found = pc.extract_regex(subset, PATTERNS[name])
        matched = found.is_valid().to_numpy(zero_copy_only=False)
        if not matched.any():
            continue
        rows = todo[matched]
        fields = found.filter(pa.array(matched))
        for part in ("y", "d", "H", "M", "S", "tzh", "tzm"):
            parts[part][rows] = _ints(fields.field(part))
        if name == "named":
            month = pc.index_in(pc.utf8_lower(fields.field("mon")), value_set=_MONTH_SET)
            index = month.to_numpy(zero_copy_only=False)
            index = np.where(np.isnan(index.astype(np.float64)), -1, index).astype(np.int64)
            parts["m"][rows] = np.where(index >= 0, index % 12 + 1, 0)
        else:
            parts["m"][rows] = _ints(fields.field("m"))
        has_time[rows] = pc.utf8_length(fields.field("H")).to_numpy(zero_copy_only=False) > 0
        ap = pc.utf8_upper(fields.field("ap"))
        ampm[rows] = np.where(pc.equal(ap, "AM").to_numpy(zero_copy_only=False), 1,
                              np.where(pc.equal(ap, "PM").to_numpy(zero_copy_only=False), 2, 0))
        tz = fields.field("tz")
        has_tz[rows] = pc.utf8_length(tz).to_numpy(zero_copy_only=False) > 0
        tz_sign[rows] = np.where(pc.equal(fields.field("tzs"), "-")
                                 .to_numpy(zero_copy_only=False), -1, 1)
        spelling[rows] = k
        remaining[rows] = False
    problem[remaining] = SPELLING

    y, m, d = parts["y"], parts["m"], parts["d"]
    hour, minute, second = parts["H"], parts["M"], parts["S"]
    matched_rows = spelling >= 0
    bad_month = matched_rows & ((m < 1) | (m > 12))
    month_index = (y - 1970) * 12 + np.where(bad_month | ~matched_rows, 0, m - 1)
    month_start = month_index.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    next_start = (month_index + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    bad_day = matched_rows & ~bad_month & ((d < 1) | (d > next_start - month_start))
    bad_time = has_time & (
        (np.where(ampm > 0, (hour < 1) | (hour > 12), hour > 23))
        | (minute > 59) | (second > 59) | (parts["tzh"] > 23) | (parts["tzm"] > 59))
    hour = np.where((ampm == 1) & (hour == 12), 0, hour)
    hour = np.where((ampm == 2) & (hour < 12), hour + 12, hour)
    problem[bad_month] = MONTH
    problem[bad_day] = DAY
    problem[bad_time & (problem == OK)] = TIME

    offset = np.where(has_tz, tz_sign * (parts["tzh"] * 60 + parts["tzm"]),
                      np.where(has_time, utc_offset_minutes, 0))
    seconds = ((month_start + d - 1) * 86_400 + hour * 3600 + minute * 60 + second
               - offset * 60)
    timed = has_time & (has_tz | (hour != 0) | (minute != 0) | (second != 0))
    seconds = np.where(problem == OK, seconds, 0)
    return Times(seconds.astype(np.int64), timed & (problem == OK), problem, spelling)


def _iso_days_fast(text: pa.Array, remaining: npt.NDArray[np.bool_],
                   parts: dict[str, npt.NDArray[np.int64]], spelling: npt.NDArray[np.int8]) -> None:
    """Plain YYYY-MM-DD values through Arrow's strict date cast (30x faster than the
    regular expression); if any of them is not a real date, leave all to the regex."""
    rows = np.flatnonzero(remaining & (pc.utf8_length(text).to_numpy(zero_copy_only=False) == 10))
    if not rows.size:
        return
    subset = text if rows.size == len(text) else text.take(pa.array(rows))
    try:
        days = pc.cast(subset, pa.date32()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return
    months = days.astype("datetime64[M]")
    parts["y"][rows] = days.astype("datetime64[Y]").astype(np.int64) + 1970
    parts["m"][rows] = months.astype(np.int64) % 12 + 1
    parts["d"][rows] = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    spelling[rows] = 0
    remaining[rows] = False


def _strptime(text: pa.Array, pattern: str, problem: npt.NDArray[np.int8],
              remaining: npt.NDArray[np.bool_], utc_offset_minutes: int) -> Times:
    parsed = pc.strptime(text, format=pattern, unit="s", error_is_null=True)
    ok = parsed.is_valid().to_numpy(zero_copy_only=False) & remaining
    problem[remaining & ~ok] = SPELLING
    if ok.any() and "%z" not in pattern and "%Z" not in pattern:
        # Arrow's strptime rolls an impossible day over (31.02 becomes 03.03): written
        # back with the same pattern, a real date gives the same numbers and names
        back = pc.strftime(parsed.cast(pa.timestamp("s")), format=pattern)
        same = pc.equal(_normal(text), _normal(back)).fill_null(False)
        impossible = ok & ~same.to_numpy(zero_copy_only=False)
        problem[impossible] = DAY
        ok &= ~impossible
    seconds = pc.cast(parsed.cast(pa.timestamp("s")), pa.int64()).fill_null(0)
    values = seconds.to_numpy(zero_copy_only=False).astype(np.int64)
    with_time = any(code in pattern for code in ("%H", "%I", "%M", "%S", "%T", "%R"))
    has_zone = "%z" in pattern
    if with_time and not has_zone:
        values = values - utc_offset_minutes * 60
    timed = np.full(len(values), with_time) & ((values % 86_400 != 0) | has_zone) & ok
    spelling = np.where(ok, 0, -1).astype(np.int8)
    return Times(np.where(ok, values, 0), timed, problem, spelling)


def _normal(text: pa.Array) -> pa.Array:
    """Lower case, leading zeros of numbers dropped ('05.02.2015' and '5.2.2015' agree)."""
    return pc.replace_substring_regex(pc.utf8_lower(text), r"(^|\D)0+(\d)", r"\1\2")


_COMPILED = {name: re.compile(pattern) for name, pattern in PATTERNS.items()}


def explain(raw: str, spellings: tuple[str, ...]) -> str:
    """Why `raw` is not a date in `spellings` (for the few rows that failed)."""
    text = raw.strip()
    if not text:
        return "is empty"
    if len(spellings) == 1 and "%" in spellings[0]:
        try:
            datetime.strptime(text, spellings[0])
        except ValueError as error:
            return f"{raw!r} is not a date in the format {spellings[0]!r}: {error}"
        return f"{raw!r} is not a real date in the format {spellings[0]!r}"
    for name in spellings:
        match = _COMPILED[name].match(text) if name in _COMPILED else None
        if match is None:
            continue
        groups = match.groupdict()
        if name == "named":
            mon = groups["mon"].lower()
            month = (_MONTHS.index(mon) % 12 + 1) if mon in _MONTHS and mon else 0
            if not month:
                return f"{raw!r}: {groups['mon']!r} is not a month name"
        else:
            month = int(groups["m"])
        if not 1 <= month <= 12:
            if name == "mdy":
                return (f"{raw!r} has no month {month}: dates here are read month first "
                        f"(M/D/YYYY), never day first")
            return f"{raw!r} has no month {month}"
        year, day = int(groups["y"]), int(groups["d"])
        last = (np.datetime64(f"{year:04d}-{month:02d}", "M") + 1).astype("datetime64[D]")
        length = int((last - np.datetime64(f"{year:04d}-{month:02d}-01", "D")).astype(int))
        if not 1 <= day <= length:
            note = " (read month first, M/D/YYYY)" if name == "mdy" else ""
            return f"{raw!r}: day {day} does not exist in {year:04d}-{month:02d}{note}"
        return f"{raw!r} has an impossible time of day"
    return f"{raw!r} is not a date in a known spelling (expected {describe_format(spellings)})"
