"""Parquet event files for the scan and Dask tests: the bundled UCDP GED extract (about
3,900 real events) as a GED export read by pyarrow, with a few bad rows put in where
batches and partitions meet, written with many row groups or one."""

from __future__ import annotations

from importlib import resources
from itertools import pairwise
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

__all__ = ["BAD_ROWS", "REPEATED", "corrupt_row_group", "ucdp_with_bad_rows", "write_parts"]

BAD_ROWS = {5: "date_start", 1_001: "latitude", 2_999: "country", 3_100: "type_of_violence"}
"""Rows (from 0) spoiled by `ucdp_with_bad_rows`, and the column spoiled."""
REPEATED = (2_500, 40)
"""Row 2,500 is given row 40's id: the id is used again, far from its first use."""


def _ucdp() -> pa.Table:
    source = resources.files("treatyline").joinpath("data", "ucdp", "ged-ukraine.csv")
    with resources.as_file(source) as path:
        return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types={"id": pa.string(), "date_start": pa.string()}))


def _replaced(table: pa.Table, name: str, row: int, value: object) -> pa.Table:
    values = table.column(name).to_pylist()
    values[row] = value
    index = table.schema.get_field_index(name)
    return table.set_column(index, name, pa.array(values, table.schema.field(name).type))


def ucdp_with_bad_rows() -> pa.Table:
    """The extract with an impossible date, a missing latitude, an unknown country, a
    category no kind mapping names (type_of_violence 9) and an id used twice."""
    table = _ucdp()
    table = _replaced(table, "date_start", 5, "2015-02-30")
    table = _replaced(table, "latitude", 1_001, None)
    table = _replaced(table, "country", 2_999, "Atlantis")
    table = _replaced(table, "type_of_violence", 3_100, 9)
    repeated, first = REPEATED
    return _replaced(table, "id", repeated, table.column("id")[first].as_py())


def write_parts(table: pa.Table, folder: Path, bounds: list[int], row_group_rows: int
                ) -> list[Path]:
    """`table` cut at `bounds` into files folder/part=K/events.parquet (hive-style
    sub-folders), each with row groups of `row_group_rows`."""
    paths = []
    edges = [0, *bounds, table.num_rows]
    for number, (start, stop) in enumerate(pairwise(edges)):
        path = folder / f"part={number}" / "events.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table.slice(start, stop - start), str(path), compression="zstd",
                       row_group_size=row_group_rows)
        paths.append(path)
    return paths


def corrupt_row_group(path: Path, group: int) -> None:
    """Spoil the first data page of `group`'s first column (the footer stays readable)."""
    start = pq.ParquetFile(str(path)).metadata.row_group(group).column(0).data_page_offset
    data = bytearray(path.read_bytes())
    data[start:start + 200] = b"\xff" * 200
    path.write_bytes(bytes(data))
