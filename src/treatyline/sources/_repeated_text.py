"""Text columns whose values repeat (dates, actors, places, countries), read from Parquet
dictionary-encoded: each distinct value decoded, trimmed and checked once, rows mapped
through their codes.

A GED file of 10^6 rows names a few thousand actors and places and a few thousand days;
decoding those columns as dictionaries costs a fifth of decoding them as strings, and the
incidents keep them dictionary-encoded anyway (`incidents.SCHEMA`). Outputs are built to
be exactly what the string path gives: `kept_text` returns the dictionary that
`dictionary_encode` of the trimmed strings would (each value once, in order of first
appearance), so that tables, and everything computed from them, are identical.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["REPEATED_ROLES", "filled_codes", "kept_text"]

REPEATED_ROLES: Final = ("date", "date_end", "kind", "category", "subcategory", "actor1",
                         "actor2", "target", "place", "admin1")
"""Roles read dictionary-encoded when their column holds text: values that repeat from row
to row. Not the id (one per row) nor the long free text (notes, source: mostly distinct)."""


def filled_codes(array: pa.DictionaryArray) -> tuple[pa.Array, npt.NDArray[np.int64]]:
    """(the dictionary as text, each row's code into it), a null row coded to an ''
    appended to the dictionary."""
    values = array.dictionary.cast(pa.string()).fill_null("")
    codes = array.indices
    if codes.null_count:
        values = pa.concat_arrays([values, pa.array([""], pa.string())])
        codes = codes.fill_null(len(values) - 1)
    return values, codes.to_numpy(zero_copy_only=False).astype(np.int64)


def kept_text(array: pa.DictionaryArray, keep: npt.NDArray[np.bool_]) -> pa.DictionaryArray:
    """The rows of `keep`, trimmed of surrounding white space (nulls as ''), encoded as
    `pc.dictionary_encode` encodes the same strings: each distinct value once, in the
    order of its first appearance, int32 codes."""
    values, codes = filled_codes(array)
    trimmed = pc.utf8_trim_whitespace(values)
    distinct = pc.unique(trimmed)  # trimming may make two values one
    position = pc.index_in(trimmed, value_set=distinct).to_numpy(zero_copy_only=False)
    rows = position.astype(np.int64)[codes[keep]]
    order = pc.unique(pa.array(rows, pa.int64())).to_numpy(zero_copy_only=False)
    lookup = np.zeros(len(distinct), np.int32)
    lookup[order] = np.arange(len(order), dtype=np.int32)
    return pa.DictionaryArray.from_arrays(pa.array(lookup[rows], pa.int32()),
                                          distinct.take(pa.array(order, pa.int64())))
