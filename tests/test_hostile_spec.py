"""Hostile treaty files: every value a treaty file holds is range-checked when it is loaded,
so that nothing in it can later end in an internal error (an OverflowError, a KeyError, a
GEOS exception); `validate_areas` builds every area the way an assessment will; the files a
treaty names are confined to its folder, regular and size-bounded.

Every case runs the real command line in-process and asserts: exit 1, a message located at
file:line:column, and no internal error or traceback."""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from treatyline.bundle import load_bundle
from treatyline.calendar import (
    LAST_DAY,
    MAX_PERIOD_YEARS,
    DateRangeError,
    Offset,
    add_months,
)
from treatyline.cli import main
from treatyline.errors import SpecError
from treatyline.sourcemap import load_yaml
from treatyline.spec.load import load_treaty
from treatyline.territory.areas import validate_areas

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "treatyline" / "examples"
AS_OF = {"istanbul-2022": "2022-05-01", "nato-1949": "2001-12-31",
         "minsk-2015": "2015-04-01", "budapest-1994": "2014-06-01"}
LOCATED = re.compile(r"treaty\.yaml:\d+:\d+: error: ")

Mutation = Callable[[dict[str, Any]], None]


def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        *args: str) -> tuple[int, str]:
    """Run the command line in-process; (exit code, stderr)."""
    monkeypatch.setattr(sys, "argv", ["treatyline", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    code = exited.value.code
    return (code if isinstance(code, int) else 0), capsys.readouterr().err


def copy_example(tmp_path: Path, name: str, mutate: Mutation | None = None) -> Path:
    folder = tmp_path / name
    shutil.copytree(EXAMPLES / name, folder)
    if mutate is not None:
        data = load_yaml(folder / "treaty.yaml").data
        mutate(data)
        (folder / "treaty.yaml").write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def assert_refused(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                   folder: Path, expected: str, commands: tuple[str, ...] = ("check", "assess"),
                   ) -> None:
    for command in commands:
        args = [command, str(folder)]
        if command in ("status", "assess"):
            args += ["--as-of", AS_OF[folder.name]]
        code, err = cli(capsys, monkeypatch, *args)
        assert "internal error" not in err and "Traceback" not in err, (command, err)
        assert code == 1, (command, err)
        assert LOCATED.search(err), (command, err)
        assert expected in err, (command, err)


def _set(*path: str | int, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value
    return mutate


# --- 1. periods and dates -------------------------------------------------------------------

PERIODS = [
    ("istanbul-2022", _set("entry_into_force", "effective", value="999999999 days"),
     "more than 1000 years"),
    ("istanbul-2022", _set("entry_into_force", "effective", value={"days": 10**20}),
     "more than 1000 years"),
    ("istanbul-2022", _set("entry_into_force", "late_instruments", value="4000000 months"),
     "more than 1000 years"),
    ("istanbul-2022", _set("provisions", 2, "deadline", value="99999 years"),
     "more than 1000 years"),
    ("istanbul-2022", _set("provisions", 2, "trigger", "window", value=10**20),
     "more than 1000 years"),
    ("istanbul-2022", _set("provisions", 2, "deadline", value="1 year 99999999999999999 days"),
     "more than 1000 years"),
    ("nato-1949", _set("procedure", "denunciation", "notice", value="1001 years"),
     "more than 1000 years"),
    ("minsk-2015", _set("provisions", 2, "measure", "deadline", value="99999 years"),
     "more than 1000 years"),
    ("minsk-2015", _set("provisions", 1, "measure", "baseline",
                        value={"start": "0001-01-01", "end": "0001-01-10"}),
     "outside the dates treatyline accepts"),
    ("minsk-2015", _set("provisions", 1, "measure", "after",
                        value={"start": "9999-12-30", "end": "9999-12-31"}),
     "outside the dates treatyline accepts"),
    ("minsk-2015", _set("provisions", 1, "measure", "baseline", value={"days": 10**9}),
     "less than or equal to 36525"),
    ("minsk-2015", _set("provisions", 1, "measure", "baseline",
                        value={"start": "1000-01-01", "end": "1000-01-02"}),
     "within 36525 days"),
    ("minsk-2015", _set("provisions", 0, "start", value="9999-12-31T23:00-05:00"),
     "outside the dates treatyline accepts"),
    ("minsk-2015", _set("provisions", 2, "measure", "deadline", value="9999-12-31"),
     "outside the dates treatyline accepts"),
    ("nato-1949", _set("adopted", value="0001-01-01"), "outside the dates treatyline accepts"),
]


@pytest.mark.parametrize(("example", "mutate", "expected"), PERIODS,
                         ids=[f"{e}-{i}" for i, (e, _, _) in enumerate(PERIODS)])
def test_huge_periods_and_dates_are_refused_at_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    example: str, mutate: Mutation, expected: str,
) -> None:
    folder = copy_example(tmp_path, example, mutate)
    assert_refused(capsys, monkeypatch, folder, expected)


def test_a_period_of_1000_years_is_accepted_and_computed(tmp_path: Path) -> None:
    folder = copy_example(tmp_path, "minsk-2015",
                          _set("provisions", 2, "measure", "deadline", value="1000 years"))
    treaty = load_treaty(folder / "treaty.yaml")
    deadline = treaty.provisions[2].measure.deadline  # type: ignore[union-attr]
    assert isinstance(deadline, Offset)
    assert deadline.after(date(2015, 2, 15)) == date(3015, 2, 15)


def test_calendar_raises_a_clean_error_past_the_end_of_the_calendar() -> None:
    with pytest.raises(DateRangeError, match="outside the calendar"):
        Offset(years=2).after(date(9999, 6, 1))
    with pytest.raises(DateRangeError, match="outside the calendar"):
        Offset(days=1).after(date.max)
    with pytest.raises(DateRangeError):
        Offset(days=1, then="first_day_of_next_month").after(date(9999, 12, 1))
    with pytest.raises(DateRangeError):
        add_months(date(1, 1, 1), -1)
    # a treaty's own dates and periods never get there
    assert Offset(years=MAX_PERIOD_YEARS).after(LAST_DAY) == date.max
    for bad in ({"years": MAX_PERIOD_YEARS + 1}, {"days": 10**20}, {"months": 4_000_000},
                {"years": 999, "months": 13}, {"days": "3"}, {"days": True}, {"days": 1.5}):
        with pytest.raises(ValueError):
            Offset(**bad)


def test_assess_with_an_as_of_date_at_the_end_of_the_calendar(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Deadlines computed from days near 9999-12-31 stop at the calendar's end."""
    for example in ("istanbul-2022", "minsk-2015"):
        code, err = cli(capsys, monkeypatch, "assess", str(EXAMPLES / example), "--as-of",
                        "9999-12-31")
        assert "internal error" not in err and "Traceback" not in err, err
        assert code in (0, 1), err


# --- 2. values --------------------------------------------------------------------------------

VALUES = [
    ("minsk-2015", _set("places", "debaltseve", value=[38.4, float("-inf")]),
     "finite number"),
    ("minsk-2015", _set("places", "debaltseve", value=[38.4, float("nan")]), "finite number"),
    ("minsk-2015", _set("places", "debaltseve", value=[38.4, 95]), "less than or equal to 90"),
    ("minsk-2015", _set("places", "debaltseve", value=[200, 48.3]),
     "less than or equal to 180"),
    ("minsk-2015", _set("areas", "debaltseve", "corridor", "route", 1, value=[38.4, -91]),
     "greater than or equal to -90"),
    ("minsk-2015", _set("areas", "debaltseve", "corridor", "width_km", value=float("inf")),
     "finite number"),
    ("minsk-2015", _set("areas", "debaltseve", "corridor", "width_km", value=-5),
     "greater than 0"),
    ("minsk-2015", _set("areas", "debaltseve", "corridor", "width_km", value=float("nan")),
     "finite number"),
    ("minsk-2015", _set("areas", "debaltseve", "corridor", "width_km", value=1e12),
     "less than or equal to 5000"),
    ("istanbul-2022", _set("areas", "kyiv_direction", "buffer_km", value=float("inf")),
     "finite number"),
    ("istanbul-2022", _set("areas", "kyiv_direction", "buffer_km", value=-1e12),
     "greater than or equal to -5000"),
    ("istanbul-2022", _set("areas", "kyiv_direction", "buffer_km", value=float("nan")),
     "finite number"),
    ("minsk-2015", _set("provisions", 2, "measure", "distance_km", value=float("inf")),
     "finite number"),
    ("istanbul-2022", _set("parties", 0, "weights", value={"gdp": float("nan")}),
     "finite number"),
    ("istanbul-2022", _set("id", value=5), "valid string"),
    ("istanbul-2022", _set("parties", 1, "code", value=5), "valid string"),
    ("istanbul-2022", _set("provisions", 0, "id", value=5), "valid string"),
    ("istanbul-2022", lambda d: d["areas"].__setitem__(5, d["areas"].pop("crimea")),
     "valid string"),
    ("istanbul-2022", lambda d: d["groups"].__setitem__(5, d["groups"].pop("p5")),
     "valid string"),
    ("istanbul-2022", lambda d: d["act_kinds"].__setitem__(5, d["act_kinds"].pop("summit")),
     "valid string"),
    ("istanbul-2022", _set("entry_into_force", "effective", value={5: 1}),
     "unknown field(s) ['5']"),
    ("istanbul-2022", _set("entry_into_force", "effective", value={"days": "[/]"}),
     "whole number"),
    ("istanbul-2022", _set("entry_into_force", "effective", value={"then": ["x"]}),
     "then must be"),
    ("istanbul-2022", _set("entry_into_force", "effective", value=1.5), "not a period"),
]


@pytest.mark.parametrize(("example", "mutate", "expected"), VALUES,
                         ids=[f"{e}-{i}" for i, (e, _, _) in enumerate(VALUES)])
def test_values_out_of_range_are_refused_at_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    example: str, mutate: Mutation, expected: str,
) -> None:
    folder = copy_example(tmp_path, example, mutate)
    assert_refused(capsys, monkeypatch, folder, expected)


def test_norway_stays_a_string(tmp_path: Path) -> None:
    folder = copy_example(tmp_path, "nato-1949")
    path = folder / "treaty.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('"NO"', "NO"), encoding="utf-8")
    treaty = load_treaty(path)
    assert treaty.party("NO") is not None
    assert "NO" in treaty.areas["parties_territory"].iso


# --- 3. areas, built as the assessment builds them ----------------------------------------------


def _areas(tmp_path: Path, areas: dict[str, Any], files: dict[str, str | bytes] | None = None,
           ) -> Path:
    def mutate(data: dict[str, Any]) -> None:
        data["areas"].update(areas)
    folder = copy_example(tmp_path, "istanbul-2022", mutate)
    for name, content in (files or {}).items():
        target = folder / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return folder


def _problems(folder: Path) -> list[str]:
    treaty = load_bundle(folder).treaty
    with pytest.raises(SpecError) as raised:
        validate_areas(treaty)
    return [str(d) for d in raised.value.diagnostics]


def test_every_example_validates() -> None:
    for name in AS_OF:
        validate_areas(load_treaty(EXAMPLES / name / "treaty.yaml"))
    for name in ("istanbul-2022", "minsk-2015"):  # and builds (nato's union takes seconds)
        validate_areas(load_treaty(EXAMPLES / name / "treaty.yaml"), build=True)


def test_bad_iso_codes_in_areas_are_all_reported_with_their_place(tmp_path: Path) -> None:
    folder = _areas(tmp_path, {"empty": {"iso": [""]}, "spaced": {"iso": ["U A"]},
                               "unknown": {"iso": ["XX"]}, "unit": {"iso": ["UA-99"]},
                               "uses_bad": {"union": ["unknown"]}})
    problems = _problems(folder)
    for name, code in (("empty", "''"), ("spaced", "'U A'"), ("unknown", "'XX'"),
                       ("unit", "'UA-99'")):
        assert any(f"area {name!r}" in p and code in p and LOCATED.search(p)
                   for p in problems), (name, problems)


GEOJSON_CASES = [
    ("not-json.geojson", "{ nope", "is not valid JSON"),
    ("latin1.geojson", b'{"type": "Polygon", "coordinates": []} \xe9', "invalid UTF-8"),
    ("point.geojson", '{"type": "Point", "coordinates": [30, 50]}', "Point is not an area"),
    ("list.geojson", "[1, 2, 3]", "not a GeoJSON object"),
    ("nan.geojson", '{"type": "Polygon", "coordinates": [[[30, 50], [NaN, 50], [31, 51], '
                    '[30, 50]]]}', "not a number JSON allows"),
    ("inf.geojson", '{"type": "Polygon", "coordinates": [[[30, 50], [1e999, 50], [31, 51], '
                    '[30, 50]]]}', "finite"),
    ("far.geojson", '{"type": "Polygon", "coordinates": [[[30, 50], [500, 50], [31, 95], '
                    '[30, 50]]]}', "longitude is outside"),
    ("deep.geojson", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
]


@pytest.mark.parametrize(("name", "content", "expected"), GEOJSON_CASES,
                         ids=[c[0] for c in GEOJSON_CASES])
def test_broken_geojson_files_are_reported_by_check_and_assess(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    name: str, content: str | bytes, expected: str,
) -> None:
    folder = _areas(tmp_path, {"drawn": {"geojson": name}}, {name: content})
    problems = _problems(folder)
    assert any(expected in p and re.search(r"\.(yaml|geojson):\d+:\d+: error", p)
               for p in problems), problems
    # the assessment, which builds the areas its provisions use, fails cleanly too
    data = load_yaml(folder / "treaty.yaml").data
    measured = next(p for p in data["provisions"] if p.get("measure"))
    measured["areas"] = ["drawn"]
    (folder / "treaty.yaml").write_text(yaml.safe_dump(data, allow_unicode=True,
                                                       sort_keys=False), encoding="utf-8")
    code, err = cli(capsys, monkeypatch, "assess", str(folder), "--as-of", "2022-05-01",
                    "--scenario")
    assert "internal error" not in err and "Traceback" not in err, err
    assert code == 1 and expected in err, err


def test_readings_that_do_not_fit_are_reported(tmp_path: Path) -> None:
    folder = _areas(tmp_path, {"other_dispute": {"readings": {"x": {"held_by": "UA",
                                                                    "iso": ["UA-14"]}}},
                               "mixed": {"union": ["certain_areas_donetsk_luhansk",
                                                   "other_dispute"]}})
    problems = _problems(folder)
    assert any("area 'mixed'" in p and "no reading" in p and LOCATED.search(p)
               for p in problems), problems


# --- 4. files a treaty names ---------------------------------------------------------------------


def _named(tmp_path: Path, file: str) -> Path:
    return copy_example(tmp_path, "minsk-2015",
                        _set("areas", "line_of_contact_2015", "geojson", value=file))


@pytest.mark.parametrize("file", ["/etc/passwd", "../../../../../../etc/passwd",
                                  "/proc/self/environ", "../.."])
def test_a_geojson_outside_the_treaty_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    file: str,
) -> None:
    folder = _named(tmp_path, file)
    assert_refused(capsys, monkeypatch, folder, "outside the treaty's folder")
    _, err = cli(capsys, monkeypatch, "check", str(folder))
    assert "root:" not in err


def test_a_symlink_out_of_the_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = _named(tmp_path, "line.geojson")
    (folder / "line.geojson").symlink_to("/etc/passwd")
    assert_refused(capsys, monkeypatch, folder, "outside the treaty's folder")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_blocking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = _named(tmp_path, "line.geojson")
    os.mkfifo(folder / "line.geojson")
    assert_refused(capsys, monkeypatch, folder, "FIFO")


def test_a_huge_sparse_geojson_is_refused_without_reading_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = _named(tmp_path, "line.geojson")
    with open(folder / "line.geojson", "wb") as handle:
        handle.truncate(2 * 2**30)
    problems = _problems(folder)
    assert any("larger than" in p and LOCATED.search(p) for p in problems), problems
    code, err = cli(capsys, monkeypatch, "assess", str(folder), "--as-of", "2015-04-01")
    assert code == 1 and "larger than" in err and "internal error" not in err, err
