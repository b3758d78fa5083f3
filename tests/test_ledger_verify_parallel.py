"""Signatures checked in worker processes, on SQLite and PostgreSQL: a log big enough to
go parallel names its first forged signature exactly as a check in order does, whichever
chunk finds a bad signature first, and whatever else the walk finds later."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from cli_inprocess import run_cli_output
from ledger_large import FIRST_STATEMENT, large_ledger, statement_entry
from ledger_sample import execute_sql
from treatyline.ledger import signature_checks
from treatyline.ledger.bundle_file import export_bundle, verify_bundle
from treatyline.ledger.canonical import canonical_json, parse_json
from treatyline.ledger.store import LedgerStore, init_store
from treatyline.ledger.verify import LedgerVerifyError, verify_store

SIZE = 2_600
"""Above `PARALLEL_THRESHOLD` signatures: verified in worker processes with jobs=2."""


@pytest.fixture
def store(ledger_db: str) -> Iterator[LedgerStore]:
    with closing(init_store(ledger_db)) as opened:
        yield opened


def _error(store: LedgerStore, jobs: int) -> LedgerVerifyError:
    with pytest.raises(LedgerVerifyError) as caught:
        verify_store(store, jobs=jobs)
    return caught.value


def test_a_big_log_verifies_in_parallel_as_in_order(store: LedgerStore) -> None:
    large_ledger(store, SIZE)
    assert SIZE - FIRST_STATEMENT >= signature_checks.PARALLEL_THRESHOLD
    in_order = verify_store(store, jobs=1)
    assert in_order.size == SIZE and in_order.instruments_accepted == SIZE - FIRST_STATEMENT
    assert verify_store(store, jobs=2) == in_order


def test_a_forged_signature_deep_in_a_big_log_is_named(store: LedgerStore) -> None:
    large_ledger(store, SIZE, forged={2_345})
    in_order, parallel = _error(store, 1), _error(store, 2)
    assert parallel.index == in_order.index == 2_345
    assert str(parallel) == str(in_order)
    assert "entry 2345: the signature does not verify with the key " in str(parallel)


def test_of_two_chunks_with_bad_signatures_the_lower_entry_is_named(
        store: LedgerStore, monkeypatch: pytest.MonkeyPatch) -> None:
    # Chunks of 200: the bad entries are in the third and the eleventh chunk, and the
    # later chunk holds two; whichever worker answers first, the lowest entry is named.
    monkeypatch.setattr(signature_checks, "CHUNK_SIZE", 200)
    large_ledger(store, SIZE, forged={2_100, 2_150, 450})
    assert _error(store, 2).index == 450
    assert str(_error(store, 2)) == str(_error(store, 1))


def test_a_forged_signature_before_a_deleted_row_is_the_one_named(
        store: LedgerStore, ledger_db: str) -> None:
    # The walk stops at the deleted row (entry 2,400) while the workers still check the
    # signature of entry 1,000: the earlier entry is named.
    large_ledger(store, SIZE, forged={1_000})
    execute_sql(ledger_db, "DELETE FROM ledger_entries WHERE idx = ?", 2_400)
    assert _error(store, 2).index == 1_000


def test_a_deleted_row_before_a_forged_signature_is_the_one_named(
        store: LedgerStore, ledger_db: str) -> None:
    large_ledger(store, SIZE, forged={2_000})
    execute_sql(ledger_db, "DELETE FROM ledger_entries WHERE idx = ?", 600)
    parallel = _error(store, 2)
    assert parallel.index == 600 and "missing" in str(parallel)
    assert str(parallel) == str(_error(store, 1))


def test_a_forged_leaf_in_a_big_bundle_is_named_by_line_and_entry(
        store: LedgerStore, tmp_path: Path) -> None:
    large_ledger(store, SIZE)
    bundle = tmp_path / "large.tlbundle"
    export_bundle(store, bundle)
    lines = bundle.read_text(encoding="utf-8").splitlines(keepends=True)
    index = 2_222
    line = lines[index + 1]  # after the header
    value = json.loads(line)
    forged = statement_entry(index, forged=True)
    assert parse_json(forged.payload) != parse_json(base64.b64decode(value["entry"]["leaf"]))
    value["entry"]["leaf"] = base64.b64encode(canonical_json(parse_json(forged.payload))).decode()
    lines[index + 1] = json.dumps(value) + "\n"
    bundle.write_text("".join(lines), encoding="utf-8")
    errors = []
    for jobs in (1, 2):
        with pytest.raises(LedgerVerifyError) as caught:
            verify_bundle(bundle, jobs=jobs)
        errors.append(caught.value)
    assert [(e.index, e.line) for e in errors] == [(index, index + 2)] * 2
    assert str(errors[0]) == str(errors[1])
    assert "the signature does not verify" in str(errors[1])


def test_a_bad_number_of_jobs_is_refused(store: LedgerStore) -> None:
    large_ledger(store, FIRST_STATEMENT + 3)
    with pytest.raises(ValueError, match="at least one job"):
        verify_store(store, jobs=0)


def test_the_command_line_takes_the_number_of_jobs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "large.db"
    with closing(init_store(str(db))) as opened:
        large_ledger(opened, SIZE, forged={2_345})
    for jobs in ("1", "2"):
        code, _, err = run_cli_output(capsys, "ledger", "verify", db, "--jobs", jobs)
        assert code == 1 and "the first bad entry is 2345" in err, err
        assert "entry 2345: the signature does not verify" in " ".join(err.split())
    code, _, err = run_cli_output(capsys, "ledger", "verify", db, "--jobs", "0")
    assert code == 2 and "--jobs" in err
