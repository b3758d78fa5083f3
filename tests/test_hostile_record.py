"""Hostile record files (YAML and CSV) and things that are not files at all: a located
message and exit 1, never an internal error, never a hang."""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli_inprocess import EXAMPLES, copy_example, run_cli

TREATYLINE = str(Path(sys.executable).with_name("treatyline"))


def assert_located(code: int, err: str, path: Path) -> None:
    """Exit 1, no internal error, and a diagnostic at path:line:column."""
    assert "internal error" not in err and "Traceback" not in err, err
    assert code == 1, err
    assert re.search(re.escape(str(path)) + r":\d+:\d+: error: ", err), err

GOOD_CSV = ("date,kind,party,organ,source\n"
            "1949-04-04,signature,BE,,test\n"
            '1949-05-03,ratification,BE,"Chamber, Senate",test\n')


def check_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
              ) -> tuple[int, str, Path]:
    folder = copy_example(tmp_path, "nato-1949")
    (folder / "record.yaml").unlink()
    path = folder / "record.csv"
    path.write_bytes(text.encode("utf-8"))
    code, err = run_cli(capsys, "check", folder)
    return code, err, path


def csv_located(code: int, err: str, path: Path, message: str) -> str:
    """CSV diagnostics name the file by its name (as the act references do)."""
    assert "internal error" not in err and "Traceback" not in err, err
    assert code == 1, err
    found = re.search(re.escape(path.name) + r":(\d+):(\d+): error: (.*)", err)
    assert found is not None, err
    assert message in found.group(3), err
    return found.group(0)


# --- CSV ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_csv_line_endings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ending: str,
) -> None:
    code, err, _ = check_csv(tmp_path, capsys, GOOD_CSV.replace("\n", ending))
    assert code == 0, err


def test_csv_positions_with_cr_only_line_endings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    text = GOOD_CSV + "1949-05-04,signature,ZZ,,test\n"
    code, err, path = check_csv(tmp_path, capsys, text.replace("\n", "\r"))
    assert "record.csv:4:22:" in csv_located(code, err, path, "'ZZ' is not a party")


@pytest.mark.parametrize("quoted", [True, False])
def test_csv_cell_over_the_field_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], quoted: bool,
) -> None:
    cell = "x" * 200_000
    if quoted:
        cell = f'"{cell}"'
    text = GOOD_CSV + f"1949-05-04,signature,CA,{cell},test\n"
    code, err, path = check_csv(tmp_path, capsys, text)
    assert "record.csv:4:25:" in csv_located(code, err, path, "longer than")


@pytest.mark.parametrize(("text", "message", "where"), [
    (GOOD_CSV + "1949-05-04,signature,CA,\x00,test\n", "U+0000", "4:25"),
    (GOOD_CSV + "1949-05-04,signature,\xff", "U+00FF", None),  # encoded as UTF-8: fine
    ("date,kind,party,party,source\n1949-04-04,signature,BE,BE,test\n", "twice", "1:17"),
    ("date,,party,source\n1949-04-04,x,BE,test\n", "no name", "1:6"),
    ("", "header row", "1:1"),
    ("\n\n", "header row", "1:1"),
    (GOOD_CSV + "1949-05-04,signature,CA,,test,extra\n", "the row has 6 cell(s)", "4:31"),
    (GOOD_CSV + "1949-05-04,signature\n", "the row has 2 cell(s)", "4:21"),
    ("date,kind,party,source,colour\n1949-04-04,signature,BE,test,red\n",
     "unknown field 'colour'", "2:30"),
    ("date,kind,party,source,ref\n1949-04-04,signature,BE,test,x\n",
     "unknown field 'ref'", "2:30"),
])
def test_csv_problems_are_located(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str,
    where: str | None,
) -> None:
    if where is None:  # not a problem at all: \xff written as UTF-8 is ÿ
        code, err, _ = check_csv(tmp_path, capsys, text)
        assert "internal error" not in err and code in (0, 1), err
        return
    code, err, path = check_csv(tmp_path, capsys, text)
    assert f"record.csv:{where}:" in csv_located(code, err, path, message)


def test_csv_invalid_utf8_is_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = copy_example(tmp_path, "nato-1949")
    (folder / "record.yaml").unlink()
    path = folder / "record.csv"
    path.write_bytes(GOOD_CSV.encode() + b"1949-05-04,sign\xffature,CA,,test\n")
    code, err = run_cli(capsys, "check", folder)
    assert "record.csv:4:16:" in csv_located(code, err, path, "invalid UTF-8 byte 0xff")


