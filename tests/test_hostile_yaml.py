"""Hostile YAML: every file the command line reads (treaty, record, scenario, column
mapping) is refused with a located message, exit 1 — never an internal error.

The cases run the command in-process (`treatyline.cli.main`) on a copy of a bundled
example with one file mutated.
"""

from __future__ import annotations

import random
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from cli_inprocess import EXAMPLES, copy_example, run_cli
from treatyline import sourcemap

YAML_FILES = [("istanbul-2022", "treaty.yaml"), ("istanbul-2022", "record.yaml"),
              ("istanbul-2022", "scenario.yaml")]


def check_mutated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], example: str, name: str,
    mutate: Callable[[bytes], bytes],
) -> tuple[int, str, Path]:
    folder = copy_example(tmp_path, example)
    path = folder / name
    path.write_bytes(mutate(path.read_bytes()))
    args: list[str | Path] = ["check", folder]
    if (folder / "scenario.yaml").exists():
        args.append("--scenario")
    code, err = run_cli(capsys, *args)
    return code, err, path


def assert_located(code: int, err: str, path: Path, message: str | None = None) -> str:
    """Exit 1, no internal error, and a diagnostic at path:line:column; the diagnostic."""
    assert "internal error" not in err and "Traceback" not in err, err
    assert code == 1, err
    found = re.search(re.escape(str(path)) + r":(\d+):(\d+): error: (.*)", err)
    assert found is not None, err
    if message is not None:
        assert message in found.group(3), err
    return found.group(0)


def prepend(text: str) -> Callable[[bytes], bytes]:
    return lambda data: text.encode() + data


def billion_laughs(levels: int) -> str:
    lines = ["lol0: &lol0 [" + ", ".join(["lol"] * 10) + "]"]
    lines += [f"lol{i}: &lol{i} [" + ", ".join([f"*lol{i - 1}"] * 10) + "]"
              for i in range(1, levels)]
    return "\n".join(lines) + "\n"


# --- aliases ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("example", "name"), YAML_FILES)
def test_alias_bomb_is_refused_quickly_at_the_alias(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], example: str, name: str,
) -> None:
    start = time.perf_counter()
    code, err, path = check_mutated(tmp_path, capsys, example, name,
                                    prepend(billion_laughs(10)))  # 10^9 values
    assert time.perf_counter() - start < 10
    where = assert_located(code, err, path, "aliases stand for more than")
    assert f"{path}:5:" in where  # the first alias past the budget (10^5 values)


def test_too_many_aliases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "anchor: &a x\nmany: [" + ", ".join(["*a"] * (sourcemap.MAX_ALIASES + 1)) + "]\n"
    code, err, path = check_mutated(tmp_path, capsys, "istanbul-2022", "treaty.yaml",
                                    prepend(text))
    assert_located(code, err, path, f"more than {sourcemap.MAX_ALIASES} aliases")


@pytest.mark.parametrize("text", ["note: &a [*a]\n", "note: &a {again: *a}\n",
                                  "note: &a [[[x, *a]]]\n"])
def test_recursive_alias(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
) -> None:
    code, err, path = check_mutated(tmp_path, capsys, "istanbul-2022", "record.yaml",
                                    prepend(text))
    assert_located(code, err, path, "recursive alias")


@pytest.mark.parametrize(("text", "message"), [
    ("a: *nowhere\n", "names no anchor"),
    ("a: &x 1\nb: &x 2\n", "defined twice"),
    ("base: &b {x: 1}\nother:\n  <<: *b\n", "merge keys"),
    ("a: &a {<<: *a}\n", "merge keys"),
    ("? [a, b]\n: c\n", "plain value"),
])
def test_alias_anchor_and_key_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str,
) -> None:
    code, err, path = check_mutated(tmp_path, capsys, "istanbul-2022", "treaty.yaml",
                                    prepend(text))
    assert_located(code, err, path, message)


def test_a_few_aliases_still_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_cli(capsys, "check", copy_example(tmp_path, "minsk-2015"))
    assert code == 0, err  # minsk-2015 repeats a note through an alias


# --- tags -----------------------------------------------------------------------------------


@pytest.mark.parametrize("tagged", [
    "!custom x", "!!python/name:os.system ''", "!!python/object/apply:os.system [ls]",
    "!!timestamp 2022-02-30", "!!int 0x", "!!float abc", "!!binary aGVsbG8=", "!!set {a, b}",
    "!!omap [a: 1]", "!<tag:example.org,2000:x> y",
])
@pytest.mark.parametrize(("example", "name"), YAML_FILES)
def test_explicit_tags_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], example: str, name: str, tagged: str,
) -> None:
    code, err, path = check_mutated(tmp_path, capsys, example, name,
                                    prepend(f"tagged: {tagged}\n"))
    assert_located(code, err, path, "explicit YAML tags are not accepted")


def test_str_tag_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err, _ = check_mutated(
        tmp_path, capsys, "istanbul-2022", "treaty.yaml",
        lambda data: data.replace(b"\ntitle: ", b"\ntitle: !!str ", 1))
    assert code == 0, err


# --- nesting, documents, numbers -----------------------------------------------------------


@pytest.mark.parametrize("text", [
    "".join(" " * i + f"k{i}:\n" for i in range(500)) + " " * 500 + "v\n",
    "deep: " + "[" * 70 + "]" * 70 + "\n",
    "deep: " + "[" * 10_000 + "]" * 10_000 + "\n",
    "deep: " + "{a: " * 10_000 + "b" + "}" * 10_000 + "\n",
    "deep: " + "[" * 100_000 + "]" * 100_000 + "\n",
])
def test_deep_nesting_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
) -> None:
    code, err, path = check_mutated(tmp_path, capsys, "istanbul-2022", "record.yaml",
                                    prepend(text))
    assert_located(code, err, path, "nest")


