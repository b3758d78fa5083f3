"""Whether a file's event ids are all different, told without a hash set of the strings.

`pc.count_distinct` over 10^7 ids builds a hash table of every string (about 600 MB at
its peak). Here each id gets a 64-bit hash computed with NumPy over the Arrow buffers
(block by block, no Python string made), the hashes are sorted in place (80 MB at 10^7)
and only ids whose hash another id shares are compared as strings, so the answer stays
exact: a hash collision costs a comparison, never a wrong verdict.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["all_distinct"]

_BLOCK: Final = 1 << 20
"""Rows hashed at a time: the per-row temporaries stay at a few tens of MB."""
_SEED: Final = np.uint64(0xCBF29CE484222325)
_FACTOR: Final = np.uint64(0x100000001B3)
"""FNV's 64-bit constants, used as a polynomial hash (multiply, add): odd, so that
no byte's contribution is lost to the wrap-around."""


def all_distinct(ids: pa.ChunkedArray) -> bool:
    """Whether no id occurs twice; exact. Nulls (not expected: the id column is required)
    are left to `pc.count_distinct`, which does not count them as ids."""
    hashes = _hashes(ids)
    if hashes is None:
        return bool(pc.count_distinct(ids).as_py() == len(ids))
    hashes.sort()
    shared = hashes[1:] == hashes[:-1]
    if not shared.any():
        return True
    # a hash met twice: compare the strings of the ids that have it (rows found by
    # hashing again: the in-place sort dropped which row had which hash)
    values = np.unique(hashes[1:][shared])
    del hashes, shared
    again = _hashes(ids)
    assert again is not None
    candidates = ids.take(pa.array(np.flatnonzero(np.isin(again, values))))
    return bool(pc.count_distinct(candidates).as_py() == len(candidates))


def _hashes(ids: pa.ChunkedArray) -> npt.NDArray[np.uint64] | None:
    """A 64-bit hash of each id, in row order (None when a chunk holds nulls)."""
    out = np.empty(len(ids), np.uint64)
    done = 0
    for chunk in ids.chunks:
        if chunk.null_count:
            return None
        wide = pa.types.is_large_string(chunk.type) or pa.types.is_large_binary(chunk.type)
        _, offsets_buffer, data_buffer = chunk.buffers()
        offsets = np.frombuffer(offsets_buffer, np.int64 if wide else np.int32)[
            chunk.offset:chunk.offset + len(chunk) + 1]
        data = (np.frombuffer(data_buffer, np.uint8) if data_buffer is not None
                else np.zeros(0, np.uint8))
        for start in range(0, len(chunk), _BLOCK):
            stop = min(start + _BLOCK, len(chunk))
            out[done + start:done + stop] = _block_hashes(
                offsets[start:stop + 1].astype(np.int64), data)
        done += len(chunk)
    return out


def _block_hashes(offsets: npt.NDArray[np.int64], data: npt.NDArray[np.uint8]
                  ) -> npt.NDArray[np.uint64]:
    """The hashes of the strings data[offsets[i]:offsets[i + 1]]. Rows are taken longest
    first, so that byte k is read for the rows that have one only: the work is the
    block's bytes, however unequal the lengths (one long id costs its length, not its
    length times the rows)."""
    begin = offsets[:-1]
    lengths = offsets[1:] - begin
    order = np.argsort(lengths, kind="stable")[::-1]
    begin = begin[order]
    descending = lengths[order]
    # how many rows are longer than k, for each k: the prefix of `order` still hashing
    longer = np.searchsorted(-descending, -np.arange(int(descending[0]) if len(order) else 0),
                             side="left")
    hashed = np.full(len(order), _SEED, np.uint64)
    for k, count in enumerate(longer.tolist()):
        head = hashed[:count]
        head *= _FACTOR
        # +1: a zero byte still changes the hash (so 'a' and 'a\0' differ)
        head += data[begin[:count] + k].astype(np.uint64) + np.uint64(1)
    # the length mixed in too, so that prefixes differ beyond the +1
    hashed ^= descending.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    out = np.empty(len(order), np.uint64)
    out[order] = hashed
    return out
