"""Incidents read from Parquet in batches: the text columns (id, notes, source) stay in
their batches' chunks, and the long free text (source, notes) is left in the file and read
back for the rows shown. Every value, row, mark, selection and command output is the
same as with the text read eagerly; a file changed or gone is a located error."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from cli_inprocess import EXAMPLES, run_cli_output
from treatyline.errors import EventDataError
from treatyline.incidents import CHUNKED_COLUMNS, SCHEMA, Incidents
from treatyline.monitor import read_event_files
from treatyline.norm_events import ArrowEvents
from treatyline.sources import from_parquet, parquet
from treatyline.sources._parts import concat_incidents

GED = (Path(__file__).resolve().parents[1] / "src" / "treatyline" / "data" / "ucdp"
       / "ged-ukraine.csv")


@pytest.fixture(scope="module")
def ged_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled GED extract as a typed GED export, in row groups of 1,000 rows, with
    a few sources marked hypothetical (in other cases) across the groups."""
    table = pacsv.read_csv(GED, parse_options=pacsv.ParseOptions(newlines_in_values=True))
    sources = table.column("source_article").to_pylist()
    marked = ((5, "Hypothetical"), (1_500, "HYPOTHETICAL"), (len(sources) - 1, "hypothetical"))
    for row, word in marked:
        sources[row] = f"{sources[row] or ''} ({word} scenario)"
    table = table.set_column(table.column_names.index("source_article"), "source_article",
                             pa.array(sources, pa.string()))
    path = tmp_path_factory.mktemp("chunked") / "ged.parquet"
    pq.write_table(table, path, row_group_size=1_000)
    return path


def eager(path: Path, **options: int) -> Incidents:
    return from_parquet(path, defer_text=False, **options).incidents


def test_batches_keep_text_chunked_and_values_equal(ged_parquet: Path) -> None:
    whole = eager(ged_parquet, batch_rows=10**9)
    batched = eager(ged_parquet, batch_rows=700)
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


def test_deferred_text_equals_the_eager_read(ged_parquet: Path) -> None:
    read = eager(ged_parquet)
    deferred = from_parquet(ged_parquet, batch_rows=700).incidents
    held, text = deferred.held()
    assert text is not None
    assert set(held.column("source").unique().to_pylist()) == {""}  # not in memory
    assert read.column("source").unique().to_pylist() != [""]
    assert deferred == read
    assert deferred.to_arrow().equals(read.to_arrow())
    assert list(deferred.rows()) == list(read.rows())
    rows = [0, 999, 1_000, 1_500, 2_345, len(read) - 1, -1, 1_000]
    assert list(deferred.rows(rows)) == list(read.rows(rows))
    assert [deferred.row(i) for i in rows] == [read.row(i) for i in rows]
    mask = (np.arange(len(read)) % 3) == 0
    order = np.argsort(-np.arange(len(read)))[:50]
    for left, right in ((deferred.filter(mask), read.filter(mask)),
                        (deferred.take(order), read.take(order)),
                        (deferred.sort_by_time(), read.sort_by_time())):
        assert left == right
        assert list(left.rows(range(0, len(left), 97))) == list(right.rows(
            range(0, len(right), 97)))
    both = Incidents.concat([deferred.filter(mask), read, deferred])
    assert both == Incidents.concat([read.filter(mask), read, read])


def test_hypothetical_marks_equal(ged_parquet: Path) -> None:
    read = eager(ged_parquet, batch_rows=10**9)
    for deferred in (from_parquet(ged_parquet, batch_rows=700).incidents,
                     from_parquet(ged_parquet).incidents):
        marked = ArrowEvents(deferred).hypothetical
        np.testing.assert_array_equal(np.flatnonzero(marked), [5, 1_500, len(read) - 1])
        np.testing.assert_array_equal(marked, ArrowEvents(read).hypothetical)
        rows = np.array([0, 699, 700, 1_500, len(read) - 1], np.intp)
        assert list(ArrowEvents(deferred).ids[rows]) == list(ArrowEvents(read).ids[rows])


def test_files_gathered_keep_text_in_files(ged_parquet: Path, tmp_path: Path) -> None:
    second = tmp_path / "again.parquet"
    pq.write_table(pq.read_table(ged_parquet).slice(0, 900), second, row_group_size=400)
    csv = tmp_path / "ged.csv"
    csv.write_bytes(GED.read_bytes())
    loaded = read_event_files([ged_parquet, csv, second], None, None).incidents
    one, two = eager(ged_parquet), eager(second)
    expected = Incidents.concat([one, read_event_files([csv], None, None).incidents, two])
    assert loaded == expected
    assert list(loaded.rows(range(0, len(loaded), 41))) == list(
        expected.rows(range(0, len(expected), 41)))
    np.testing.assert_array_equal(ArrowEvents(loaded).hypothetical,
                                  ArrowEvents(expected).hypothetical)
    assert loaded.held()[1] is not None
    joined = concat_incidents([one.to_arrow(), two.to_arrow()])
    assert Incidents(joined) == Incidents.concat([one, two])


def test_a_file_changed_or_gone_is_a_located_error(ged_parquet: Path, tmp_path: Path
                                                   ) -> None:
    path = tmp_path / "ged.parquet"
    path.write_bytes(ged_parquet.read_bytes())
    incidents = from_parquet(path).incidents
    first = incidents.row(1_234)
    # the same bytes rewritten later: the modification time tells it is not the file read
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    with pytest.raises(EventDataError) as changed:
        incidents.row(1_234)
    assert str(path) in str(changed.value)
    assert "row 1235" in str(changed.value) and "changed" in str(changed.value)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert incidents.row(1_234) == first  # the file read, as it was: read back again
    table = pq.read_table(path)
    pq.write_table(table.slice(1), path, row_group_size=1_000)  # another file, same name
    with pytest.raises(EventDataError, match="changed after it was read"):
        list(incidents.rows([3, 4]))
    path.unlink()
    with pytest.raises(EventDataError) as gone:
        incidents.to_arrow()
    assert str(path) in str(gone.value) and "row 1:" in str(gone.value)
    assert "no longer there" in str(gone.value)


def _outputs(capsys: pytest.CaptureFixture[str], events: Path, html: Path
             ) -> tuple[str, str]:
    code, out, err = run_cli_output(capsys, "assess", EXAMPLES / "minsk-2015", "--events",
                                    events, "--as-of", "2015-03-31", "--json")
    assert code == 0, err
    code, _, err = run_cli_output(capsys, "report", EXAMPLES / "minsk-2015", "--events",
                                  events, "--as-of", "2015-03-31", "-o", html)
    assert code == 0, err
    return out, html.read_text(encoding="utf-8")


def test_assess_and_report_equal_with_text_read_back(
        ged_parquet: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    deferred = _outputs(capsys, ged_parquet, tmp_path / "deferred.html")
    listed = [v for result in json.loads(deferred[0])["commitments"]
              for v in result["violations"]]
    assert len(listed) > 3 and all(v["source"] for v in listed)
    monkeypatch.setattr(parquet, "text_store", lambda plan: None)  # the eager read
    assert from_parquet(ged_parquet).incidents.held()[1] is None
    eager_outputs = _outputs(capsys, ged_parquet, tmp_path / "eager.html")
    assert deferred[0] == eager_outputs[0]
    assert deferred[1] == eager_outputs[1]
