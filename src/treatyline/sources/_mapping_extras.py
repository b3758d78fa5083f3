"""The parts of a column mapping that are not column names: constants, kind patterns
and the meaning of the date column.

- `constants:` gives every event the same value for a role the file has no column for
  (`kind: shelling`, `target: UA`, `radius: 1`).
- `kind_patterns:` maps categories to kinds by pattern, declared as such (`prefix`,
  `glob` or `regex`), so that "Civilian Infrastructure Damage March 2022" and "... April
  2022" map with one line. Exact `kinds:` entries are tried first, then the patterns in
  order; the first that matches decides.
- `date_kind:` says whether the date column is when the event happened (`occurred`) or
  when it was documented (`documented`); the latter is carried on every event.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from ..errors import TreatylineError, did_you_mean
from ..incidents import KINDS, KindMapping
from ._shown import shorten

__all__ = [
    "CONSTANT_ROLES",
    "DATE_KINDS",
    "PATTERN_STYLES",
    "KindPattern",
    "check_constants",
    "check_kind_patterns",
    "expand_kind_patterns",
]

DATE_KINDS: Final[tuple[str, ...]] = ("occurred", "documented")
"""`occurred`: the date is when the event happened (the default); `documented`: when it
was recorded (bodies found, damage recorded), which can be well after."""

CONSTANT_ROLES: Final[tuple[str, ...]] = (
    "kind", "category", "subcategory", "actor1", "actor2", "target", "location_precision",
    "radius", "time_precision", "fatalities", "fatalities_low", "fatalities_high", "place",
    "admin1", "notes", "source",
)
"""Roles a constant may fill. Not the id, date or coordinates: those differ per event."""

PATTERN_STYLES: Final[tuple[str, ...]] = ("prefix", "glob", "regex")

Fail = Callable[[tuple[str | int, ...], str, str | None], TreatylineError]
"""fail(path in the mapping, message, did-you-mean) → the error to raise."""

_MAX_RADIUS_KM: Final = 20_040.0
_MAX_FATALITIES: Final = 10_000_000.0


def _key(text: str) -> str:
    """How categories are compared: case- and space-insensitively (as `kinds:` keys)."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class KindPattern:
    """Categories matching `pattern` (by `style`) are of incident kind `kind`."""

    style: str
    pattern: str
    kind: str

    def matches(self, category: str) -> bool:
        text = _key(category)
        if self.style == "prefix":
            return text.startswith(_key(self.pattern))
        if self.style == "glob":
            return fnmatch.fnmatchcase(text, _key(self.pattern))
        return re.fullmatch(self.pattern, " ".join(category.split()), re.IGNORECASE) is not None

    def describe(self) -> str:
        return f"{self.style} '{self.pattern}'"


def check_kind_patterns(value: Any, fail: Fail) -> tuple[KindPattern, ...]:
    """`kind_patterns:` as read from YAML: a list of {prefix|glob|regex: text, kind: kind}."""
    where: tuple[str | int, ...] = ("kind_patterns",)
    if not isinstance(value, list):
        raise fail(where, "a list of patterns is expected, e.g. "
                          "[{prefix: 'Civilian Infrastructure Damage', kind: other}]", None)
    patterns: list[KindPattern] = []
    for index, item in enumerate(value):
        at = (*where, index)
        if not isinstance(item, Mapping):
            raise fail(at, f"pattern {index + 1}: a mapping like {{glob: 'Shelling *', "
                           f"kind: shelling}} is expected, not {shorten(str(item))!r}", None)
        styles = [style for style in PATTERN_STYLES if style in item]
        unknown = [str(k) for k in item if k not in (*PATTERN_STYLES, "kind")]
        if unknown:
            raise fail((*at, unknown[0]), f"pattern {index + 1}: unknown key "
                       f"{shorten(unknown[0])!r} (a pattern has one of "
                       f"{', '.join(PATTERN_STYLES)}, and kind)",
                       did_you_mean(unknown[0], [*PATTERN_STYLES, "kind"]))
        if len(styles) != 1:
            raise fail(at, f"pattern {index + 1}: exactly one of {', '.join(PATTERN_STYLES)} "
                           "is expected", None)
        style = styles[0]
        text = item[style]
        if not isinstance(text, str) or not text.strip():
            raise fail((*at, style), f"pattern {index + 1}: {style}: text is expected, not "
                                     f"{shorten(str(text))!r}", None)
        if style == "regex":
            try:
                re.compile(text)
            except re.error as error:
                raise fail((*at, style), f"pattern {index + 1}: {text!r} is not a valid "
                                         f"regular expression: {error}", None) from None
        kind = item.get("kind")
        if not isinstance(kind, str) or kind not in KINDS:
            raise fail((*at, "kind") if "kind" in item else at,
                       f"pattern {index + 1}: kind {shorten(str(kind))!r} is not an incident "
                       f"kind (known: {', '.join(KINDS)})", did_you_mean(str(kind), KINDS))
        patterns.append(KindPattern(style, text, kind))
    return tuple(patterns)


