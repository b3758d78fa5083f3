"""The MARKED flag of deferred sources, found without building the cited column."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from treatyline.deferred_text import MARKED
from treatyline.sources._build import _cited, _marked, _marked_sources

SOURCES = pa.array(["", None, "Scenario: HYPOTHETICAL", "a report", "  ", "hypoThetical"],
                   pa.string())


def _built_then_marked(source: pa.Array, citation: str) -> list[bool]:
    """The long way: the column as a non-deferred read keeps it, then searched."""
    kept = source.cast(pa.string()).fill_null("")
    return _marked(_cited(kept, citation)).tolist()


def test_marks_follow_the_citation_where_a_row_has_no_source() -> None:
    marked = _marked_sources(SOURCES, f"a {MARKED.upper()} citation").tolist()
    assert marked == [True, True, True, False, False, True]
    assert marked == _built_then_marked(SOURCES, f"a {MARKED.upper()} citation")


def test_marks_without_a_citation_or_with_a_plain_one() -> None:
    for citation in ("", "UCDP GED"):
        marked = _marked_sources(SOURCES, citation).tolist()
        assert marked == [False, False, True, False, False, True]
        assert marked == _built_then_marked(SOURCES, citation)


def test_marks_of_a_dictionary_column_and_of_a_batch_with_no_empty_source() -> None:
    encoded = pc.dictionary_encode(pa.array(["x hypothetical", "y", "x hypothetical"]))
    assert _marked_sources(encoded, f"{MARKED}").tolist() == [True, False, True]
    assert np.array_equal(_marked_sources(pa.chunked_array([SOURCES[2:4]]), MARKED),
                          [True, False])
