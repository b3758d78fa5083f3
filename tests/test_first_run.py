"""The first run on a machine: numba compiles the point-in-polygon kernels once (about half
a minute), says so on stderr while it does, and later runs load them from its cache
without a word. Run in subprocesses with a fresh NUMBA_CACHE_DIR, as a new user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from treatyline.cli import _compile_notice
from treatyline.compiling import CompileStep, notify
from treatyline.territory.classify import _KERNELS

TREATYLINE = str(Path(sys.executable).with_name("treatyline"))

# Warms up, then classifies read-only and writable coordinates (both kinds occur: Arrow
# buffers and fresh arrays); prints every compilation step it was told about.
PROBE = """
import json, numpy as np, shapely
from treatyline.territory.classify import Classifier, warm_up
from treatyline.compiling import compile_progress
steps = []
with compile_progress(lambda step: steps.append([step.number, step.total, step.done])):
    warm_up()
    classifier = Classifier(shapely.Point(0, 0).buffer(1.0))
    xs = np.array([0.0, 0.5, 2.0])
    frozen = xs.copy()
    frozen.setflags(write=False)
    answers = [classifier.contains(xs, xs).tolist(), classifier.contains(frozen, frozen).tolist()]
print(json.dumps({"steps": steps, "answers": answers}))
"""


def _run(args: list[str], cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=600,
                          check=False)


def test_the_first_run_reports_compiling_and_later_runs_load_silently(tmp_path: Path) -> None:
    cache = tmp_path / "numba-cache"
    cold = _run([sys.executable, "-c", PROBE], cache)
    assert cold.returncode == 0, cold.stderr
    probe = json.loads(cold.stdout)
    total = len(_KERNELS)  # each kernel reports as it starts compiling, then all are done
    assert probe["steps"] == [[n, total, False] for n in range(1, total + 1)] + [
        [total, total, True]]
    assert probe["answers"] == [[True, True, False]] * 2
    assert any(cache.rglob("*.nbi")), "nothing was written to the cache"

    warm = _run([sys.executable, "-c", PROBE], cache)
    assert warm.returncode == 0, warm.stderr
    probe = json.loads(warm.stdout)
    # nothing compiled: not the kernels, nor another variant for read-only inputs
    assert probe["steps"] == []
    assert probe["answers"] == [[True, True, False]] * 2

    command = _run([TREATYLINE, "warm-up"], cache)
    assert command.returncode == 0, command.stderr
    assert command.stderr == ""
    assert "loaded from the cache" in command.stdout


def test_the_command_line_shows_the_compilation_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with _compile_notice():
        notify(CompileStep("grid builder", 1, 4))
        notify(CompileStep("clean-cell runs", 2, 4))
        notify(CompileStep("", 4, 4, done=True))
    captured = capsys.readouterr()
    assert captured.out == ""
    # not a terminal: the first step and the end, one line each
    lines = captured.err.splitlines()
    assert lines[0] == ("compiling the point-in-polygon kernels, once per machine "
                        "(about 30 s): 1/4")
    assert lines[1].startswith("point-in-polygon kernels compiled and cached for later runs (")
    assert len(lines) == 2
