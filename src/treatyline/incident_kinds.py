"""The incident kinds: treatyline's own vocabulary (`KINDS`), and how a source's categories
are mapped to it (`KindMapping`, `map_kinds`), which the user can override. Which kinds count
as an "armed attack" for a treaty is not decided here: a treaty's trigger names the kinds it
means. Re-exported by `treatyline.incidents`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from .errors import Diagnostic, UsageError, did_you_mean

__all__ = ["KINDS", "KIND_DESCRIPTIONS", "KindMapping", "check_kind_mapping", "map_kinds",
           "merge_kind_mappings"]

KIND_DESCRIPTIONS: Final[Mapping[str, str]] = {
    "armed_attack": (
        "A use of armed force against a state that the data source, or the user's own "
        "mapping, characterises as an armed attack. No default mapping produces it: "
        "'armed attack' is a legal characterisation (UN Charter art. 51; NATO art. 5) that "
        "event datasets do not make. Map a category to it explicitly to use it."
    ),
    "shelling": (
        "Indirect fire by artillery, mortars or rocket artillery. ACLED's "
        "'Shelling/artillery/missile attack' maps here, because ACLED does not separate "
        "missiles from shells."
    ),
    "airstrike": (
        "A strike from the air. ACLED's 'Air/drone strike' maps here, because ACLED does "
        "not separate crewed aircraft from drones."
    ),
    "missile_strike": (
        "A cruise- or ballistic-missile strike, when the source says so. No default "
        "mapping produces it (neither UCDP nor ACLED records the means separately)."
    ),
    "drone_strike": (
        "A strike by an uncrewed aircraft, when the source says so. No default mapping "
        "produces it (see airstrike)."
    ),
    "ground_assault": (
        "Ground forces taking territory by force: ACLED's 'Government regains territory' "
        "and 'Non-state actor overtakes territory'."
    ),
    "clash": (
        "Armed fighting between organised armed groups, at least one of them possibly a "
        "state's forces: ACLED's 'Armed clash'; UCDP state-based (type 1) and non-state "
        "(type 2) violence, for which UCDP does not record the means used."
    ),
    "violence_against_civilians": (
        "Deliberate violence by an organised armed group against unarmed civilians: "
        "ACLED's 'Violence against civilians'; UCDP one-sided violence (type 3)."
    ),
    "explosion": (
        "An explosive device not fired by artillery or aircraft: remote explosive, "
        "landmine, IED, grenade, suicide bomb (ACLED)."
    ),
    "protest_violence": (
        "Violence at a protest or riot, by or against the crowd: ACLED's violent "
        "demonstrations, mob violence, protests met with force."
    ),
    "other": (
        "Anything else, including peaceful protests, strategic developments and any "
        "source category the mapping does not name (the source's own category is kept)."
    ),
}
"""treatyline's incident kinds, each with what it covers and what maps to it by default."""

KINDS: Final[tuple[str, ...]] = tuple(KIND_DESCRIPTIONS)
"""The incident kinds in a fixed order: the `kind` column's codes index this tuple in every
table, so `codes == KINDS.index("shelling")` is a valid test on any `Incidents`."""

_KIND_CODE: Final[Mapping[str, int]] = {kind: code for code, kind in enumerate(KINDS)}
_OTHER: Final = _KIND_CODE["other"]

KindMapping = Mapping[str, str | Mapping[str, str]]
"""A source category → kind, or a category → {subcategory → kind}; "*" in the inner
mapping is the kind for any other subcategory. Keys match case- and space-insensitively.
Example (ACLED): {"Battles": {"Armed clash": "clash", "*": "clash"}, "Protests": "other"}."""


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def check_kind_mapping(mapping: KindMapping, where: str = "kind mapping") -> None:
    """Raise UsageError naming every target kind that is not in `KINDS`."""
    problems: list[Diagnostic] = []

    def check(kind: object, key: str) -> None:
        if not isinstance(kind, str) or kind not in _KIND_CODE:
            hint = did_you_mean(str(kind), KINDS)
            problems.append(Diagnostic(
                f"{where}: {key!r} maps to {kind!r}, which is not an incident kind "
                f"(known: {', '.join(KINDS)})", None, hint))

    for category, target in mapping.items():
        if isinstance(target, Mapping):
            for sub, kind in target.items():
                check(kind, f"{category} / {sub}")
        else:
            check(target, str(category))
    if problems:
        raise UsageError(problems)