def test_nesting_up_to_the_cap_is_read() -> None:
    depth = sourcemap.MAX_DEPTH
    loaded = sourcemap.load_yaml_text("[" * depth + "x" + "]" * depth, "f.yaml")
    value = loaded.data
    for _ in range(depth):
        value = value[0]
    assert value == "x"
    assert loaded.source.at([0] * depth).column == depth + 1


@pytest.mark.parametrize(("text", "message"), [
    ("a: 1\n---\nb: 2\n", "one YAML document"),
    ("big: " + "1" * 5000 + "\n", "cannot read"),
    ("when: !!timestamp 2022-02-30\n", "explicit YAML tags"),
    ('note: "a\\0b"\n', "U+0000"),
    ('note: "\\e[31mred"\n', "U+001B"),
    ('note: "\\x9b"\n', "U+009B"),
])
def test_other_yaml_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str,
) -> None:
    code, err, path = check_mutated(tmp_path, capsys, "istanbul-2022", "treaty.yaml",
                                    prepend(text))
    assert_located(code, err, path, message)


# --- bytes and encodings -----------------------------------------------------------------------


def insert_mid(extra: bytes) -> Callable[[bytes], bytes]:
    def mutate(data: bytes) -> bytes:
        at = data.index(b"\n", len(data) // 2) + 3
        return data[:at] + extra + data[at:]
    return mutate


@pytest.mark.parametrize(("extra", "message"), [
    (b"\xff", "invalid UTF-8 byte 0xff"),
    (b"\x80", "invalid UTF-8 byte 0x80"),
    (b"\xed\xa0\x80", "invalid UTF-8"),  # an encoded surrogate
    (b"\x00", "U+0000"),
    (b"\x0b", "U+000B"),
    (b"\x0c", "U+000C"),
    (b"\x7f", "U+007F"),
    ("\u0080".encode(), "U+0080"),
    ("\ufffe".encode(), "U+FFFE"),
])
@pytest.mark.parametrize(("example", "name"), YAML_FILES)
def test_bad_bytes_are_located(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], example: str, name: str,
    extra: bytes, message: str,
) -> None:
    code, err, path = check_mutated(tmp_path, capsys, example, name, insert_mid(extra))
    where = assert_located(code, err, path, message)
    original = (EXAMPLES / example / name).read_bytes()
    line = original[: original.index(b"\n", len(original) // 2) + 1].count(b"\n") + 1
    assert f"{path}:{line}:3:" in where


@pytest.mark.parametrize(("encoding", "message"), [
    ("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"), ("utf-16-be", "UTF-16"),
    ("utf-32", "UTF-32"), ("utf-32-le", "UTF-32"),
])
@pytest.mark.parametrize(("example", "name"), YAML_FILES)
def test_wide_encodings_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], example: str, name: str,
    encoding: str, message: str,
) -> None:
    code, err, path = check_mutated(tmp_path, capsys, example, name,
                                    lambda data: data.decode().encode(encoding))
    assert f"{path}:1:1:" in assert_located(code, err, path, message)


def test_random_byte_flips_never_escape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    rng = random.Random(2026)
    files = [*YAML_FILES, ("nato-1949", "treaty.yaml"), ("nato-1949", "record.yaml")]
    originals = {key: (EXAMPLES / key[0] / key[1]).read_bytes() for key in files}
    for attempt in range(60):
        example, name = rng.choice(files)
        data = bytearray(originals[(example, name)])
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(data))
            roll = rng.random()
            if roll < 0.5:
                data[at] = rng.randrange(256)
            elif roll < 0.8:
                data.insert(at, rng.choice(b"[]{}:,-&*!|>'\"#\n \t\x00\xff"))
            else:
                del data[at]
        folder = tmp_path / str(attempt)
        shutil.copytree(EXAMPLES / example, folder)
        (folder / name).write_bytes(bytes(data))
        args: list[str | Path] = ["check", folder]
        if (folder / "scenario.yaml").exists():
            args.append("--scenario")
        code, err = run_cli(capsys, *args)
        assert code in (0, 1), err
        assert "internal error" not in err and "Traceback" not in err, err


# --- the column mapping of an event file -------------------------------------------------------


@pytest.mark.parametrize(("text", "message"), [
    (billion_laughs(9), "aliases stand for more than"),
    ("utc_offset: !!python/name:os.system ''\n", "explicit YAML tags"),
    ("extra: &a [*a]\n", "recursive alias"),
    ("utc_offset: +2:00\n", "utc_offset"),  # YAML 1.1 reads 2:00 as 120
    ("kinds: [shelling]\n", "kinds"),
    ("radius_km: {1: [2]}\n", "radius_km"),
])
def test_hostile_mapping_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str,
) -> None:
    folder = copy_example(tmp_path, "nato-1949")
    path = folder / "events.mapping.yaml"
    path.write_text(text + path.read_text().replace("\nid: id\n", "\n"))
    code, err = run_cli(capsys, "assess", folder, "--as-of", "1949-06-01")
    assert_located(code, err, path, message)


def test_mapping_file_bad_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = copy_example(tmp_path, "nato-1949")
    path = folder / "events.mapping.yaml"
    path.write_bytes(path.read_bytes().replace(b"date: date", b"date: da\xffte"))
    code, err = run_cli(capsys, "assess", folder, "--as-of", "1949-06-01")
    assert_located(code, err, path, "invalid UTF-8")
