"""Country names and codes in event files → ISO 3166-1 alpha-2.

Event datasets name countries their own way: UCDP uses Gleditsch-Ward names with
the old name in brackets ("Russia (Soviet Union)"), ACLED a numeric ISO code and
short names ("Democratic Republic of Congo"). Each distinct value is resolved once
(pycountry, then the aliases below); rows are mapped by dictionary code.
"""

from __future__ import annotations

import re
from typing import Final

import numpy as np
import pyarrow as pa
import pycountry

from ..errors import ISO_ALIASES

__all__ = ["COUNTRY_ALIASES", "to_alpha2", "to_alpha2_column"]

COUNTRY_ALIASES: Final[dict[str, str]] = {
    "russia": "RU",
    "turkey": "TR",
    "dr congo": "CD",
    "democratic republic of congo": "CD",
    "democratic republic of the congo": "CD",
    "republic of congo": "CG",
    "bosnia-herzegovina": "BA",
    "kosovo": "XK",  # not in ISO 3166-1; the user-assigned code in common use
    "ivory coast": "CI",
    "cote d'ivoire": "CI",
    "palestine": "PS",
    "cape verde": "CV",
    "macedonia": "MK",
    "macedonia, fyr": "MK",
    "brunei": "BN",
    "east timor": "TL",
    "micronesia": "FM",
    "vatican city": "VA",
    "swaziland": "SZ",
    "burma": "MM",
    "kampuchea": "KH",
    "zaire": "CD",
    "soviet union": "RU",
}
"""Names used by UCDP and ACLED that pycountry's lookup does not know (lower case)."""

_BRACKETS = re.compile(r"\s*\([^)]*\)\s*$")


def to_alpha2(value: str) -> str:
    """The alpha-2 code for a name, alpha-2, alpha-3 or numeric code; '' if unknown."""
    text = value.strip()
    if not text:
        return ""
    if text.isdigit():
        found = pycountry.countries.get(numeric=text.zfill(3))
        return found.alpha_2 if found else ""
    upper = text.upper()
    if len(text) == 2 and text.isalpha():
        upper = ISO_ALIASES.get(upper, upper)
        if upper == "XK" or pycountry.countries.get(alpha_2=upper):
            return upper
        return ""
    for candidate in (text, _BRACKETS.sub("", text)):
        alias = COUNTRY_ALIASES.get(candidate.casefold())
        if alias:
            return alias
        try:
            return str(pycountry.countries.lookup(candidate).alpha_2)
        except LookupError:
            continue
    return ""


def to_alpha2_column(values: pa.Array) -> tuple[pa.Array, dict[str, tuple[int, int]]]:
    """Alpha-2 codes for a column, and the values that could not be resolved with their
    row count and first row. A dictionary column without nulls is taken as encoded: each
    value once in its dictionary, as `dictionary_encode` leaves it."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_dictionary(values.type) and not values.null_count:
        encoded = values  # as the caller encoded it: each value once (`_build`)
    else:
        encoded = values.cast(pa.string()).fill_null("").dictionary_encode()
    names = encoded.dictionary.to_pylist()
    codes = [to_alpha2(name) for name in names]
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    unresolved: dict[str, tuple[int, int]] = {}
    for position, (name, code) in enumerate(zip(names, codes, strict=True)):
        if name.strip() and not code:
            rows = np.flatnonzero(indices == position)
            unresolved[name] = (int(rows.size), int(rows[0]))
    # several spellings may give one code: keep the dictionary free of duplicates
    distinct = sorted(set(codes)) or [""]
    remap = np.array([distinct.index(code) for code in codes] or [0], np.int32)
    result = pa.DictionaryArray.from_arrays(
        pa.array(remap[indices] if indices.size else np.zeros(0, np.int32), pa.int32()),
        pa.array(distinct, pa.string()))
    return result, unresolved
