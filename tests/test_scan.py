"""Parquet read batch by batch and datasets of many files: the same incidents, rejected
rows (with their rows in the file) and warnings as one read of the whole file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cli_inprocess import run_cli_output
from event_dataset import BAD_ROWS, REPEATED, corrupt_row_group, ucdp_with_bad_rows, write_parts
from treatyline.errors import EventDataError, UsageError
from treatyline.monitor import read_event_files
from treatyline.revisions import select_events
from treatyline.scan import dataset_files, event_paths, partitions
from treatyline.sources import UCDP_GED, EventFile
from treatyline.sources.parquet import from_parquet, plan_parquet

MINSK = Path(__file__).resolve().parents[1] / "examples" / "minsk-2015"


def same(found: EventFile, expected: EventFile) -> None:
    # Arrow equality: the values and the dictionaries' order too, not only the values
    assert found.incidents.to_arrow().equals(expected.incidents.to_arrow())
    assert found.rejected == expected.rejected
    assert found.warnings == expected.warnings
    assert found.rows_read == expected.rows_read


@pytest.fixture(scope="module")
def one_group(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("one") / "ged.parquet"
    pq.write_table(ucdp_with_bad_rows(), str(path))
    return path


@pytest.fixture(scope="module")
def whole(one_group: Path) -> EventFile:
    return from_parquet(one_group, batch_rows=10**9)


def test_the_whole_file_read_names_the_bad_rows_by_their_row(whole: EventFile) -> None:
    repeated, first = REPEATED
    places = [d.message.split(",")[0] for d in whole.rejected]
    assert places == [f"row {row + 1}" for row in sorted([*BAD_ROWS, repeated])
                      if BAD_ROWS.get(row) in (None, "date_start", "latitude")]
    assert f"the id is used again (first at row {first + 1})" in whole.rejected[-1].message
    warned = " ".join(w.message for w in whole.warnings)
    assert "'Atlantis'" in warned and "(first: row 3000)" in warned
    assert "category '9'" in warned and "(first: row 3101)" in warned


@pytest.mark.parametrize("batch_rows", [1_000, 777, 2_500, 2_501, 40])
def test_batches_of_one_row_group_equal_the_whole_file(
        one_group: Path, whole: EventFile, batch_rows: int) -> None:
    same(from_parquet(one_group, batch_rows=batch_rows), whole)


@pytest.mark.parametrize(("group_rows", "batch_rows"), [(1_000, 10**9), (512, 300), (97, 1_000)])
def test_files_of_many_row_groups_equal_one_row_group(
        tmp_path: Path, whole: EventFile, group_rows: int, batch_rows: int) -> None:
    path = tmp_path / "ged.parquet"
    pq.write_table(ucdp_with_bad_rows(), str(path), row_group_size=group_rows)
    found = from_parquet(path, batch_rows=batch_rows)
    assert pq.ParquetFile(str(path)).num_row_groups > 1
    # the rows are named by the file: only the path differs
    same(found, from_parquet(path, batch_rows=10**9))
    assert [d.message for d in found.rejected] == [d.message for d in whole.rejected]


def test_only_the_mapped_columns_are_read(one_group: Path) -> None:
    plan = plan_parquet(one_group)
    in_file = set(pq.ParquetFile(str(one_group)).schema_arrow.names)
    assert set(plan.wanted) == set(UCDP_GED.columns().values()) & in_file
    assert len(plan.wanted) < len(in_file) // 2
    assert "geom_wkt" not in plan.wanted


def test_partitions_are_runs_of_whole_row_groups(tmp_path: Path) -> None:
    paths = write_parts(ucdp_with_bad_rows(), tmp_path, [2_000], 300)
    plans = [plan_parquet(path) for path in paths]
    found = partitions(plans, 1_000)
    assert [(p.file, p.first_group, p.stop_group) for p in found] == [
        (0, 0, 4), (0, 4, 7), (1, 0, 4), (1, 4, 7)]
    assert sum(p.rows for p in found) == sum(plan.rows for plan in plans)


def test_a_folder_is_its_parquet_files_in_path_order(tmp_path: Path) -> None:
    table = ucdp_with_bad_rows()
    paths = write_parts(table, tmp_path, [1_000, 2_000], 500)
    (tmp_path / "_SUCCESS").write_text("")
    (tmp_path / "part=0" / ".events.parquet.crc").write_text("")
    (tmp_path / "README.txt").write_text("not events")
    assert dataset_files(tmp_path) == paths
    assert event_paths([tmp_path]) == paths
    assert event_paths([Path(f"{tmp_path}/part=*/*.parquet")]) == paths
    by_folder = read_event_files([tmp_path], None, None)
    one_by_one = read_event_files(paths, None, None)
    assert by_folder.incidents.to_arrow().equals(one_by_one.incidents.to_arrow())
    assert by_folder.rejected == one_by_one.rejected
    assert by_folder.warnings == one_by_one.warnings
    # ids repeat only within a file: row 2,500 (in the third file) is kept
    assert len(by_folder.incidents) + 2 == table.num_rows
    last = by_folder.rejected[-1]  # row 1,001 of the data: row 2 of the second file
    assert last.position is not None and last.position.file == str(paths[1])
    assert last.message.startswith("row 2, ")


def test_a_glob_matching_nothing_and_an_empty_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no file matches"):
        event_paths([tmp_path / "*.parquet"])
    (tmp_path / "notes.txt").write_text("")
    with pytest.raises(UsageError, match="no Parquet files"):
        event_paths([tmp_path])


def test_a_corrupt_row_group_is_named(tmp_path: Path) -> None:
    path = tmp_path / "ged.parquet"
    pq.write_table(ucdp_with_bad_rows(), str(path), row_group_size=1_000,
                   compression="zstd")
    corrupt_row_group(path, 2)
    with pytest.raises(EventDataError, match=r"row group 2: rows 2001-3000") as error:
        from_parquet(path)
    assert error.value.diagnostics[0].position is not None
    assert error.value.diagnostics[0].position.file == str(path)


@pytest.mark.parametrize(("make", "expected"), [
    ("glob", "no file matches the pattern"),
    ("corrupt", "not a readable Parquet file (row group 1: rows 501-1000)"),
    ("csv", "--dask reads Parquet files; this file is UCDP"),
])
def test_bad_datasets_are_messages_not_tracebacks(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], make: str, expected: str) -> None:
    extra: list[str] = []
    if make == "glob":
        events = str(tmp_path / "*.parquet")
    elif make == "corrupt":
        events = str(tmp_path / "dataset")
        paths = write_parts(ucdp_with_bad_rows(), tmp_path / "dataset", [2_000], 500)
        corrupt_row_group(paths[1], 1)
    else:
        events = str(tmp_path / "ged.csv")
        (tmp_path / "ged.csv").write_text(
            (Path(__file__).resolve().parents[1] / "src" / "treatyline" / "data" / "ucdp"
             / "ged-ukraine.csv").read_text(encoding="utf-8"), encoding="utf-8")
        extra = ["--dask"]
    code, _, err = run_cli_output(capsys, "assess", MINSK, "--events", events,
                                  "--as-of", "2015-03-31", "--json", *extra)
    assert code == 1
    assert expected in err
    assert "Traceback" not in err


def test_workers_without_dask_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli_output(capsys, "assess", MINSK, "--workers", "3")
    assert code == 1
    assert "--workers" in err and "without --dask" in err


def test_a_parquet_folder_is_a_dataset_and_a_tagged_folder_a_version_folder(
        tmp_path: Path) -> None:
    dataset = tmp_path / "dataset"
    write_parts(ucdp_with_bad_rows(), dataset, [2_000], 1_000)
    assert select_events([dataset], None).files == (dataset,)
    with pytest.raises(EventDataError, match="none found"):  # --known-on needs versions
        select_events([dataset], date(2015, 5, 1))
    versions = tmp_path / "versions"
    write_parts(ucdp_with_bad_rows(), versions / "obtained=2015-05-01", [2_000], 1_000)
    chosen = select_events([versions], None)
    assert [v.name for v in chosen.versions] == ["obtained=2015-05-01"]
    assert len(chosen.files) == 2
