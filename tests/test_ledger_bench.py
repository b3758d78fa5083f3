"""The Merkle benchmark still runs (tiny sizes): a change that breaks it fails here."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "merkle_bench.py"


def test_the_merkle_bench_runs_and_reports_every_figure(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_merkle_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    assert module.main(["--size", "500", "--queries", "20", "--signatures", "20"]) == 0
    output = capsys.readouterr().out
    for figure in [
        "built a tree of 500 leaves",
        "inclusion proof, generation",
        "consistency proof, verification",
        "raw cryptography Ed25519 verify",
        "open_checkpoint",
        "whole-log pass",
    ]:
        assert figure in output
