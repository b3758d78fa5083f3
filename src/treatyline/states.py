"""Which codes name a state: ISO 3166-1 alpha-2 codes of today's states, and the ISO 3166-3
codes of states that no longer exist (the USSR, Czechoslovakia, Yugoslavia, ...), which
treaty records of the past need. Pure look-ups in pycountry's tables."""

from __future__ import annotations

import functools

import pycountry

from .errors import ISO_ALIASES, did_you_mean

__all__ = [
    "FORMER_NAMES",
    "is_former_state",
    "is_state",
    "state_name",
    "suggest_state",
]

FORMER_NAMES = {
    "SU": "Union of Soviet Socialist Republics",
    "CS": "Czechoslovakia",
    "YU": "Yugoslavia",
    "DD": "German Democratic Republic",
}
"""Names for the former codes treaty records use most. `CS` is ambiguous in ISO 3166-3
(Czechoslovakia until 1993, then Serbia and Montenegro until 2006): the alpha-2 code is read
as Czechoslovakia, the state treaty records of the cold war name; Serbia and Montenegro is
written with its four-letter code, CSXX."""


@functools.cache
def _former() -> dict[str, str]:
    """Former-state code (alpha-2 or alpha-4) → its name."""
    found: dict[str, str] = {}
    for country in pycountry.historic_countries:
        alpha_2 = str(getattr(country, "alpha_2", "") or "")
        alpha_4 = str(country.alpha_4)
        name = str(country.name)
        if alpha_2 and pycountry.countries.get(alpha_2=alpha_2) is None:
            found.setdefault(alpha_2, FORMER_NAMES.get(alpha_2, name))
        found[alpha_4] = FORMER_NAMES.get(alpha_2, name) if alpha_4 != "CSXX" else name
    found["CS"] = FORMER_NAMES["CS"]
    return found


def is_former_state(code: str) -> bool:
    """An ISO 3166-3 code of a state that no longer exists (SU, CS, YU, SUHH, CSXX, ...),
    and not a code of a state of today."""
    return code in _former() and pycountry.countries.get(alpha_2=code) is None


def is_state(code: str) -> bool:
    """An ISO 3166-1 alpha-2 code of a state, or an ISO 3166-3 code of a former one."""
    if len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None:
        return True
    return is_former_state(code)


def state_name(code: str) -> str | None:
    """The short name of a state or former state, None for an unknown code."""
    country = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    if country is not None:
        return str(getattr(country, "common_name", None) or country.name)
    return _former().get(code)


@functools.cache
def _names_to_codes() -> dict[str, str]:
    found = {str(c.name).lower(): str(c.alpha_2) for c in pycountry.countries}
    for country in pycountry.countries:
        common = getattr(country, "common_name", None)
        if common:
            found[str(common).lower()] = str(country.alpha_2)
    for code, name in _former().items():
        found.setdefault(name.lower(), code)
    return found


def suggest_state(word: str) -> str | None:
    """The state code someone writing `word` probably meant: an alias (UK → GB), a code
    close to it, or the code of a state whose name it spells (Germany → DE)."""
    alias = ISO_ALIASES.get(word)
    if alias is not None:
        return alias
    by_name = _names_to_codes().get(word.lower())
    if by_name is not None:
        return by_name
    if len(word) <= 4:
        codes = [str(c.alpha_2) for c in pycountry.countries] + list(_former())
        upper = word.upper()
        by_alpha_3 = pycountry.countries.get(alpha_3=upper) if len(upper) == 3 else None
        if by_alpha_3 is not None:  # USA → US
            return str(by_alpha_3.alpha_2)
        if upper != word and is_state(upper):
            return upper
        return did_you_mean(word, codes)
    lowered = word.lower()
    starting = sorted(n for n in _names_to_codes() if n.startswith(lowered))
    if starting:  # Russia → Russian Federation
        return _names_to_codes()[starting[0]]
    name = did_you_mean(lowered, _names_to_codes())
    return _names_to_codes()[name] if name is not None else None
