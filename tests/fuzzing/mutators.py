"""Seeded, deterministic mutations of the example files.

Every mutator takes the file's name, its bytes and a `random.Random` and returns a
`Mutation` (the new bytes and a one-line description that says what was done where), or
None when it does not apply to that file (no date in it, no `geojson:` key...). The same
seed gives the same mutant.

Families:

- ``yaml-tree``: load with ``yaml.safe_load``, change one node (delete a key, swap a value's
  type, nasty strings, impossible dates, huge numbers, huge periods, path tricks, duplicated
  list items, unknown keys), dump with ``yaml.safe_dump``;
- ``yaml-raw``: the same choice of node, but the new value is raw YAML text spliced into the
  dump (tags, aliases and billion laughs, unquoted impossible dates, .inf/.nan, deep nesting,
  escapes that give control characters or lone surrogates);
- ``yaml-text``: regex edits of the original text (an impossible date or a huge period in
  place of one that is there), keeping comments and layout;
- ``csv``: a cell, a column or the shape of a CSV (huge cell, 10,000 extra columns, short
  and long rows, an unbalanced quote, many duplicated rows);
- ``json``: the tree edits above on a GeoJSON file (NaN/Infinity coordinates, deep nesting,
  huge rings);
- ``bytes``: bit flips, inserted bytes (0xff, NUL, VT, FF, DEL, ESC), UTF-16/32 re-encoding,
  truncation, CR-only line ends, duplicated/deleted/swapped lines.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

__all__ = ["MUTATORS", "SCRIPT_PAYLOAD", "Mutation", "mutate_file"]

SCRIPT_PAYLOAD = "<script>alert(1)</script>"
"""The injected HTML; a report that contains it verbatim is an injection."""

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Mutation:
    """A mutant file and what was done to it."""

    data: bytes
    operator: str
    detail: str

    def describe(self) -> str:
        return f"{self.operator}: {self.detail}"


# --------------------------------------------------------------------------- values

NASTY_STRINGS: tuple[str, ...] = (
    "ZZ", "XX", "QQ", "EU", "UK", "XK", "zz", "NO", "ZZZ", "A1",  # unknown / odd ISO codes
    "[/]", "[link=http://x]y[/link]", "[bold red]x", "[", "]", "\\[x]",  # rich markup
    SCRIPT_PAYLOAD, f'"><{SCRIPT_PAYLOAD[1:]}', "</script><script>alert(1)</script>",
    "", " ", "\t", "A" * 100_000, "é" * 5_000, "\u202e\u202d", "\x1b[31mred\x1b[0m",
    "%s%s%n", "{0}{1}", "{}", "${HOME}", "../x", "None", "null", "0", "-0", "true",
    "2022-02-30", "999999999 days", "line one\nline two", "\u0085", "\u2028", "\ufeff",
    "🇺🇦", "a" + "\u0301" * 200,
)

TYPE_SWAPS: tuple[Any, ...] = (
    "x", 7, 0, -1, ["x"], [], {"x": 1}, {}, None, True, False, 1.5,
)

DATES: tuple[Any, ...] = (
    dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1970, 1, 1),
    "2022-02-30", "2022-13-01", "0000-01-01", "10000-01-01", "2022-02-28T24:00:00",
    "2022-02-28T23:59:60", "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-14:00",
    "-2022-01-01", "2022-1-1", "20220101", "yesterday", "",
)

NUMBERS: tuple[Any, ...] = (
    10**20, 1e308, math.inf, -math.inf, math.nan, -1, 0, 10**400, 2**63, -(2**63) - 1,
    0.5, -1e-308, 1e-320,
)

PERIODS: tuple[str, ...] = (
    "999999999 days", "4000000 months", "-1 days", "0 days", "99999999999999999999 years",
    "1e9 days", "1.5 years", "2 fortnights", "9999 years", "3000000 weeks", "days", "1",
    "1 day 2 days", "  1 year  ", "\u0661 year",  # Arabic-Indic digit one
)

PATH_TRICKS: tuple[str, ...] = (
    "/etc/passwd", "../../../etc/passwd", "/proc/self/environ", "/dev/zero", "/dev/stdin",
    "/proc/self/fd/0", "/dev/urandom", ".", "..", "", " ", "x\x00y", "/", "/tmp",
    "nonexistent.geojson", "a" * 5000 + ".geojson", "~/x.geojson", "file:///etc/passwd",
    "http://localhost/x.geojson",
)

_DEEP = 500


def _billion_laughs(levels: int = 9, width: int = 9) -> str:
    parts = ['&l0 [' + ", ".join(['"lol"'] * width) + "]"]
    for level in range(1, levels):
        parts.append(f"&l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "[" + ", ".join(parts) + "]"


def _billion_laughs_map(levels: int = 9, width: int = 9) -> str:
    parts = ["&m0 {" + ", ".join(f"k{i}: lol" for i in range(width)) + "}"]
    for level in range(1, levels):
        parts.append(f"&m{level} {{" + ", ".join(f"k{i}: *m{level - 1}" for i in range(width))
                     + "}")
    return "[" + ", ".join(parts) + "]"


RAW_SNIPPETS: tuple[tuple[str, str], ...] = (
    ("tag !custom", "!custom x"),
    ("tag !!python/name:os.system", "!!python/name:os.system"),
    ("tag !!python/object/apply", '!!python/object/apply:os.system ["true"]'),
    ("tag !!timestamp 2022-02-30", "!!timestamp 2022-02-30"),
    ("tag !!timestamp x", "!!timestamp x"),
    ("tag !!int 0x", "!!int 0x"),
    ("tag !!int x", "!!int x"),
    ("tag !!float x", "!!float x"),
    ("tag !!binary", "!!binary AAAA"),
    ("tag !!binary bad", "!!binary ===="),
    ("tag !!set", "!!set {a: null}"),
    ("tag !!omap", "!!omap [{a: 1}, {a: 2}]"),
    ("tag !!pairs", "!!pairs [{a: 1}]"),
    ("tag !!null x", "!!null x"),
    ("tag !!bool x", "!!bool x"),
    ("tag !!str on a list", "!!str [1]"),
    ("unquoted 2022-02-30", "2022-02-30"),
    ("unquoted 2022-13-45", "2022-13-45"),
    ("unquoted 0000-01-01", "0000-01-01"),
    ("unquoted 2022-02-30T10:00:00Z", "2022-02-30T10:00:00Z"),
    ("unquoted 2022-01-01T25:00:00", "2022-01-01T25:00:00"),
    (".inf", ".inf"),
    ("-.inf", "-.inf"),
    (".nan", ".nan"),
    ("1e999", "1e999"),
    ("huge hex", "0x7fffffffffffffffffffffffffffffff"),
    ("huge int", "9" * 5000),
    ("octal 0o777", "0o777"),
    ("sexagesimal 190:20:30", "190:20:30"),
    ("billion laughs (list)", _billion_laughs()),
    ("billion laughs (mapping)", _billion_laughs_map()),
    ("recursive alias &a [*a]", "&a [*a]"),
    ("recursive alias &m {k: *m}", "&m {k: *m}"),
    ("undefined alias", "*nowhere"),
    ("merge key", "{<<: {a: 1}, b: 2}"),
    ("merge key of a list", "{<<: [1, 2]}"),
    ("deep list x500", "[" * _DEEP + "]" * _DEEP),
    ("deep mapping x500", "{a: " * _DEEP + "1" + "}" * _DEEP),
    ("deep list x20000", "[" * 20_000 + "]" * 20_000),
    ("lone surrogate escape", '"\\ud800"'),
    ("NUL escape", '"a\\x00b"'),
    ("ESC escape", '"\\e[31mred"'),
    ("bell escape", '"\\a"'),
    ("null", "~"),
    ("complex key", "{? [a, b] : c}"),
    ("mapping key null", "{~: 1}"),
    ("mapping key bool", "{true: 1}"),
)


# --------------------------------------------------------------------------- trees

def _walk(node: Any, path: Path_ = ()) -> list[tuple[Path_, Any]]:
    out: list[tuple[Path_, Any]] = [(path, node)]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_walk(value, (*path, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out.extend(_walk(value, (*path, index)))
    return out


def _show(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(root)"


def _parent(doc: Any, path: Path_) -> Any:
    node = doc
    for part in path[:-1]:
        node = node[part]
    return node


def _set(doc: Any, path: Path_, value: Any) -> Any:
    if not path:
        return value
    _parent(doc, path)[path[-1]] = value
    return doc


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}…({len(text)} chars)"


_PERIOD_RE = re.compile(r"^\s*\d+\s*(day|week|month|year)s?\s*$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_PATH_KEY_RE = re.compile(r"geojson|file|path", re.I)

TreeOp = Callable[[Any, random.Random], tuple[Any, str] | None]
"""(document, rng) -> (new document, detail), or None if it does not apply."""


def _non_root(doc: Any) -> list[tuple[Path_, Any]]:
    return [(p, v) for p, v in _walk(doc) if p]


def _op_delete_key(doc: Any, rng: random.Random) -> tuple[Any, str] | None:
    keyed = [(p, v) for p, v in _non_root(doc) if isinstance(p[-1], str)]
    if not keyed:
        return None
    path, _ = rng.choice(keyed)
    del _parent(doc, path)[path[-1]]
    return doc, f"delete key {_show(path)}"


def _op_swap_type(doc: Any, rng: random.Random) -> tuple[Any, str] | None:
    nodes = _non_root(doc)
    if not nodes:
        return None
    path, old = rng.choice(nodes)
    choices = [v for v in TYPE_SWAPS if type(v) is not type(old)]
    new = rng.choice(choices)
    return _set(doc, path, new), f"{_show(path)}: {_short(old)} -> {_short(new)}"


def _op_nasty_string(doc: Any, rng: random.Random) -> tuple[Any, str] | None:
    leaves = [(p, v) for p, v in _non_root(doc) if isinstance(v, str)]
    if not leaves:
        leaves = [(p, v) for p, v in _non_root(doc) if not isinstance(v, dict | list)]
    if not leaves:
        return None
    path, old = rng.choice(leaves)
    new = rng.choice(NASTY_STRINGS)
    return _set(doc, path, new), f"{_show(path)}: {_short(old)} -> {_short(new)}"


def _is_date(path: Path_, value: Any) -> bool:
    if isinstance(value, dt.date):
        return True
    if isinstance(value, str) and _DATE_RE.match(value):
        return True
    return bool(path) and isinstance(path[-1], str) and path[-1] in {
        "date", "start", "end", "deadline", "adopted", "recorded", "from", "until", "as_of"}


def _op_date(doc: Any, rng: random.Random) -> tuple[Any, str] | None:
    dates = [(p, v) for p, v in _non_root(doc) if _is_date(p, v)]
    if not dates:
        return None
    path, old = rng.choice(dates)
    new = rng.choice(DATES)
    return _set(doc, path, new), f"{_show(path)}: {_short(old)} -> {_short(new)}"


def _op_number(doc: Any, rng: random.Random) -> tuple[Any, str] | None:
    numbers = [(p, v) for p, v in _non_root(doc)
               if isinstance(v, int | float) and not isinstance(v, bool)]
    if not numbers or rng.random() < 0.2:
        numbers = [(p, v) for p, v in _non_root(doc) if not isinstance(v, dict | list)]
    if not numbers:
        return None
    path, old = rng.choice(numbers)
    new = rng.choice(NUMBERS)
    return _set(doc, path, new), f"{_show(path)}: {_short(old)} -> {_short(new)}"


def _op_period(doc: Any, rng: random.Random) -> tuple[Any, str] | None:
    periods = [(p, v) for p, v in _non_root(doc) if isinstance(v, str) and _PERIOD_RE.match(v)]
    if not periods:
        return None
    path, old = rng.choice(periods)
    new = rng.choice(PERIODS)
    return _set(doc, path, new), f"{_show(path)}: {_short(old)} -> {_short(new)}"


def _op_path_trick(doc: Any, rng: random.Random) -> tuple[Any, str] | None:
    named = [(p, v) for p, v in _non_root(doc)
             if isinstance(p[-1], str) and _PATH_KEY_RE.search(p[-1])]
    if not named:
        return None
    path, old = rng.choice(named)
    new = rng.choice(PATH_TRICKS)
    return _set(doc, path, new), f"{_show(path)}: {_short(old)} -> {_short(new)}"


def _op_duplicate_item(doc: Any, rng: random.Random) -> tuple[Any, str] | None:
    lists = [(p, v) for p, v in _walk(doc) if isinstance(v, list) and v]
    if not lists:
        return None
    path, items = rng.choice(lists)
    index = rng.randrange(len(items))
    times = rng.choice((1, 1, 2, 1000))
    items[index + 1:index + 1] = [items[index]] * times
    return doc, f"duplicate item {_show((*path, index))} x{times}"


def _op_unknown_key(doc: Any, rng: random.Random) -> tuple[Any, str] | None:
    maps = [(p, v) for p, v in _walk(doc) if isinstance(v, dict)]
    if not maps:
        return None
    path, mapping = rng.choice(maps)
    key = rng.choice(("zzz", "__class__", "[/]", SCRIPT_PAYLOAD, "", "Date", "id ", "k" * 5000))
    if mapping and rng.random() < 0.5:  # rename an existing key
        old = rng.choice(list(mapping))
        mapping[key] = mapping.pop(old)
        return doc, f"rename key {_show((*path, old))} -> {_short(key)}"
    mapping[key] = "x"
    return doc, f"add key {_show((*path, key))}"


def _op_deep(doc: Any, rng: random.Random) -> tuple[Any, str] | None:
    nodes = _non_root(doc)
    if not nodes:
        return None
    path, _ = rng.choice(nodes)
    value: Any = "x"
    for _ in range(_DEEP):
        value = [value] if rng.random() < 0.5 else {"k": value}
    return _set(doc, path, value), f"{_show(path)}: nested {_DEEP} levels"


TREE_OPS: dict[str, TreeOp] = {
    "delete-key": _op_delete_key,
    "swap-type": _op_swap_type,
    "nasty-string": _op_nasty_string,
    "date": _op_date,
    "number": _op_number,
    "period": _op_period,
    "path-trick": _op_path_trick,
    "duplicate-item": _op_duplicate_item,
    "unknown-key": _op_unknown_key,
    "deep": _op_deep,
}
TREE_WEIGHTS = {"delete-key": 3, "swap-type": 4, "nasty-string": 5, "date": 3, "number": 3,
                "period": 2, "path-trick": 2, "duplicate-item": 2, "unknown-key": 2, "deep": 1}

_RAW_MARK = "FUZZRAWVALUE"


def _yaml_load(data: bytes) -> Any:
    return yaml.safe_load(data.decode("utf-8"))


def _yaml_dump(doc: Any) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=2**20)


def _yaml_tree(name: str, data: bytes, rng: random.Random) -> Mutation | None:
    try:
        doc = _yaml_load(data)
    except (yaml.YAMLError, UnicodeDecodeError):
        return None
    ops = list(TREE_OPS)
    op = rng.choices(ops, [TREE_WEIGHTS[o] for o in ops])[0]
    done = TREE_OPS[op](doc, rng)
    if done is None:
        return None
    new, detail = done
    try:
        text = _yaml_dump(new)
    except (yaml.YAMLError, RecursionError, ValueError):
        return None
    return Mutation(text.encode("utf-8", errors="surrogatepass"), f"yaml-tree:{op}", detail)


def _yaml_raw(name: str, data: bytes, rng: random.Random) -> Mutation | None:
    try:
        doc = _yaml_load(data)
    except (yaml.YAMLError, UnicodeDecodeError):
        return None
    nodes = _non_root(doc)
    if not nodes:
        return None
    path, old = rng.choice(nodes)
    label, snippet = rng.choice(RAW_SNIPPETS)
    text = _yaml_dump(_set(doc, path, _RAW_MARK))
    if text.count(_RAW_MARK) != 1:
        return None
    text = text.replace(_RAW_MARK, snippet)
    return Mutation(text.encode("utf-8"), "yaml-raw", f"{_show(path)}: {_short(old)} -> {label}")


_TEXT_DATE_RE = re.compile(r"(?<![\d-])\d{4}-\d{2}-\d{2}(?![\d])")
_TEXT_PERIOD_RE = re.compile(r"(?<=: )\d+ (?:day|week|month|year)s?\b")


def _yaml_text(name: str, data: bytes, rng: random.Random) -> Mutation | None:
    text = data.decode("utf-8", errors="surrogateescape")
    if rng.random() < 0.6:
        matches = list(_TEXT_DATE_RE.finditer(text))
        values: tuple[str, ...] = ("2022-02-30", "2023-02-29", "2022-13-01", "0000-01-01",
                                   "9999-12-31", "0001-01-01", "2022-00-10")
        what = "date"
    else:
        matches = list(_TEXT_PERIOD_RE.finditer(text))
        values = PERIODS
        what = "period"
    if not matches:
        return None
    match = rng.choice(matches)
    new = rng.choice(values)
    line = text.count("\n", 0, match.start()) + 1
    out = text[:match.start()] + new + text[match.end():]
    return Mutation(out.encode("utf-8", errors="surrogateescape"), f"yaml-text:{what}",
                    f"line {line}: {match.group(0)!r} -> {new!r}")


# --------------------------------------------------------------------------- JSON

def _json_tree(name: str, data: bytes, rng: random.Random) -> Mutation | None:
    try:
        doc = json.loads(data)
    except ValueError:
        return None
    choice = rng.random()
    if choice < 0.15:  # a huge ring or a NaN/huge coordinate in a geometry
        coords = [(p, v) for p, v in _walk(doc)
                  if isinstance(v, list) and v and all(isinstance(x, int | float) for x in v)]
        if not coords:
            return None
        path, old = rng.choice(coords)
        if rng.random() < 0.5:
            ring_path = path[:-1]
            ring = [[rng.uniform(-180, 180), rng.uniform(-90, 90)] for _ in range(200_000)]
            ring.append(ring[0])
            _set(doc, ring_path, ring)
            detail = f"{_show(ring_path)}: a ring of 200,001 random points"
        else:
            new = [rng.choice((math.nan, math.inf, 1e308, -1e308, 10**20, 181.0, -91.0))
                   for _ in old]
            _set(doc, path, new)
            detail = f"{_show(path)}: {old} -> {new}"
        return Mutation(json.dumps(doc).encode(), "json:coordinates", detail)
    if choice < 0.22:
        nodes = _non_root(doc)
        if not nodes:
            return None
        path, _ = rng.choice(nodes)
        depth = rng.choice((_DEEP, 100_000))
        text = json.dumps(_set(doc, path, _RAW_MARK)).replace(
            f'"{_RAW_MARK}"', "[" * depth + "]" * depth)
        return Mutation(text.encode(), "json:deep", f"{_show(path)}: nested list x{depth}")
    ops = ["delete-key", "swap-type", "nasty-string", "number", "duplicate-item",
           "unknown-key"]
    op = rng.choice(ops)
    done = TREE_OPS[op](doc, rng)
    if done is None:
        return None
    new, detail = done
    return Mutation(json.dumps(new, ensure_ascii=False).encode("utf-8", "surrogatepass"),
                    f"json:{op}", detail)


# --------------------------------------------------------------------------- CSV

CSV_VALUES: tuple[str, ...] = (
    "", " ", "2022-02-30", "0001-01-01", "9999-12-31", "2015-02-29", "29/02/2015",
    "13/13/2015", "2015-02-28T25:00", "1e308", "-1e308", "nan", "NaN", "inf", "-inf", "-1",
    "1e20", "99999999999999999999", "181", "-91", "0x10", "1,5", "ZZ", "XK", SCRIPT_PAYLOAD,
    "[/]", "[link=http://x]y[/link]", "=cmd|' /C calc'!A0", "\u202e", "POINT (nan nan)",
    "POINT (1e308 1e308)", "POINT EMPTY", "line\nbreak", '"', "None", "A" * 200_000,
)


def _csv_rows(data: bytes) -> list[list[str]] | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows if rows else None


def _csv_write(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def _csv(name: str, data: bytes, rng: random.Random) -> Mutation | None:
    rows = _csv_rows(data)
    if rows is None:
        return None
    header = rows[0]
    choice = rng.random()
    if choice < 0.55 and len(rows) > 1:  # one cell
        row = rng.randrange(1, len(rows)) if rng.random() < 0.9 else 0
        if not rows[row]:
            return None
        column = rng.randrange(len(rows[row]))
        old = rows[row][column]
        # the previous row's value (e.g. a duplicated id), or a nasty one
        new = rows[row - 1][column] if rng.random() < 0.1 and row > 1 else rng.choice(CSV_VALUES)
        rows[row][column] = new
        heading = header[column] if column < len(header) else f"#{column}"
        return Mutation(_csv_write(rows), "csv:cell",
                        f"row {row + 1} column {heading!r}: {_short(old)} -> {_short(new)}")
    if choice < 0.65:
        count = 10_000
        everywhere = rng.random() < 0.5
        rows[0] = header + [f"extra{i}" for i in range(count)]
        if everywhere:
            rows[1:] = [r + ["x"] * count for r in rows[1:]]
        where = "header and rows" if everywhere else "header only"
        return Mutation(_csv_write(rows), "csv:extra-columns", f"{count} extra columns ({where})")
    if choice < 0.72:
        column = rng.randrange(len(header))
        gone = header[column]
        rows = [r[:column] + r[column + 1:] for r in rows]
        return Mutation(_csv_write(rows), "csv:drop-column", f"drop column {gone!r}")
    if choice < 0.77:
        column = rng.randrange(len(header))
        header[rng.randrange(len(header))] = header[column]
        return Mutation(_csv_write(rows), "csv:duplicate-header",
                        f"header {header[column]!r} twice")
    if choice < 0.84 and len(rows) > 1:
        row = rng.randrange(1, len(rows))
        if rng.random() < 0.5:
            rows[row] = rows[row][: rng.randrange(len(rows[row]) + 1)]
            detail = f"row {row + 1} cut to {len(rows[row])} fields"
        else:
            rows[row] = rows[row] + ["x"] * rng.choice((1, 5, 1000))
            detail = f"row {row + 1} lengthened to {len(rows[row])} fields"
        return Mutation(_csv_write(rows), "csv:row-length", detail)
    if choice < 0.90 and len(rows) > 1:
        row = rng.randrange(1, len(rows))
        times = rng.choice((2, 100, 20_000))
        rows[row + 1:row + 1] = [rows[row]] * times
        return Mutation(_csv_write(rows), "csv:duplicate-row", f"row {row + 1} x{times + 1}")
    if choice < 0.95:
        row = rng.randrange(len(rows))
        column = rng.randrange(max(1, len(rows[row])))
        if rows[row]:
            rows[row][column] = "A" * 200_000
        return Mutation(_csv_write(rows), "csv:huge-cell",
                        f"row {row + 1} column {column + 1}: 200,000 characters")
    text = data.decode("utf-8")
    offset = rng.randrange(len(text) + 1)
    line = text.count("\n", 0, offset) + 1
    return Mutation((text[:offset] + '"' + text[offset:]).encode("utf-8"), "csv:quote",
                    f"unbalanced quote on line {line}")


# --------------------------------------------------------------------------- bytes

_INSERTS = (b"\xff", b"\x00", b"\x0b", b"\x0c", b"\x7f", b"\x1b", b"\xc0", b"\xed\xa0\x80",
            b"\xef\xbb\xbf", b"\r", b"\x85")


def _bytes(name: str, data: bytes, rng: random.Random) -> Mutation | None:
    op = rng.choice(("bitflip", "insert", "insert", "utf16", "truncate", "cr-only", "crlf",
                     "dup-lines", "delete-line", "swap-lines", "empty"))
    buf = bytearray(data)
    if op == "bitflip":
        flips = rng.choice((1, 1, 2, 8))
        where = []
        for _ in range(flips):
            if not buf:
                break
            index = rng.randrange(len(buf))
            buf[index] ^= 1 << rng.randrange(8)
            where.append(index)
        return Mutation(bytes(buf), "bytes:bitflip", f"flip bits at offsets {where}")
    if op == "insert":
        index = rng.randrange(len(buf) + 1)
        byte = rng.choice(_INSERTS)
        line = data.count(b"\n", 0, index) + 1
        return Mutation(bytes(buf[:index] + byte + buf[index:]), "bytes:insert",
                        f"insert {byte!r} at offset {index} (line {line})")
    if op == "utf16":
        encoding = rng.choice(("utf-16", "utf-16-le", "utf-16-be", "utf-32"))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return Mutation(text.encode(encoding), "bytes:re-encode", f"re-encoded as {encoding}")
    if op == "truncate":
        index = rng.randrange(len(buf) + 1)
        return Mutation(bytes(buf[:index]), "bytes:truncate", f"truncated at {index}/{len(buf)}")
    if op == "empty":
        return Mutation(b"", "bytes:truncate", "empty file")
    if op == "cr-only":
        return Mutation(data.replace(b"\r\n", b"\n").replace(b"\n", b"\r"), "bytes:cr-only",
                        "CR-only line ends")
    if op == "crlf":
        return Mutation(data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), "bytes:crlf",
                        "CRLF line ends")
    lines = data.split(b"\n")
    if len(lines) < 2:
        return None
    index = rng.randrange(len(lines))
    if op == "dup-lines":
        times = rng.choice((1, 2, 50))
        lines[index + 1:index + 1] = [lines[index]] * times
        return Mutation(b"\n".join(lines), "bytes:dup-lines", f"line {index + 1} x{times + 1}")
    if op == "delete-line":
        del lines[index]
        return Mutation(b"\n".join(lines), "bytes:delete-line", f"delete line {index + 1}")
    other = rng.randrange(len(lines))
    lines[index], lines[other] = lines[other], lines[index]
    return Mutation(b"\n".join(lines), "bytes:swap-lines",
                    f"swap lines {index + 1} and {other + 1}")


# --------------------------------------------------------------------------- dispatch

Mutator = Callable[[str, bytes, random.Random], Mutation | None]

MUTATORS: dict[str, Mutator] = {
    "yaml-tree": _yaml_tree,
    "yaml-raw": _yaml_raw,
    "yaml-text": _yaml_text,
    "json": _json_tree,
    "csv": _csv,
    "bytes": _bytes,
}

_FAMILIES: dict[str, dict[str, float]] = {
    "yaml": {"yaml-tree": 0.5, "yaml-raw": 0.22, "yaml-text": 0.1, "bytes": 0.18},
    "csv": {"csv": 0.75, "bytes": 0.25},
    "json": {"json": 0.75, "bytes": 0.25},
}


def _kind(name: str) -> str:
    lowered = name.lower()
    if lowered.endswith((".yaml", ".yml")):
        return "yaml"
    if lowered.endswith(".csv"):
        return "csv"
    return "json"


def mutate_file(name: str, data: bytes, rng: random.Random) -> Mutation:
    """One mutant of the file `name` with contents `data`; deterministic given `rng`'s state.
    Tries families and operators until one applies (a byte-level one always does)."""
    families = _FAMILIES[_kind(name)]
    for _ in range(20):
        family = rng.choices(list(families), list(families.values()))[0]
        mutation = MUTATORS[family](name, data, rng)
        if mutation is not None and mutation.data != data:
            return mutation
    return Mutation(data + b"\n\xff", "bytes:insert", "append b'\\n\\xff'")
