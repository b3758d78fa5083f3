"""The command line on hostile input (issue 7, §1): user text is never terminal markup,
outputs are written whole or not at all, and every command follows one exit-code policy."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from treatyline.cli import EXIT_CODES
from treatyline.console import print_diagnostics
from treatyline.errors import Diagnostic, Position

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TREATYLINE = str(Path(sys.executable).with_name("treatyline"))
MARKUP = "[/] [link=http://evil.example]click[/link] [bold red]x[/]"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FORCE_COLOR": "1", "TERM": "xterm-256color"}
    return subprocess.run([TREATYLINE, *args], capture_output=True, text=True, timeout=180,
                          check=False, env=env, cwd=cwd)


def _example(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    shutil.copytree(EXAMPLES / name, folder)
    return folder


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert "internal error" not in output
    assert result.returncode in (0, 1), output[-2000:]


@pytest.fixture(scope="module")
def marked_up_nato(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = _example(tmp_path_factory.mktemp("markup"), "nato-1949")
    _replace(folder / "treaty.yaml", "title: The North Atlantic Treaty", f"title: '{MARKUP}'")
    return folder


@pytest.mark.parametrize("args", [
    ["check"], ["status", "--as-of", "1950-01-01"], ["timeline"],
    ["assess", "--as-of", "2002-01-01"],
])
def test_markup_in_titles_and_ids_is_printed_as_written(
    marked_up_nato: Path, args: list[str]
) -> None:
    result = run(args[0], str(marked_up_nato), *args[1:])
    _assert_clean(result)
    assert result.returncode == 0, result.stderr
    # no OSC 8 hyperlink escape, and the text is there as the user wrote it
    assert "\x1b]8;" not in result.stdout
    if args[0] != "assess":  # assess prints the id, not the title
        plain = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
        assert "[link=http://evil.example]click[/link]" in plain.replace("\n", "")


def test_markup_in_a_party_name_and_an_act_id(tmp_path: Path) -> None:
    folder = _example(tmp_path, "nato-1949")
    _replace(folder / "record.yaml", "{date: 1949-05-03, kind: ratification, party: CA}",
             "{date: 1949-05-03, kind: ratification, party: CA, id: '[/]ca[link=x]'}")
    for args in (["status", "--as-of", "1950-01-01"], ["timeline"]):
        result = run(args[0], str(folder), *args[1:])
        _assert_clean(result)
        assert result.returncode == 0
    timeline = run("timeline", str(folder), "--json")
    assert any(e.get("act") == "[/]ca[link=x]" for e in json.loads(timeline.stdout)["entries"])


def test_an_internal_error_message_is_not_markup() -> None:
    # the handler prints exception text: it must go out as plain text too
    code = ("import sys; sys.argv=['treatyline','status','x'];"
            "import treatyline.cli as c;"
            "c.app = lambda: (_ for _ in ()).throw(RuntimeError('[/] [link=y]z'));"
            "c.main()")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 70
    assert "[/] [link=y]z" in result.stderr
    assert "Traceback" not in result.stderr


def test_output_paths_fail_cleanly_before_the_work(tmp_path: Path) -> None:
    nato = str(EXAMPLES / "nato-1949")
    cases = {
        str(tmp_path): "it is a folder",
        str(tmp_path / "missing" / "x.html"): "does not exist",
        "/dev/full": "not a regular file",
    }
    for target, message in cases.items():
        for args in (["report", nato, "-o", target, "--as-of", "1950-01-01"],
                     ["schema", "-o", target]):
            result = run(*args)
            _assert_clean(result)
            assert result.returncode == 1, (args, result.stderr)
            assert f"{target}: error: cannot write" in result.stderr
            assert message in result.stderr


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from treatyline import inputs
    from treatyline.errors import UsageError

    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")

    def disk_full(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(inputs.os, "fsync", disk_full)
    with pytest.raises(UsageError, match="No space left on device"):
        inputs.write_output(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_write_output_replaces_whole(tmp_path: Path) -> None:
    from treatyline.inputs import write_output

    target = tmp_path / "out.html"
    assert write_output(target, "é" * 10) == 20
    assert target.read_text(encoding="utf-8") == "é" * 10
    assert [p.name for p in tmp_path.iterdir()] == ["out.html"]


def test_one_exit_code_policy_for_rejected_acts(tmp_path: Path) -> None:
    """An act check rejects makes every command exit 1, while still producing output."""
    folder = _example(tmp_path, "nato-1949")
    # a ratification by a state that never signed: not in due form (procedure-level)
    _replace(folder / "record.yaml", "  - {date: 1949-05-03, kind: ratification, party: CA}",
             "  - {date: 1949-05-03, kind: ratification, party: CA}\n"
             "  - {date: 1949-05-04, kind: ratification, party: DE}")
    report = tmp_path / "r.html"
    commands = {
        "check": ["check", str(folder)],
        "status": ["status", str(folder), "--as-of", "1950-01-01"],
        "timeline": ["timeline", str(folder)],
        "assess": ["assess", str(folder), "--as-of", "1950-01-01"],
        "report": ["report", str(folder), "--as-of", "1950-01-01", "-o", str(report)],
    }
    for name, args in commands.items():
        result = run(*args)
        _assert_clean(result)
        assert result.returncode == 1, (name, result.stdout[-500:], result.stderr)
        assert re.search(r"record\.yaml:\d+:\d+: error: ", result.stderr), (name, result.stderr)
    assert report.is_file() and report.stat().st_size > 10_000


def test_exit_codes_are_documented() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    for code, meaning in EXIT_CODES.items():
        assert f"| {code} | {meaning} |" in doc


def test_repeated_messages_are_capped() -> None:
    console = Console(record=True, width=200, markup=False)
    diagnostics = [Diagnostic(f"unknown column 'c{i}'", Position("r.csv", 1, i))
                   for i in range(10_000)]
    diagnostics.append(Diagnostic("another kind", Position("r.csv", 2, 1)))
    print_diagnostics(console, diagnostics)
    lines = console.export_text().splitlines()
    assert len(lines) == 12
    assert lines[0] == "r.csv:1:0: error: unknown column 'c0'"
    assert "  … and 9990 more like: unknown column …" in lines
    assert "r.csv:2:1: error: another kind" in lines


def test_a_long_timeline_is_printed_as_plain_lines(tmp_path: Path) -> None:
    """20,000 acts: a rich table took 8 s or more to lay out (a fuzz case timed out); above
    TIMELINE_TABLE_ROWS entries every entry is one plain line, markup printed as written."""
    from treatyline.console import TIMELINE_TABLE_ROWS

    folder = _example(tmp_path, "budapest-1994")
    record = folder / "record.yaml"
    text = record.read_text(encoding="utf-8")
    extra = "".join(
        f"  - {{date: 2023-01-{1 + i % 28:02d}, kind: statement, party: UA, "
        f"text: 'note {i} {MARKUP}', source: test}}\n"
        for i in range(TIMELINE_TABLE_ROWS + 500))
    record.write_text(text.rstrip("\n") + "\n" + extra, encoding="utf-8")
    result = run("timeline", str(folder))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) > TIMELINE_TABLE_ROWS + 500
    assert "entries" in lines[0]
    assert sum(MARKUP in line for line in lines) == TIMELINE_TABLE_ROWS + 500
    assert "\x1b" not in result.stdout
    assert all(re.match(r"\d{4}-\d{2}-\d{2}  ", line) for line in lines[1:])