def merge_kind_mappings(base: KindMapping, override: KindMapping | None) -> dict[str, Any]:
    """`base` with `override` laid over it, category by category (an overriding category
    replaces the base's whole entry for that category, subcategories included)."""
    merged: dict[str, Any] = {_key(str(k)): v for k, v in base.items()}
    for k, v in (override or {}).items():
        merged[_key(str(k))] = v
    return merged


def map_kinds(
    category: pa.Array, subcategory: pa.Array | None, mapping: KindMapping
) -> tuple[npt.NDArray[np.int32], dict[tuple[str, str], tuple[int, int]]]:
    """Kind codes (indices into `KINDS`) for every row, and the (category, subcategory)
    pairs the mapping does not name, each with its row count and first row; those rows
    are 'other'. Work is per distinct pair, not per row."""
    check_kind_mapping(mapping)
    table: dict[str, Any] = {}
    for k, v in mapping.items():
        if isinstance(v, Mapping):
            table[_key(str(k))] = {_key(str(s)): t for s, t in v.items()}
        else:
            table[_key(str(k))] = v
    cat = _dictionary(category)
    cat_codes = cat.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    cat_names = cat.dictionary.to_pylist()
    if subcategory is not None:
        sub = _dictionary(subcategory)
        sub_codes = sub.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        sub_names = sub.dictionary.to_pylist()
    else:
        sub_codes = np.zeros(len(cat_codes), np.int64)
        sub_names = [""]
    pair = cat_codes * max(len(sub_names), 1) + sub_codes
    unique, first, inverse, counts = np.unique(
        pair, return_index=True, return_inverse=True, return_counts=True)
    lut = np.empty(len(unique), np.int32)
    unmapped: dict[tuple[str, str], tuple[int, int]] = {}
    for i, code in enumerate(unique.tolist()):
        c_name = cat_names[code // max(len(sub_names), 1)]
        s_name = sub_names[code % max(len(sub_names), 1)]
        entry = table.get(_key(c_name))
        kind = entry.get(_key(s_name), entry.get("*")) if isinstance(entry, dict) else entry
        if kind is None:
            unmapped[(c_name, s_name)] = (int(counts[i]), int(first[i]))
            lut[i] = _OTHER
        else:
            lut[i] = _KIND_CODE[kind]
    return lut[inverse.reshape(-1)], unmapped


_KINDS_ARRAY = pa.array(KINDS, pa.string())


def _check_kinds(kinds: Iterable[str]) -> list[int]:
    codes: list[int] = []
    problems: list[Diagnostic] = []
    for kind in kinds:
        if kind in _KIND_CODE:
            codes.append(_KIND_CODE[kind])
        else:
            problems.append(Diagnostic(f"{kind!r} is not an incident kind", None,
                                       did_you_mean(kind, KINDS)))
    if problems:
        raise UsageError(problems)
    return codes


def _dictionary(array: pa.Array) -> pa.DictionaryArray:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        return array
    if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
        array = array.cast(pa.string())
    return array.fill_null("").dictionary_encode()


def _canonical_kinds(kinds: pa.DictionaryArray) -> pa.DictionaryArray:
    # the kind dictionary is always KINDS in order, so codes mean the same in every table
    names = kinds.dictionary.to_pylist()
    remap = np.array([_KIND_CODE[name] for name in names], np.int32)
    codes = kinds.indices.to_numpy(zero_copy_only=False)
    indices = remap[codes] if len(remap) else np.zeros(0, np.int32)
    return pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), _KINDS_ARRAY)
