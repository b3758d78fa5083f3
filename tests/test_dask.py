"""Parquet datasets read on a real Dask cluster (worker processes): the incidents,
rejected rows, warnings and the assessment equal the single-process ones exactly."""

from __future__ import annotations

import io
import json
import re
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from rich.console import Console

from cli_inprocess import run_cli_output
from event_dataset import corrupt_row_group, ucdp_with_bad_rows, write_parts
from treatyline import dask_placing
from treatyline.bundle import load_bundle
from treatyline.distributed import DaskOptions, _client, read_on_dask
from treatyline.errors import EventDataError, UsageError
from treatyline.foresight import Question
from treatyline.monitor import monitor, read_event_files
from treatyline.territory import Territory

distributed = pytest.importorskip("distributed")

MINSK = Path(__file__).resolve().parents[1] / "examples" / "minsk-2015"
AS_OF = date(2015, 3, 31)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three files (hive-style folders) of row groups of 400 rows; an id used twice in
    the last file, far apart (rows 1,500 and 1,850 of the data's third file)."""
    folder = tmp_path_factory.mktemp("dataset")
    table = ucdp_with_bad_rows()
    repeated = table.column("id").to_pylist()
    repeated[3_850] = repeated[3_500]
    table = table.set_column(0, "id", pa.array(repeated, pa.string()))
    write_parts(table, folder, [900, 2_000], 400)
    return folder


def test_a_dataset_read_on_the_cluster_equals_the_single_process_read(
        scheduler: str, dataset: Path) -> None:
    alone = read_event_files([dataset], None, None)
    options = DaskOptions(scheduler=scheduler, partition_rows=700)
    on_dask = read_event_files([dataset], None, None, dask=options)
    assert on_dask.incidents.to_arrow().equals(alone.incidents.to_arrow())
    assert on_dask.rejected == alone.rejected
    assert on_dask.warnings == alone.warnings
    assert any("the id is used again (first at row 1501)" in d.message for d in alone.rejected)


def test_the_assessment_on_the_cluster_is_identical(scheduler: str, dataset: Path) -> None:
    bundle = load_bundle(MINSK / "treaty.yaml")
    alone = monitor(bundle, AS_OF, events=[dataset]).assessment
    on_dask = monitor(bundle, AS_OF, events=[dataset],
                      dask=DaskOptions(scheduler=scheduler, partition_rows=500)).assessment
    assert json.dumps(on_dask.to_json(), sort_keys=True) == json.dumps(
        alone.to_json(), sort_keys=True)
    assert alone.events_rejected


def test_a_corrupt_partition_is_named(scheduler: str, tmp_path: Path) -> None:
    path = tmp_path / "ged.parquet"
    pq.write_table(ucdp_with_bad_rows(), str(path), row_group_size=1_000)
    corrupt_row_group(path, 3)
    with pytest.raises(EventDataError, match=r"row group 3: rows 3001-3883") as error:
        read_on_dask([path], None, DaskOptions(scheduler=scheduler, partition_rows=1),
                     None)
    assert error.value.diagnostics[0].position is not None
    assert error.value.diagnostics[0].position.file == str(path)


def test_an_unreachable_scheduler_is_a_message(dataset: Path) -> None:
    options = DaskOptions(scheduler="tcp://127.0.0.1:9", connect_seconds=0.5)
    with pytest.raises(UsageError, match=r"--scheduler tcp://127.0.0.1:9: cannot reach"):
        read_on_dask(sorted(dataset.rglob("*.parquet")), None, options, None)


def test_the_command_with_dask_prints_the_same_json(
        capsys: pytest.CaptureFixture[str], dataset: Path) -> None:
    args = ("assess", MINSK, "--events", dataset, "--as-of", "2015-03-31", "--json")
    code_alone, out_alone, _ = run_cli_output(capsys, *args)
    code, out, err = run_cli_output(capsys, *args, "--dask", "--workers", "2")
    assert (code, out) == (code_alone, out_alone)
    assert code == 1  # rows were set aside, as without Dask
    assert "Dask: 2 local worker(s); dashboard http://" in err


def test_treatyline_own_parquet_files_read_on_the_cluster_are_equal(
        scheduler: str, tmp_path: Path) -> None:
    own = read_event_files([MINSK / "events.csv"], None, None).incidents
    path = tmp_path / "own.parquet"
    pq.write_table(own.to_arrow(), str(path), row_group_size=50)
    options = DaskOptions(scheduler=scheduler, partition_rows=120)
    on_dask = read_event_files([path], None, None, dask=options)
    assert on_dask.incidents == own
    assert on_dask.incidents.to_arrow().equals(read_event_files([path], None, None)
                                               .incidents.to_arrow())


@pytest.fixture
def driver_rows(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Rows the territory engine places in this process (the driver): the workers are
    other processes, which this does not reach."""
    placed = {"membership": 0, "distance_km": 0}

    def counted(name: str) -> Any:
        method = getattr(Territory, name)

        def wrapper(self: Territory, area: str, lons: Any, *args: Any, **kwargs: Any) -> Any:
            placed[name] += len(lons)
            return method(self, area, lons, *args, **kwargs)
        return wrapper

    for name in placed:
        monkeypatch.setattr(Territory, name, counted(name))
    return placed


def _json(assessment: Any) -> str:
    return json.dumps(assessment.to_json(), sort_keys=True)


def test_the_workers_place_the_events_and_the_driver_none(
        scheduler: str, dataset: Path, driver_rows: dict[str, int]) -> None:
    bundle = load_bundle(MINSK / "treaty.yaml")
    alone = monitor(bundle, AS_OF, events=[dataset]).assessment
    assert driver_rows["membership"] and driver_rows["distance_km"]
    driver_rows.update(membership=0, distance_km=0)
    on_dask = monitor(bundle, AS_OF, events=[dataset],
                      dask=DaskOptions(scheduler=scheduler, partition_rows=500)).assessment
    assert _json(on_dask) == _json(alone)
    assert driver_rows == {"membership": 0, "distance_km": 0}


def test_a_question_not_foreseen_is_placed_by_the_driver(
        scheduler: str, dataset: Path, driver_rows: dict[str, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    foreseen = dask_placing.foreseen_questions

    def without_distances(*args: Any) -> tuple[Question, ...]:
        return tuple(q for q in foreseen(*args) if q.kind != "distance_km")

    monkeypatch.setattr(dask_placing, "foreseen_questions", without_distances)
    bundle = load_bundle(MINSK / "treaty.yaml")
    alone = monitor(bundle, AS_OF, events=[dataset]).assessment
    driver_rows.update(membership=0, distance_km=0)
    on_dask = monitor(bundle, AS_OF, events=[dataset],
                      dask=DaskOptions(scheduler=scheduler, partition_rows=500)).assessment
    assert _json(on_dask) == _json(alone)
    assert driver_rows["membership"] == 0 and driver_rows["distance_km"] > 0


def test_the_dashboard_printed_answers_on_the_loopback() -> None:
    out = io.StringIO()
    console = Console(file=out, width=200)
    with _client(DaskOptions(workers=1), console):
        found = re.search(r"dashboard (http://\S+)", out.getvalue())
        assert found, out.getvalue()
        address = found.group(1)
        assert address.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(address, timeout=30) as response:
            assert response.status == 200
            assert b"Dask" in response.read()
