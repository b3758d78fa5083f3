"""Ledger bundles: a ledger exported to one self-verifying file verifies offline as the
store does, gives the live ledger's record and status, and names the damaged line and
entry when edited or cut short; a record exported from a ledger reads back the same."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cli_inprocess import EXAMPLES, run_cli_output
from ledger_jobs import verify_jobs  # noqa: F401 (every test with jobs=1 and jobs=2)
from ledger_sample import Sample, build_sample
from test_ledger_depositary import NATO, _without_places
from treatyline.ledger.bundle_file import (
    bundle_record,
    export_bundle,
    export_record,
    verify_bundle,
)
from treatyline.ledger.store import init_store
from treatyline.ledger.verify import LedgerVerifyError, verify_store
from treatyline.record import Record, load_record
from treatyline.status import status

DAYS = (date(1949, 4, 3), date(1949, 8, 23), date(1949, 8, 24), date(1949, 9, 3),
        date(2024, 3, 7))


@pytest.fixture
def exported(ledger_db: str, tmp_path: Path) -> Iterator[tuple[Sample, Path]]:
    """A sample ledger (on SQLite or PostgreSQL) and its bundle file."""
    with closing(init_store(ledger_db)) as store:
        sample = build_sample(store)
        path = tmp_path / "nato.tlbundle"
        assert export_bundle(store, path) == store.size()
        yield sample, path


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A sample ledger's bundle (SQLite only: the tests that edit the file)."""
    store = init_store(str(tmp_path / "ledger.db"))
    build_sample(store)
    path = tmp_path / "nato.tlbundle"
    export_bundle(store, path)
    store.close()
    return path


def _statuses(record: Record, *, known: bool = False) -> list[dict[str, Any]]:
    return [status(NATO.treaty, record, day, known_on=day if known else None).to_json()
            for day in DAYS]


def test_a_bundle_verifies_offline_as_its_store_does(exported: tuple[Sample, Path]) -> None:
    sample, path = exported
    assert verify_bundle(path, NATO.treaty) == verify_store(sample.depositary.store)


def test_a_bundle_s_record_gives_the_live_ledger_s_status(
        exported: tuple[Sample, Path]) -> None:
    sample, path = exported
    live = sample.depositary.state.record
    from_bundle = bundle_record(path, NATO.treaty)
    assert [act.label for act in from_bundle.acts] == [act.label for act in live.acts]
    for known in (False, True):
        assert _statuses(from_bundle, known=known) == _statuses(live, known=known)
    assert _statuses(load_record(path, NATO.treaty)) == _statuses(live)


def test_an_exported_record_reads_back_with_the_same_status(
        exported: tuple[Sample, Path], tmp_path: Path) -> None:
    sample, _ = exported
    path = tmp_path / "record.jsonl"
    assert export_record(sample.depositary.store, NATO.treaty, path) == sample.accepted
    read = load_record(path, NATO.treaty)
    live = sample.depositary.state.record
    assert not read.rejected
    assert [act.recorded for act in read.acts] == [act.recorded for act in live.acts]
    for known in (False, True):
        assert ([_without_places(s) for s in _statuses(read, known=known)]
                == [_without_places(s) for s in _statuses(live, known=known)])


def test_the_command_line_reads_a_bundle_as_a_record(
        bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli_output(capsys, "status", EXAMPLES / "nato-1949" / "treaty.yaml",
                                    "--record", bundle, "--as-of", "1949-09-03", "--json")
    assert code == 0, err
    assert json.loads(out)["state"] == "in_force"


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def _fails(path: Path, match: str) -> LedgerVerifyError:
    with pytest.raises(LedgerVerifyError, match=match) as caught:
        verify_bundle(path)
    return caught.value


def test_a_bundle_cut_short_names_the_first_missing_entry(bundle: Path) -> None:
    lines = _lines(bundle)
    bundle.write_text("".join(lines[:31]), encoding="utf-8")  # the header and 30 entries
    error = _fails(bundle, "the bundle holds 30 entries, its header says")
    assert error.index == 30


def test_an_edited_entry_line_is_named_by_line_and_entry(bundle: Path) -> None:
    lines = _lines(bundle)
    value = json.loads(lines[21])  # entry 20
    value["entry"]["received"] = "1949-04-04T12:00:00.000001Z"
    lines[21] = json.dumps(value) + "\n"
    bundle.write_text("".join(lines), encoding="utf-8")
    error = _fails(bundle, "line 22, entry 20: stored as received at")
    assert (error.line, error.index) == (22, 20)


def test_an_edited_leaf_is_named_by_line_and_entry(bundle: Path) -> None:
    lines = _lines(bundle)
    lines[26] = lines[26].replace('"leaf":"eyJ', '"leaf":"eyK', 1)
    bundle.write_text("".join(lines), encoding="utf-8")
    error = _fails(bundle, "line 27, entry 25: ")
    assert (error.line, error.index) == (27, 25)


def test_a_line_that_is_not_json_is_named(bundle: Path) -> None:
    lines = _lines(bundle)
    lines[5] = lines[5][:40] + "\n"
    bundle.write_text("".join(lines), encoding="utf-8")
    error = _fails(bundle, "line 6, entry 4: not a JSON line")
    assert (error.line, error.index) == (6, 4)


def test_an_edited_checkpoint_line_is_named(bundle: Path) -> None:
    lines = _lines(bundle)
    number = next(n for n, line in enumerate(lines) if line.startswith('{"checkpoint"'))
    lines[number] = lines[number].replace("\\n1\\n", "\\n2\\n", 1)  # its size in the note
    bundle.write_text("".join(lines), encoding="utf-8")
    error = _fails(bundle, f"line {number + 1}, checkpoint of size 1: ")
    assert error.checkpoint_size == 1


def test_a_bundle_s_header_must_be_the_log_s(bundle: Path) -> None:
    lines = _lines(bundle)
    lines[0] = lines[0].replace("treatyline/nato-1949", "treatyline/other", 1)
    bundle.write_text("".join(lines), encoding="utf-8")
    _fails(bundle, "nato.tlbundle:1: the header's origin, treaty or depositary key")
    bundle.write_text("".join(['{"record": {}}\n', *lines[1:]]), encoding="utf-8")
    _fails(bundle, "nato.tlbundle:1: not a treatyline ledger bundle")


def test_a_bundle_line_nested_too_deeply_is_named(tmp_path: Path) -> None:
    from treatyline.ledger.bundle_file import verify_bundle
    from treatyline.ledger.verify import LedgerVerifyError

    bundle = tmp_path / "deep.tlbundle"
    header = json.dumps({"bundle": {"format": "treatyline-ledger-bundle", "version": 1,
                                    "origin": "o", "treaty": "nato-1949", "size": 1,
                                    "depositary_key": "k"}})
    bundle.write_text(header + '\n{"entry": ' + "[" * 5_000 + "]" * 5_000 + "}\n",
                      encoding="utf-8")
    with pytest.raises(LedgerVerifyError, match=r"line 2.*nested too deeply"):
        verify_bundle(bundle)
