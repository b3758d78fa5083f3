"""Incidents read in batches keep the text columns (id, notes, source) in their batches'
chunks, not combined into one copy: every value, selection, row and search is the same
as from one batch, and every other column is still one chunk (a NumPy view, no copy)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from treatyline.incidents import CHUNKED_COLUMNS, SCHEMA, Incidents
from treatyline.monitor import read_event_files
from treatyline.norm_events import ArrowEvents
from treatyline.sources import from_parquet
from treatyline.sources._parts import concat_incidents

GED = (Path(__file__).resolve().parents[1] / "src" / "treatyline" / "data" / "ucdp"
       / "ged-ukraine.csv")


@pytest.fixture(scope="module")
def ged_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    table = pacsv.read_csv(GED, parse_options=pacsv.ParseOptions(newlines_in_values=True))
    sources = table.column("source_article").to_pylist()
    # a few rows marked hypothetical, spread over the batches, to check the search
    for row in (5, 1_500, len(sources) - 1):
        sources[row] = f"{sources[row] or ''} (Hypothetical scenario)"
    table = table.set_column(table.column_names.index("source_article"), "source_article",
                             pa.array(sources, pa.string()))
    path = tmp_path_factory.mktemp("chunked") / "ged.parquet"
    pq.write_table(table, path, row_group_size=1_000)
    return path


def test_batches_keep_text_chunked_and_values_equal(ged_parquet: Path) -> None:
    whole = from_parquet(ged_parquet, batch_rows=10**9).incidents
    batched = from_parquet(ged_parquet, batch_rows=700).incidents
    table = batched.to_arrow()
    for name in SCHEMA.names:
        if name in CHUNKED_COLUMNS:
            assert table.column(name).num_chunks > 1, name
        else:
            assert table.column(name).num_chunks == 1, name
    assert batched == whole
    assert batched.to_arrow().combine_chunks().equals(whole.to_arrow().combine_chunks())
    assert list(batched.rows()) == list(whole.rows())
    for name in CHUNKED_COLUMNS:
        assert batched.column(name).equals(whole.column(name)), name


def test_selections_and_marks_over_chunks(ged_parquet: Path) -> None:
    whole = from_parquet(ged_parquet, batch_rows=10**9).incidents
    batched = from_parquet(ged_parquet, batch_rows=700).incidents
    marked = ArrowEvents(batched).hypothetical
    assert marked.sum() == 3
    np.testing.assert_array_equal(marked, ArrowEvents(whole).hypothetical)
    rows = np.array([0, 699, 700, 1_500, len(whole) - 1], np.intp)
    assert list(ArrowEvents(batched).ids[rows]) == list(ArrowEvents(whole).ids[rows])
    mask = (np.arange(len(whole)) % 3) == 0
    assert batched.filter(mask) == whole.filter(mask)
    assert list(batched.take(rows[::-1]).rows()) == list(whole.take(rows[::-1]).rows())
    assert batched.sort_by_time() == whole.sort_by_time()


def test_files_gathered_keep_text_chunked(ged_parquet: Path, tmp_path: Path) -> None:
    second = tmp_path / "again.parquet"
    pq.write_table(pq.read_table(ged_parquet).slice(0, 900), second, row_group_size=400)
    loaded = read_event_files([ged_parquet, second], None, None).incidents
    one = from_parquet(ged_parquet).incidents
    two = from_parquet(second).incidents
    assert loaded == Incidents.concat([one, two])
    expected = one.to_arrow().column("source").num_chunks + 3  # 900 rows in 3 groups
    assert loaded.to_arrow().column("source").num_chunks == expected
    joined = concat_incidents([one.to_arrow(), two.to_arrow()])
    assert Incidents(joined) == loaded
