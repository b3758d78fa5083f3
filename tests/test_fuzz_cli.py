"""The command-line mutation fuzzer (tests/fuzzing/, bench/fuzz_cli.py).

`test_fuzz_cli_short_campaign` is the property test: a short seeded campaign (200 runs of
check/status/timeline/assess/report on mutated copies of the bundled examples) in which every
run exits 0 with a valid result, or 1 with every error message located; never exit 70, a
traceback, over 20 s or 2 GiB, a crash, or a raw injected <script> in the report. It runs the
campaign in a fresh interpreter (bench/fuzz_cli.py), which forks its children from a warmed
image: pytest's own process has its warning filters, captured fds and maybe a fork-unsafe
numba threading layer. About 2-3 minutes on 2 cores; deselect with -m "not fuzz".
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from fuzzing import FAILURE_CLASSES, mutate_file
from fuzzing.campaign import EXAMPLES_ROOT, make_case
from fuzzing.runner import classify, unlocated_lines

ROOT = Path(__file__).resolve().parents[1]
RUNS = 200
SEED = 20240229

pytestmark = pytest.mark.fuzz


def test_mutations_are_seeded_and_deterministic() -> None:
    data = (EXAMPLES_ROOT / "nato-1949" / "treaty.yaml").read_bytes()
    first = [mutate_file("treaty.yaml", data, random.Random(i)) for i in range(30)]
    again = [mutate_file("treaty.yaml", data, random.Random(i)) for i in range(30)]
    assert first == again
    assert all(m.data != data for m in first)
    assert len({m.operator for m in first}) > 5
    assert make_case(7, SEED)[0] == make_case(7, SEED)[0]


def test_error_lines_are_located_by_position_id_or_option() -> None:
    bad, file_only = unlocated_lines(
        "nato-1949/treaty.yaml:3:7: error: unknown party 'ZZ'\n"
        "  ✗ record.yaml:12: error: act record.yaml:12: kind: bad\n"
        "error: act record.yaml:4: unknown field\n"
        "error: --as-of: '2022-02-30' is not a date\n"
        "nato-1949/events.csv: error: the file is empty (no header row)\n"
        "error: nato-1949/treaty.yaml: cannot read: 'utf-8' codec can't decode byte 0xc0\n")
    assert bad == ["error: nato-1949/treaty.yaml: cannot read: 'utf-8' codec can't decode "
                   "byte 0xc0"]
    assert file_only == ["nato-1949/events.csv: error: the file is empty (no header row)"]


def _verdict(**overrides: object) -> str:
    arguments: dict[str, object] = {
        "command": "status", "argv": ["status", "x"], "exit_code": 0, "signal_number": None,
        "timed_out": False, "seconds": 0.1, "max_rss_mb": 100.0, "rss_limit_mb": 2048.0,
        "stdout": "IN FORCE", "stderr": "", "saved_traceback": "", "report_html": None}
    arguments.update(overrides)
    return classify(**arguments).cls  # type: ignore[arg-type]


def test_classification() -> None:
    assert _verdict() == "ok"
    assert _verdict(exit_code=70, stderr="internal error: OverflowError: x") == "internal-error"
    assert _verdict(exit_code=1, stderr="Traceback (most recent call last):\n") == "traceback"
    assert _verdict(exit_code=1, stderr="x.yaml:1:2: error: bad") == "located-error"
    assert _verdict(exit_code=1, stderr="error: bad") == "unlocated"
    assert _verdict(exit_code=1, stderr="") == "unlocated"
    assert _verdict(timed_out=True, exit_code=None) == "timeout"
    assert _verdict(max_rss_mb=4096.0) == "over-memory"
    assert _verdict(exit_code=None, signal_number=11) == "crash"
    assert _verdict(command="report", argv=["report"], stdout="report written",
                    report_html="<p><script>alert(1)</script></p></html>") == "injection"
    assert _verdict(argv=["status", "x", "--json"], stdout="{") == "bad-output"


def test_fuzz_cli_short_campaign(tmp_path: Path) -> None:
    out = tmp_path / "fuzz"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "fuzz_cli.py"), "--runs", str(RUNS),
         "--seed", str(SEED), "--jobs", "2", "--timeout", "20", "--memory-mb", "2048",
         "--out", str(out), "--quiet"],
        capture_output=True, text=True, timeout=900, check=False)
    assert (out / "summary.json").is_file(), done.stdout + done.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["runs"] == RUNS
    failing = {cls: summary["by_class"][cls] for cls in FAILURE_CLASSES
               if summary["by_class"][cls]}
    listing = "\n".join(
        f"{f['count']:4d}  {f['signature']}\n      {f['command']}  [{f['target']}: "
        f"{f['mutation'][:160]}]\n      {f['repro']}" for f in summary["failures"])
    assert not failing, f"failing runs by class: {failing}\n{listing}"
    assert done.returncode == 0, done.stdout + done.stderr
