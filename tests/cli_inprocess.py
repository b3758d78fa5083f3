"""Helpers for tests that run the command line in-process on copies of the examples."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from treatyline.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "treatyline" / "examples"


def run_cli_output(capsys: pytest.CaptureFixture[str], *args: str | Path
                   ) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `treatyline ARGS`, run in-process."""
    argv = sys.argv
    sys.argv = ["treatyline", *map(str, args)]
    try:
        with pytest.raises(SystemExit) as exit_info:
            main()
    finally:
        sys.argv = argv
    code = exit_info.value.code
    out, err = capsys.readouterr()
    return (code if isinstance(code, int) else 0), out, err


def run_cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    """Exit code and stderr of `treatyline ARGS`, run in-process."""
    code, _, err = run_cli_output(capsys, *args)
    return code, err


def copy_example(tmp_path: Path, example: str) -> Path:
    """A copy of a bundled example folder, to mutate."""
    folder = tmp_path / example
    shutil.copytree(EXAMPLES / example, folder)
    return folder