def expand_kind_patterns(kinds: KindMapping, patterns: Iterable[KindPattern],
                         categories: Iterable[str]) -> dict[str, Any]:
    """`kinds` with an exact entry added for every category in `categories` that has no
    entry yet and that a pattern matches (the first that does)."""
    found: dict[str, Any] = {_key(str(k)): v for k, v in kinds.items()}
    listed = list(patterns)
    for category in categories:
        if not category or _key(category) in found:
            continue
        for pattern in listed:
            if pattern.matches(category):
                found[_key(category)] = pattern.kind
                break
    return found


def check_constants(value: Any, fail: Fail) -> dict[str, str | float]:
    """`constants:` as read from YAML: role → one value for every event."""
    where: tuple[str | int, ...] = ("constants",)
    if not isinstance(value, Mapping):
        raise fail(where, "a mapping of role to value is expected, e.g. "
                          "{kind: shelling, target: UA, radius: 1}", None)
    found: dict[str, str | float] = {}
    for role, given in value.items():
        at = (*where, str(role))
        name = str(role)
        if name not in CONSTANT_ROLES:
            why = (" (the id, date and coordinates differ per event: map them to columns)"
                   if name in ("id", "date", "date_end", "longitude", "latitude") else "")
            raise fail(at, f"{shorten(name)!r} cannot be a constant{why}; constants may set: "
                           f"{', '.join(CONSTANT_ROLES)}",
                       _alias(name) or did_you_mean(name, CONSTANT_ROLES))
        if isinstance(given, bool) or not isinstance(given, (str, int, float)):
            raise fail(at, f"constant {name}: one text or number is expected, not "
                           f"{shorten(str(given))!r}", None)
        found[name] = _checked_constant(name, given, at, fail)
    return found


def _checked_constant(role: str, value: str | float, at: tuple[str | int, ...],
                      fail: Fail) -> str | float:
    if role == "kind":
        if value not in KINDS:
            raise fail(at, f"constant kind: {shorten(str(value))!r} is not an incident kind "
                           f"(known: {', '.join(KINDS)})", did_you_mean(str(value), KINDS))
        return str(value)
    if role == "target":
        from ._countries import to_alpha2

        code = to_alpha2(str(value))
        if not code:
            raise fail(at, f"constant target: {shorten(str(value))!r} is not a country "
                           "treatyline knows (a name, or an ISO 3166-1 code such as UA)", None)
        return code
    if role in ("radius", "fatalities", "fatalities_low", "fatalities_high"):
        top = _MAX_RADIUS_KM if role == "radius" else _MAX_FATALITIES
        if isinstance(value, str) or not 0 <= value <= top:
            unit = "a radius in km" if role == "radius" else "a number of deaths"
            raise fail(at, f"constant {role}: {shorten(str(value))!r} is not {unit} "
                           f"(0..{top:,.0f})", None)
        return float(value)
    if role in ("location_precision", "time_precision"):
        if isinstance(value, str) or value != int(value) or not 0 <= value <= 100:
            raise fail(at, f"constant {role}: {shorten(str(value))!r} is not a whole-number "
                           "code (0..100)", None)
        return int(value)
    if not str(value).strip():
        raise fail(at, f"constant {role}: an empty text sets nothing; leave the key out", None)
    return str(value)


_ALIASES: Final[Mapping[str, str]] = {
    "country": "target", "iso": "target", "precision": "location_precision",
    "radius_km": "radius", "lat": "latitude", "lon": "longitude", "lng": "longitude",
    "type": "category", "event_type": "category", "province": "admin1", "region": "admin1",
    "deaths": "fatalities", "killed": "fatalities", "location": "place",
}


def _alias(name: str) -> str | None:
    """The role a common other name means (`country` is `target`)."""
    return _ALIASES.get(name.casefold())


def role_alias(name: str) -> str | None:
    """The mapping key a common other name means, for did-you-mean."""
    return _alias(name)
