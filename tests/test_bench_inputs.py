"""The benchmarks' synthetic inputs are valid specs: a language change that makes them
invalid must fail here, in the test suite, not later in the CI's benchmark step."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from treatyline.evaluation import evaluate
from treatyline.record import load_record
from treatyline.spec import load_treaty

BENCH = Path(__file__).resolve().parent.parent / "bench"


def bench_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_status_bench_treaty_and_records_load(tmp_path: Path) -> None:
    bench = bench_module("status_bench")
    codes = bench.party_codes(30)
    treaty_path = tmp_path / "treaty.yaml"
    treaty_path.write_text(bench.treaty_yaml(codes), encoding="utf-8")
    treaty = load_treaty(treaty_path)
    acts = bench.synthetic_acts(codes, 400, 7)
    loaded = []
    for form, write in {"yaml": bench.record_yaml, "csv": bench.record_csv,
                        "jsonl": bench.record_jsonl}.items():
        path = tmp_path / f"record.{form}"
        path.write_text(write(acts), encoding="utf-8")
        loaded.append(load_record(path, treaty))
    dumps = [[act.model_dump() for act in record.acts] for record in loaded]
    assert dumps[0] == dumps[1] == dumps[2]
    assert evaluate(treaty, loaded[0]).in_force_since is not None


def test_cli_bench_treaties_and_records_load(tmp_path: Path) -> None:
    bench = bench_module("cli_bench")
    codes = bench.state_codes(bench.STATES)
    assert len(codes) == bench.STATES
    for name, declared in {"declared": codes, "open": codes[:bench.DECLARED_WHEN_OPEN]}.items():
        folder = bench.write_folder(tmp_path / name, codes, declared, 7)
        treaty = load_treaty(folder / "treaty.yaml")
        record = load_record(folder / "record.yaml", treaty)
        assert not record.rejected, record.rejected[:3]
        evaluation = evaluate(treaty, record)
        assert not evaluation.rejected, evaluation.rejected[:3]
        assert evaluation.in_force_since is not None


def test_assess_bench_tiled_parquet_reads_without_rejections(tmp_path: Path) -> None:
    from treatyline.sources import read_events

    bench = bench_module("assess_bench")
    rows = bench.ucdp_extract().num_rows + 117  # past one copy: jittered, suffixed ids
    path = bench.write_tiled_parquet(tmp_path / "events.parquet", rows)
    events = read_events(path)
    assert events.format == "parquet"
    assert not events.rejected, events.rejected[:3]
    assert events.rows_read == rows
    assert len(events.incidents) == rows
