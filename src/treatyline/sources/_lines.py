"""Where each CSV record starts: its physical line number (the header is line 1).

A record is not a line: a quoted field may hold newlines (147 UCDP rows do), and
empty lines are skipped by the parser. The file's bytes are scanned with NumPy
(newlines outside quotes end records) only when a diagnostic needs a line number.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = ["record_start_lines"]


def record_start_lines(path: Path) -> npt.NDArray[np.int64]:
    """The 1-based line on which each non-empty record starts, header included, in the
    order Arrow's CSV parser numbers them."""
    if path.stat().st_size == 0:
        return np.zeros(0, np.int64)
    data = np.memmap(path, dtype=np.uint8, mode="r")
    newline = 10 if (data == 10).any() else 13  # old Mac files end lines with CR only
    breaks = np.flatnonzero(data == newline)
    quotes = np.flatnonzero(data == 34)
    # a newline ends a record only when an even number of quotes precedes it (a doubled
    # quote inside a quoted field counts twice and keeps the parity)
    ends = breaks[np.searchsorted(quotes, breaks) % 2 == 0] if quotes.size else breaks
    starts = np.concatenate(([0], ends + 1))
    stops = np.concatenate((ends, [data.size]))
    length = stops - starts
    carriage = np.zeros(starts.size, np.bool_)
    one = np.flatnonzero(length == 1)
    carriage[one] = data[starts[one]] == 13
    blank = (length == 0) | carriage
    lines = 1 + np.searchsorted(breaks, starts)  # newlines before a record's first byte
    result: npt.NDArray[np.int64] = lines[~blank].astype(np.int64)
    return result