def test_csv_with_ten_thousand_unknown_columns_is_fast_and_short(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    columns = ["date", "kind", "party", "source"] + [f"x{i}" for i in range(10_000)]
    rows = [",".join(columns)] + [
        ",".join(["2022-08-30", "initialling", "UA", "s"] + ["v"] * 10_000) for _ in range(29)]
    folder = copy_example(tmp_path, "istanbul-2022")
    (folder / "record.yaml").unlink()
    path = folder / "record.csv"
    path.write_text("\n".join(rows) + "\n")
    start = time.perf_counter()
    code, err = run_cli(capsys, "check", folder)
    assert time.perf_counter() - start < 10
    csv_located(code, err, path, "unknown field 'x0' (and 9999 more unknown column(s))")
    assert len(err.splitlines()) <= 40


# --- not regular files ---------------------------------------------------------------------------


def make_fifo(path: Path) -> None:
    os.mkfifo(path)


def make_folder(path: Path) -> None:
    path.mkdir()


def make_device(path: Path) -> None:
    path.symlink_to("/dev/zero")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize(("make", "kind"), [(make_fifo, "FIFO"), (make_folder, "folder"),
                                             (make_device, "character device")])
def test_record_that_is_not_a_regular_file(tmp_path: Path, make: Any, kind: str) -> None:
    record = tmp_path / "record.yaml"
    make(record)
    result = subprocess.run(
        [TREATYLINE, "check", str(EXAMPLES / "nato-1949"), "--record", str(record)],
        capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1, result.stderr
    assert f"{record}: error: record file is a {kind}" in result.stderr
    assert "internal error" not in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_treaty_that_is_a_fifo_does_not_block(tmp_path: Path) -> None:
    from treatyline.errors import SpecError
    from treatyline.spec import load_treaty

    fifo = tmp_path / "treaty.yaml"
    os.mkfifo(fifo)
    with pytest.raises(SpecError, match="treaty file is a FIFO"):
        load_treaty(fifo)


# --- wrong types in record YAML -----------------------------------------------------------------


SWAPS: list[Any] = [{"a": 1}, [1, 2], "[/]", 1.5, True, None, "", "2022-02-30", 10**30]


def _acts(example: str, name: str) -> list[tuple[str, str, int, str]]:
    data = yaml.safe_load((EXAMPLES / example / name).read_text())
    acts = data["acts"] if isinstance(data, dict) else data
    fields: dict[str, int] = {}
    for index, act in enumerate(acts):
        for field in act:
            fields.setdefault(field, index)
    return [(example, name, index, field) for field, index in fields.items()]


@pytest.mark.parametrize(("example", "name", "index", "field"), [
    *_acts("istanbul-2022", "record.yaml"), *_acts("istanbul-2022", "scenario.yaml"),
    *_acts("nato-1949", "record.yaml"), *_acts("minsk-2015", "record.yaml"),
])
def test_act_fields_of_the_wrong_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], example: str, name: str, index: int,
    field: str,
) -> None:
    original = yaml.safe_load((EXAMPLES / example / name).read_text())
    for number, value in enumerate(SWAPS):
        data = copy.deepcopy(original)
        acts = data["acts"] if isinstance(data, dict) else data
        acts[index][field] = value
        folder = tmp_path / str(number)
        shutil.copytree(EXAMPLES / example, folder)
        (folder / name).write_text(yaml.safe_dump(data, allow_unicode=True))
        args = ["check", str(folder)] + (["--scenario"] if name == "scenario.yaml" else [])
        code, err = run_cli(capsys, *args)
        assert code in (0, 1), (value, err)
        assert "internal error" not in err, (value, err)
        if code == 1 and "problem(s)" not in err:
            assert_located(code, err, folder / name)


@pytest.mark.parametrize("field", ["acts", "hypothetical", "title", "note", "source"])
@pytest.mark.parametrize("value", [{"a": 1}, [1], "[/]", 5, None, True, ""])
def test_record_top_level_of_the_wrong_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str, value: Any,
) -> None:
    folder = copy_example(tmp_path, "istanbul-2022")
    path = folder / "scenario.yaml"
    data = yaml.safe_load(path.read_text())
    data[field] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    code, err = run_cli(capsys, "check", folder, "--scenario")
    assert code in (0, 1) and "internal error" not in err, err
    if code == 1 and "problem(s)" not in err:
        assert_located(code, err, path)


@pytest.mark.parametrize("value", [{"a": 1}, [1], "x", 5, None, True, ""])
@pytest.mark.parametrize("field", ["id", "parties", "procedure", "groups", "provisions",
                                   "areas", "entry_into_force", "facts", "adopted"])
def test_treaty_top_level_of_the_wrong_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str, value: Any,
) -> None:
    folder = copy_example(tmp_path, "istanbul-2022")
    path = folder / "treaty.yaml"
    data = yaml.safe_load(path.read_text())
    data[field] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    code, err = run_cli(capsys, "check", folder)
    assert code in (0, 1) and "internal error" not in err, err
    if code == 1:
        assert_located(code, err, path)


# --- capping repeated diagnostics ---------------------------------------------------------------


