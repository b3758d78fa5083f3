"""The depositary benchmark still runs (tiny sizes, SQLite): a change that breaks it fails
here."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "depositary_bench.py"


def test_the_depositary_bench_runs_and_reports_every_figure(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCH.parent))  # it imports ledger_bench beside it
    spec = importlib.util.spec_from_file_location("bench_depositary_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    assert module.main(["--backends", "sqlite", "--entries", "150", "--deposits", "3",
                        "--large-deposits", "2"]) == 0
    output = capsys.readouterr().out
    for figure in ["deposits on a new ledger: batches of 1:", "filled a ledger of 163 entries",
                   "verify_store:", "raw Ed25519 verify", "verify_bundle:",
                   "from the exported record file", "deposits on the ledger of 163 entries"]:
        assert figure in output
